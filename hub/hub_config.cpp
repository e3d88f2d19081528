#include "hub/hub_config.h"

#include <algorithm>
#include <thread>

#include "exchange/catalogue.h"
#include "exchange/config_file.h"

namespace lls::hub {

Result<HubConfig> HubConfig::Load(const std::filesystem::path& path) {
  LLS_ASSIGN_OR_RETURN(ConfigFile file, ConfigFile::Load(path));
  HubConfig config;
  LLS_ASSIGN_OR_RETURN(config.name, file.String("hub.name"));
  LLS_ASSIGN_OR_RETURN(config.key_path, file.Path("hub.key"));
  LLS_ASSIGN_OR_RETURN(config.data_dir, file.Path("hub.data_dir", "."));
  LLS_ASSIGN_OR_RETURN(config.server.endpoint,
                       file.String("ingest.endpoint", "tcp://127.0.0.1:7401"));
  LLS_ASSIGN_OR_RETURN(int64_t max_bytes,
                       file.Int("ingest.max_message_bytes", 1 << 20, 1024, 64 << 20));
  LLS_ASSIGN_OR_RETURN(int64_t skew_s, file.Int("ingest.max_future_skew_seconds", 300, 0,
                                                7 * 24 * 3600));
  LLS_ASSIGN_OR_RETURN(int64_t age_days, file.Int("ingest.max_age_days", 400, 1, 36500));
  // 0: one per core (hub/verify_pool.h).
  LLS_ASSIGN_OR_RETURN(int64_t verify_threads, file.Int("ingest.verify_threads", 0, 0, 256));
  LLS_ASSIGN_OR_RETURN(config.server.zap_domain, file.String("ingest.zap_domain", "lls"));
  LLS_ASSIGN_OR_RETURN(config.server.subscribe_endpoint,
                       file.String("subscribe.endpoint", "tcp://127.0.0.1:7402"));
  LLS_ASSIGN_OR_RETURN(config.curation.auto_approve,
                       file.Bool("curation.auto_approve", false));
  LLS_ASSIGN_OR_RETURN(config.parent_endpoint, file.String("parent.endpoint", ""));
  LLS_ASSIGN_OR_RETURN(std::string parent_key, file.String("parent.public_key", ""));
  if (config.parent_endpoint.empty() != parent_key.empty()) {
    return Status(Code::kInvalidArgument,
                  path.string() + ": [parent] needs both endpoint and public_key, or neither");
  }
  LLS_ASSIGN_OR_RETURN(config.parent_subscribe_endpoint,
                       file.String("parent.subscribe_endpoint", ""));
  if (!config.parent_subscribe_endpoint.empty() && config.parent_endpoint.empty()) {
    return Status(Code::kInvalidArgument,
                  path.string() + ": [parent] subscribe_endpoint needs endpoint and public_key");
  }
  if (!parent_key.empty()) {
    LLS_ASSIGN_OR_RETURN(config.parent_public_key, file.Path("parent.public_key"));
  }
  LLS_ASSIGN_OR_RETURN(auto targets, file.NumberTable("targets"));
  for (const auto& [code, target] : targets) {
    if (FindMeasure(BuiltInCatalogue(), code) == nullptr) {
      return Status(Code::kInvalidArgument, path.string() + ": targets." + code +
                                                ": not a measure code; known: " +
                                                KnownCodes(BuiltInCatalogue()));
    }
    config.targets[code] = target;
  }
  LLS_ASSIGN_OR_RETURN(config.dashboard_enabled, file.Bool("dashboard.enabled", true));
  LLS_ASSIGN_OR_RETURN(config.dashboard.address, file.String("dashboard.address", "127.0.0.1"));
  LLS_ASSIGN_OR_RETURN(int64_t port, file.Int("dashboard.port", 7480, 0, 65535));
  config.dashboard.port = static_cast<int>(port);
  LLS_RETURN_IF_ERROR(file.CheckNoUnknownKeys());

  if (config.server.zap_domain.empty()) {
    return Status(Code::kInvalidArgument, path.string() + ": ingest.zap_domain must not be empty");
  }
  config.server.max_message_bytes = static_cast<size_t>(max_bytes);
  // Frames up to twice the limit are read so they can be Nacked; beyond that ZeroMQ drops
  // the connection without reading them into memory.
  config.server.socket_limit_bytes = static_cast<size_t>(max_bytes) * 2 + 65536;
  config.ingest.limits.max_frame_bytes = static_cast<size_t>(max_bytes);
  config.ingest.max_future_skew_ms = skew_s * 1000;
  config.ingest.max_age_ms = age_days * 24 * 3600 * 1000;
  config.ingest.verify_threads = verify_threads > 0
                                     ? static_cast<unsigned>(verify_threads)
                                     : std::max(1u, std::thread::hardware_concurrency());
  return config;
}

}  // namespace lls::hub
