#include "node/node_config.h"

#include "exchange/config_file.h"

namespace lls::node {

Result<NodeConfig> NodeConfig::Load(const std::filesystem::path& path) {
  LLS_ASSIGN_OR_RETURN(ConfigFile file, ConfigFile::Load(path));
  NodeConfig config;
  LLS_ASSIGN_OR_RETURN(config.organisation, file.String("node.organisation"));
  LLS_ASSIGN_OR_RETURN(config.key_path, file.Path("node.key"));
  LLS_ASSIGN_OR_RETURN(config.data_dir, file.Path("node.data_dir", "."));
  LLS_ASSIGN_OR_RETURN(config.hub_endpoint, file.String("hub.endpoint"));
  LLS_ASSIGN_OR_RETURN(config.hub_public_key, file.Path("hub.public_key"));
  LLS_ASSIGN_OR_RETURN(config.hub_subscribe_endpoint, file.String("hub.subscribe_endpoint", ""));
  LLS_ASSIGN_OR_RETURN(int64_t max_suppressed,
                       file.Int("disclosure.max_suppressed", 7, 0, 1000));
  LLS_ASSIGN_OR_RETURN(int64_t round_to, file.Int("disclosure.round_to", 5, 1, 1000));
  LLS_ASSIGN_OR_RETURN(auto patterns, file.StringTable("scrub.patterns"));
  LLS_ASSIGN_OR_RETURN(config.backoff.base_ms,
                       file.Int("outbox.backoff_base_ms", 500, 10, 60 * 1000));
  LLS_ASSIGN_OR_RETURN(int64_t max_s, file.Int("outbox.backoff_max_seconds", 300, 1, 86400));
  LLS_ASSIGN_OR_RETURN(std::string drop, file.String("drop.folder", ""));
  LLS_ASSIGN_OR_RETURN(int64_t poll, file.Int("drop.poll_seconds", 5, 1, 3600));
  LLS_ASSIGN_OR_RETURN(config.drop.publish, file.Bool("drop.publish", true));
  LLS_ASSIGN_OR_RETURN(config.drop.redact, file.Bool("drop.redact", false));
  LLS_RETURN_IF_ERROR(file.CheckNoUnknownKeys());
  config.disclosure.max_suppressed = static_cast<uint32_t>(max_suppressed);
  config.disclosure.round_to = static_cast<uint32_t>(round_to);
  for (auto& [name, regex] : patterns) config.scrub_patterns.push_back({name, regex});
  config.backoff.max_ms = max_s * 1000;
  if (!drop.empty()) {
    LLS_ASSIGN_OR_RETURN(config.drop.folder, file.Path("drop.folder"));
  }
  config.drop.poll_seconds = static_cast<int>(poll);
  return config;
}

}  // namespace lls::node
