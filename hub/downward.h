// Federation, downward: what an LLS hub with a [parent] reads from its parent and relays to
// its own members (docs/hub.md "Federation (downward)", docs/protocol.md 12.8).
//
// With `[parent] subscribe_endpoint` set, the LLS hub subscribes to its parent like any
// member (its key is enrolled there with --role hub, which reads bulletins, measure
// catalogues and relays: hub/subscriptions.h). Each entry it receives is verified (envelope
// signature; for a relay, also the signature of the envelope inside it) and then:
//   - a Bulletin or a MeasureCatalogue, and a Relay signed by the parent hub itself (learning
//     published and approved at the national hub), is RELAYED: the LLS hub appends its own
//     hub-signed Relay to its log, Relay.original = the parent's entry, bytes as received (so
//     the origin signature stays intact; a national relay is nested one level), curation
//     empty; its members read it through the normal subscribe endpoint;
//   - anything signed by this hub (its own aggregates and relays, echoed back), a relay whose
//     original this hub signed, relays of other LLS hubs, and every other kind are SKIPPED:
//     nothing is relayed twice, and learning of another LLS is not pushed down;
//   - an entry that fails verification is REJECTED: logged, not relayed.
// In all three cases the cursor moves past it. The relays and the cursor (table
// `parent_cursor` in hub.db, component "downward") are written in ONE transaction per batch,
// so after a crash the hub asks again from where it stood and relays nothing twice. Relays
// draw their sequence from NextSignerSequence (hub/curation.h), the counter shared with the
// learning relays and the forwarded aggregates.
//
// ParentSubscription drives it from the hub thread: one non-blocking step per loop turn (a
// long-poll request outstanding at the parent; an answer applied when it is there). The
// parent refusing this hub's key rebuilds the link after a delay, like ParentLink.
//
// Not thread-safe: runs on the hub thread. Store, identity and clock must outlive it.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "exchange/clock.h"
#include "exchange/subscribe_client.h"
#include "exchange/transport.h"
#include "hub/hub_store.h"
#include "schema/status.h"

namespace lls::hub {

enum class DownDecision { kRelay, kSkip, kReject };

struct DownVerdict {
  DownDecision decision = DownDecision::kSkip;
  std::string why;  // for the log: why it was skipped or rejected
};

// What to do with one entry from the parent (see the file comment). `self` is this hub's
// signing key, `parent` the parent hub's.
DownVerdict DecideDownward(const LogEntry& entry, const SignPublicKey& self,
                           const SignPublicKey& parent);

struct DownwardCounters {
  uint64_t relayed = 0;
  uint64_t skipped = 0;
  uint64_t rejected = 0;
};

class DownwardRelay {
 public:
  // Registers the component's table. Needs the curation component's `hub_signer` table: open
  // LearningCuration first.
  static Result<std::unique_ptr<DownwardRelay>> Open(HubStore& store,
                                                     const crypto::Identity& identity,
                                                     const SignPublicKey& parent);

  // The parent hub sequence to ask from next (1 for a hub that never read its parent).
  Result<uint64_t> NextSeq();
  // Applies one batch answering a request from NextSeq(): relays what is due and moves the
  // cursor, in one transaction. A batch for another starting point is ignored. Returns what
  // it appended to the log (to wake this hub's parked subscribers).
  Result<std::vector<Appended>> Apply(const SubscribeBatch& batch, int64_t now_ms);

  const DownwardCounters& counters() const { return counters_; }

 private:
  DownwardRelay(HubStore& store, const crypto::Identity& identity, const SignPublicKey& parent)
      : store_(store), identity_(identity), parent_(parent) {}

  HubStore& store_;
  const crypto::Identity& identity_;
  SignPublicKey parent_;
  DownwardCounters counters_;
};

struct ParentSubscribeOptions {
  std::string endpoint;           // the parent's subscribe endpoint
  crypto::PublicIdentity parent;  // its keys
  uint32_t wait_ms = 2000;        // long-poll asked of the parent
  uint32_t max_messages = 500;
};

class ParentSubscription {
 public:
  static constexpr auto kRetryRefused = std::chrono::seconds(60);
  static constexpr auto kRetryAfterError = std::chrono::seconds(5);

  ParentSubscription(DownwardRelay& relay, const crypto::Identity& identity, const Clock& clock,
                     ParentSubscribeOptions options)
      : relay_(relay), identity_(identity), clock_(clock), options_(std::move(options)) {}
  ~ParentSubscription();

  // One step without waiting: connects if needed, keeps a request outstanding, applies an
  // answer that is there. Never fails (trouble is logged and the link rebuilt after a delay).
  // Returns what was appended to this hub's log.
  std::vector<Appended> Pump();

 private:
  void Reset(std::chrono::seconds delay);

  DownwardRelay& relay_;
  const crypto::Identity& identity_;
  const Clock& clock_;
  ParentSubscribeOptions options_;
  std::unique_ptr<transport::ClientTransport> transport_;
  std::unique_ptr<Subscriber> subscriber_;
  std::chrono::steady_clock::time_point reconnect_at_{};
};

}  // namespace lls::hub
