#include "tests/disk/disk_site.h"

#include <httplib.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/support/support.h"

namespace lls::disk {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string HubBin() {
  const char* bin = std::getenv("DISK_FAULT_HUB_BIN");
  return bin != nullptr && *bin != '\0' ? bin : LLS_HUB_BIN;
}

std::string NodeBin() {
  const char* bin = std::getenv("DISK_FAULT_NODE_BIN");
  return bin != nullptr && *bin != '\0' ? bin : LLS_NODE_BIN;
}

// --- Report ------------------------------------------------------------------------------------

void Report::Violation(std::string text) {
  std::lock_guard lock(mu_);
  violations_.push_back(std::move(text));
}

bool Report::Check(bool ok, const std::string& text) {
  std::lock_guard lock(mu_);
  if (ok) {
    ++checks_;
  } else {
    violations_.push_back(text);
  }
  return ok;
}

void Report::Passed(int n) {
  std::lock_guard lock(mu_);
  checks_ += n;
}

void Report::Figure(const std::string& name, double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.10g", value);
  std::lock_guard lock(mu_);
  figures_.emplace_back(name, text);
}

void Report::Note(const std::string& name, std::string text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    if (c == '\n') {
      quoted += "\\n";
      continue;
    }
    quoted += c;
  }
  quoted += '"';
  std::lock_guard lock(mu_);
  figures_.emplace_back(name, quoted);
}

std::vector<std::string> Report::violations() const {
  std::lock_guard lock(mu_);
  return violations_;
}

int Report::checks() const {
  std::lock_guard lock(mu_);
  return checks_;
}

std::string Report::Text() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, value] : figures_) out += "  " + name + " " + value + "\n";
  return out;
}

std::string Report::Json() const {
  std::lock_guard lock(mu_);
  std::string out = "{";
  for (size_t i = 0; i < figures_.size(); ++i) {
    out += (i ? ", \"" : "\"") + figures_[i].first + "\": " + figures_[i].second;
  }
  out += ", \"checks_passed\": " + std::to_string(checks_) +
         ", \"violations\": " + std::to_string(violations_.size()) + "}";
  return out;
}

// --- HubSite -----------------------------------------------------------------------------------

namespace {

std::string Trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == '/')) {
    text.pop_back();
  }
  return text;
}

}  // namespace

std::optional<std::string> HubSite::Setup(const HubSiteOptions& o, HubSite* site) {
  site->dir_ = o.dir;
  site->logs_ = o.dir / "logs";
  site->data_ = o.data;
  site->config_ = o.dir / "hub.toml";
  std::error_code ec;
  fs::create_directories(site->logs_, ec);
  fs::create_directories(site->data_, ec);
  site->endpoint_ = "tcp://127.0.0.1:" + std::to_string(test::FreeLoopbackPort());
  std::vector<std::string> names = o.trusts;
  names.insert(names.begin(), "hub");
  if (o.facilitator) names.push_back("facilitator");
  for (const std::string& n : names) {
    test::RunResult r = test::Run(
        {LLS_TOOL_BIN, "keygen", "--name", n, "--out", site->keys().string()}, site->logs_);
    if (r.exit_code != 0) return "lls keygen " + n + ": " + r.err;
  }
  auto pub = crypto::LoadPublicKeyFile(site->keys() / "hub.public");
  if (!pub.ok()) return pub.status().message();
  site->hub_public_ = *pub;
  std::ofstream(site->config_) << "[hub]\nname = \"lls-disk\"\nkey = \""
                               << (site->keys() / "hub.secret").string() << "\"\ndata_dir = \""
                               << site->data_.string() << "\"\n[ingest]\nendpoint = \""
                               << site->endpoint_ << "\"\n[subscribe]\nendpoint = \""
                               << (o.subscribe ? "tcp://127.0.0.1:*" : "") << "\"\n[dashboard]\n"
                               << (o.dashboard ? "port = 0\n" : "enabled = false\n");
  for (const std::string& n : names) {
    if (n == "hub") continue;
    const bool facilitator = n == "facilitator";
    test::RunResult r =
        site->Hub({"members", "enrol", "--key", (site->keys() / (n + ".public")).string(), "--org",
                   facilitator ? "LLS-F" : "RX" + n.substr(n.rfind('-') + 1), "--role",
                   facilitator ? "facilitator" : "trust"});
    if (r.exit_code != 0) return "members enrol " + n + ": " + r.err;
  }
  return std::nullopt;
}

std::string HubSite::Start() {
  std::error_code ec;
  for (const char* f : {"ingest.endpoint", "subscribe.endpoint", "dashboard.url"}) {
    fs::remove(data_ / f, ec);
  }
  if (hub_) past_logs_ += hub_->Stderr();
  hub_ = std::make_unique<test::Process>(
      std::vector<std::string>{HubBin(), "--config", config_.string(), "run"}, logs_, "hub");
  // ingest.endpoint is written last (after subscribe.endpoint); the dashboard after that.
  bool up = WaitFor(15s, [&] {
    return !hub_->running() ||
           (fs::exists(data_ / "ingest.endpoint") && fs::exists(data_ / "dashboard.url"));
  });
  if (!hub_->running()) return "lls-hub run exited at start: " + hub_->Stderr();
  if (!up) return "lls-hub run did not write its endpoints within 15 s: " + hub_->Stderr();
  subscribe_endpoint_ = Trim(test::ReadText(data_ / "subscribe.endpoint"));
  dashboard_ = Trim(test::ReadText(data_ / "dashboard.url"));
  return "";
}

std::optional<int> HubSite::Stop() {
  if (!hub_) return 0;
  hub_->Signal(SIGTERM);
  std::optional<int> code = hub_->Wait(10s);
  if (!code) {
    hub_->Signal(SIGKILL);
    hub_->Wait(5s);
  }
  return code;
}

std::string HubSite::HubLog() const { return past_logs_ + (hub_ ? hub_->Stderr() : ""); }

test::RunResult HubSite::Hub(std::vector<std::string> args,
                             std::chrono::milliseconds timeout) const {
  args.insert(args.begin(), {HubBin(), "--config", config_.string()});
  return test::Run(args, logs_, timeout);
}

std::pair<int, std::string> HubSite::Get(const std::string& path) const {
  if (dashboard_.empty()) return {0, ""};
  httplib::Client client(dashboard_);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  httplib::Result r = client.Get(path.c_str());
  if (!r) return {0, ""};
  return {r->status, r->body};
}

std::optional<double> HubSite::Metric(const std::string& sample) const {
  auto [status, body] = Get("/metrics");
  if (status != 200) return std::nullopt;
  std::istringstream lines(body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() > sample.size() && line.compare(0, sample.size(), sample) == 0 &&
        line[sample.size()] == ' ') {
      return std::stod(line.substr(sample.size() + 1));
    }
  }
  return std::nullopt;
}

std::vector<std::string> LinesWith(const std::string& text, const std::string& needle) {
  std::vector<std::string> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find(needle) != std::string::npos) out.push_back(line);
  }
  return out;
}

}  // namespace lls::disk
