// Runs the hub crash harness (hub_crash.cpp) and the node crash harness (node_crash.cpp) for 20
// SIGKILL cycles each, as CI does, and prints their figures. Longer runs: `hub_crash --cycles
// 200`, `node_crash --cycles 200` (docs/reliability.md).
#include <catch2/catch.hpp>

#include <filesystem>
#include <iostream>

#include "tests/support/process.h"

namespace lls::test {
namespace {

TEST_CASE("the hub keeps every acknowledged message exactly once across 20 SIGKILLs",
          "[crash]") {
  const std::filesystem::path logs = std::filesystem::temp_directory_path() / "lls-crash-test";
  std::filesystem::create_directories(logs);
  RunResult r = Run({HUB_CRASH_BIN, "--cycles", "20", "--clients", "4"}, logs,
                    std::chrono::seconds(540));
  std::cout << r.out << std::flush;
  INFO(r.out);
  INFO(r.err);
  CHECK_FALSE(r.timed_out);
  REQUIRE(r.exit_code == 0);
}

TEST_CASE("a node's outbox loses and duplicates nothing at the hub across 20 cycles of SIGKILLs",
          "[crash]") {
  const std::filesystem::path logs = std::filesystem::temp_directory_path() / "lls-crash-test";
  std::filesystem::create_directories(logs);
  RunResult r = Run({NODE_CRASH_BIN, "--cycles", "20", "--nodes", "2"}, logs,
                    std::chrono::seconds(540));
  std::cout << r.out << std::flush;
  INFO(r.out);
  INFO(r.err);
  CHECK_FALSE(r.timed_out);
  REQUIRE(r.exit_code == 0);
}

}  // namespace
}  // namespace lls::test
