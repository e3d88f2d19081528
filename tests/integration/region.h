// A test region in a temp folder: keys made by `lls keygen`, hub.toml and node configs, a real
// `lls-hub run` on a free loopback port, and helpers to run the programs. Header-only, shared
// by the integration tests.
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/support.h"

namespace lls::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline const std::string kLls = LLS_TOOL_BIN;
inline const std::string kHub = LLS_HUB_BIN;
inline const std::string kNode = LLS_NODE_BIN;

inline size_t CountLines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// A region in a temp folder: keys, hub.toml, node configs, and a running hub.
class Region {
 public:
  Region() : dir_("lls-it"), port_(FreeLoopbackPort()) {
    logs_ = dir_.path() / "logs";
    fs::create_directories(logs_);
    for (const char* name : {"hub", "trust-a", "trust-b"}) {
      RunResult r = Call({kLls, "keygen", "--name", name, "--out", (dir_.path() / "keys").string()});
      REQUIRE(r.exit_code == 0);
    }
    WriteText(hub_config(), "[hub]\nname = \"lls-test\"\nkey = \"keys/hub.secret\"\n"
                            "data_dir = \"hub\"\n[ingest]\nendpoint = \"" + endpoint() + "\"\n"
                            "[subscribe]\nendpoint = \"tcp://127.0.0.1:*\"\n"
                            "[dashboard]\nport = 0\n");
    for (const char* t : {"a", "b"}) {
      WriteText(node_config(t), std::string("[node]\norganisation = \"") +
                                    (std::string(t) == "a" ? "RXA" : "RXB") + "\"\nkey = \"keys/trust-" + t + ".secret\"\ndata_dir = \"node-" +
                                    t + "\"\n[hub]\nendpoint = \"" + endpoint() +
                                    "\"\npublic_key = \"keys/hub.public\"\n");
    }
    WriteText(dir_.path() / "summary.json", R"({
      "project": {"id": "SF-01", "title": "Smoke-free pathway", "area": "smoke-free-pregnancy",
                  "aim": "Fewer women smoking at delivery", "change_ideas": ["CO at booking"],
                  "pdsa_cycles": 3, "stage": "testing", "start_month": "2026-01"},
      "measures": [{"code": "SATOD", "period": "2026-01", "numerator": 12, "denominator": 140},
                   {"code": "SATOD", "period": "2026-02", "numerator": 5, "denominator": 131}]})");
  }

  RunResult Call(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = 30s) {
    return Run(argv, logs_, timeout);
  }
  std::string endpoint() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  fs::path hub_config() const { return dir_.path() / "hub.toml"; }
  fs::path node_config(const std::string& t) const { return dir_.path() / ("node-" + t + ".toml"); }
  fs::path path(const std::string& rel) const { return dir_.path() / rel; }
  const fs::path& logs() const { return logs_; }

  void StartHub() {
    fs::remove(path("hub/ingest.endpoint"));
    hub_ = std::make_unique<Process>(
        std::vector<std::string>{kHub, "--config", hub_config().string(), "run"}, logs_, "hub");
    REQUIRE(WaitUntil(10s, [&] { return fs::exists(path("hub/ingest.endpoint")) || !hub_->running(); }));
    REQUIRE(hub_->running());
  }
  Process& hub() { return *hub_; }
  // The subscribe endpoint the running hub bound (it picks a free port).
  std::string subscribe_endpoint() const {
    std::string text = ReadText(path("hub/subscribe.endpoint"));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
  }
  void StopHub() { hub_.reset(); }

  // Enrols the holder of keys/NAME.public at the hub.
  void Enrol(const std::string& key_name, const std::string& organisation,
             const std::string& role = "trust") {
    RunResult r = Hub({"members", "enrol", "--key", path("keys/" + key_name + ".public").string(),
                       "--org", organisation, "--role", role});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  // Points trust `t`'s node at the hub's subscribe endpoint (inside its [hub] table), so its
  // `run` keeps an inbox.
  void SubscribeNode(const std::string& t, const std::string& endpoint) {
    std::string text = ReadText(node_config(t));
    const std::string table = "[hub]\n";
    size_t at = text.find(table);
    REQUIRE(at != std::string::npos);
    text.insert(at + table.size(), "subscribe_endpoint = \"" + endpoint + "\"\n");
    WriteText(node_config(t), text);
  }
  nlohmann::json Inbox(const std::string& t) {
    RunResult r = Node(t, {"inbox", "--json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out);
  }

  // Adds lines to trust `t`'s node.toml (e.g. a [drop] table).
  void AppendNodeConfig(const std::string& t, const std::string& text) {
    WriteText(node_config(t), ReadText(node_config(t)) + text);
  }
  // Trust `t` imports its SF-01 project and `counts` (CSV: project,measure,period,numerator,
  // denominator) and publishes, waiting for the hub's acks.
  void ImportAndPublish(const std::string& t, const std::string& counts) {
    WriteText(path("projects-" + t + ".csv"),
              "project,title,area\nSF-01,Smoke-free pathway,smoke-free-pregnancy\n");
    WriteText(path("counts-" + t + ".csv"), counts);
    RunResult imported = Node(t, {"import", path("projects-" + t + ".csv").string(),
                                  path("counts-" + t + ".csv").string()});
    INFO(imported.err);
    REQUIRE(imported.exit_code == 0);
    RunResult published = Node(t, {"publish", "--wait", "10"});
    INFO(published.err);
    REQUIRE(published.exit_code == 0);
  }
  // Starts `lls-node run` for trust `t`; stopped (SIGKILL) when the Region ends.
  Process& StartNode(const std::string& t) {
    nodes_.push_back(std::make_unique<Process>(
        std::vector<std::string>{kNode, "--config", node_config(t).string(), "run"}, logs_,
        "node-" + t));
    return *nodes_.back();
  }

  RunResult Hub(std::vector<std::string> args) {
    args.insert(args.begin(), {kHub, "--config", hub_config().string()});
    return Call(args);
  }
  RunResult Node(const std::string& t, std::vector<std::string> args) {
    args.insert(args.begin(), {kNode, "--config", node_config(t).string()});
    return Call(args);
  }
  nlohmann::json HubStatus() {
    RunResult r = Hub({"status", "--json"});
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out);
  }

 private:
  TempDir dir_;
  int port_;
  fs::path logs_;
  std::unique_ptr<Process> hub_;
  std::vector<std::unique_ptr<Process>> nodes_;
};

}  // namespace lls::test
