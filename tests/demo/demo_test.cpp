// deploy/demo.sh --once, end to end: a national hub, two LLS hubs, six trusts and two
// facilitators on loopback, fed by `lls simulate` through the real programs. Checks the table it
// prints (every LLS and every measure, and the national figures) against the report it saved:
// every (scope, measure) present, and each national figure the sum of the two LLSs' figures.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <map>
#include <regex>
#include <set>

#include "tests/support/process.h"
#include "tests/support/support.h"

namespace lls::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST_CASE("demo: deploy/demo.sh --once runs a region and prints every LLS and measure",
          "[demo]") {
  TempDir dir("lls-demo");
  const fs::path run = dir.path() / "run";
  RunResult demo = Run({"/usr/bin/env", "LLS_BIN_DIR=" LLS_BUILD_DIR,
                        "LLS_DEMO_DIR=" + run.string(), "LLS_DEMO_DASHBOARD_PORT=0", "bash",
                        LLS_SOURCE_DIR "/deploy/demo.sh", "--once"},
                       dir.path(), 240s);
  INFO(demo.out.substr(demo.out.size() > 6000 ? demo.out.size() - 6000 : 0));
  INFO(demo.err.substr(0, 3000));
  REQUIRE(demo.exit_code == 0);

  // The identifiers planted in the synthetic learning notes were caught at the trust.
  CHECK(demo.out.find("REFUSED before anything left the trust") != std::string::npos);
  CHECK(demo.out.find("approved \"") != std::string::npos);
  // Three dashboards, each at a loopback address.
  CHECK(std::regex_search(demo.out, std::regex("national: http://127\\.0\\.0\\.1:[0-9]+/")));
  CHECK(std::regex_search(demo.out, std::regex("lls-north: http://127\\.0\\.0\\.1:[0-9]+/")));
  CHECK(std::regex_search(demo.out, std::regex("lls-south: http://127\\.0\\.0\\.1:[0-9]+/")));

  // The table: a line for every LLS and the national hub, for every catalogue measure.
  const nlohmann::json report = nlohmann::json::parse(ReadText(run / "report.json"));
  std::set<std::pair<std::string, std::string>> listed;
  for (const nlohmann::json& row : report) {
    const std::string scope = row["scope"], measure = row["measure"];
    listed.insert({scope, measure});
    const std::string latest = row["months"] == 0 ? "-" : row["latest_period"].get<std::string>();
    INFO(scope << " " << measure);
    CHECK(std::regex_search(demo.out, std::regex(scope + " +" + measure + " +" + latest + " ")));
  }
  CHECK(listed.size() == 45);  // 15 measures x (national, lls-north, lls-south)
  for (const char* scope : {"national", "lls-north", "lls-south"}) {
    CHECK(std::count_if(listed.begin(), listed.end(),
                        [&](const auto& l) { return l.first == scope; }) == 15);
  }
  // The figures behind it, month by month: each national cell is the sum of the LLSs' cells.
  RunResult cells = Run({LLS_BUILD_DIR "/hub/lls-hub", "--config", (run / "national.toml").string(),
                         "aggregates", "--json"},
                        dir.path(), 30s);
  REQUIRE(cells.exit_code == 0);
  std::map<std::pair<std::string, std::string>, std::array<int64_t, 3>> national, summed;
  for (const nlohmann::json& row : nlohmann::json::parse(cells.out)) {
    auto& target = row["lls"] == "national" ? national : summed;
    auto& sums = target[{row["measure"], row["period"]}];
    sums[0] += row["numerator"].get<int64_t>();
    sums[1] += row["denominator"].get<int64_t>();
    sums[2] += row["trusts"].get<int64_t>();
  }
  CHECK(national.size() > 100);  // 24 months of most measures
  CHECK(national == summed);
  // Nothing was lost on the way up: each LLS hub's own cells are exactly what the national hub
  // holds for that LLS.
  for (const char* lls : {"lls-north", "lls-south"}) {
    INFO(lls);
    RunResult own = Run({LLS_BUILD_DIR "/hub/lls-hub", "--config",
                         (run / (std::string(lls) + ".toml")).string(), "aggregates", "--json"},
                        dir.path(), 30s);
    REQUIRE(own.exit_code == 0);
    std::map<std::pair<std::string, std::string>, std::array<int64_t, 3>> at_lls, at_national;
    for (const nlohmann::json& row : nlohmann::json::parse(own.out)) {
      if (row["trusts"] == 0) continue;  // only suppressed cells: withdrawn upstream
      at_lls[{row["measure"], row["period"]}] = {row["numerator"].get<int64_t>(),
                                                 row["denominator"].get<int64_t>(),
                                                 row["trusts"].get<int64_t>()};
    }
    for (const nlohmann::json& row : nlohmann::json::parse(cells.out)) {
      if (row["lls"] != lls || row["trusts"] == 0) continue;
      at_national[{row["measure"], row["period"]}] = {row["numerator"].get<int64_t>(),
                                                      row["denominator"].get<int64_t>(),
                                                      row["trusts"].get<int64_t>()};
    }
    CHECK(at_lls.size() > 100);
    CHECK(at_lls == at_national);
  }
  // Every national row of the report with data agrees with its month's cell.
  for (const nlohmann::json& row : report) {
    if (row["scope"] != "national" || row["months"] == 0) continue;
    const auto& cell = national[{row["measure"], row["latest_period"]}];
    CHECK(row["numerator"].get<int64_t>() == cell[0]);
    CHECK(row["denominator"].get<int64_t>() == cell[1]);
  }
  // --once stopped everything it started.
  CHECK_FALSE(fs::exists(run / "pids"));
}

}  // namespace
}  // namespace lls::test
