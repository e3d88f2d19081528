#include "hub/hub_server.h"

#include <chrono>
#include <fstream>

#include "exchange/log.h"
#include "schema/codec.h"

namespace lls::hub {

namespace {
constexpr auto kPollTimeout = std::chrono::milliseconds(100);
constexpr auto kRegistryCheckEvery = std::chrono::milliseconds(250);
constexpr size_t kMaxBatch = 256;  // frames per group commit
}  // namespace

HubServer::HubServer(const HubConfig& config, crypto::Identity identity, HubStore store,
                     const Clock& clock)
    : config_(config),
      identity_(std::move(identity)),
      store_(std::move(store)),
      clock_(clock),
      ingest_(store_, members_, clock_, config.ingest) {}

Result<std::unique_ptr<HubServer>> HubServer::Start(const HubConfig& config,
                                                    crypto::Identity identity, HubStore store,
                                                    const Clock& clock) {
  std::unique_ptr<HubServer> server(
      new HubServer(config, std::move(identity), std::move(store), clock));
  LLS_RETURN_IF_ERROR(server->members_.Reload(server->store_));
  LLS_ASSIGN_OR_RETURN(server->data_version_, server->store_.DataVersion());
  LLS_ASSIGN_OR_RETURN(server->transport_,
                       transport::ServerTransport::Start(server->identity_, *server,
                                                         config.server));
  std::ofstream endpoint_file(config.endpoint_file(), std::ios::trunc);
  endpoint_file << server->transport_->endpoint() << "\n";
  if (!endpoint_file.flush()) {
    return Status(Code::kIoError, "cannot write " + config.endpoint_file().string());
  }
  log::Info("hub '" + config.name + "' listening on " + server->transport_->endpoint() +
            " with " + std::to_string(server->members_.active_count()) + " active member(s)");
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
  return members_.Admit(client_key);
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
    auto frames = transport_->Poll(kPollTimeout, kMaxBatch);
    if (!frames.ok()) return frames.status();
    if (!frames->empty()) {
      // A revocation committed before these frames were read must already apply to them.
      Status refreshed = RefreshMembers();
      if (!refreshed.ok()) log::Error("reading the member registry: " + refreshed.message());
      for (const OutboundReply& out : ingest_.Handle(*frames)) {
        Status sent = transport_->Send(out.peer, EncodeReply(out.reply));
        if (!sent.ok()) log::Warn("reply not sent: " + sent.message());
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
    }
  }
  const IngestCounters& c = ingest_.counters();
  uint64_t refused = 0;
  for (uint64_t n : c.nacks) refused += n;
  log::Info("stopping: " + std::to_string(c.accepted) + " stored, " +
            std::to_string(c.duplicates) + " duplicate(s) acked, " + std::to_string(refused) +
            " refused this run");
  return Status::Ok();
}

}  // namespace lls::hub
