// Aggregates end to end: a real hub and two trusts' nodes importing CSV and publishing;
// `lls-hub aggregates --json` is checked to the count after the first publish, after trust A
// republishes changed figures, and after trust B retracts its project.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/integration/region.h"

namespace lls::test {
namespace {

// After disclosure control (suppress 1-7, round to 5): A 25/210 and suppressed/195;
// B 40/300 and 30/250.
const char* kCountsA =
    "project,measure,period,numerator,denominator\n"
    "SF-01,SATOD,2026-01,23,212\n"
    "SF-01,SATOD,2026-02,5,198\n";
const char* kCountsARevised =  // January 33 -> 35
    "project,measure,period,numerator,denominator\n"
    "SF-01,SATOD,2026-01,33,212\n";
const char* kCountsB =
    "project,measure,period,numerator,denominator\n"
    "SF-01,SATOD,2026-01,40,300\n"
    "SF-01,SATOD,2026-02,30,250\n";

nlohmann::json Row(const std::string& period, int trusts, int numerator, int denominator,
                   nlohmann::json rate, int suppressed) {
  return {{"lls", "lls-test"},      {"measure", "SATOD"},
          {"period", period},       {"trusts", trusts},       {"llss", 1},
          {"numerator", numerator}, {"denominator", denominator},
          {"rate_percent", rate},   {"suppressed_cells", suppressed}};
}

nlohmann::json Aggregates(Region& region) {
  RunResult r = region.Hub({"aggregates", "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}

TEST_CASE("aggregates follow publish, republish and retraction, to the count",
          "[integration][aggregates]") {
  Region region;
  for (const char* t : {"a", "b"}) {
    REQUIRE(region
                .Hub({"members", "enrol", "--key",
                      region.path(std::string("keys/trust-") + t + ".public").string(), "--org",
                      std::string("a") == t ? "RXA" : "RXB", "--role", "trust"})
                .exit_code == 0);
  }
  // Before the hub ever ran this build's schema: empty, not an error.
  CHECK(Aggregates(region) == nlohmann::json::array());
  region.StartHub();

  region.ImportAndPublish("a", kCountsA);
  region.ImportAndPublish("b", kCountsB);
  CHECK(Aggregates(region) == nlohmann::json::array({
                                  Row("2026-01", 2, 65, 510, 12.75, 0),
                                  Row("2026-02", 1, 30, 250, 12.0, 1),
                              }));
  nlohmann::json status = region.HubStatus();
  CHECK(status["aggregates"] == 2);
  CHECK(status["projects"] == 2);

  // Trust A revises January and publishes again: its earlier figures are replaced.
  region.ImportAndPublish("a", kCountsARevised);
  CHECK(Aggregates(region) == nlohmann::json::array({
                                  Row("2026-01", 2, 75, 510, 14.71, 0),
                                  Row("2026-02", 1, 30, 250, 12.0, 1),
                              }));
  CHECK(region.HubStatus()["projects"] == 2);

  // Trust B retracts its project: its figures leave every cell.
  RunResult retracted = region.Node("b", {"retract", "SF-01", "--reason", "wrong month"});
  INFO(retracted.err);
  REQUIRE(retracted.exit_code == 0);
  CHECK(Aggregates(region) == nlohmann::json::array({
                                  Row("2026-01", 1, 35, 210, 16.67, 0),
                                  Row("2026-02", 0, 0, 0, nullptr, 1),
                              }));
  status = region.HubStatus();
  CHECK(status["aggregates"] == 2);
  CHECK(status["projects"] == 1);
  CHECK(status["messages_by_kind"]["retraction"] == 1);

  RunResult one = region.Hub({"aggregates", "--measure", "CO_BOOKING", "--json"});
  REQUIRE(one.exit_code == 0);
  CHECK(nlohmann::json::parse(one.out) == nlohmann::json::array());
  RunResult text = region.Hub({"aggregates"});
  REQUIRE(text.exit_code == 0);
  CHECK_THAT(text.out, Catch::Contains("16.67"));
}

}  // namespace
}  // namespace lls::test
