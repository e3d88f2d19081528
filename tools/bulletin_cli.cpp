#include "tools/bulletin_cli.h"

#include <cstdio>
#include <iostream>

#include "crypto/crypto.h"
#include "node/node_config.h"
#include "tools/signed_send.h"

namespace lls::tools {

namespace {

constexpr auto kAckWait = std::chrono::seconds(10);

int Fail(const Status& status) {
  std::fprintf(stderr, "lls: %s\n", status.message().c_str());
  return status.code() == Code::kInvalidArgument ? 2 : 1;
}

std::optional<ClinicalArea> ParseArea(const std::string& name) {
  for (uint16_t i = 0; i < 64; ++i) {
    auto area = static_cast<ClinicalArea>(i);
    if (name == AreaName(area)) return area;
  }
  return std::nullopt;
}

}  // namespace

int PublishBulletin(const BulletinArgs& args) {
  Bulletin bulletin;
  bulletin.title = args.title;
  bulletin.text = args.text;
  if (bulletin.title.empty() || bulletin.text.empty()) {
    return Fail(Status(Code::kInvalidArgument, "a bulletin needs --title and --text"));
  }
  if (!args.area.empty()) {
    std::optional<ClinicalArea> area = ParseArea(args.area);
    if (!area) {
      std::string known;
      for (auto a = static_cast<uint16_t>(ClinicalArea::kSmokeFreePregnancy);
           a <= static_cast<uint16_t>(ClinicalArea::kSafetyCulture); ++a) {
        known += (known.empty() ? "" : ", ") + std::string(AreaName(static_cast<ClinicalArea>(a)));
      }
      return Fail(Status(Code::kInvalidArgument,
                         "unknown --area '" + args.area + "'; use one of " + known));
    }
    bulletin.area = *area;
  }
  auto config = node::NodeConfig::Load(args.config);
  if (!config.ok()) return Fail(config.status());
  auto identity = crypto::LoadSecretKeyFile(config->key_path);
  if (!identity.ok()) return Fail(identity.status());
  auto hub = crypto::LoadPublicKeyFile(config->hub_public_key);
  if (!hub.ok()) return Fail(hub.status());
  auto outcome = SendSigned(*config, *identity, *hub, bulletin, kAckWait);
  if (!outcome.ok()) return Fail(outcome.status());
  switch (outcome->answer) {
    case SendOutcome::Answer::kRefused:
      std::fprintf(stderr, "lls: bulletin refused by the hub: %s\n", outcome->refusal.c_str());
      return 1;
    case SendOutcome::Answer::kNoAnswer:
      std::fprintf(stderr,
                   "lls: no answer from the hub at %s within %lld s; the bulletin stays queued "
                   "in %s and is sent again by the next lls bulletin or lls-node publish\n",
                   config->hub_endpoint.c_str(), static_cast<long long>(kAckWait.count()),
                   config->database().string().c_str());
      return 1;
    case SendOutcome::Answer::kAcked:
      break;
  }
  std::cout << "bulletin " << outcome->message_id << ": acknowledged by the hub\n";
  return 0;
}

}  // namespace lls::tools
