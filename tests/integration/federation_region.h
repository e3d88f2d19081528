// A federated test region in a temp folder: a national hub and LLS hubs whose hub.toml names
// it as [parent], each LLS hub enrolled at the national hub with --role hub and its own key.
// Every hub binds wildcard ports; configs that need an endpoint are written once the hub that
// owns it is up (its ingest.endpoint / subscribe.endpoint files). Header-only.
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/region.h"

namespace lls::test {

class FederationRegion {
 public:
  FederationRegion() : dir_("lls-fed") {
    logs_ = dir_.path() / "logs";
    fs::create_directories(logs_);
  }

  RunResult Call(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = 30s) {
    return Run(argv, logs_, timeout);
  }
  fs::path path(const std::string& rel) const { return dir_.path() / rel; }

  void Keygen(const std::string& name) {
    RunResult r = Call({kLls, "keygen", "--name", name, "--out", path("keys").string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }

  // Writes NAME.toml for a hub (data in folder NAME), with a [parent] when `parent` is set
  // (that hub must already run; both its endpoints, so flow goes up and down), and starts it.
  void StartHub(const std::string& name, const std::string& parent = "") {
    Keygen(name);
    std::string text = "[hub]\nname = \"" + name + "\"\nkey = \"keys/" + name +
                       ".secret\"\ndata_dir = \"" + name +
                       "\"\n[ingest]\nendpoint = \"tcp://127.0.0.1:*\"\n"
                       "[subscribe]\nendpoint = \"tcp://127.0.0.1:*\"\n"
                       "[dashboard]\nport = 0\n";
    if (!parent.empty()) {
      text += "[parent]\nendpoint = \"" + Endpoint(parent) + "\"\npublic_key = \"keys/" +
              parent + ".public\"\nsubscribe_endpoint = \"" + SubscribeEndpoint(parent) +
              "\"\n";
    }
    WriteText(config(name), text);
    if (!parent.empty()) Enrol(parent, name, "LLS-" + name, "hub", name);
    hubs_[name] = std::make_unique<Process>(
        std::vector<std::string>{kHub, "--config", config(name).string(), "run"}, logs_, name);
    REQUIRE(WaitUntil(10s, [&] {
      return fs::exists(path(name + "/ingest.endpoint")) || !hubs_[name]->running();
    }));
    REQUIRE(hubs_[name]->running());
  }

  fs::path config(const std::string& hub) const { return path(hub + ".toml"); }
  std::string Endpoint(const std::string& hub) const { return ReadLine(hub + "/ingest.endpoint"); }
  std::string SubscribeEndpoint(const std::string& hub) const {
    return ReadLine(hub + "/subscribe.endpoint");
  }

  RunResult Hub(const std::string& hub, std::vector<std::string> args) {
    args.insert(args.begin(), {kHub, "--config", config(hub).string()});
    return Call(args);
  }

  // Enrols key `member` at `hub`.
  void Enrol(const std::string& hub, const std::string& member, const std::string& org,
             const std::string& role, const std::string& lls = "") {
    std::vector<std::string> args = {"members", "enrol", "--key",
                                     path("keys/" + member + ".public").string(), "--org", org,
                                     "--role", role};
    if (!lls.empty()) args.insert(args.end(), {"--lls", lls});
    RunResult r = Hub(hub, args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }

  // A node (trust, facilitator or subscriber) of `hub`: key, enrolment, NAME.toml with the
  // hub's running endpoints.
  fs::path AddNode(const std::string& hub, const std::string& name, const std::string& org,
                   const std::string& role) {
    Keygen(name);
    Enrol(hub, name, org, role);
    WriteText(path(name + ".toml"),
              "[node]\norganisation = \"" + org + "\"\nkey = \"keys/" + name +
                  ".secret\"\ndata_dir = \"" + name + "\"\n[hub]\nendpoint = \"" +
                  Endpoint(hub) + "\"\npublic_key = \"keys/" + hub +
                  ".public\"\nsubscribe_endpoint = \"" + SubscribeEndpoint(hub) + "\"\n");
    return path(name + ".toml");
  }

  // Starts a long-running process (e.g. `lls-node run`), logged as `label`.
  Process& Start(const std::string& label, const std::vector<std::string>& argv) {
    processes_.push_back(std::make_unique<Process>(argv, logs_, label));
    return *processes_.back();
  }

  RunResult Node(const std::string& name, std::vector<std::string> args) {
    args.insert(args.begin(), {kNode, "--config", path(name + ".toml").string()});
    return Call(args);
  }

  nlohmann::json Json(const RunResult& r) {
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out);
  }

 private:
  std::string ReadLine(const std::string& rel) const {
    std::string text = ReadText(path(rel));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
  }

  TempDir dir_;
  fs::path logs_;
  std::map<std::string, std::unique_ptr<Process>> hubs_;
  std::vector<std::unique_ptr<Process>> processes_;
};

}  // namespace lls::test
