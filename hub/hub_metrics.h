// HubMetrics: what the hub thread counts, readable from other threads (the dashboard's
// /metrics and /healthz). The hub thread publishes a copy of its counters after each batch
// (a few hundred integers under a mutex, far below the batch's fsync), so the ingest path
// never shares its own structures with a reader.
//
// Rendered in the Prometheus text exposition format 0.0.4:
//   lls_hub_messages_total{kind, outcome}        stored | duplicate | refused, per body kind
//   lls_hub_nacks_total{code}                    refusals by Nack code name
//   lls_hub_storage_failures_total{cause}        hub.db reads/commits failed: disk-full ...
//   lls_hub_ack_latency_seconds                  histogram: frame read -> reply sent
//   lls_hub_subscribe_requests_total, lls_hub_subscribe_entries_total
//   (the scrape adds gauges read from hub.db: see hub/dashboard_source.h)
// Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "hub/ingest.h"

namespace lls::hub {

class HubMetrics {
 public:
  // Upper bounds of the ack-latency buckets, in seconds.
  static constexpr std::array<double, 12> kLatencyBuckets = {
      0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};

  // Hub thread: the ingest counters as they stand after a batch.
  void PublishIngest(const IngestCounters& counters);
  // Hub thread: `replies` frames of one batch were answered `seconds` after being read.
  void ObserveAckLatency(double seconds, uint64_t replies);
  void PublishSubscriptions(uint64_t requests, uint64_t entries, int64_t parked);
  // Hub thread, every loop turn: the loop is alive (for /healthz).
  void Heartbeat() { heartbeat_ns_.store(Now(), std::memory_order_relaxed); }

  // Any thread: seconds since the loop last turned (a large number before the first turn).
  double SecondsSinceHeartbeat() const;
  int64_t parked_subscribers() const;
  // Any thread: the counters as Prometheus text (HELP and TYPE lines included).
  std::string Render() const;

 private:
  static int64_t Now() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  mutable std::mutex mu_;
  IngestCounters ingest_;
  std::array<uint64_t, kLatencyBuckets.size() + 1> latency_counts_{};  // last: +Inf
  double latency_sum_ = 0;
  uint64_t latency_count_ = 0;
  uint64_t subscribe_requests_ = 0, subscribe_entries_ = 0;
  int64_t parked_ = 0;
  std::atomic<int64_t> heartbeat_ns_{0};
};

// Prometheus text helpers (exposition format 0.0.4), shared by HubMetrics and the scrape's
// gauges. Label values are escaped (backslash, double quote, newline).
void AppendMetricHeader(std::string& out, const std::string& name, const std::string& help,
                        const char* type);
void AppendSample(std::string& out, const std::string& name,
                  const std::vector<std::pair<std::string, std::string>>& labels, double value);

}  // namespace lls::hub
