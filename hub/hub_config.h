// HubConfig: lls-hub's TOML configuration (documented in docs/configuration.md).
//
//   [hub]
//   name = "lls-north"               # required: this hub's name, also its LLS name
//   key = "keys/lls-north.secret"    # required: the hub's secret key file (mode 0600)
//   data_dir = "."                   # hub.db and ingest.endpoint live here
//   [ingest]
//   endpoint = "tcp://127.0.0.1:7401"   # "tcp://127.0.0.1:*" picks a free port
//   max_message_bytes = 1048576         # larger frames are refused with too-large
//   max_future_skew_seconds = 300       # createdAt may run this far ahead of the hub's clock
//   max_age_days = 400                  # and be at most this old
//   verify_threads = 0                  # signature checks per batch on this many threads; 0: one per core
//   zap_domain = "lls"
//   [subscribe]
//   endpoint = "tcp://127.0.0.1:7402"   # members pull the log here; "" turns it off
//   [curation]
//   auto_approve = false                # true: learning items are approved (and relayed) on arrival
//   [parent]                            # both or neither; absent: this hub has no parent
//   endpoint = "tcp://national:7401"    # the parent hub's ingest endpoint
//   public_key = "keys/national.public" # the parent hub's public key file
//   subscribe_endpoint = "tcp://national:7402"  # optional: read the parent's bulletins,
//                                       # catalogues and learning and relay them down
//   [targets]                           # optional: a target per measure, in its unit, for
//   SATOD = 6.0                         # the SPC assurance icons (dashboard and forwarded)
//   [dashboard]
//   enabled = true                      # the web pages, JSON API, /metrics and /healthz
//   address = "127.0.0.1"               # loopback by default: put a proxy in front to share it
//   port = 7480                         # 0 picks a free port (written to dashboard.url)
//
// Relative paths resolve against the config file's folder. A value type.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "dashboard/server.h"
#include "exchange/transport.h"
#include "hub/curation.h"
#include "hub/ingest.h"
#include "hub/subscriptions.h"
#include "schema/status.h"

namespace lls::hub {

struct HubConfig {
  std::string name;
  std::filesystem::path key_path;
  std::filesystem::path data_dir;
  transport::ServerOptions server;
  IngestOptions ingest;
  SubscribeOptions subscribe;
  CurationOptions curation;
  // [parent]: aggregates and approved learning are forwarded there (hub/federation.h). This
  // hub signs with its own key: it is enrolled at the parent with --role hub.
  std::string parent_endpoint;                   // empty: no parent
  std::filesystem::path parent_public_key;
  // [parent] subscribe_endpoint: empty, nothing flows down (hub/downward.h).
  std::string parent_subscribe_endpoint;
  // [targets]: measure code -> target in the measure's unit (percent, per 1000).
  std::map<std::string, double> targets;
  bool dashboard_enabled = true;
  dashboard::ServerOptions dashboard;
  bool has_parent() const { return !parent_endpoint.empty(); }

  std::filesystem::path database() const { return data_dir / "hub.db"; }
  // Written at start-up with the bound ingest endpoint (useful with a "*" port).
  std::filesystem::path endpoint_file() const { return data_dir / "ingest.endpoint"; }
  // Written at start-up with the bound subscribe endpoint (absent when it is off).
  std::filesystem::path subscribe_endpoint_file() const { return data_dir / "subscribe.endpoint"; }

  // Written at start-up with the dashboard's address ("http://127.0.0.1:7480/").
  std::filesystem::path dashboard_url_file() const { return data_dir / "dashboard.url"; }

  static Result<HubConfig> Load(const std::filesystem::path& path);
};

}  // namespace lls::hub
