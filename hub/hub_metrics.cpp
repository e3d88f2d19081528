#include "hub/hub_metrics.h"

#include <cmath>
#include <cstdio>

#include "schema/messages.h"

namespace lls::hub {

namespace {

std::string EscapeLabel(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string FormatValue(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value)) return "NaN";
  // Integers print exactly; fractions with enough digits to round-trip.
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<long long>(value));
  }
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

}  // namespace

void AppendMetricHeader(std::string& out, const std::string& name, const std::string& help,
                        const char* type) {
  out += "# HELP " + name + " " + help + "\n";
  out += "# TYPE " + name + " " + type + "\n";
}

void AppendSample(std::string& out, const std::string& name,
                  const std::vector<std::pair<std::string, std::string>>& labels, double value) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) out += ',';
      out += labels[i].first + "=\"" + EscapeLabel(labels[i].second) + "\"";
    }
    out += '}';
  }
  out += ' ' + FormatValue(value) + '\n';
}

void HubMetrics::PublishIngest(const IngestCounters& counters) {
  std::lock_guard lock(mu_);
  ingest_ = counters;
}

void HubMetrics::ObserveAckLatency(double seconds, uint64_t replies) {
  std::lock_guard lock(mu_);
  size_t bucket = 0;
  while (bucket < kLatencyBuckets.size() && seconds > kLatencyBuckets[bucket]) ++bucket;
  latency_counts_[bucket] += replies;
  latency_sum_ += seconds * static_cast<double>(replies);
  latency_count_ += replies;
}

void HubMetrics::PublishSubscriptions(uint64_t requests, uint64_t entries, int64_t parked) {
  std::lock_guard lock(mu_);
  subscribe_requests_ = requests;
  subscribe_entries_ = entries;
  parked_ = parked;
}

double HubMetrics::SecondsSinceHeartbeat() const {
  int64_t beat = heartbeat_ns_.load(std::memory_order_relaxed);
  if (beat == 0) return 1e9;
  return static_cast<double>(Now() - beat) / 1e9;
}

int64_t HubMetrics::parked_subscribers() const {
  std::lock_guard lock(mu_);
  return parked_;
}

std::string HubMetrics::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  AppendMetricHeader(out, "lls_hub_messages_total",
                     "Frames received on the ingest socket, by body kind and outcome.", "counter");
  for (size_t kind = 0; kind <= kMaxKind; ++kind) {
    for (size_t outcome = 0; outcome < kIngestOutcomes; ++outcome) {
      AppendSample(out, "lls_hub_messages_total",
                   {{"kind", KindName(static_cast<Kind>(kind))},
                    {"outcome", IngestOutcomeName(static_cast<IngestOutcome>(outcome))}},
                   static_cast<double>(ingest_.by_kind[kind][outcome]));
    }
  }
  AppendMetricHeader(out, "lls_hub_nacks_total", "Refusals sent, by Nack code.", "counter");
  for (size_t code = 0; code <= kMaxNackCode; ++code) {
    AppendSample(out, "lls_hub_nacks_total", {{"code", NackCodeName(static_cast<NackCode>(code))}},
                 static_cast<double>(ingest_.nacks[code]));
  }
  AppendMetricHeader(out, "lls_hub_storage_failures_total",
                     "Reads and batch commits of hub.db that failed with a storage fault "
                     "(the batch's messages were Nacked internal), by cause.",
                     "counter");
  for (size_t fault = 1; fault < db::kStorageFaults; ++fault) {
    AppendSample(out, "lls_hub_storage_failures_total",
                 {{"cause", db::StorageFaultName(static_cast<db::StorageFault>(fault))}},
                 static_cast<double>(ingest_.storage_failures[fault]));
  }
  AppendMetricHeader(out, "lls_hub_ack_latency_seconds",
                     "From reading a frame to sending its Ack or Nack (after the batch's COMMIT).",
                     "histogram");
  uint64_t cumulative = 0;
  for (size_t b = 0; b < kLatencyBuckets.size(); ++b) {
    cumulative += latency_counts_[b];
    char le[32];
    std::snprintf(le, sizeof le, "%g", kLatencyBuckets[b]);
    AppendSample(out, "lls_hub_ack_latency_seconds_bucket", {{"le", le}},
                 static_cast<double>(cumulative));
  }
  cumulative += latency_counts_.back();
  AppendSample(out, "lls_hub_ack_latency_seconds_bucket", {{"le", "+Inf"}},
               static_cast<double>(cumulative));
  AppendSample(out, "lls_hub_ack_latency_seconds_sum", {}, latency_sum_);
  AppendSample(out, "lls_hub_ack_latency_seconds_count", {}, static_cast<double>(latency_count_));
  AppendMetricHeader(out, "lls_hub_subscribe_requests_total",
                     "Requests on the subscribe socket.", "counter");
  AppendSample(out, "lls_hub_subscribe_requests_total", {},
               static_cast<double>(subscribe_requests_));
  AppendMetricHeader(out, "lls_hub_subscribe_entries_total",
                     "Log entries sent to subscribers.", "counter");
  AppendSample(out, "lls_hub_subscribe_entries_total", {},
               static_cast<double>(subscribe_entries_));
  AppendMetricHeader(out, "lls_hub_subscribers", "Subscribers parked in a long-poll now.",
                     "gauge");
  AppendSample(out, "lls_hub_subscribers", {}, static_cast<double>(parked_));
  return out;
}

}  // namespace lls::hub
