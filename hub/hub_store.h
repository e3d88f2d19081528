// HubStore: the hub's SQLite database — member registry, its audit trail, and the append-only
// message log keyed by hub sequence.
//
// Durability: WAL with synchronous=FULL; AppendBatch commits a whole batch in one transaction
// (group commit), and the hub acks only after it returns OK. Schema versioned by user_version.
// Not thread-safe: one thread owns a HubStore. Other processes (the `members` commands) may
// write the same file; the running hub notices through DataVersion().
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "exchange/sqlite.h"
#include "hub/roles.h"
#include "schema/messages.h"
#include "schema/status.h"

namespace lls::hub {

struct Member {
  int64_t id = 0;
  std::string name;          // the key's name (from its .public file); unique
  std::string organisation;  // ODS code
  std::string display_name;
  Role role = Role::kTrust;
  std::string lls;
  crypto::PublicIdentity keys;
  int64_t enrolled_at_ms = 0;
  std::optional<int64_t> revoked_at_ms;
  bool active() const { return !revoked_at_ms.has_value(); }
};

struct EnrolRequest {
  crypto::PublicIdentity keys;
  std::string organisation;
  std::string display_name;
  Role role = Role::kTrust;
  std::string lls;
  std::string actor;  // who enrolled it (operator's login, or --actor)
};

struct MemberEvent {
  int64_t at_ms = 0;
  std::string member;
  std::string action;  // "enrol", "revoke"
  std::string actor;
  std::string detail;
};

// What the log already knows about a message id.
struct StoredMessage {
  uint64_t hub_seq = 0;
  SignPublicKey signer{};
  Bytes envelope;
};

// One verified message to append.
struct LogRecord {
  const Envelope* envelope = nullptr;  // not owned; must outlive AppendBatch
  const Bytes* encoded = nullptr;      // the canonical encoding (see Ingest)
  int64_t member_id = 0;
  int64_t received_at_ms = 0;
};

class HubStore {
 public:
  // With `create` false, a missing database is kNotFound (so a misspelt data_dir is noticed
  // by read-only commands instead of silently creating an empty hub).
  static Result<HubStore> Open(const std::filesystem::path& path, bool create = true);

  // --- members ---
  Result<Member> Enrol(const EnrolRequest& request, int64_t now_ms);
  // Revokes by name; kNotFound if unknown, kAlreadyExists if already revoked.
  Result<Member> Revoke(const std::string& name, const std::string& actor,
                        const std::string& reason, int64_t now_ms);
  Result<std::vector<Member>> Members();
  Result<std::vector<MemberEvent>> MemberEvents(size_t limit);

  // --- log ---
  Result<std::optional<StoredMessage>> FindMessage(const MessageId& id);
  // True when `signer` already used `sequence`.
  Result<bool> SequenceUsed(const SignPublicKey& signer, uint64_t sequence);
  // Appends all records in one transaction; returns their hub sequences in order.
  Result<std::vector<uint64_t>> AppendBatch(const std::vector<LogRecord>& records);

  struct LogStats {
    int64_t messages = 0;
    uint64_t last_hub_seq = 0;
  };
  Result<LogStats> Stats();
  Result<int64_t> CountByKind(Kind kind);

  // Changes whenever another connection (e.g. `lls-hub members revoke`) commits.
  Result<int64_t> DataVersion() { return db_.DataVersion(); }

 private:
  explicit HubStore(db::Database db) : db_(std::move(db)) {}
  db::Database db_;
};

}  // namespace lls::hub
