// disk_fault: the real lls-hub and lls-node on disks that fill up or fail (issue 7, item 4).
//
//   disk_fault hub --fault file-size-limit|tmpfs-full|ext4-read-only
//                  [--rounds N] [--clients K] [--fault-ms MS] [--warm-ms MS] [--seed S]
//                  [--out FILE] [--keep]
//   disk_fault node [--seed S] [--out FILE] [--keep] [--tolerate-drop-refusal]
//
// `hub` (hub_faults.h): a hub under traffic from K trusts and a facilitator, its disk failing
// and recovering N times. `node` (node_faults.h): a trust's node and its hub, each filling up
// in turn. Mounts (tmpfs, ext4 on a loop device) are made in a private mount namespace, so
// they vanish with this process however it ends; each is also unmounted when its scenario
// ends. Exit 0: every check passed (the figures are printed); 1: a violation (printed, the
// folder kept); 77: the fault cannot be made here (not root: said loudly, so CTest reports
// the test as skipped); 2: bad usage or the set-up failed. DISK_FAULT_HUB_BIN and
// DISK_FAULT_NODE_BIN run other builds of lls-hub and lls-node (an older one, to see what a
// fix changed).
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>

#include "crypto/crypto.h"
#include "tests/disk/disk_site.h"
#include "tests/disk/fault_fs.h"
#include "tests/disk/hub_faults.h"
#include "tests/disk/node_faults.h"

namespace lls::disk {
namespace {

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr,
               "disk_fault: %s\nusage: disk_fault hub --fault file-size-limit|tmpfs-full|"
               "ext4-read-only [--rounds N] [--clients K] [--fault-ms MS] [--warm-ms MS] "
               "[--seed S] [--out FILE] [--keep]\n       disk_fault node [--seed S] [--out FILE] "
               "[--keep] [--tolerate-drop-refusal]\n",
               why.c_str());
  std::exit(2);
}

int Main(int argc, char** argv) {
  if (argc < 2) Usage("which scenario?");
  const std::string scenario = argv[1];
  if (scenario != "hub" && scenario != "node") Usage("unknown scenario " + scenario);
  HubFaultOptions hub;
  NodeFaultOptions node;
  std::string out, fault;
  bool seeded = false;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage("missing value for " + a);
      return argv[++i];
    };
    try {
      if (a == "--fault")
        fault = value();
      else if (a == "--rounds")
        hub.rounds = std::stoi(value());
      else if (a == "--clients")
        hub.clients = std::stoi(value());
      else if (a == "--fault-ms")
        hub.fault_ms = std::stoi(value());
      else if (a == "--warm-ms")
        hub.warm_ms = std::stoi(value());
      else if (a == "--seed")
        hub.seed = node.seed = std::stoull(value()), seeded = true;
      else if (a == "--out")
        out = value();
      else if (a == "--keep")
        hub.keep = node.keep = true;
      else if (a == "--tolerate-drop-refusal")
        node.tolerate_drop_refusal = true;
      else
        Usage("unknown argument " + a);
    } catch (const std::logic_error&) {
      Usage("bad number for " + a);
    }
  }
  if (!seeded) hub.seed = node.seed = std::random_device()();
  if (hub.rounds < 1 || hub.clients < 1 || hub.clients > 16 || hub.fault_ms < 500 ||
      hub.warm_ms < 100) {
    Usage("need --rounds >= 1, 1 <= --clients <= 16, --fault-ms >= 500, --warm-ms >= 100");
  }
  if (scenario == "hub") {
    if (fault == "file-size-limit")
      hub.fault = HubFault::kFileSizeLimit;
    else if (fault == "tmpfs-full")
      hub.fault = HubFault::kTmpfsFull;
    else if (fault == "ext4-read-only")
      hub.fault = HubFault::kExt4ReadOnly;
    else
      Usage("--fault must be file-size-limit, tmpfs-full or ext4-read-only");
  }
  if (!crypto::Init().ok()) Usage("libsodium init failed");

  // Mounts need root; without it only the file size limit can be made.
  const bool mounts = scenario == "node" || hub.fault != HubFault::kFileSizeLimit;
  if (mounts) {
    if (::geteuid() != 0) {
      std::printf("disk_fault: SKIPPED %s%s: mounting a filesystem needs root (euid %d)\n",
                  scenario.c_str(), fault.empty() ? "" : (" --fault " + fault).c_str(),
                  static_cast<int>(::geteuid()));
      return 77;
    }
    if (std::string why = EnterPrivateMountNamespace(); !why.empty()) {
      // Mounts then land in the host's namespace: still unmounted by the scenario's RAII.
      std::printf("disk_fault: note: no private mount namespace (%s)\n", why.c_str());
    }
  }

  Report report;
  const int code = scenario == "hub" ? RunHubFaults(hub, report) : RunNodeFaults(node, report);
  if (code == 77 || code == 2) return code;
  const std::string label = scenario == "hub" ? "hub --fault " + fault : "node";
  if (code == 0) {
    std::printf("disk_fault %s: PASS seed %llu: %d checks passed\n%s", label.c_str(),
                static_cast<unsigned long long>(hub.seed), report.checks(), report.Text().c_str());
  } else {
    std::printf("disk_fault %s: VIOLATION (seed %llu; the folder is kept):\n", label.c_str(),
                static_cast<unsigned long long>(hub.seed));
    for (const std::string& v : report.violations()) std::printf("  %s\n", v.c_str());
    std::printf("figures:\n%s", report.Text().c_str());
  }
  if (!out.empty()) std::ofstream(out) << report.Json() << "\n";
  return code;
}

}  // namespace
}  // namespace lls::disk

int main(int argc, char** argv) { return lls::disk::Main(argc, argv); }
