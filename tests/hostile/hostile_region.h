// HostileRegion: a real `lls-hub run` on a free loopback port, in a fresh temp folder, with keys
// made by `lls keygen` and members enrolled by `lls-hub members enrol` — the ground the hostile
// tests (tests/hostile/*_test.cpp) and the flood harness (flood_harness.cpp) stand on.
//
// No Catch2 here: the harness is a plain program, so every failure comes back as a Status and
// the tests REQUIRE it. hub.db is read through its own read-only connection (the hub may be
// running: WAL lets both in). Not thread-safe: one thread drives a region; the clients it hands
// out options for run wherever their owners put them.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "exchange/transport.h"
#include "schema/messages.h"
#include "schema/status.h"
#include "tests/support/process.h"

namespace lls::hostile {

struct RegionOptions {
  std::string prefix = "lls-hostile";  // of the temp folder's name
  bool subscribe = false;              // bind the subscribe socket too
  bool dashboard = false;              // serve the dashboard on a free loopback port
  bool keep = false;                   // keep the folder (also when LLS_KEEP_TEST_DIRS is set)
};

// One row of the hub's log, with the name of the member it came from ("" for the hub's own).
struct LogRow {
  uint64_t hub_seq = 0;
  MessageId id{};
  std::string member;
  uint64_t sequence = 0;
  int64_t received_at_ms = 0;
};

class Region {
 public:
  static Result<std::unique_ptr<Region>> Create(const RegionOptions& options = {});
  ~Region();  // stops the hub (SIGTERM, then SIGKILL after 5 s); removes the folder unless kept
  Region(const Region&) = delete;
  Region& operator=(const Region&) = delete;

  // `lls keygen --name NAME` into keys/.
  Status Keygen(const std::string& name);
  // `lls-hub members enrol` for keys/NAME.public.
  Status Enrol(const std::string& name, const std::string& organisation,
               const std::string& role = "trust");
  // Keygen then Enrol.
  Status AddMember(const std::string& name, const std::string& organisation,
                   const std::string& role = "trust");
  // `lls-hub --config hub.toml ARGS...`, run to completion.
  test::RunResult HubCommand(std::vector<std::string> args,
                             std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // Starts `lls-hub run` and waits (10 s at most) for it to write ingest.endpoint.
  Status StartHub();
  // SIGTERM, and waits up to 10 s for a clean exit; the hub's exit code, or an error.
  Result<int> StopHub();
  bool hub_running();
  test::Process* hub() { return hub_.get(); }
  std::string HubStderr() const;

  Result<crypto::Identity> LoadIdentity(const std::string& name) const;
  Result<crypto::PublicIdentity> LoadPublic(const std::string& name) const;
  // What a client needs to reach the running hub's ingest (or subscribe) socket.
  transport::ClientOptions IngestClient() const;
  std::string subscribe_endpoint() const;
  std::string dashboard_url() const;  // "" until the hub wrote dashboard.url

  std::string endpoint() const { return endpoint_; }
  int port() const { return port_; }
  const crypto::CurveKey& hub_curve_key() const { return hub_key_.curve; }
  const std::filesystem::path& dir() const { return dir_; }
  const std::filesystem::path& logs() const { return logs_; }
  std::filesystem::path hub_config() const { return dir_ / "hub.toml"; }
  std::filesystem::path hub_db() const { return dir_ / "hub" / "hub.db"; }
  std::filesystem::path key(const std::string& file) const { return dir_ / "keys" / file; }

  // The hub's log as it stands (through a read-only connection of our own).
  Result<std::vector<LogRow>> ReadLog() const;
  // members.revoked_at of NAME, or nullopt while active.
  Result<std::optional<int64_t>> RevokedAt(const std::string& name) const;

 private:
  Region() = default;
  std::filesystem::path dir_, logs_;
  std::string endpoint_;
  int port_ = 0;
  bool keep_ = false;
  crypto::PublicIdentity hub_key_;
  std::unique_ptr<test::Process> hub_;
};

// The p-th percentile (0..100) of `values` by the nearest-rank method; 0 when empty.
double Percentile(std::vector<double> values, double p);

// Raises this process's soft RLIMIT_NOFILE to `wanted` (or to the hard limit, if lower).
// Children started afterwards (the hub) inherit it. Returns the soft limit now in force.
Result<uint64_t> RaiseFileLimit(uint64_t wanted);

// Open file descriptors of a process (counted in /proc/PID/fd); -1 if it cannot be read.
int CountOpenFds(int pid);

// Pins the calling thread (and the threads it starts afterwards, such as a ZeroMQ context's
// I/O threads) to one CPU; false if the CPU does not exist. For measurements that must keep an
// attacker's CPU use off the hub's CPU, as it would be on another machine.
bool PinThisThread(int cpu);
// Pins every thread of process `pid` to one CPU.
bool PinProcess(int pid, int cpu);

}  // namespace lls::hostile
