// The disk-fault harness's region (disk_fault.cpp): a temp folder with keys made by
// `lls keygen`, a hub.toml whose data folder may sit on a faulty filesystem, members enrolled
// with `lls-hub members enrol`, the real `lls-hub run`, and what a scenario records: its
// violations and its figures.
//
// Not thread-safe, except Report (one mutex): client and subscriber threads add violations.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "crypto/crypto.h"
#include "tests/support/process.h"

namespace lls::disk {

// What a scenario found: violations (any makes the run fail) and figures (printed, and
// written as JSON with --out). Thread-safe.
class Report {
 public:
  void Violation(std::string text);
  // A check that can fail: a violation with `text` unless `ok`. Returns `ok`.
  bool Check(bool ok, const std::string& text);
  void Passed(int n);  // n checks made elsewhere passed (e.g. tests/crash/consistency.h)
  void Figure(const std::string& name, double value);
  void Note(const std::string& name, std::string text);  // a figure that is text
  std::vector<std::string> violations() const;
  int checks() const;
  // "name value" lines, and the JSON object of every figure and note.
  std::string Text() const;
  std::string Json() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::string> violations_;
  int checks_ = 0;
  std::vector<std::pair<std::string, std::string>> figures_;  // name -> JSON value
};

struct HubSiteOptions {
  std::filesystem::path dir;        // the run's folder (keys, configs, logs)
  std::filesystem::path data;       // hub.data_dir: where hub.db lives (maybe a mount)
  std::vector<std::string> trusts;  // key and member names of the trusts, e.g. "trust-0"
  bool facilitator = true;
  bool dashboard = true;  // for /healthz and /metrics
  bool subscribe = true;  // the subscribe socket, for a subscriber during faults
};

class HubSite {
 public:
  // Makes the keys, writes hub.toml and enrols every member (creating hub.db). Returns why
  // not, on failure.
  static std::optional<std::string> Setup(const HubSiteOptions& options, HubSite* site);

  // Starts `lls-hub run` and waits for its endpoints (and dashboard.url). "" or why not.
  std::string Start();
  // SIGTERM, and waits up to 10 s: the exit code, or nullopt if it would not stop (then it
  // is SIGKILLed).
  std::optional<int> Stop();
  test::Process* hub() { return hub_.get(); }
  bool running() { return hub_ && hub_->running(); }

  // Everything every `lls-hub run` of this site wrote to stderr, in order.
  std::string HubLog() const;
  // `lls-hub --config hub.toml ARGS...` to completion.
  test::RunResult Hub(std::vector<std::string> args,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;
  // GET on the dashboard: (status, body), status 0 when nothing answered.
  std::pair<int, std::string> Get(const std::string& path) const;
  // The value of one sample of /metrics (the whole line's name and labels, as rendered), or
  // nullopt when absent or /metrics did not answer.
  std::optional<double> Metric(const std::string& sample) const;

  const std::filesystem::path& dir() const { return dir_; }
  const std::filesystem::path& logs() const { return logs_; }
  const std::filesystem::path& data() const { return data_; }
  std::filesystem::path hub_db() const { return data_ / "hub.db"; }
  std::filesystem::path keys() const { return dir_ / "keys"; }
  const std::string& endpoint() const { return endpoint_; }
  std::string subscribe_endpoint() const { return subscribe_endpoint_; }
  const crypto::PublicIdentity& hub_public() const { return hub_public_; }

 private:
  std::filesystem::path dir_, logs_, data_, config_;
  std::string endpoint_, subscribe_endpoint_, dashboard_;
  crypto::PublicIdentity hub_public_;
  std::unique_ptr<test::Process> hub_;
  std::string past_logs_;  // stderr of the hubs already stopped
};

// The programs under test: this build's, unless DISK_FAULT_HUB_BIN / DISK_FAULT_NODE_BIN name
// others (to run the harness against an older build, e.g. to see a fix's effect).
std::string HubBin();
std::string NodeBin();

// Waits up to `limit` for `done`, polling every `every`.
template <typename Done>
bool WaitFor(std::chrono::milliseconds limit, Done&& done,
             std::chrono::milliseconds every = std::chrono::milliseconds(20)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(every);
  }
}

// Lines of `text` containing `needle`.
std::vector<std::string> LinesWith(const std::string& text, const std::string& needle);

// Milliseconds since `start`.
inline int64_t MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

}  // namespace lls::disk
