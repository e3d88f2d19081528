// StreamClient: one enrolled member publishing signed project summaries to a real hub at a
// steady rate over its own ClientTransport, on its own thread, keeping a record of every
// message: when it was sent, what the hub answered, and when. The hostile tests hold the hub to
// these records (every Ack must be in hub.db once; nothing refused may be stored) and read
// publish -> Ack latencies from them.
//
// Open loop: messages are due every 1/rate seconds whatever the hub does, up to `window` in
// flight, so a slow hub shows as latency, not as a slower sender. A message unanswered for
// `resend_after` is sent again with the same bytes (as a node's outbox does after a dropped
// connection); its latency then counts from the first send.
//
// Threading: Start() runs the client on its own thread, which alone touches the transport.
// records() and the counters may be read from any thread (one mutex).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "crypto/crypto.h"
#include "exchange/transport.h"
#include "schema/messages.h"

namespace lls::hostile {

using SteadyTime = std::chrono::steady_clock::time_point;

// A small, valid project summary from `organisation`, signed by `identity`.
Bytes SealSummary(const crypto::Identity& identity, uint64_t sequence,
                  const std::string& organisation, const std::string& title = "Hostile test");

// Sends `frame` on `transport` and waits up to `timeout` for the reply to it (replies to other
// messages are skipped). kTimeout when none came; the transport's error (e.g.
// kUnauthenticated) when the hub refused the connection.
Result<Reply> SendAndWait(transport::ClientTransport& transport, const Bytes& frame,
                          std::chrono::milliseconds timeout);

struct StreamOptions {
  double rate_per_second = 100;
  size_t window = 64;                         // at most this many unanswered at once
  std::chrono::milliseconds resend_after{0};  // 0: never resend
  uint64_t first_sequence = 1;
  std::string title = "Hostile test stream";
  int cpu = -1;  // >= 0: run the client (and its transport's I/O thread) on this CPU only
};

struct StreamRecord {
  enum class State { kInFlight, kAcked, kNacked };
  MessageId id{};
  uint64_t sequence = 0;
  SteadyTime first_sent{}, last_sent{}, answered{};
  int sends = 0;
  State state = State::kInFlight;
  uint64_t hub_seq = 0;                    // Ack
  bool duplicate = false;                  // Ack
  NackCode code = NackCode::kUnspecified;  // Nack
  std::string text;                        // Nack
  double latency_ms() const {
    return std::chrono::duration<double, std::milli>(answered - first_sent).count();
  }
};

class StreamClient {
 public:
  StreamClient(crypto::Identity identity, std::string organisation, transport::ClientOptions hub,
               StreamOptions options);
  ~StreamClient();  // stops the thread
  StreamClient(const StreamClient&) = delete;
  StreamClient& operator=(const StreamClient&) = delete;

  void Start();
  // Stops making new messages, keeps resending and reading replies until nothing is in flight
  // or `limit` passed, then stops the thread. True when every message was answered.
  bool Finish(std::chrono::milliseconds limit);

  std::vector<StreamRecord> records() const;
  // When the hub refused this client's key at the handshake (the transport's kUnauthenticated);
  // the client stops sending then.
  std::optional<SteadyTime> refused_at() const;
  std::string refusal() const;
  // Replies that matched no message of ours, or a second answer to an answered one.
  int64_t stray_replies() const;
  const std::string& name() const { return name_; }

 private:
  void Run();
  void HandleReply(const std::vector<uint8_t>& frame);

  crypto::Identity identity_;
  std::string name_;
  std::string organisation_;
  transport::ClientOptions hub_;
  StreamOptions options_;
  std::thread thread_;
  std::atomic<bool> finishing_{false};
  std::atomic<bool> stop_{false};
  std::atomic<bool> drained_{false};

  mutable std::mutex mu_;
  std::vector<StreamRecord> records_;
  std::map<MessageId, size_t> index_;
  std::vector<Bytes> frames_;  // by record index; touched by the client thread only
  size_t in_flight_ = 0;
  std::optional<SteadyTime> refused_at_;
  std::string refusal_;
  int64_t stray_ = 0;
};

}  // namespace lls::hostile
