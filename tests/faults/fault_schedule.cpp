#include "tests/faults/fault_schedule.h"

namespace lls::faults {

using namespace std::chrono_literals;

const char* FaultKindName(FaultKind kind) {
  static const char* const kNames[] = {
      "delay",           "drop",  "stall",           "half-open-replies",
      "half-open-sends", "reset", "handshake-reset", "partition"};
  return kNames[static_cast<int>(kind)];
}

const char* LinkName(Link link) { return link == Link::kNodes ? "nodes" : "federation"; }

Timing TimingOf(FaultKind kind) {
  switch (kind) {
    case FaultKind::kDelay:
      return Timing::kNone;
    case FaultKind::kHalfOpenReplies:
    case FaultKind::kHalfOpenSends:
    case FaultKind::kReset:
      return Timing::kFromStart;
    default:
      return Timing::kFromHeal;
  }
}

const char* OriginName(FaultKind kind) {
  if (kind == FaultKind::kReset) return "reset";
  return TimingOf(kind) == Timing::kFromStart ? "silence" : "heal";
}

std::vector<Episode> ScriptedEpisodes() {
  std::vector<Episode> out;
  for (Link link : {Link::kNodes, Link::kFederation}) {
    for (int k = 0; k < kFaultKinds; ++k) {
      Episode e;
      e.kind = static_cast<FaultKind>(k);
      e.link = link;
      e.gap = 500ms;
      e.duration = e.kind == FaultKind::kDrop || e.kind == FaultKind::kStall ? 2500ms : 2000ms;
      e.latency = 300ms;
      e.handshake_bytes = kHandshakeBytes - 1;
      out.push_back(e);
    }
  }
  return out;
}

Episode RandomEpisode(std::mt19937_64& rng) {
  Episode e;
  e.kind = static_cast<FaultKind>(std::uniform_int_distribution<int>(0, kFaultKinds - 1)(rng));
  e.link = std::bernoulli_distribution(0.5)(rng) ? Link::kNodes : Link::kFederation;
  e.gap = std::chrono::milliseconds(std::uniform_int_distribution<int>(300, 2000)(rng));
  const int low = e.kind == FaultKind::kDrop || e.kind == FaultKind::kStall ? 2500 : 1500;
  e.duration = std::chrono::milliseconds(std::uniform_int_distribution<int>(low, 6000)(rng));
  // Now and then a long outage, during which many resends come due (the nodes' backoff grows
  // to its cap) and the LLS hub's federation outbox grows.
  if (TimingOf(e.kind) == Timing::kFromHeal && std::bernoulli_distribution(0.15)(rng)) {
    e.duration = std::chrono::milliseconds(std::uniform_int_distribution<int>(12000, 25000)(rng));
  }
  e.latency = std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 800)(rng));
  e.handshake_bytes = std::uniform_int_distribution<size_t>(1, kHandshakeBytes - 1)(rng);
  return e;
}

std::string Describe(const Episode& e) {
  std::string text = std::string(FaultKindName(e.kind)) + " on the " + LinkName(e.link) + " link";
  if (TimingOf(e.kind) != Timing::kFromStart) {
    text += " for " + std::to_string(e.duration.count()) + " ms";
  }
  if (e.kind == FaultKind::kDelay) text += " (+" + std::to_string(e.latency.count()) + " ms)";
  if (e.kind == FaultKind::kHandshakeReset) {
    text += " (resets within the first " + std::to_string(e.handshake_bytes) + " bytes)";
  }
  return text;
}

FaultMode FaultModeOf(const Episode& e) {
  switch (e.kind) {
    case FaultKind::kDelay:
      return DelayMode(e.latency);
    case FaultKind::kDrop:
      return DropMode();
    case FaultKind::kStall:
      return StallMode();
    case FaultKind::kHalfOpenReplies:
      return HalfOpenAcksMode();
    case FaultKind::kHalfOpenSends:
      return HalfOpenSendsMode();
    case FaultKind::kReset:
      return HealthyMode();
    case FaultKind::kHandshakeReset:
      return HandshakeResetMode(e.handshake_bytes);
    case FaultKind::kPartition:
      return PartitionMode();
  }
  return HealthyMode();
}

}  // namespace lls::faults
