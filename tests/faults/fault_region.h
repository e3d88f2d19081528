// The network-fault harness's region (net_faults.cpp): a national hub, an LLS hub whose
// [parent] is the national hub, K trust nodes of the LLS hub, and two FaultProxy links:
//
//   lls-node run (K) --[nodes link]--> lls-hub run "lls" --[federation link]--> lls-hub run
//   "national"
//
// Everything is real: keys made by `lls keygen`, members enrolled with `lls-hub members
// enrol` (the LLS hub at the national hub with --role hub), hub.db and node.db SQLite files,
// CURVE on every connection. Each node watches a drop folder (polled every second); the harness
// feeds it exports (Feeder). Node 0 keeps the default outbox backoff (500 ms doubling up to
// 5 min, what a trust runs), node 1 the short one of the crash harness (50 ms up to 1 s): the
// faults must be survived with either.
//
// Not thread-safe, except Feeder::Feed (one mutex). Setup and Start* fail with a message
// (setup problems are not violations).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "tests/crash/node_data.h"
#include "tests/faults/fault_proxy.h"
#include "tests/support/process.h"

namespace lls::faults {

struct FaultNode {
  std::string name;              // trust-N: key, member name, log label
  std::filesystem::path config;  // node-N.toml
  std::filesystem::path db;      // node-N/node.db
  std::filesystem::path drop;    // its drop folder
  SignPublicKey signer{};
  std::unique_ptr<test::Process> process;  // `lls-node run`
};

// The programs run: the build's own by default; another build's (`net_faults --programs DIR`)
// to see how an older lls-hub and lls-node fare under the same faults.
struct Programs {
  std::string lls = LLS_TOOL_BIN;
  std::string hub = LLS_HUB_BIN;
  std::string node = LLS_NODE_BIN;
};

class FaultRegion {
 public:
  // Creates the folder, keys, configs and enrolments, starts both hubs, both proxies and the
  // nodes. `seed` seeds the proxies. Throws std::runtime_error when something cannot be set up.
  FaultRegion(int nodes, uint64_t seed, Programs programs = {});
  ~FaultRegion();  // kills what still runs (SIGKILL); removes the folder unless keep()
  FaultRegion(const FaultRegion&) = delete;
  FaultRegion& operator=(const FaultRegion&) = delete;

  FaultProxy& nodes_link() { return *nodes_link_; }
  FaultProxy& federation_link() { return *federation_link_; }
  std::vector<FaultNode>& nodes() { return nodes_; }
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path lls_db() const { return dir_ / "lls" / "hub.db"; }
  std::filesystem::path national_db() const { return dir_ / "national" / "hub.db"; }
  const SignPublicKey& lls_signer() const { return lls_signer_; }
  test::Process& lls_hub() { return *lls_; }
  test::Process& national_hub() { return *national_; }
  void keep() { keep_ = true; }

  // SIGTERM to every node, then the LLS hub, then the national hub; each must exit 0 within
  // 10 s. Returns the problems (empty: all clean). The hubs' last lines are in their logs.
  std::vector<std::string> StopAll();

 private:
  void Call(const std::vector<std::string>& argv);
  std::unique_ptr<test::Process> StartHub(const std::string& name, int* port);

  Programs programs_;
  std::filesystem::path dir_, logs_, keys_;
  std::unique_ptr<test::Process> national_, lls_;
  std::unique_ptr<FaultProxy> nodes_link_, federation_link_;
  std::vector<FaultNode> nodes_;
  SignPublicKey lls_signer_{};
  bool keep_ = false;
};

// Writes exports into the nodes' drop folders: a cycle of tests/crash TrustData files (counts
// with new and revised months, sometimes a learning note scoped to the LLS), and every other
// cycle a learning note scoped `national`, which the LLS hub approves on arrival
// (auto_approve) and relays up to the national hub. Thread-safe.
class Feeder {
 public:
  Feeder(std::vector<FaultNode>& nodes, uint64_t seed);
  // One cycle of exports for node `i`.
  void Feed(size_t i);
  void FeedAll();
  // The trusts' data, for the final figure check (call when no thread feeds any more).
  std::vector<const crash::TrustData*> trusts() const;
  int64_t files() const;

 private:
  mutable std::mutex mu_;
  std::vector<FaultNode>& nodes_;
  std::vector<std::unique_ptr<crash::TrustData>> data_;
  std::vector<int> cycles_;
  int64_t files_ = 0;
};

}  // namespace lls::faults
