// HubServer: the running hub — one thread that owns the sockets, the database connection and
// the member directory, and loops: poll the ingest and subscribe sockets (and the ZAP handler)
// -> validate and group-commit a batch of ingest frames -> reply -> wake the parked
// subscriptions that can read what was committed -> answer or park subscribe requests ->
// answer long-polls whose wait is over -> with a parent, one non-blocking step of the upward
// link (hub/federation.h) and of the downward subscription (hub/downward.h); every 250 ms, notice registry changes and cut the
// connections of revoked members (both sockets).
//
// Not thread-safe: Run() is called on one thread; another thread (or a signal handler) may
// only set the `stop` flag it watches.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>

#include "crypto/crypto.h"
#include "exchange/clock.h"
#include "exchange/transport.h"
#include "exchange/wal_checkpointer.h"
#include "hub/aggregates.h"
#include "hub/curation.h"
#include "hub/downward.h"
#include "hub/federation.h"
#include "hub/hub_config.h"
#include "hub/hub_metrics.h"
#include "hub/hub_store.h"
#include "hub/ingest.h"
#include "hub/member_directory.h"
#include "hub/presence.h"
#include "hub/subscriptions.h"

namespace lls::hub {

class HubServer final : private transport::ZapAuthority {
 public:
  // Loads members, starts the transport (ZAP handler first), writes the endpoint file.
  // `clock` (and `metrics`, when given) must outlive the server.
  static Result<std::unique_ptr<HubServer>> Start(const HubConfig& config,
                                                  crypto::Identity identity, HubStore store,
                                                  const Clock& clock,
                                                  HubMetrics* metrics = nullptr);

  // Serves until `stop` becomes true; returns after the current batch is answered.
  Status Run(const std::atomic<bool>& stop);

  const std::string& endpoint() const { return transport_->endpoint(); }
  // Empty when the subscribe socket is off.
  const std::string& subscribe_endpoint() const { return transport_->subscribe_endpoint(); }

 private:
  HubServer(const HubConfig& config, crypto::Identity identity, HubStore store,
            const Clock& clock);
  void PublishMetrics();
  // ZapAuthority: members_ decides, after a registry re-read if another process changed it.
  std::optional<std::string> Admit(const crypto::CurveKey& client_key) override;
  // Re-reads the registry if another process changed it; notes revocations in drop_pending_,
  // which Run() acts on (never Admit: the socket must not close while ZAP answers for it).
  Status RefreshMembers();
  void SendSubscribeReplies(const std::vector<SubscribeOut>& replies);

  HubConfig config_;
  crypto::Identity identity_;
  HubStore store_;
  const Clock& clock_;
  MemberDirectory members_;
  Aggregates aggregates_;  // before ingest_, which holds a pointer to it
  Ingest ingest_;
  Subscriptions subscriptions_;
  std::unique_ptr<LearningCuration> curation_;  // learning items and their curation; refers to store_
  // With a [parent]: the forwarder (an applier, after aggregates_) and the link that drains it.
  std::unique_ptr<Forwarder> forwarder_;
  std::unique_ptr<ParentLink> parent_;
  // With [parent] subscribe_endpoint: what flows down from the parent (hub/downward.h).
  std::unique_ptr<DownwardRelay> downward_;
  std::unique_ptr<ParentSubscription> parent_subscription_;
  std::unique_ptr<Presence> presence_;  // last_seen and subscribers, for status (hub/presence.h)
  // Checkpoints hub.db's WAL off the ingest thread (exchange/wal_checkpointer.h); after
  // store_, so it stops before the connection it hooks into closes.
  std::unique_ptr<db::WalCheckpointer> checkpointer_;
  std::unique_ptr<transport::ServerTransport> transport_;
  HubMetrics* metrics_ = nullptr;  // not owned; may be null
  int64_t data_version_ = 0;
  bool drop_pending_ = false;
  // When a failure to record presence was last logged (at most one line per five minutes).
  std::optional<std::chrono::steady_clock::time_point> presence_warned_at_;
};

}  // namespace lls::hub
