#include "tools/subscribe_cli.h"

#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "crypto/crypto.h"
#include "exchange/message_json.h"
#include "exchange/transport.h"
#include "node/inbox.h"
#include "node/node_config.h"

namespace lls::tools {

namespace {

constexpr auto kConnectTimeout = std::chrono::seconds(10);
constexpr uint32_t kLongPollMs = 25000;

// For a relay: the message inside (a hub relays its parent's relay nested one level), each
// level's signature verified. "verified": false when a level does not decode or verify.
nlohmann::json Origin(const Relay& relay) {
  DecodeLimits limits;
  limits.max_frame_bytes = node::kMaxEntryBytes;
  Bytes current = relay.original;
  nlohmann::json via = nlohmann::json::array();
  for (int depth = 0; depth < 3; ++depth) {
    WireResult<Envelope> e = DecodeEnvelope(current, limits);
    if (!e.ok() || !crypto::Verify(*e)) return {{"verified", false}};
    WireResult<Body> b = DecodeBody(e->body, limits);
    if (!b.ok() || KindOf(*b) != e->kind) return {{"verified", false}};
    if (const auto* inner = std::get_if<Relay>(&*b)) {
      via.push_back(crypto::ToHex(e->signer));
      current = inner->original;
      continue;
    }
    nlohmann::json out = EnvelopeHeaderToJson(*e);
    out["verified"] = true;
    out["body"] = BodyToJson(*b);
    out["relayed_via"] = via;  // signers of the relays inside the outer one
    return out;
  }
  return {{"verified", false}};
}

int Fail(const Status& status) {
  std::fprintf(stderr, "lls: %s\n", status.message().c_str());
  return status.code() == Code::kInvalidArgument ? 2 : 1;
}

}  // namespace

int Subscribe(const std::filesystem::path& config_path, uint64_t from,
              std::optional<uint64_t> count) {
  auto config = node::NodeConfig::Load(config_path);
  if (!config.ok()) return Fail(config.status());
  if (config->hub_subscribe_endpoint.empty()) {
    return Fail(Status(Code::kInvalidArgument,
                       config_path.string() + ": hub.subscribe_endpoint is not set"));
  }
  auto identity = crypto::LoadSecretKeyFile(config->key_path);
  if (!identity.ok()) return Fail(identity.status());
  auto hub = crypto::LoadPublicKeyFile(config->hub_public_key);
  if (!hub.ok()) return Fail(hub.status());
  auto client = transport::ClientTransport::Connect(
      *identity, {config->hub_subscribe_endpoint, hub->curve, node::kMaxReplyBytes});
  if (!client.ok()) return Fail(client.status());
  // Refused keys and unreachable hubs are told apart here, in one line each.
  if (Status connected = (*client)->WaitConnected(kConnectTimeout); !connected.ok()) {
    return Fail(connected);
  }
  node::Subscriber subscriber(**client);
  uint64_t cursor = std::max<uint64_t>(from, 1);
  uint64_t printed = 0;
  bool rejected = false;
  while (!count || printed < *count) {
    const uint32_t max = count ? static_cast<uint32_t>(std::min<uint64_t>(*count - printed, 1000))
                               : 1000;
    const uint32_t wait = count ? kLongPollMs : 0;
    if (Status asked = subscriber.Request(cursor, max, wait); !asked.ok()) return Fail(asked);
    auto batch = subscriber.Receive(std::chrono::milliseconds(wait) + kConnectTimeout);
    if (!batch.ok()) return Fail(batch.status());
    if (!batch->has_value()) {
      if (count) continue;  // asked again: Request resends an overdue request
      return Fail(Status(Code::kUnavailable, "no answer from the hub's subscribe endpoint at " +
                                                 config->hub_subscribe_endpoint));
    }
    const SubscribeBatch& b = **batch;
    for (const LogEntry& entry : b.entries) {
      if (entry.hub_seq < cursor) continue;
      cursor = entry.hub_seq + 1;
      auto verified = node::VerifyEntry(entry);
      if (!verified.ok()) {
        std::fprintf(stderr, "lls: %s; not printed\n", verified.status().message().c_str());
        rejected = true;
        continue;
      }
      nlohmann::json out = EnvelopeHeaderToJson(verified->envelope);
      out["verified"] = true;
      out["body"] = BodyToJson(verified->body);
      out["hub_seq"] = entry.hub_seq;
      out["from"] = entry.organisation;
      if (const auto* relay = std::get_if<Relay>(&verified->body)) out["origin"] = Origin(*relay);
      std::cout << out.dump() << "\n" << std::flush;
      if (count && ++printed >= *count) break;
    }
    if (count && printed >= *count) break;
    cursor = std::max(cursor, b.next_seq);
    if (!count && cursor > b.head_seq) break;  // caught up
  }
  return rejected ? 1 : 0;
}

}  // namespace lls::tools
