// HubRig: a real lls-hub for a scenario — its folder, hub.toml, CURVE/Ed25519 keys and hub.db
// with enrolled members — started as a child process and stopped at the end.
//
// Members are made in memory (crypto::Identity::Generate) and enrolled straight into hub.db
// (HubStore::Enrol, as `lls-hub members enrol` does) before the hub starts: enrolling 5,000
// members by running the command 5,000 times would measure process start-up, not the hub.
// Their secret identities stay in the rig for the scenario's clients.
// Not thread-safe; identities may be read from any thread once Create returned.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "schema/status.h"
#include "tools/bench/child.h"

namespace lls::bench {

struct HubRigOptions {
  std::string name = "lls-bench";
  size_t trusts = 1;          // members with the trust role: trust-0001, ...
  size_t facilitators = 0;    // facilitator-0001, ...
  bool subscribe = true;      // open the subscribe socket
  bool dashboard = false;     // serve the dashboard (dashboard.url written)
  // Extra TOML appended to hub.toml (e.g. "[subscribe]\nmax_messages = 1000\n").
  std::string extra_toml;
};

class HubRig {
 public:
  // Makes `folder` (must not exist or be empty), the keys, hub.db and hub.toml. Does not start.
  static Result<std::unique_ptr<HubRig>> Create(const std::filesystem::path& folder,
                                                const HubRigOptions& options);
  // Starts `hub_program --config hub.toml run` and waits (up to `timeout`) for its endpoint
  // files. Can be called again after Stop() (same hub.db).
  Status Start(const std::filesystem::path& hub_program,
               std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // SIGTERM and wait: the hub commits what it acked before it exits.
  Status Stop();

  const std::filesystem::path& folder() const { return folder_; }
  std::filesystem::path database() const { return folder_ / "hub.db"; }
  std::filesystem::path config() const { return folder_ / "hub.toml"; }
  const std::string& endpoint() const { return endpoint_; }            // after Start
  const std::string& subscribe_endpoint() const { return subscribe_endpoint_; }
  const std::string& dashboard_url() const { return dashboard_url_; }  // "http://127.0.0.1:P/"
  const crypto::PublicIdentity& hub_key() const { return hub_key_; }
  int pid() const { return child_ ? child_->pid() : -1; }
  // Members in enrolment order: trusts first, then facilitators.
  const std::vector<crypto::Identity>& trusts() const { return trusts_; }
  const std::vector<crypto::Identity>& facilitators() const { return facilitators_; }

 private:
  HubRig() = default;
  std::filesystem::path folder_;
  HubRigOptions options_;
  crypto::PublicIdentity hub_key_;
  std::vector<crypto::Identity> trusts_;
  std::vector<crypto::Identity> facilitators_;
  std::optional<ChildProcess> child_;
  std::string endpoint_, subscribe_endpoint_, dashboard_url_;
};

}  // namespace lls::bench
