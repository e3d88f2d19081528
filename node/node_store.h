// NodeStore: the node's SQLite database (node.db). Not thread-safe: one thread owns it.
//
// It holds what the trust imported, as imported (raw counts and texts never leave node.db:
// what leaves is built from them by publication.h, after disclosure control and scrubbing),
// the durable outbox of signed envelopes (exchange/outbox.h), and the inbox of what the hub
// redistributed (verified before it is stored, node/inbox.h) with its cursor. A project or learning item
// is *pending* when it changed since it was last published. WAL, synchronous=FULL; schema
// versioned by user_version with migrations.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "exchange/outbox.h"
#include "exchange/sqlite.h"
#include "node/import.h"

namespace lls::node {

enum class ItemKind { kProject, kLearning };

// A pending item and the revision it was read at: MarkPublished records that revision, so an
// import that lands between building a message and publishing it stays pending.
template <typename T>
struct Pending {
  T record;
  int64_t revision = 0;
};

// A message the hub redistributed, verified before it was stored (node/inbox.h).
struct InboxRecord {
  uint64_t hub_seq = 0;
  MessageId message_id{};
  Kind kind = Kind::kUnknown;
  SignPublicKey signer{};
  std::string organisation;  // the sender's organisation as the hub enrolled it
  int64_t created_at_ms = 0;
  int64_t received_at_ms = 0;
  Bytes envelope;            // the encoded envelope, exactly as received
};

// Where the inbox stands: the cursor (the next request's fromSeq) and what the hub last said.
struct InboxState {
  uint64_t next_seq = 1;
  uint64_t head_seq = 0;   // the hub's last hub sequence at the last reply
  int64_t messages = 0;    // stored in the inbox
  int64_t rejected = 0;    // entries that failed verification, ever (not stored)
  int64_t last_sync_ms = 0;  // 0: never
};

struct PublishedRef {
  ItemKind kind = ItemKind::kProject;
  std::string local_id;
  MessageId message_id{};  // the envelope that last published it
};

class NodeStore {
 public:
  static Result<std::unique_ptr<NodeStore>> Open(const std::filesystem::path& path);

  Outbox& outbox() { return outbox_; }
  db::Database& database() { return db_; }

  // Stores a parsed import in one transaction: projects and learning items are inserted or
  // replaced; counts replace the same (project, measure, period). Counts for a project that is
  // neither in the batch nor stored already are problems: then nothing is stored, the
  // problems are appended to *problems and the result is kInvalidArgument.
  Status StoreImport(const ImportBatch& batch, const std::string& origin, int64_t now_ms,
                     std::vector<ImportProblem>* problems);

  // Pending = changed since last published and not retracted.
  Result<std::vector<Pending<ProjectRecord>>> PendingProjects();
  Result<std::vector<Pending<LearningRecord>>> PendingLearning();
  Result<std::vector<CountRecord>> CountsFor(const std::string& project);
  Status MarkPublished(ItemKind kind, const std::string& local_id, int64_t revision,
                       const MessageId& message_id, int64_t now_ms);

  // What a local id was last published as; nullopt if never.
  Result<std::optional<PublishedRef>> LastPublished(const std::string& local_id);
  // Marks it retracted: it is no longer pending until imported again.
  Status MarkRetracted(ItemKind kind, const std::string& local_id, int64_t now_ms);

  // --- inbox ---
  // Stores `records` (one already held, by hub_seq or message_id, is skipped and not counted),
  // moves the cursor to `next_seq` (never backwards), notes `head_seq` and adds `rejected`,
  // all in one transaction. Returns how many records were new.
  Result<size_t> StoreInbox(const std::vector<InboxRecord>& records, uint64_t next_seq,
                            uint64_t head_seq, int64_t rejected, int64_t now_ms);
  Result<InboxState> Inbox();
  // Stored messages, by hub sequence; only of `kind` unless it is kUnknown.
  Result<std::vector<InboxRecord>> InboxMessages(Kind kind = Kind::kUnknown);

  struct Counts {
    int64_t projects = 0, pending_projects = 0, learning = 0, pending_learning = 0, counts = 0;
  };
  Result<Counts> Summary();

 private:
  explicit NodeStore(db::Database db) : db_(std::move(db)), outbox_(db_) {}
  db::Database db_;
  Outbox outbox_;  // refers to db_, declared after it
};

}  // namespace lls::node
