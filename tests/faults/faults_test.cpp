// Runs the network-fault harness (net_faults.cpp) through its scripted schedule, as CI does:
// every fault kind once on the nodes link and once on the federation link, with real hubs and
// nodes. Correctness is asserted (the harness exits 1 on any loss, duplicate, stuck sender or
// unclean exit); the resumption timings are printed, not asserted: on a loaded 2-core machine
// they would flake. Longer runs with timing bounds: `net_faults --seconds 300 --max-resume-ms
// 1000` (docs/reliability.md).
#include <catch2/catch.hpp>

#include <filesystem>
#include <iostream>

#include "tests/support/process.h"

namespace lls::test {
namespace {

TEST_CASE(
    "nodes and the LLS hub lose and duplicate nothing through drops, delays, resets, "
    "half-open connections and partitions",
    "[faults]") {
  const std::filesystem::path logs = std::filesystem::temp_directory_path() / "lls-faults-test";
  std::filesystem::create_directories(logs);
  RunResult r = Run({NET_FAULTS_BIN, "--rounds", "16"}, logs, std::chrono::seconds(280));
  std::cout << r.out << std::flush;
  INFO(r.out);
  INFO(r.err);
  CHECK_FALSE(r.timed_out);
  REQUIRE(r.exit_code == 0);
}

}  // namespace
}  // namespace lls::test
