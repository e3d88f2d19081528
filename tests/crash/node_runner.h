// One trust node under the node crash harness (node_crash.cpp): its files, the real `lls-node`
// processes it starts and SIGKILLs, and what it saw of node.db.
//
// Each cycle (Cycle) the runner writes new exports (TrustData) and picks one of three ways to
// get them to the hub, killing the node part-way at a random moment:
//   import  - `lls-node import FILES` is killed (the files not committed are imported again);
//   publish - after a full import, `lls-node publish --wait 20` is killed;
//   run     - the files go to the drop folder and `lls-node run` is killed (30% of these
//             kills fall as the first file lands in processed/: imported, not yet queued).
// Then it recovers: `lls-node publish` again, or `lls-node run` until the outbox is drained
// (and, after a run kill, until what the dropped files imported is queued: `run` publishes
// dropped files, not what `lls-node import` left pending), or (import and publish only) it
// leaves what is queued or pending to the next cycle. node.db is read and checked (node_checks.h, N1-N3) after every kill and every
// recovery; `lls-node status --json` is checked after every recovery.
//
// Not thread-safe: one harness thread runs each NodeRunner; the main thread reads it between
// cycles.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "tests/crash/node_checks.h"
#include "tests/crash/node_data.h"
#include "tests/support/process.h"

namespace lls::crash {

struct NodeSite {
  std::string name;            // trust-N: key and member name
  std::filesystem::path config;  // node-N.toml
  std::filesystem::path db;      // node.db
  std::filesystem::path drop;    // the drop folder `run` watches
  std::filesystem::path files;   // where exports for `import` are written
  std::filesystem::path hub_db;
  std::filesystem::path logs;
  SignPublicKey signer{};
};

enum class Mode { kImport, kPublish, kRun };
enum class Recovery { kPublish, kRun, kCarryOver };

// Where the kill fell, judged from node.db and the hub's log right after it.
enum class Moment {
  kFinished,         // the process had exited before the signal
  kImportNone,       // import: no file of the cycle committed
  kImportSome,       // import: some files committed, not all
  kImportAll,        // import: every file committed, the process not yet gone
  kBeforeImport,     // run: the dropped files not yet imported
  kNotQueued,        // imported, pending, not yet queued
  kQueuedNotSent,    // queued, none sent yet
  kSentNotStored,    // sent (attempts > 0), not in the hub's log
  kAckLost,          // in the hub's log, still queued in node.db: killed between send and ack
  kAllAcked,         // nothing queued any more
  kCount
};
const char* MomentName(Moment m);
const char* ModeName(Mode m);
const char* RecoveryName(Recovery r);

struct NodeFigures {
  std::array<int64_t, 3> kills{};      // by Mode
  std::array<int64_t, 3> recoveries{};  // by Recovery
  std::array<int64_t, static_cast<size_t>(Moment::kCount)> moments{};
  int64_t queued_at_kill = 0;      // outbox rows queued right after a kill
  int64_t ack_lost = 0;            // distinct messages queued at a kill yet in the hub's log
  int64_t ack_lost_settled = 0;    // ... later acked at that same hub_seq
  int64_t reimported_files = 0;    // files imported again after a killed import
  int64_t duplicate_acks = 0;      // reported by recovering `publish --json`
  int64_t node_checks = 0;         // node.db and status checks passed
  int64_t stranded = 0;            // dropped files left unqueued by a restarted run (tolerated)
  void Add(const NodeFigures& o);
};

class NodeRunner {
 public:
  // `tolerate_stranded`: a dropped file whose items a restarted `run` never queues (imported
  // by a run killed before it queued them) is counted and published with `lls-node publish`
  // instead of being a violation (the known finding in docs/reliability.md).
  NodeRunner(NodeSite site, uint64_t seed, bool tolerate_stranded);

  // Cycle 0: imports and publishes the first exports, then drops a file for `run`, all without
  // a kill, and times each step (the kill delays are drawn from these times). False on failure.
  bool Baseline();
  // One cycle (see above). Violations are collected in violations().
  void Cycle(int cycle);
  // The end: publishes whatever is pending or queued, waiting for every Ack; checks as above.
  void Drain();

  const std::vector<std::string>& violations() const { return violations_; }
  const NodeDbState& state() const { return state_; }
  // Nothing queued, nothing pending: the hub's figures must equal the trust's.
  bool drained() const { return state_.queued() == 0 && state_.pending_projects == 0 &&
                                state_.pending_learning == 0; }
  const TrustData& data() const { return data_; }
  const OutboxLedger& ledger() const { return ledger_; }
  const NodeFigures& figures() const { return figures_; }
  const NodeSite& site() const { return site_; }
  const std::string& summary() const { return summary_; }  // of the last cycle, one line

 private:
  test::RunResult Node(std::vector<std::string> args, std::chrono::milliseconds timeout);
  std::vector<std::string> Args(std::vector<std::string> args) const;
  // Starts `args`, SIGKILLs it after `delay`; returns true if it had already exited.
  bool KillAfter(const std::vector<std::string>& args, std::chrono::milliseconds delay,
                 const std::string& label);
  // Starts `lls-node run`, SIGKILLs it as soon as `file` shows in the drop folder's
  // processed/ (imported, not yet queued); *at is when. Returns true if it had exited.
  bool KillWhenProcessed(const std::string& file, std::chrono::milliseconds* at);
  bool Observe(const std::string& when, bool integrity = true);
  Moment Judge(Mode mode, const std::vector<std::filesystem::path>& files, bool finished);
  bool Import(const std::vector<std::filesystem::path>& files);
  bool RecoverByPublish(int wait_seconds);
  // Runs `lls-node run` until the outbox is empty and the drop folder imported (and, with
  // `publish_pending`, nothing is pending), then SIGTERMs it.
  bool RecoverByRun(bool publish_pending);
  // `lls-node status --json` agrees with node.db, nothing rejected; with `drained` nothing
  // queued, with `published` nothing pending either.
  bool CheckStatus(bool drained, bool published);
  void CheckAckLost();
  std::chrono::milliseconds Delay(std::chrono::milliseconds typical);
  void Adapt(Mode mode, Moment moment);
  void Fail(std::string text);

  NodeSite site_;
  TrustData data_;
  std::mt19937_64 rng_;
  OutboxLedger ledger_;
  NodeDbState state_;
  NodeFigures figures_;
  std::vector<std::string> violations_;
  std::string summary_;
  std::map<MessageId, uint64_t> ack_lost_;  // queued at a kill, already at the hub: hub_seq
  // The usual duration of each step, first timed in the baseline, then adapted (Adapt) so
  // that the kills fall inside the step; kills are drawn from 0-1.2x of it (Delay).
  std::chrono::milliseconds import_time_{50}, publish_time_{200}, run_time_{600};
  std::chrono::milliseconds last_import_{0}, last_publish_{0}, last_run_{0};
  bool tolerate_stranded_ = false;
  int cycle_ = 0;
  std::string step_;  // what the cycle is doing, for violation messages
};

}  // namespace lls::crash
