// The load load.h puts on LLS Exchange, put on Mosquitto: kPublishers QoS 1 publishers of
// kPayloadBytes payloads, each with at most kWindow unacknowledged, one thread and one TLS
// client each; and kSubscribers QoS 1 subscribers of one topic carried by a few threads.
// Every payload starts with the steady_clock time it was published (nanoseconds, 8 bytes), so
// a subscriber in this process can time publish->delivery, then a number unique to the message
// within one DrivePublishers call (8 bytes), so a subscriber can tell redeliveries apart.
//
// Thread-safety: DrivePublishers is called from one thread and joins its threads before it
// returns. A SubscriberPool is owned by one thread; received() may be read at any time.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "schema/status.h"
#include "tools/bench/load.h"
#include "tools/bench/mosquitto_client.h"

namespace lls::bench {

// The unique number of a payload made by DrivePublishers (0 for a shorter payload).
uint64_t PayloadNumber(const uint8_t* payload, size_t size);

struct MqttPublishPlan {
  std::string topic;
  // All publishers together, paced; 0: each keeps kWindow in flight (the maximum load).
  double rate_per_s = 0;
  // Time-bounded (count 0): a warm-up, then `seconds` measured. Count-bounded: each
  // publisher publishes `count` messages and waits for every PUBACK; nothing is timed.
  double warmup_s = 1;
  double seconds = 0;
  uint64_t count = 0;
  uint64_t seed = 1;
  // Called with the measured phase's bounds once the publishers are connected and before the
  // first publish (e.g. to give subscribers the same window).
  std::function<void(SteadyTime from, SteadyTime to)> on_window;
};

struct MqttPublishRun {
  double msgs_per_s = 0;             // PUBACKs in the measured phase / its seconds
  uint64_t acked = 0;                // PUBACKs in the measured phase
  uint64_t acked_total = 0;          // all PUBACKs, warm-up included
  double seconds = 0;                // length of the measured phase
  std::vector<double> latencies_us;  // publish->PUBACK of each message acked in the phase
  SteadyTime measure_from{};
  SteadyTime measure_to{};
};

// Runs kPublishers publishers to `plan`, then waits (10 s at most) for the PUBACKs still
// outstanding and disconnects them.
Result<MqttPublishRun> DrivePublishers(const MqttEndpoint& endpoint, const MqttPublishPlan& plan);

// What subscribers received inside the window set with SetWindow.
struct DeliveryRun {
  uint64_t delivered = 0;            // messages, summed over subscribers
  std::vector<double> latencies_us;  // publish->delivery, when the window records them
};

class SubscriberPool {
 public:
  // `count` clean-session QoS 1 subscribers of `topic`, spread over `threads` threads;
  // returns once every one has its SUBACK.
  static Result<std::unique_ptr<SubscriberPool>> Start(const MqttEndpoint& endpoint,
                                                       const std::string& topic, size_t count,
                                                       size_t threads);
  ~SubscriberPool();  // Stop()
  SubscriberPool(const SubscriberPool&) = delete;
  SubscriberPool& operator=(const SubscriberPool&) = delete;

  // Deliveries arriving in [from, to) are counted; when `record_latency`, the deliveries of
  // messages published in [from, to) are timed, whenever they arrive. Set it before the
  // publishers start.
  void SetWindow(SteadyTime from, SteadyTime to, bool record_latency);
  // Messages received so far by all subscribers, any time.
  uint64_t received() const;
  // Disconnects the subscribers, joins the threads and returns what the window saw (or the
  // first error a thread met).
  Result<DeliveryRun> Stop();

  struct Shared;  // the window and the stop flag (mosquitto_load.cpp)
  struct Worker;  // one thread and its clients

 private:
  SubscriberPool();
  std::unique_ptr<Shared> shared_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
};

}  // namespace lls::bench
