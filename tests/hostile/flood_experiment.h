// The flood experiment: a legitimate member streams signed summaries to a real `lls-hub run`;
// its publish -> Ack latency is measured first alone (baseline) and then while a Flood
// (flood.h) of unauthenticated connections hits the same port. Then everything is checked
// against hub.db. Shared by flood_test.cpp (short, correctness asserted, figures printed) and
// the `hostile_flood` harness (long runs, optional --max-p99-ratio).
//
// Not thread-safe; runs the hub, the stream client and the flood on their own threads and
// processes, and returns when all have stopped.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "schema/status.h"
#include "tests/hostile/flood.h"

namespace lls::hostile {

struct ExperimentOptions {
  int curve_clients = 1000;
  int stalled = 100;
  int garbage = 20;
  std::chrono::milliseconds reopen_after{100};
  int flood_io_threads = 1;
  std::chrono::milliseconds warmup{1000};    // legitimate traffic only, not measured
  std::chrono::milliseconds baseline{3000};  // legitimate traffic only, measured
  std::chrono::milliseconds flood{5000};     // legitimate traffic under the flood, measured
  // Sends in the first `ramp` of the flood phase (the flood's connections still opening) are
  // reported apart and left out of the flood percentiles.
  std::chrono::milliseconds ramp{500};
  // The flood runs on past `flood`, by at most this much, until every CURVE client has been
  // refused at least once (on a slow machine 1,000 handshakes take a while).
  std::chrono::milliseconds refusal_grace{15000};
  double rate_per_second = 150;
  // Keep the attacker's CPU use off the hub's, as if it ran on another machine: the hub and the
  // legitimate client on CPU 0, the flood on CPU 1 (needs two CPUs). Off: all share the CPUs.
  bool pin = false;
  // > 0: the hub's RLIMIT_NOFILE (set with prlimit once it runs), to see what it does when the
  // flood needs more descriptors than it may open. 0: it inherits ours (raised for the flood).
  uint64_t hub_file_limit = 0;
  bool keep = false;
};

struct LatencyFigures {
  size_t samples = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
};

// The hub's own view (its lls_hub_ack_latency_seconds histogram on /metrics): from reading a
// batch of frames to sending its replies, commit included. Sets apart time spent inside the
// hub's loop from time spent in transport, I/O threads and scheduling.
struct HubLatency {
  uint64_t replies = 0;
  double mean_ms = 0;
  double p99_bound_ms = 0;  // the histogram bucket holding the 99th percentile (upper bound)
};

struct ExperimentReport {
  LatencyFigures baseline, ramp, flood;
  HubLatency hub_baseline, hub_flood;
  double p99_ratio = 0;  // flood.p99 / baseline.p99
  FloodCounts flood_counts;
  double flood_seconds = 0;  // how long the flood ran
  // The legitimate stream and what hub.db holds.
  int64_t sent = 0, acked = 0, nacked = 0, unanswered = 0, stray_replies = 0;
  int64_t log_rows = 0, log_rows_acked = 0;  // log_rows_acked: rows matching an Ack's id and hubSeq
  double joined_ms = -1;      // a member connecting mid-flood: connect -> first Ack (-1: not acked)
  bool served_after = false;  // a fresh connection's publish was acked after the flood
  std::string hub_stop_line;  // "stopping: N stored, D duplicate(s) acked, R refused ..."
  int64_t hub_refused_this_run = -1;  // R, parsed from that line
  int hub_exit_code = -1;
  int hub_fds_before = -1, hub_fds_peak = -1;
  double hub_cpu_baseline = 0, hub_cpu_flood = 0;  // CPU seconds per wall second (1.0 = a core)
  uint64_t file_limit = 0;                         // RLIMIT_NOFILE soft limit in force
  std::vector<std::string> problems;               // correctness failures, one line each
};

// Runs the whole experiment. A non-OK status means it could not be set up (keys, hub, limits);
// correctness failures are listed in report.problems instead.
Result<ExperimentReport> RunFloodExperiment(const ExperimentOptions& options);

// The report as a few human-readable lines (what the test prints and the harness writes).
std::string FormatReport(const ExperimentOptions& options, const ExperimentReport& report);

}  // namespace lls::hostile
