#include "hub/hub_server.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>

#include "exchange/log.h"
#include "schema/codec.h"

namespace lls::hub {

namespace {
constexpr auto kPollTimeout = std::chrono::milliseconds(100);
// SQLite's own automatic checkpoint threshold (4 MiB of 4 KiB pages), now met off-thread.
constexpr int kCheckpointWalPages = 1000;
constexpr auto kRegistryCheckEvery = std::chrono::milliseconds(250);
constexpr size_t kMaxBatch = 256;  // frames per group commit

// Long-poll deadlines run on a monotonic clock: a wall-clock jump must not hold requests.
int64_t MonotonicMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Status WriteEndpointFile(const std::filesystem::path& path, const std::string& endpoint) {
  errno = 0;
  std::ofstream file(path, std::ios::trunc);
  file << endpoint << "\n";
  file.flush();
  // ofstream keeps no error text; errno still holds the failed call's (ENOSPC on a full disk).
  if (!file) {
    return Status(Code::kIoError, "cannot write " + path.string() +
                                      (errno != 0 ? std::string(": ") + std::strerror(errno) : ""));
  }
  return Status::Ok();
}
}  // namespace

HubServer::HubServer(const HubConfig& config, crypto::Identity identity, HubStore store,
                     const Clock& clock)
    : config_(config),
      identity_(std::move(identity)),
      store_(std::move(store)),
      clock_(clock),
      ingest_(store_, members_, clock_, config.ingest),
      subscriptions_(store_, members_, config.subscribe) {}

Result<std::unique_ptr<HubServer>> HubServer::Start(const HubConfig& config,
                                                    crypto::Identity identity, HubStore store,
                                                    const Clock& clock, HubMetrics* metrics) {
  std::unique_ptr<HubServer> server(
      new HubServer(config, std::move(identity), std::move(store), clock));
  server->metrics_ = metrics;
  LLS_RETURN_IF_ERROR(server->members_.Reload(server->store_));
  LLS_ASSIGN_OR_RETURN(server->curation_,
                       LearningCuration::Open(server->store_, server->identity_, config.curation));
  server->ingest_.AddApplier(server->curation_.get());
  server->ingest_.SetCuration(server->curation_.get());
  LLS_RETURN_IF_ERROR(Aggregates::RegisterSchema(server->store_));
  server->ingest_.AddApplier(&server->aggregates_);
  if (config.has_parent()) {
    LLS_ASSIGN_OR_RETURN(crypto::PublicIdentity parent,
                         crypto::LoadPublicKeyFile(config.parent_public_key));
    LLS_ASSIGN_OR_RETURN(server->forwarder_,
                         Forwarder::Open(server->store_, server->identity_, server->clock_,
                                         server->aggregates_, config.targets));
    server->ingest_.AddApplier(server->forwarder_.get());  // last: its Finish sees all changes
    server->parent_ = std::make_unique<ParentLink>(
        server->forwarder_->outbox(), server->identity_, server->clock_,
        ParentOptions{config.parent_endpoint, parent});
    if (!config.parent_subscribe_endpoint.empty()) {
      LLS_ASSIGN_OR_RETURN(server->downward_,
                           DownwardRelay::Open(server->store_, server->identity_, parent.sign));
      ParentSubscribeOptions down;
      down.endpoint = config.parent_subscribe_endpoint;
      down.parent = parent;
      server->parent_subscription_ = std::make_unique<ParentSubscription>(
          *server->downward_, server->identity_, server->clock_, std::move(down));
    }
  }
  LLS_ASSIGN_OR_RETURN(server->presence_, Presence::Open(server->store_));
  // No Ack waits for a checkpoint: they run on a thread of their own. A failing one is said
  // once per episode; the WAL grows meanwhile, and nothing acknowledged is at risk.
  const std::string db_path = config.database().string();
  LLS_ASSIGN_OR_RETURN(
      server->checkpointer_,
      db::WalCheckpointer::Start(server->store_.database(), kCheckpointWalPages,
                                 [db_path](const Status& status) {
                                   if (status.ok()) {
                                     log::Info("checkpointing " + db_path + " works again");
                                   } else {
                                     log::Warn("checkpointing " + db_path + ": " +
                                               status.message() +
                                               "; its WAL grows until a checkpoint works again");
                                   }
                                 }));
  LLS_ASSIGN_OR_RETURN(server->data_version_, server->store_.DataVersion());
  LLS_ASSIGN_OR_RETURN(server->transport_,
                       transport::ServerTransport::Start(server->identity_, *server,
                                                         config.server));
  // The subscribe file first: tests and scripts wait for ingest.endpoint as "the hub is up".
  std::error_code ec;
  std::filesystem::remove(config.subscribe_endpoint_file(), ec);
  const std::string& subscribe = server->transport_->subscribe_endpoint();
  if (!subscribe.empty()) {
    LLS_RETURN_IF_ERROR(WriteEndpointFile(config.subscribe_endpoint_file(), subscribe));
  }
  LLS_RETURN_IF_ERROR(WriteEndpointFile(config.endpoint_file(), server->transport_->endpoint()));
  log::Info("hub '" + config.name + "' listening on " + server->transport_->endpoint() +
            (subscribe.empty() ? "" : ", subscriptions on " + subscribe) + " with " +
            std::to_string(server->members_.active_count()) + " active member(s)" +
            (config.curation.auto_approve ? "; learning is auto-approved" : "") +
            (config.has_parent() ? "; forwarding to parent " + config.parent_endpoint : "") +
            (config.parent_subscribe_endpoint.empty()
                 ? ""
                 : "; reading the parent's " + config.parent_subscribe_endpoint));
  return server;
}

std::optional<std::string> HubServer::Admit(const crypto::CurveKey& client_key) {
  // Handshakes are rare, and a data_version check is cheap: always decide on the registry as
  // it is now, so a key revoked or enrolled a moment ago is treated as such.
  Status refreshed = RefreshMembers();
  if (!refreshed.ok()) {
    log::Error("reading the member registry: " + refreshed.message());
    return std::nullopt;  // fail closed
  }
  std::optional<std::string> admitted = members_.Admit(client_key);
  if (admitted) {
    if (const Member* member = members_.ActiveById(*admitted)) {
      presence_->Seen(member->id, clock_.NowMs());
    }
  }
  return admitted;
}

Status HubServer::RefreshMembers() {
  LLS_ASSIGN_OR_RETURN(int64_t version, store_.DataVersion());
  if (version == data_version_) return Status::Ok();
  bool revoked = false;
  LLS_RETURN_IF_ERROR(members_.Reload(store_, &revoked));
  data_version_ = version;
  drop_pending_ = drop_pending_ || revoked;
  return Status::Ok();
}

Status HubServer::Run(const std::atomic<bool>& stop) {
  auto next_check = std::chrono::steady_clock::now() + kRegistryCheckEvery;
  while (!stop.load()) {
    if (metrics_) metrics_->Heartbeat();
    auto frames = transport_->Poll(kPollTimeout, kMaxBatch);
    if (!frames.ok()) return frames.status();
    if (!frames->empty()) {
      const auto read_at = std::chrono::steady_clock::now();
      // A revocation committed before these frames were read must already apply to them.
      Status refreshed = RefreshMembers();
      if (!refreshed.ok()) log::Error("reading the member registry: " + refreshed.message());
      std::vector<transport::InboundFrame> ingest, requests;
      const int64_t now_ms = clock_.NowMs();
      for (transport::InboundFrame& frame : *frames) {
        if (const Member* member = members_.ActiveById(frame.user_id)) {
          presence_->Seen(member->id, now_ms);
        }
        (frame.channel == transport::Channel::kIngest ? ingest : requests)
            .push_back(std::move(frame));
      }
      if (!ingest.empty()) {
        for (const OutboundReply& out : ingest_.Handle(ingest)) {
          Status sent = transport_->Send(out.peer, EncodeReply(out.reply));
          if (!sent.ok()) log::Warn("reply not sent: " + sent.message());
        }
        if (metrics_) {
          std::chrono::duration<double> took = std::chrono::steady_clock::now() - read_at;
          metrics_->ObserveAckLatency(took.count(), ingest.size());
        }
        SendSubscribeReplies(subscriptions_.OnAppended(ingest_.appended()));
      }
      if (!requests.empty()) SendSubscribeReplies(subscriptions_.Handle(requests, MonotonicMs()));
    }
    SendSubscribeReplies(subscriptions_.Expire(MonotonicMs()));
    if (parent_) parent_->Pump();
    if (parent_subscription_) {
      SendSubscribeReplies(subscriptions_.OnAppended(parent_subscription_->Pump()));
    }
    presence_->SetSubscribers(static_cast<int64_t>(subscriptions_.parked()));
    PublishMetrics();
    // Presence is retried every turn until it is written: on a full disk that is ten
    // failures a second (and a turn with nothing due succeeds without writing), so it is
    // said at most every five minutes; ingest's storage lines say when writes work again.
    if (Status flushed = presence_->Flush(clock_.NowMs()); !flushed.ok()) {
      const auto now = std::chrono::steady_clock::now();
      if (!presence_warned_at_ || now - *presence_warned_at_ >= std::chrono::minutes(5)) {
        presence_warned_at_ = now;
        log::Warn("recording presence: " + flushed.message());
      }
    }
    if (drop_pending_ || std::chrono::steady_clock::now() >= next_check) {
      next_check = std::chrono::steady_clock::now() + kRegistryCheckEvery;
      Status refreshed = RefreshMembers();
      if (!refreshed.ok()) log::Error("reading the member registry: " + refreshed.message());
    }
    if (drop_pending_) {
      // ZAP runs only at the handshake, so cutting every connection makes each member pass it
      // again; revoked keys are then refused. Nodes reconnect by themselves.
      drop_pending_ = false;
      log::Info("a member was revoked: dropping all connections so that each re-authenticates");
      // Without its socket the hub cannot serve: stop with the reason rather than spin.
      LLS_RETURN_IF_ERROR(transport_->DropConnections());
      // Their connections are gone; subscribers ask again once reconnected.
      subscriptions_.DropAll();
    }
  }
  if (Status stopped = presence_->Stop(clock_.NowMs()); !stopped.ok()) {
    log::Warn("recording presence: " + stopped.message());
  }
  const IngestCounters& c = ingest_.counters();
  uint64_t refused = 0;
  for (uint64_t n : c.nacks) refused += n;
  log::Info("stopping: " + std::to_string(c.accepted) + " stored, " +
            std::to_string(c.duplicates) + " duplicate(s) acked, " + std::to_string(refused) +
            " refused this run");
  const db::CheckpointCounters cc = checkpointer_->counters();
  log::Info("checkpoints of hub.db: " + std::to_string(cc.runs) + " in the background (" +
            std::to_string(cc.failures) + " failed), " + std::to_string(cc.on_writer) +
            " on the ingest thread; longest WAL " + std::to_string(cc.max_wal_frames) +
            " page(s)");
  const SubscribeCounters& sc = subscriptions_.counters();
  if (sc.requests > 0) {
    log::Info("subscriptions: " + std::to_string(sc.requests) + " request(s), " +
              std::to_string(sc.entries) + " entr(ies) sent in " + std::to_string(sc.batches) +
              " batch(es), " + std::to_string(sc.errors) + " refused");
  }
  return Status::Ok();
}

void HubServer::PublishMetrics() {
  if (!metrics_) return;
  metrics_->PublishIngest(ingest_.counters());
  const SubscribeCounters& sc = subscriptions_.counters();
  metrics_->PublishSubscriptions(sc.requests, sc.entries,
                                 static_cast<int64_t>(subscriptions_.parked()));
}

void HubServer::SendSubscribeReplies(const std::vector<SubscribeOut>& replies) {
  for (const SubscribeOut& out : replies) {
    Status sent = transport_->Send(transport::Channel::kSubscribe, out.peer, *out.payload);
    if (!sent.ok()) log::Warn("subscription reply not sent: " + sent.message());
  }
}

}  // namespace lls::hub
