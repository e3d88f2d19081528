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
  const Body* body = nullptr;          // decoded body, for state appliers (may be null)
  const Member* member = nullptr;      // the sender, for state appliers (may be null)
};

class StateApplier;  // hub/state_applier.h

// A message just committed to the log: what the subscriptions need to wake parked requests.
struct Appended {
  uint64_t hub_seq = 0;
  Kind kind = Kind::kUnknown;
};

// A slice of the log for a subscriber (see ReadLog).
struct LogSlice {
  std::vector<LogEntry> entries;
  uint64_t next_seq = 1;  // where the next read should start
  uint64_t head_seq = 0;  // the last hub sequence in the log (0: empty)
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
  // Appends all records in one transaction; returns their hub sequences in order. Each applier
  // sees each record (with body and member set) inside that transaction; any error rolls the
  // whole batch back.
  Result<std::vector<uint64_t>> AppendBatch(const std::vector<LogRecord>& records,
                                            const std::vector<StateApplier*>& appliers = {});
  // For a state applier, inside AppendBatch's transaction, or for the downward relay
  // (hub/downward.h) inside a transaction of its own; kInternal outside one. Appends
  // a message the hub authored and signed itself (e.g. a relay on approval, hub/curation.h),
  // with member_id NULL — it arrived on no member's connection. The caller gives it a fresh
  // message id and the hub's next signer sequence; a clash with either fails (and rolls the
  // batch back) rather than break the log's uniqueness. Other appliers do not see it.
  // Returns its hub sequence.
  Result<uint64_t> AppendAuthored(const Envelope& envelope, const Bytes& encoded,
                                  int64_t received_at_ms);
  // The messages AppendAuthored added during the last AppendBatch, if it committed (empty
  // otherwise): the subscriptions wake parked requests with them too.
  const std::vector<Appended>& authored() const { return authored_; }

  // Brings a component's own tables up to date: applies migrations[i] for every i at or above
  // the version recorded for `component`, each in its own transaction.
  Status RegisterSchema(const std::string& component,
                        const std::vector<std::string_view>& migrations);

  // For appliers and read paths that need SQL of their own (same thread only).
  db::Database& database() { return db_; }

  // Entries with hub_seq >= from (0 reads as 1) whose kind is in `kinds`, ascending, each with
  // the organisation of the member who sent it ("" for a message the hub authored itself). Stops after `max_entries`, before the entry
  // that would take the envelopes past `max_bytes` (the first entry is always included), or
  // after scanning `scan_limit` sequences, so one call's cost is bounded whatever the history.
  // next_seq: every entry below it that matches `kinds` has been returned (now or before).
  Result<LogSlice> ReadLog(uint64_t from, const std::vector<Kind>& kinds, size_t max_entries,
                           size_t max_bytes, uint64_t scan_limit);

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
  Result<std::vector<uint64_t>> AppendBatchOnce(const std::vector<LogRecord>& records,
                                                const std::vector<StateApplier*>& appliers);
  db::Database db_;
  std::vector<Appended> authored_;  // see authored()
};

}  // namespace lls::hub
