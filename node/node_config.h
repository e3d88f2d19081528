// NodeConfig: lls-node's TOML configuration (documented in docs/configuration.md).
//
//   [node]
//   organisation = "RXX"                 # required: the trust's ODS code
//   key = "keys/trust-a.secret"          # required: the node's secret key file (mode 0600)
//   data_dir = "."                       # node.db lives here
//   [hub]
//   endpoint = "tcp://127.0.0.1:7401"    # required: the hub's ingest endpoint
//   public_key = "keys/lls-north.public" # required: the hub's public key file (pinned)
//   subscribe_endpoint = ""              # the hub's subscribe endpoint; "" or absent: no inbox
//   [disclosure]
//   max_suppressed = 7                   # counts 1..7 are suppressed
//   round_to = 5                         # other counts rounded to the nearest 5
//   [scrub.patterns]                     # local identifier patterns, name = "regex"
//   hospital-number = "RX[0-9]{7}"
//   [outbox]
//   backoff_base_ms = 500                # first retry after 0.25-0.5 s, doubling ...
//   backoff_max_seconds = 300            # ... up to 2.5-5 minutes
//   [drop]                               # lls-node run only
//   folder = ""                          # a folder to watch for exports; "" = off
//   poll_seconds = 5
//   publish = true                       # publish what a dropped file imports
//   redact = false                       # redact identifiers instead of refusing
//
// Relative paths resolve against the config file's folder. A value type.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "exchange/outbox.h"
#include "node/disclosure.h"
#include "node/scrubber.h"
#include "schema/status.h"

namespace lls::node {

struct DropConfig {
  std::filesystem::path folder;  // empty: no drop folder
  int poll_seconds = 5;
  bool publish = true;
  bool redact = false;
};

struct NodeConfig {
  std::string organisation;
  std::filesystem::path key_path;
  std::filesystem::path data_dir;
  std::string hub_endpoint;
  std::filesystem::path hub_public_key;
  std::string hub_subscribe_endpoint;  // empty: the inbox is off
  SuppressionRule disclosure;
  std::vector<LocalPattern> scrub_patterns;
  Backoff backoff;
  DropConfig drop;

  std::filesystem::path database() const { return data_dir / "node.db"; }

  static Result<NodeConfig> Load(const std::filesystem::path& path);
};

}  // namespace lls::node
