// NodeStore: the node's SQLite database (node.db). Holds the durable outbox; later the inbox
// of what the hub redistributed. WAL, synchronous=FULL, schema versioned by user_version.
// Not thread-safe: one thread owns it.
#pragma once

#include <filesystem>

#include "exchange/outbox.h"
#include "exchange/sqlite.h"

namespace lls::node {

class NodeStore {
 public:
  static Result<std::unique_ptr<NodeStore>> Open(const std::filesystem::path& path);

  Outbox& outbox() { return outbox_; }
  db::Database& database() { return db_; }

 private:
  explicit NodeStore(db::Database db) : db_(std::move(db)), outbox_(db_) {}
  db::Database db_;
  Outbox outbox_;  // refers to db_, declared after it
};

}  // namespace lls::node
