// NodeConfig: lls-node's TOML configuration (documented in docs/configuration.md).
//
//   [node]
//   organisation = "RXX"                 # required: the trust's ODS code
//   key = "keys/trust-a.secret"          # required: the node's secret key file (mode 0600)
//   data_dir = "."                       # node.db lives here
//   [hub]
//   endpoint = "tcp://127.0.0.1:7401"    # required: the hub's ingest endpoint
//   public_key = "keys/lls-north.public" # required: the hub's public key file (pinned)
//   [disclosure]
//   max_suppressed = 7                   # counts 1..7 are suppressed
//   round_to = 5                         # other counts rounded to the nearest 5
//
// Relative paths resolve against the config file's folder. A value type.
#pragma once

#include <filesystem>
#include <string>

#include "node/disclosure.h"
#include "schema/status.h"

namespace lls::node {

struct NodeConfig {
  std::string organisation;
  std::filesystem::path key_path;
  std::filesystem::path data_dir;
  std::string hub_endpoint;
  std::filesystem::path hub_public_key;
  SuppressionRule disclosure;

  std::filesystem::path database() const { return data_dir / "node.db"; }

  static Result<NodeConfig> Load(const std::filesystem::path& path);
};

}  // namespace lls::node
