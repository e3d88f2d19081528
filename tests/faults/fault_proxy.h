// FaultProxy: a loopback TCP proxy that sits between a ZeroMQ client and its server (a node and
// its hub, or an LLS hub and the national hub) and injects the network faults of issue 7 item 3:
// added latency, silently discarded bytes (blackholes, half-open connections), stalls, resets
// (RST) at any moment including inside the ZMTP/CURVE handshake, and partitions (every
// connection reset, new ones refused) that later heal.
//
// Contract:
//   - One thread (started by Start, joined by the destructor) owns every socket: the listening
//     socket on 127.0.0.1, each accepted client connection and its upstream connection to the
//     server's port. It polls them (poll(2), one turn at most every 20 ms when idle) and never
//     blocks on a single socket. At most kMaxConnections pairs are open at once; a connection
//     beyond that is reset at accept.
//   - The harness thread controls it through SetMode and ResetAll, which are thread-safe and
//     SYNCHRONOUS: they return once the proxy thread has applied the change, so the caller's
//     clock reading right after the call is when the fault started (or healed), to within one
//     poll turn. counters() is thread-safe.
//   - The proxy never looks inside the bytes (they are CURVE-encrypted anyway); faults are
//     decided by byte counts and time only, so the same schedule hits any protocol.
// Loopback only: it binds 127.0.0.1 and connects to 127.0.0.1. Every descriptor is close-on-exec:
// the harness starts the hubs and nodes after its proxies, and a listening socket inherited by
// a child would keep a partitioned port open (found the first time a partition healed).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "schema/status.h"

namespace lls::faults {

// What happens to the bytes of one direction of one connection.
enum class Flow {
  kForward,  // passed on as soon as the other side can take them
  kDelay,    // passed on FaultMode::delay after they were read (order kept): latency
  kHold,     // not read any more: they wait in the kernel's buffers and arrive, intact, once the
             // flow is forwarded again (a stall: what TCP does across a short route outage)
  kDiscard,  // read and thrown away, with whatever was waiting: the peer never sees them
};

// What happens to a new connection.
enum class Admit {
  kAccept,  // accepted and connected to the server
  kPark,    // left in the kernel's accept queue (the client's connect() has completed, its first
            // bytes wait there): accepted, intact, when the mode admits again — a blackholed SYN
            // that a retransmission later gets through
  kRefuse,  // the listening socket is closed: connect() fails with ECONNREFUSED
};

struct FaultMode {
  std::string name = "healthy";
  Admit admit = Admit::kAccept;
  // Flows of the connections open when the mode is set (up: client -> server).
  Flow up = Flow::kForward;
  Flow down = Flow::kForward;
  // Flows of connections accepted while the mode holds.
  Flow fresh_up = Flow::kForward;
  Flow fresh_down = Flow::kForward;
  std::chrono::milliseconds delay{0};  // for kDelay
  // true: the connections open now keep `up`/`down` for the rest of their life, whatever later
  // modes say. A connection that lost bytes can never carry a correct stream again (TCP would
  // never deliver anything after the gap), so `drop` and the half-open faults pin theirs: the
  // endpoints must notice on their own (ZMTP heartbeats) and connect again.
  bool pin = false;
  // > 0: a connection accepted while the mode holds is reset (RST) once this many bytes of its
  // client -> server stream have been passed on: a reset inside the ZMTP greeting and CURVE
  // handshake (64-byte greeting, 200-byte HELLO, then WELCOME/INITIATE/READY) when it is below
  // about 600. The exact count is drawn per connection in [1, reset_after_bytes].
  size_t reset_after_bytes = 0;
};

// Named modes, one per fault; HealthyMode() heals.
FaultMode HealthyMode();
FaultMode DelayMode(std::chrono::milliseconds latency);
FaultMode DropMode();           // blackhole: open connections dead both ways (pinned), new parked
FaultMode StallMode();          // both ways held, new connections parked; intact at heal
FaultMode HalfOpenAcksMode();   // open connections: server -> client discarded (pinned)
FaultMode HalfOpenSendsMode();  // open connections: client -> server discarded (pinned)
FaultMode HandshakeResetMode(size_t max_bytes);  // every new connection RST inside its first bytes
FaultMode PartitionMode();  // new connections refused (call ResetAll too: the open ones die)

struct ProxyCounters {
  int64_t accepted = 0;
  int64_t rejected_over_limit = 0;   // reset at accept: kMaxConnections already open
  int64_t upstream_failures = 0;     // the server's port did not answer: client reset
  int64_t resets = 0;                // connection pairs reset (RST) by ResetAll or reset_after
  int64_t mid_handshake_resets = 0;  // ... of which by reset_after_bytes
  int64_t propagated_resets = 0;     // pairs reset because one end reset (passed on to the other)
  int64_t closed = 0;                // pairs closed normally (an end closed its side)
  int64_t bytes_up = 0, bytes_down = 0;          // passed on
  int64_t discarded_up = 0, discarded_down = 0;  // thrown away by kDiscard
  int64_t refusals = 0;  // times the listening socket was closed for kRefuse
  int64_t open = 0;      // pairs open now
};

class FaultProxy {
 public:
  static constexpr int kMaxConnections = 64;

  // Listens on 127.0.0.1:`listen_port` (0: a free port below the ephemeral range, so that a
  // client's own outgoing port never takes it while a partition has closed it) and forwards to
  // 127.0.0.1:`upstream_port`. `seed` draws the per-connection reset points.
  static Result<std::unique_ptr<FaultProxy>> Start(int upstream_port, uint64_t seed,
                                                   int listen_port = 0);
  ~FaultProxy();  // stops the thread and closes every socket (RST)
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const { return port_; }
  std::string endpoint() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

  // Applies `mode` (see FaultMode); returns once the proxy thread has.
  void SetMode(const FaultMode& mode);
  // Resets (RST, SO_LINGER 0) every open connection pair, pinned ones included; returns once
  // done. Connections parked in the accept queue are not touched.
  void ResetAll();
  ProxyCounters counters() const;
  std::string mode_name() const;

  struct Impl;

 private:
  FaultProxy() = default;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

// A free TCP port on 127.0.0.1 below the kernel's ephemeral range (ip_local_port_range), picked
// at random with `seed`; 0 when none could be bound.
int FreeLowLoopbackPort(uint64_t seed);

}  // namespace lls::faults
