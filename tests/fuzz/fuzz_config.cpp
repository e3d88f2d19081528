// The configuration parser: ConfigFile::Parse on arbitrary text, read with the getters
// hub.toml and node.toml use (hub/hub_config.cpp, node/node_config.cpp), then the same text
// loaded as a hub and as a node configuration through HubConfig::Load and NodeConfig::Load.
//
// Properties (exchange/config_file.h): no crash, hang, uncaught exception or sanitizer report;
// an Int that reads is within its [min, max]; a Path that reads is absolute (relative paths
// resolve against the config's folder, which is absolute here); CheckNoUnknownKeys and every
// error message can be produced for any text.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "exchange/config_file.h"
#include "hub/hub_config.h"
#include "node/node_config.h"
#include "tests/fuzz/fuzz_util.h"

namespace lls::fuzz {
namespace {

void ReadString(ConfigFile& file, std::string_view key, std::optional<std::string> fallback) {
  auto value = file.String(key, std::move(fallback));
  if (!value.ok()) (void)value.status().ToString();
}

void ReadInt(ConfigFile& file, std::string_view key, int64_t fallback, int64_t min,
             int64_t max) {
  auto value = file.Int(key, fallback, min, max);
  if (value.ok() && (*value < min || *value > max)) {
    Fail(std::string(key) + ": Int returned a value outside [min, max]");
  }
}

void ReadPath(ConfigFile& file, std::string_view key, std::optional<std::string> fallback) {
  auto value = file.Path(key, std::move(fallback));
  if (value.ok() && !value->is_absolute()) Fail(std::string(key) + ": Path is not absolute");
}

// The keys and bounds of hub/hub_config.cpp.
void ReadAsHub(ConfigFile file) {
  ReadString(file, "hub.name", std::nullopt);
  ReadPath(file, "hub.key", std::nullopt);
  ReadPath(file, "hub.data_dir", ".");
  ReadString(file, "ingest.endpoint", "tcp://127.0.0.1:7401");
  ReadInt(file, "ingest.max_message_bytes", 1 << 20, 1024, 64 << 20);
  ReadInt(file, "ingest.max_future_skew_seconds", 300, 0, 7 * 24 * 3600);
  ReadInt(file, "ingest.max_age_days", 400, 1, 36500);
  ReadString(file, "ingest.zap_domain", "lls");
  ReadString(file, "subscribe.endpoint", "tcp://127.0.0.1:7402");
  (void)file.Bool("curation.auto_approve", false);
  ReadString(file, "parent.endpoint", "");
  ReadPath(file, "parent.public_key", "");
  ReadString(file, "parent.subscribe_endpoint", "");
  (void)file.NumberTable("targets");
  (void)file.Bool("dashboard.enabled", true);
  ReadString(file, "dashboard.address", "127.0.0.1");
  ReadInt(file, "dashboard.port", 7480, 0, 65535);
  Status unknown = file.CheckNoUnknownKeys();
  if (!unknown.ok()) (void)unknown.ToString();
}

// The keys and bounds of node/node_config.cpp.
void ReadAsNode(ConfigFile file) {
  ReadString(file, "node.organisation", std::nullopt);
  ReadPath(file, "node.key", std::nullopt);
  ReadPath(file, "node.data_dir", ".");
  ReadString(file, "hub.endpoint", std::nullopt);
  ReadPath(file, "hub.public_key", std::nullopt);
  ReadString(file, "hub.subscribe_endpoint", "");
  ReadInt(file, "disclosure.max_suppressed", 7, 0, 1000);
  ReadInt(file, "disclosure.round_to", 5, 1, 1000);
  (void)file.StringTable("scrub.patterns");
  ReadInt(file, "outbox.backoff_base_ms", 500, 10, 60 * 1000);
  ReadInt(file, "outbox.backoff_max_seconds", 300, 1, 86400);
  ReadPath(file, "drop.folder", "");
  ReadInt(file, "drop.poll_seconds", 5, 1, 3600);
  (void)file.Bool("drop.publish", true);
  (void)file.Bool("drop.redact", false);
  Status unknown = file.CheckNoUnknownKeys();
  if (!unknown.ok()) (void)unknown.ToString();
}

// Loads `text` from a file, as the programs do. One file, rewritten for every input.
void LoadAsFile(std::string_view text) {
  static const std::filesystem::path path = TempDir() / "fuzz.toml";
  FILE* out = fopen(path.c_str(), "wb");
  if (out == nullptr) Fail("cannot write the config file");
  if (fwrite(text.data(), 1, text.size(), out) != text.size()) Fail("cannot write the config");
  fclose(out);
  auto hub_config = hub::HubConfig::Load(path);
  if (!hub_config.ok()) (void)hub_config.status().ToString();
  auto node_config = node::NodeConfig::Load(path);
  if (!node_config.ok()) (void)node_config.status().ToString();
}

}  // namespace
}  // namespace lls::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lls;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto file = ConfigFile::Parse(text, "fuzz.toml", "/etc/lls");
  if (file.ok()) {
    fuzz::ReadAsHub(*file);
    fuzz::ReadAsNode(*file);
  } else {
    (void)file.status().ToString();
  }
  fuzz::LoadAsFile(text);
  return 0;
}
