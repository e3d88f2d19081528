// The network-fault harness's engine (net_faults.cpp is its command line): runs the episodes of
// a schedule (fault_schedule.h) against a FaultRegion, times each link's resumption from the
// senders' own outbox timestamps (outbox_timing.h), and runs the checks.
//
// For faults that leave only dead connections behind (half-open, reset) the link is first
// stalled until messages are in flight, so the fault hits them and no Ack from before it can be
// recorded after it. For the others the fault holds for its duration and is then healed. After
// either, every sender with messages pending (each node on the nodes link, the LLS hub's
// federation outbox on the other) must record an Ack within 30 s; the time to it is a Sample.
//
// Checks (each failure is a violation):
//   - during the run: every process keeps running; each node's outbox keeps every row it ever
//     showed, unchanged, acked rows at the same hub sequence, nothing refused, sequences 1..N
//     (crash::OutboxLedger, N1-N3);
//   - Drain: after healing everything, with nothing more fed, every node drains (nothing
//     queued or pending, the drop folder imported) and so does the federation outbox (90 s);
//   - FinalChecks: each node's rows in the LLS log (crash::CheckSignerLog H1-H3: once, at the
//     Ack's hub sequence, same bytes, nothing else), nothing refused by the drop folder, the
//     LLS hub.db's consistency (crash::CheckHubDb) and its cells equal to the trusts' latest
//     figures (crash::CheckFigures); between hubs federation_checks.h F1-F3, with
//     crash::CheckSignerLog and crash::CheckHubDb on the national hub.db.
//
// Not thread-safe: one harness thread. FeedThread runs the Feeder on a thread of its own.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/crash/node_checks.h"
#include "tests/faults/fault_region.h"
#include "tests/faults/fault_schedule.h"

namespace lls::faults {

// One timed resumption: who recorded its next Ack how long after the heal (or the fault).
struct Sample {
  int episode = 0;
  FaultKind kind = FaultKind::kDelay;
  Link link = Link::kNodes;
  std::string who;
  int64_t ms = 0;
  int64_t pending = 0;  // its messages pending at the reference instant
};

struct EpisodeRecord {
  Episode episode;
  int64_t acked_during = 0;  // kDelay: Acks recorded while the latency held
  int unsampled = 0;         // senders with nothing pending at the reference instant
};

// Feeds the nodes in the background, one node at a time, every 0.4-1.2 s.
class FeedThread {
 public:
  FeedThread(Feeder& feeder, size_t nodes, uint64_t seed)
      : thread_([this, &feeder, nodes, seed] { Run(feeder, nodes, seed); }) {}
  ~FeedThread() { Stop(); }
  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run(Feeder& feeder, size_t nodes, uint64_t seed);

  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class Harness {
 public:
  // `region` and `feeder` must outlive the harness.
  Harness(FaultRegion& region, Feeder& feeder)
      : region_(region), feeder_(feeder), ledgers_(region.nodes().size()) {}

  // One episode: the healthy gap, fresh exports, the fault, the heal, the wait for every
  // sender with messages pending to record an Ack (timed), the liveness and N1-N3 checks.
  void RunEpisode(const Episode& e, int index);
  // Heals both links and waits (bounded) until every node and the federation outbox drained.
  void Drain();
  // The end-of-run checks (see the file comment); call once every process has stopped.
  void FinalChecks();
  // Every process still running.
  void CheckAlive();

  std::vector<std::string>& violations() { return violations_; }
  const std::vector<Sample>& samples() const { return samples_; }
  const std::vector<EpisodeRecord>& episodes() const { return episodes_; }
  int64_t checks() const { return checks_; }
  int64_t node_messages() const { return node_messages_; }
  int64_t forwarded() const { return forwarded_; }
  int64_t forwarded_relays() const { return forwarded_relays_; }
  int64_t cells() const { return cells_; }
  int64_t national_cells() const { return national_cells_; }

 private:
  FaultProxy& Proxy(Link link) {
    return link == Link::kNodes ? region_.nodes_link() : region_.federation_link();
  }
  // (label, outbox database) of the senders on a link.
  std::vector<std::pair<std::string, std::filesystem::path>> Senders(Link link);
  // Waits until every sender on `link` has something queued (bounded), so a fault hits
  // messages in flight.
  void WaitQueued(Link link, std::chrono::milliseconds limit);
  // Waits for each sender on the link with messages pending at `ref` to record an Ack at or
  // after `ref`, and samples its time from `origin`; counts the Acks in [start, ref).
  void Measure(const Episode& e, int index, int64_t ref, int64_t origin, int64_t start,
               EpisodeRecord& record);
  void ObserveNodes(const std::string& when);
  void Fail(std::string text) { violations_.push_back(std::move(text)); }

  FaultRegion& region_;
  Feeder& feeder_;
  std::vector<crash::OutboxLedger> ledgers_;
  std::vector<std::string> violations_;
  std::vector<Sample> samples_;
  std::vector<EpisodeRecord> episodes_;
  int64_t checks_ = 0;
  int64_t node_messages_ = 0, forwarded_ = 0, forwarded_relays_ = 0, cells_ = 0,
          national_cells_ = 0;
};

}  // namespace lls::faults
