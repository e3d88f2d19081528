#include "node/node_cli.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "crypto/crypto.h"
#include "exchange/clock.h"
#include "exchange/publisher.h"
#include "exchange/transport.h"
#include "node/node_config.h"
#include "node/node_store.h"
#include "node/summary_import.h"

namespace lls::node {

namespace {

int Fail(const Status& status) {
  std::fprintf(stderr, "lls-node: %s\n", status.message().c_str());
  return status.code() == Code::kInvalidArgument ? 2 : 1;
}

Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Code::kNotFound, "cannot read " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

int ImportFile(const std::filesystem::path& config_path, const std::filesystem::path& file,
               bool json) {
  auto config = NodeConfig::Load(config_path);
  if (!config.ok()) return Fail(config.status());
  auto identity = crypto::LoadSecretKeyFile(config->key_path);
  if (!identity.ok()) return Fail(identity.status());
  auto text = ReadFile(file);
  if (!text.ok()) return Fail(text.status());
  auto summary = ImportSummaryJson(
      *text, file.string(), config->organisation, config->disclosure,
      [&](std::string_view local) { return crypto::Pseudonym(*identity, local); });
  if (!summary.ok()) return Fail(summary.status());
  auto store = NodeStore::Open(config->database());
  if (!store.ok()) return Fail(store.status());
  auto envelope = (*store)->outbox().Enqueue(*identity, *summary, SystemClock().NowMs());
  if (!envelope.ok()) return Fail(envelope.status());
  size_t points = 0, suppressed = 0;
  for (const MeasureSeries& s : summary->measures) {
    for (const MeasurePoint& p : s.points) {
      ++points;
      suppressed += (p.numerator_suppressed || p.denominator_suppressed) ? 1 : 0;
    }
  }
  if (json) {
    std::cout << nlohmann::json{{"message_id", crypto::ToHex(envelope->message_id)},
                                {"sequence", envelope->sequence},
                                {"kind", KindName(envelope->kind)},
                                {"measures", summary->measures.size()},
                                {"points", points},
                                {"suppressed_points", suppressed}}
                     .dump()
              << "\n";
  } else {
    std::cout << "queued project summary '" << summary->title << "' (sequence "
              << envelope->sequence << "): " << summary->measures.size() << " measure(s), "
              << points << " month(s), " << suppressed << " with suppressed counts\n";
  }
  return 0;
}

int Publish(const std::filesystem::path& config_path, int wait_seconds, bool json) {
  auto config = NodeConfig::Load(config_path);
  if (!config.ok()) return Fail(config.status());
  auto identity = crypto::LoadSecretKeyFile(config->key_path);
  if (!identity.ok()) return Fail(identity.status());
  auto hub = crypto::LoadPublicKeyFile(config->hub_public_key);
  if (!hub.ok()) return Fail(hub.status());
  auto store = NodeStore::Open(config->database());
  if (!store.ok()) return Fail(store.status());

  transport::ClientOptions options;
  options.endpoint = config->hub_endpoint;
  options.server_key = hub->curve;
  auto client = transport::ClientTransport::Connect(*identity, options);
  if (!client.ok()) return Fail(client.status());
  SystemClock clock;
  Publisher publisher((*store)->outbox(), **client, clock);
  auto report = publisher.PublishAll(std::chrono::seconds(wait_seconds));
  if (!report.ok()) return Fail(report.status());

  if (json) {
    std::cout << nlohmann::json{{"acked", report->acked},
                                {"duplicates", report->duplicates},
                                {"rejected", report->rejected},
                                {"remaining", report->remaining},
                                {"rejections", report->rejections}}
                     .dump()
              << "\n";
  } else {
    std::cout << "published: " << report->acked << " acknowledged (" << report->duplicates
              << " already stored), " << report->rejected << " refused, " << report->remaining
              << " still queued\n";
  }
  for (const std::string& r : report->rejections) std::fprintf(stderr, "lls-node: %s\n", r.c_str());
  if (report->remaining > 0) {
    std::fprintf(stderr,
                 "lls-node: %lld message(s) not acknowledged within %d s: no answer from the hub "
                 "at %s (they stay queued)\n",
                 static_cast<long long>(report->remaining), wait_seconds,
                 config->hub_endpoint.c_str());
    return 1;
  }
  return report->rejected > 0 ? 1 : 0;
}

int ShowStatus(const std::filesystem::path& config_path, bool json) {
  auto config = NodeConfig::Load(config_path);
  if (!config.ok()) return Fail(config.status());
  auto store = NodeStore::Open(config->database());
  if (!store.ok()) return Fail(store.status());
  auto stats = (*store)->outbox().Stats();
  if (!stats.ok()) return Fail(stats.status());
  auto rejections = (*store)->outbox().Rejections(20);
  if (!rejections.ok()) return Fail(rejections.status());
  if (json) {
    nlohmann::json rejected = nlohmann::json::array();
    for (const auto& r : *rejections) {
      rejected.push_back({{"message_id", crypto::ToHex(r.message_id)},
                          {"kind", KindName(r.kind)},
                          {"sequence", r.sequence},
                          {"reason", r.reason}});
    }
    std::cout << nlohmann::json{
                     {"hub", config->hub_endpoint},
                     {"outbox",
                      {{"queued", stats->queued},
                       {"acked", stats->acked},
                       {"rejected", stats->rejected},
                       {"next_sequence", stats->next_sequence},
                       {"last_hub_seq", stats->last_hub_seq},
                       {"last_ack", stats->last_ack_ms ? nlohmann::json(FormatTimeMs(stats->last_ack_ms))
                                                       : nlohmann::json(nullptr)},
                       {"last_error", stats->last_error.empty() ? nlohmann::json(nullptr)
                                                                : nlohmann::json(stats->last_error)},
                       {"last_error_at", stats->last_error_ms ? nlohmann::json(FormatTimeMs(stats->last_error_ms))
                                                              : nlohmann::json(nullptr)}}},
                     {"recent_rejections", rejected}}
                     .dump()
              << "\n";
    return 0;
  }
  std::cout << "outbox: " << stats->queued << " queued, " << stats->acked << " acknowledged, "
            << stats->rejected << " refused\n";
  if (stats->last_ack_ms) std::cout << "last ack: " << FormatTimeMs(stats->last_ack_ms) << "\n";
  if (!stats->last_error.empty()) {
    std::cout << "last error: " << stats->last_error << " (" << FormatTimeMs(stats->last_error_ms)
              << ")\n";
  }
  return 0;
}

}  // namespace lls::node
