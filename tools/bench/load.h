// Load: the payloads and the simulated nodes every LLS Exchange scenario uses.
//
//   SummaryMaker  signed ProjectSummary envelopes of a fixed encoded size (2 KiB by default):
//                 a real summary — valid measure codes and months, numerator <= denominator —
//                 padded with aim text, so that it passes every ingest check.
//   NodeClient    one simulated node: a CURVE connection to the hub's ingest socket, sending
//                 signed envelopes and matching Acks to them by message id, with the time each
//                 was sent (for publish->ack latency).
//   Percentile    of a sample (sorts a copy).
// NodeClient is not thread-safe: one thread per client (each has its own ZeroMQ context).
#pragma once

#include <chrono>
#include <functional>
#include <utility>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "crypto/crypto.h"
#include "exchange/transport.h"
#include "schema/messages.h"
#include "schema/status.h"

namespace lls::bench {

using SteadyTime = std::chrono::steady_clock::time_point;

// The shape of the load, the same for LLS Exchange and Mosquitto: the payload size, how many
// publishers, how many messages each keeps in flight, how many subscribers fan-out feeds.
inline constexpr size_t kPayloadBytes = 2048;
inline constexpr size_t kPublishers = 8;
inline constexpr size_t kWindow = 64;
inline constexpr size_t kSubscribers = 100;

// Figure keys (stable JSON names) that have a Mosquitto twin.
inline constexpr const char* kIngestKey = "ingest_msgs_per_s";
inline constexpr const char* kAckP50Key = "ack_p50_ms";
inline constexpr const char* kAckP99Key = "ack_p99_ms";
inline constexpr const char* kAckP999Key = "ack_p999_ms";
inline constexpr const char* kFanoutKey = "fanout_deliveries_per_s";
inline constexpr const char* kDeliveryP99Key = "delivery_p99_ms";
inline constexpr const char* kReplayKey = "replay_msgs_per_s";
inline constexpr const char* kConnectionKey = "rss_per_connection_kib";

class SummaryMaker {
 public:
  // Envelopes signed by `identity` (not owned; must outlive the maker), sequence from
  // `first_sequence`, encoded size close to `target_bytes` (within a few bytes).
  SummaryMaker(const crypto::Identity& identity, size_t target_bytes = 2048,
               uint64_t first_sequence = 1);
  // The next envelope, encoded (what goes on the wire), and its message id.
  Bytes Next(MessageId* id = nullptr);
  // The next envelope, not encoded (for writing straight into a store).
  Envelope NextEnvelope();
  uint64_t next_sequence() const { return sequence_; }

 private:
  const crypto::Identity& identity_;
  Body body_;
  uint64_t sequence_;
};

class NodeClient {
 public:
  static Result<std::unique_ptr<NodeClient>> Connect(const crypto::Identity& identity,
                                                     const std::string& endpoint,
                                                     const crypto::PublicIdentity& hub);
  // Waits for the CURVE handshake.
  Status WaitConnected(std::chrono::milliseconds timeout);
  // Sends one encoded envelope, remembering when.
  Status Send(const MessageId& id, const Bytes& encoded);
  // Reads replies for up to `timeout` (returns after the first batch that arrives): each Ack
  // adds its publish->ack time to `latencies_us` (when given) and counts in acked(); a Nack
  // is an error (kRefused with its code and text): a benchmark message must never be refused.
  Status Collect(std::chrono::milliseconds timeout, std::vector<double>* latencies_us);
  size_t in_flight() const { return sent_at_.size(); }
  uint64_t acked() const { return acked_; }
  // When on, every Ack's hub sequence and its message's send time are kept in ack_log() (for
  // joining with what subscribers receive: publish->delivery latency).
  void KeepAckLog(bool keep) { keep_ack_log_ = keep; }
  const std::vector<std::pair<uint64_t, SteadyTime>>& ack_log() const { return ack_log_; }

 private:
  explicit NodeClient(std::unique_ptr<transport::ClientTransport> transport)
      : transport_(std::move(transport)) {}
  std::unique_ptr<transport::ClientTransport> transport_;
  struct IdHash {
    size_t operator()(const MessageId& id) const;
  };
  std::unordered_map<MessageId, SteadyTime, IdHash> sent_at_;
  uint64_t acked_ = 0;
  bool keep_ack_log_ = false;
  std::vector<std::pair<uint64_t, SteadyTime>> ack_log_;
};

class HubRig;  // hub_rig.h

// What DriveIngest measured.
struct IngestRun {
  double msgs_per_s = 0;            // acked messages / measured seconds
  uint64_t acked = 0;               // in the measured phase
  double seconds = 0;               // length of the measured phase
  std::vector<double> latencies_us; // publish->ack of every message acked in the phase
  // With DriveOptions::ack_log: (hub sequence, send time) of every message acked in the phase.
  std::vector<std::pair<uint64_t, SteadyTime>> ack_log;
};

struct DriveOptions {
  double seconds = 10;       // measured, after a 1 s warm-up
  double rate_per_s = 0;     // 0: as fast as the window allows
  uint64_t first_sequence = 1;
  bool ack_log = false;      // fill IngestRun::ack_log
  // Unpaced: how many msg/s to sign in advance for (the rest is signed on the go, competing
  // with the hub for the CPU). The all-core verify rate bounds what a hub can ingest.
  double presign_rate = 15000;
  // Called once every publisher is connected and its messages are signed, just before the
  // clock starts (e.g. to start subscribers' clocks).
  std::function<void()> on_start;
};

// Publishes signed 2 KiB summaries (signed before the clock starts, so that the publishers'
// signing does not compete with the hub for the CPU during the measured phase) to the rig's (started) hub from kPublishers simulated
// nodes — rig.trusts()[0..kPublishers), one thread each — for a warm-up of 1 s and then
// `seconds` measured. rate_per_s 0: each keeps kWindow messages in flight (the maximum load);
// otherwise the publishers together send at that rate, paced, at most kWindow in flight each.
// Sequences start at `first_sequence` for every publisher (above anything already stored for
// them). Fails if any message is refused or the hub stops answering for 10 s.
Result<IngestRun> DriveIngest(const HubRig& rig, double seconds, double rate_per_s,
                              uint64_t first_sequence = 1);
Result<IngestRun> DriveIngest(const HubRig& rig, const DriveOptions& options);

// The p-th percentile (0..100) of `sample`, nearest-rank; 0 for an empty sample.
double Percentile(std::vector<double> sample, double p);

}  // namespace lls::bench
