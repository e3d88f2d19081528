// The fault schedule of the network-fault harness (net_faults.cpp): which fault, on which link,
// for how long, and how the harness times the link's resumption afterwards.
//
// The scripted part runs every fault kind once on the nodes link and once on the federation
// link, in a fixed order; random episodes (seeded) follow. Stage/Heal apply an episode to a
// FaultProxy; they are called from the harness thread (the proxy's setters are thread-safe).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tests/faults/fault_proxy.h"

namespace lls::faults {

enum class FaultKind {
  kDelay,            // added latency both ways; the link must keep working
  kDrop,             // blackhole: open connections dead both ways for good, new ones parked
  kStall,            // both ways held (TCP-faithful outage), new ones parked; heals intact
  kHalfOpenReplies,  // the open connections lose their server -> client direction for good
  kHalfOpenSends,    // the open connections lose their client -> server direction for good
  kReset,            // every open connection reset (RST) at once
  kHandshakeReset,   // every new connection reset inside its ZMTP/CURVE handshake
  kPartition,        // every connection reset, new ones refused, then healed
};
inline constexpr int kFaultKinds = 8;
const char* FaultKindName(FaultKind kind);

enum class Link { kNodes, kFederation };
const char* LinkName(Link link);

// From when resumption is timed. kFromHeal: the fault blocks every path while it lasts and the
// link must resume once it heals. kFromStart: the fault leaves the open connections dead (or
// gone) but new ones work at once: the endpoint must notice and reconnect on its own, so the
// time counts from the fault (detection + reconnection + resend): from the reset, or for a
// half-open connection from when it fell silent (OriginName). kNone: not timed.
enum class Timing { kFromHeal, kFromStart, kNone };
Timing TimingOf(FaultKind kind);
// What a resumption time of this kind counts from: "heal", "reset" or "silence".
const char* OriginName(FaultKind kind);

struct Episode {
  FaultKind kind = FaultKind::kDelay;
  Link link = Link::kNodes;
  std::chrono::milliseconds gap{0};       // healthy time before the fault
  std::chrono::milliseconds duration{0};  // how long the fault holds (kFromHeal, kDelay)
  std::chrono::milliseconds latency{0};   // kDelay
  size_t handshake_bytes = 0;             // kHandshakeReset: resets fall in [1, this]
};

// Client -> server bytes of a CURVE DEALER's handshake before its first message (greeting,
// HELLO, INITIATE), as measured through the proxy (fault_proxy_test.cpp checks it): a reset
// point drawn in [1, kHandshakeBytes - 1] falls inside the handshake.
inline constexpr size_t kHandshakeBytes = 567;

// Every kind on each link once: the scripted start of every run.
std::vector<Episode> ScriptedEpisodes();
// A random episode: kind, link, gap 0.3-2 s, durations 1.5-6 s (drops and stalls at least
// 2.5 s: a blackhole shorter than the heartbeat timeout is not yet detected when it heals, so
// the time to resume after it would measure the heartbeat, not the resumption), and for 15% of
// the faults timed from their heal a long outage of 12-25 s.
Episode RandomEpisode(std::mt19937_64& rng);

std::string Describe(const Episode& e);

// The proxy mode that is the fault (for kReset, which is an action, ResetAll, not a mode: the
// healthy mode it leaves behind). For kPartition the harness calls ResetAll as well.
FaultMode FaultModeOf(const Episode& e);

}  // namespace lls::faults
