// Flood: unauthenticated connections thrown at a hub's ingest port, for the flood test and the
// flood harness (issue 7 item 5: "1,000 unauthenticated connections while legitimate traffic
// flows").
//
// Three kinds of attacker, each a number of concurrent connections kept up for the whole run:
//   - CURVE clients with unknown keys (`curve_clients`): real libzmq DEALERs pinned to the
//     hub's real server key, so each completes the CURVE handshake up to the ZAP decision and is
//     refused there (status 400). libzmq 4.3.4 does not reconnect after a ZAP refusal, so the
//     flood does what an attacker would: closes the socket and opens a new one `reopen_after`
//     later. Each queues one frame, which must never reach the hub.
//   - Stalled handshakes (`stalled`): TCP connections that send nothing, or only the ZMTP
//     signature, or a whole CURVE greeting and then nothing — holding a descriptor and a
//     half-made session at the hub until it gives up on them (reopened when it does).
//   - Garbage (`garbage`): TCP connections that send one of several malformed openings (random
//     bytes, an HTTP request, NULL and PLAIN greetings with their first command, a CURVE HELLO
//     of random bytes, a command claiming 2^63 bytes), wait up to 2 s for the hub to hang up,
//     and start again.
// Every verdict is counted, so the caller can check that nobody got in and that the hub did
// hang up on the garbage.
//
// Threading: Start() runs two threads (ZeroMQ clients; raw TCP) until Stop(). counts() may be
// called from any thread. Uses zmq.hpp directly: these are clients ClientTransport exists to
// never be (hundreds of unknown keys in one context, hand-made ZMTP bytes).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "crypto/crypto.h"
#include "schema/status.h"

namespace lls::hostile {

struct FloodOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  crypto::CurveKey server_key{};  // the hub's real CURVE public key
  int curve_clients = 1000;
  int stalled = 100;
  int garbage = 20;
  std::chrono::milliseconds reopen_after{100};  // libzmq's own default reconnect interval
  int io_threads = 1;                           // of the flood's ZeroMQ context
  int cpu = -1;  // >= 0: run the flood's threads (and its I/O threads) on this CPU only
  uint64_t seed = 1;
};

struct FloodCounts {
  // CURVE clients with unknown keys.
  int64_t curve_connections = 0;      // sockets opened (each one handshake attempt)
  int64_t curve_refused_400 = 0;      // HANDSHAKE_FAILED_AUTH with ZAP status 400
  int64_t curve_refused_other = 0;    // any other handshake failure (another status, protocol)
  int64_t curve_admitted = 0;         // HANDSHAKE_SUCCEEDED: an unknown key got in (must be 0)
  int64_t curve_no_verdict = 0;       // no verdict within 10 s: reopened
  int64_t curve_clients_refused = 0;  // distinct clients refused at least once
  // Stalled handshakes.
  int64_t stalled_opened = 0;
  int64_t stalled_closed_by_hub = 0;
  int64_t stalled_max_open_ms = 0;     // the longest a stalled connection was held by the hub
  int64_t stalled_min_closed_ms = -1;  // the quickest hang-up (-1: none)
  // Garbage.
  int64_t garbage_connections = 0;
  int64_t garbage_closed_by_hub = 0;  // the hub hung up within 2 s
  int64_t garbage_bytes = 0;
  int64_t tcp_connect_failures = 0;  // connect() refused or failed (the hub not accepting)
};

class Flood {
 public:
  explicit Flood(FloodOptions options);
  ~Flood();  // Stop()
  Flood(const Flood&) = delete;
  Flood& operator=(const Flood&) = delete;

  Status Start();
  void Stop();
  FloodCounts counts() const;

 private:
  void RunCurve();
  void RunTcp();

  FloodOptions options_;
  std::atomic<bool> stop_{false};
  std::thread curve_thread_, tcp_thread_;
  mutable std::mutex mu_;
  FloodCounts counts_;
};

}  // namespace lls::hostile
