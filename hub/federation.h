// Federation, upward: what an LLS hub with a [parent] forwards to its parent hub, and the link
// that sends it (docs/hub.md "Federation", docs/protocol.md "What a hub sends its parent").
//
// Forwarder is a StateApplier (hub/state_applier.h). Its Finish runs once per batch, inside the
// batch's transaction, and queues in the hub's outbox (exchange/outbox.h, tables in hub.db):
//   - every message the hub authored in that batch with HubStore::AppendAuthored that is a
//     Relay (an approved learning item, hub/curation.h): the very envelope in the log, bytes
//     as stored, so its hub signature and the origin signature inside stay intact;
//   - one Aggregate per (lls, measure, period) cell the batch changed (coalesced: however many
//     summaries of the batch touched a cell, one forward), carrying the cell as it is at the
//     end of the batch: scope = the cell's LLS, contributing_llss = 1. A cell with nothing left
//     is forwarded with zero trusts and zero suppressed cells: the parent withdraws it.
// (A batch that fails before Finish leaves its changed cells with the aggregates; the next
// batch forwards them too. Harmless: a forward carries the cell's current state.)
// Because this happens inside the log's transaction, a crash can lose neither a change nor
// its forward. ONE sequence counter per key: the Aggregates are sealed with sequences from
// `hub_signer` (NextSignerSequence, the counter the relays use) and queued with
// Outbox::EnqueueSealed, which never touches the outbox's own counter. The parent therefore
// sees every sequence from this hub at most once, and a later Aggregate of a cell always has a
// higher sequence than an earlier one (which is how the parent orders them).
//
// ParentLink drives a Publisher over a ClientTransport to the parent's ingest endpoint, from
// the hub thread, a non-blocking step at a time (Pump). The parent refusing this hub's key
// finishes the transport; the link then waits before connecting again, like a node
// (node/daemon.cpp): a minute after a certain refusal (ZAP 400), a few seconds after handshakes
// that broke off, which a network cutting connections looks like too
// (ClientTransport::refusal_certain).
//
// Neither class is thread-safe: both run on the hub thread. Store, identity, clock and
// aggregates must outlive them.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "crypto/crypto.h"
#include "exchange/clock.h"
#include "exchange/outbox.h"
#include "exchange/publisher.h"
#include "exchange/transport.h"
#include "hub/aggregates.h"
#include "hub/hub_store.h"
#include "hub/state_applier.h"
#include "schema/status.h"

namespace lls::hub {

class Forwarder final : public StateApplier {
 public:
  // Registers the outbox tables (component "outbox") and turns on the aggregates' change
  // tracking. Needs the curation component's `hub_signer` table: open LearningCuration first.
  // `targets` (measure code -> target in its unit) set the forwarded readings' assurance.
  static Result<std::unique_ptr<Forwarder>> Open(HubStore& store, const crypto::Identity& identity,
                                                 const Clock& clock, Aggregates& aggregates,
                                                 std::map<std::string, double> targets = {});

  Status Apply(db::Database&, const AppliedMessage&) override { return Status::Ok(); }
  Status Finish(db::Database& db) override;

  Outbox& outbox() { return outbox_; }

 private:
  Forwarder(HubStore& store, const crypto::Identity& identity, const Clock& clock,
            Aggregates& aggregates)
      : store_(store),
        identity_(identity),
        clock_(clock),
        aggregates_(aggregates),
        outbox_(store.database()) {}
  Status ForwardRelay(db::Database& db, uint64_t hub_seq, int64_t now_ms);
  // The changed months of one series and every later month (their SPC readings may move).
  Status ForwardSeries(db::Database& db, const std::string& scope, const std::string& measure,
                       const std::set<std::string>& periods, int64_t now_ms);
  // `cell` null: nothing is left in it, and zeros withdraw it at the parent.
  Status ForwardCell(const CellKey& key, const AggregateRow* cell,
                     std::optional<SpcSignal> signal, db::Database& db, int64_t now_ms);

  HubStore& store_;
  const crypto::Identity& identity_;
  const Clock& clock_;
  Aggregates& aggregates_;
  Outbox outbox_;
  std::map<std::string, double> targets_;
};

struct ParentOptions {
  std::string endpoint;               // the parent's ingest endpoint
  crypto::PublicIdentity parent;      // its keys (its .public file)
};

class ParentLink {
 public:
  static constexpr auto kRetryRefused = std::chrono::seconds(60);
  static constexpr auto kRetryAfterError = std::chrono::seconds(5);

  ParentLink(Outbox& outbox, const crypto::Identity& identity, const Clock& clock,
             ParentOptions options)
      : outbox_(outbox), identity_(identity), clock_(clock), options_(std::move(options)) {}
  ~ParentLink();

  // Sends what is due (respecting each message's backoff) and applies the replies already
  // there, without waiting: the hub loop calls it once per turn (at most every 100 ms).
  // Never fails: trouble upstream (key refused, transport or outbox error) is logged and the
  // link is rebuilt after a delay, so the hub keeps serving its own members meanwhile.
  void Pump();

 private:
  Outbox& outbox_;
  const crypto::Identity& identity_;
  const Clock& clock_;
  ParentOptions options_;
  std::unique_ptr<transport::ClientTransport> transport_;
  std::unique_ptr<Publisher> publisher_;
  std::chrono::steady_clock::time_point reconnect_at_{};
};

}  // namespace lls::hub
