#include "node/node_store.h"

namespace lls::node {

Result<std::unique_ptr<NodeStore>> NodeStore::Open(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return Status(Code::kIoError, "cannot create " + path.parent_path().string());
  LLS_ASSIGN_OR_RETURN(db::Database db, db::Database::Open(path));
  LLS_RETURN_IF_ERROR(db.Migrate({Outbox::kSchemaV1}).Context(path.string()));
  return std::unique_ptr<NodeStore>(new NodeStore(std::move(db)));
}

}  // namespace lls::node
