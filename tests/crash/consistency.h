// The crash harness's checks of a hub.db left behind by a SIGKILLed hub, before it restarts.
//
// Opens the database as the next hub would (SQLite recovers the WAL), reads, and writes nothing
// of its own. The checks:
//   1. every acknowledged message id is in the log exactly once, at the Ack's hub sequence;
//   2. nothing else was stored: the members' rows in the log are exactly the acknowledged
//      messages plus the unacknowledged ones found committed (their Ack was lost in the kill);
//   3. the materialised aggregates equal RecomputeAggregates (a recomputation from the
//      per-point table the log maintains);
//   4. every acknowledged approval has its relay in the log: the item is approved, its relay_seq
//      names a Relay entry whose original is the item's envelope;
//   5. PRAGMA integrity_check answers "ok".
// Not thread-safe; call between cycles, when no client runs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "schema/messages.h"
#include "tests/crash/traffic.h"

namespace lls::crash {

struct CheckInput {
  std::map<MessageId, AckedMessage> acked;
  std::vector<std::pair<MessageId, MessageId>> approvals;  // (curation, item)
  std::vector<MessageId> unacked;  // sent, no Ack yet: each may or may not be committed
};

struct CheckResult {
  std::vector<std::string> violations;       // empty: every check passed
  int checks_passed = 0;                     // of the five above
  std::map<MessageId, uint64_t> committed_unacked;  // unacked ids found in the log
  int64_t log_rows = 0;
  int64_t relays = 0;
  int64_t aggregate_rows = 0;
};

CheckResult CheckHubDb(const std::filesystem::path& hub_db, const CheckInput& input);

}  // namespace lls::crash
