// The node crash harness's checks (node_crash.cpp): of a node.db left by a SIGKILLed
// `lls-node`, and of the hub's log against what the node's outbox queued.
//
// On the node (ReadNodeDb + OutboxLedger::Observe, after every kill and every recovery):
//   N1. PRAGMA integrity_check answers "ok";
//   N2. every outbox row ever seen is still there, with the same message id, sequence, kind and
//       signed bytes; an acked row stays acked at the same hub sequence; nothing is rejected;
//   N3. sequences are 1..N with no gap or repeat, and next_sequence is N+1.
// At the hub (CheckSignerLog, between cycles; hub.db read, not written):
//   H1. each (signer, sequence) and each message id of this node is in the log at most once;
//   H2. every row the node marked acked is in the log at the Ack's hub sequence, same bytes;
//       every log row of this signer is an outbox row (acked, or queued with its Ack lost);
//   H3. per kind, the log holds as many of the node's messages as its outbox queued (when
//       the outbox is drained).
// CheckFigures: the hub's aggregate cells equal the sum over trusts of each trust's latest
// counts after disclosure control (when every node is drained and nothing is pending).
//
// Not thread-safe; each OutboxLedger belongs to one harness thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "exchange/sqlite.h"
#include "node/disclosure.h"
#include "schema/messages.h"
#include "schema/status.h"
#include "tests/crash/node_data.h"

namespace lls::crash {

struct OutboxRow {
  int64_t local_id = 0;
  MessageId id{};
  Kind kind = Kind::kUnknown;
  uint64_t sequence = 0;
  std::string state;  // queued, acked, rejected
  int attempts = 0;
  std::optional<uint64_t> hub_seq;
  Bytes envelope;
};

struct NodeDbState {
  std::vector<OutboxRow> outbox;  // by local_id
  uint64_t next_sequence = 0;
  int64_t pending_projects = 0;   // changed since last published, not retracted
  int64_t pending_learning = 0;
  std::set<std::string> imported;  // origins in the imports table (file names or paths)
  std::string integrity;           // PRAGMA integrity_check's answer; "" when not run
  int64_t queued() const;
};

// Opens node.db as the next lls-node would (SQLite recovers the WAL) and reads it; runs
// PRAGMA integrity_check unless `integrity` is false (then NodeDbState::integrity is "").
Result<NodeDbState> ReadNodeDb(const std::filesystem::path& node_db, bool integrity = true);

// Every outbox row the harness has seen, and the checks N1-N3 against them.
class OutboxLedger {
 public:
  // Checks `state` against everything seen before, then remembers its rows. Returns the
  // violations (empty: N1-N3 passed).
  std::vector<std::string> Observe(const NodeDbState& state);
  int64_t size() const { return static_cast<int64_t>(seen_.size()); }
  // Messages seen, by kind (what the outbox ever queued).
  std::map<Kind, int64_t> by_kind() const;

 private:
  struct Seen {
    uint64_t sequence = 0;
    Kind kind = Kind::kUnknown;
    Bytes envelope;
    std::optional<uint64_t> hub_seq;
  };
  std::map<MessageId, Seen> seen_;
};

// The hub's log rows of one signer.
struct SignerLogRow {
  uint64_t hub_seq = 0;
  uint64_t sequence = 0;
  Kind kind = Kind::kUnknown;
  Bytes envelope;
};

// Reads the log rows signed by `signer` (H1 violations are appended to *violations).
std::map<MessageId, SignerLogRow> ReadSignerLog(db::Database& hub, const SignPublicKey& signer,
                                                std::vector<std::string>* violations);

// H1-H3 for one node. `name` labels the violations.
std::vector<std::string> CheckSignerLog(db::Database& hub, const std::string& name,
                                        const SignPublicKey& signer, const NodeDbState& node);

// The hub's aggregate cells vs the trusts' controlled figures. Returns violations.
std::vector<std::string> CheckFigures(db::Database& hub, const std::vector<const TrustData*>& trusts,
                                      const node::SuppressionRule& rule, int64_t* cells);

// The first 12 hex digits of an id, for messages.
std::string HexPrefix(const MessageId& id);

}  // namespace lls::crash
