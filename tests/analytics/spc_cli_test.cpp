// `lls spc` as a user runs it: tables, --json, and the exit-2 refusals with file:line.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/process.h"
#include "tests/support/support.h"

namespace lls::test {
namespace {

const std::string kLls = LLS_TOOL_BIN;

RunResult Spc(const TempDir& dir, const std::string& csv, std::vector<std::string> flags) {
  const auto file = dir / "data.csv";
  WriteText(file, csv);
  std::vector<std::string> argv = {kLls, "spc", "--input", file.string()};
  argv.insert(argv.end(), flags.begin(), flags.end());
  return Run(argv, dir.path());
}

// The XmR example of docs/analytics.md: a baseline alternating 10/12 and a last month at 20.
const char* kMonthly =
    "period,value\n"
    "2024-01,10\n2024-02,12\n2024-03,10\n2024-04,12\n2024-05,10\n"
    "2024-06,12\n2024-07,10\n2024-08,12\n2024-09,10\n2024-10,12\n2024-11,20\n";

TEST_CASE("lls spc: XmR as JSON", "[analytics][cli]") {
  TempDir dir("lls-spc");
  RunResult r = Spc(dir, kMonthly,
                    {"--json", "--improvement", "increase", "--target", "15", "--fix-after", "10"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["chart"] == "xmr");
  CHECK(j["improvement"] == "increase");
  CHECK(j["target"] == 15);
  CHECK(j["mean_moving_range"].get<double>() == Approx(2));
  CHECK(j["variation"] == "improvement-high");
  CHECK(j["assurance"] == "hit-and-miss");  // 15 within [5.68, 16.32]
  REQUIRE(j["points"].size() == 11);
  const auto& first = j["points"][0];
  CHECK(first["period"] == "2024-01");
  CHECK(first["moving_range"].is_null());
  CHECK(first["rules"].empty());
  CHECK(first["signal"] == "common-cause");
  const auto& last = j["points"][10];
  CHECK(last["value"] == 20);
  CHECK(last["centre"].get<double>() == Approx(11));
  CHECK(last["upper"].get<double>() == Approx(16.32));
  CHECK(last["lower_2s"].get<double>() == Approx(11 - 3.546667).margin(1e-6));
  CHECK(last["moving_range"].get<double>() == Approx(8));
  CHECK(last["rules"] == nlohmann::json::array({"outside-limits"}));
  CHECK(last["signal"] == "improvement");
  CHECK(last["baseline"] == false);
}

TEST_CASE("lls spc: XmR as a table", "[analytics][cli]") {
  TempDir dir("lls-spc");
  RunResult r = Spc(dir, kMonthly, {"--improvement", "increase", "--fix-after", "10"});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("variation: improvement-high"));
  CHECK_THAT(r.out, Catch::Contains("period "));
  CHECK_THAT(r.out, Catch::Contains("outside-limits"));
  CHECK_THAT(r.out, Catch::Contains("2024-11"));
}

TEST_CASE("lls spc: p, laney, run and funnel", "[analytics][cli]") {
  TempDir dir("lls-spc");
  SECTION("p-chart") {
    RunResult r = Spc(dir, "period,numerator,denominator\n1,12,50\n2,15,50\n3,8,50\n",
                      {"--chart", "p", "--json"});
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["chart"] == "p");
    CHECK(j["sigma_z"] == 1);
    CHECK(j["points"][0]["centre"].get<double>() == Approx(35.0 / 150.0));
    CHECK(j["points"][0]["moving_range"].is_null());
  }
  SECTION("laney") {
    RunResult r = Spc(dir, "Period,Numerator,Denominator\n1,12,50\n2,15,50\n3,8,50\n",
                      {"--chart", "laney", "--json"});
    REQUIRE(r.exit_code == 0);
    CHECK(nlohmann::json::parse(r.out)["chart"] == "laney");
  }
  SECTION("run") {
    RunResult r = Spc(dir, "period,value\n1,1\n2,2\n3,3\n4,4\n5,5\n6,6\n7,7\n8,8\n9,9\n10,10\n",
                      {"--chart", "run", "--json"});
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["median"] == 5.5);
    CHECK(j["longest_run"] == 5);
    CHECK(j["longest_run_limit"] == 6);
    CHECK(j["crossings"] == 1);
    CHECK(j["crossings_limit"] == 2);
    CHECK(j["crossings_signal"] == true);
    CHECK(j["signal"] == true);
  }
  SECTION("funnel") {
    RunResult r = Spc(dir, "unit,numerator,denominator\nA,10,100\nB,10,100\nC,20,100\n",
                      {"--chart", "funnel", "--target", "0.1", "--json"});
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["target"] == 0.1);
    REQUIRE(j["units"].size() == 3);
    CHECK(j["units"][0]["unit"] == "A");
    CHECK(j["units"][0]["position"] == "within");
    CHECK(j["units"][0]["upper95"].is_number());
    CHECK(j.contains("phi"));
    CHECK(j.contains("tau2"));
    CHECK(j.contains("overdispersed"));
  }
}

TEST_CASE("lls spc: bad input exits 2 with file:line", "[analytics][cli]") {
  TempDir dir("lls-spc");
  const std::string file = (dir / "data.csv").string();
  SECTION("a value that is not a number") {
    RunResult r = Spc(dir, "period,value\n1,10\n2,ten\n", {});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "lls spc: " + file + ":3: value 'ten' is not a finite number\n");
  }
  SECTION("a missing column") {
    RunResult r = Spc(dir, "period,numerator\n1,10\n", {"--chart", "p"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(file + ":1: missing column 'denominator'"));
  }
  SECTION("an unexpected column") {
    RunResult r = Spc(dir, "period,value,note\n1,10,x\n", {});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(":1: unexpected column 'note'"));
  }
  SECTION("a row with too few fields") {
    RunResult r = Spc(dir, "period,value\n1,10\n2\n", {});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(file + ":3"));
  }
  SECTION("a numerator above its denominator") {
    RunResult r = Spc(dir, "period,numerator,denominator\n1,5,10\n2,11,10\n", {"--chart", "p"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(":3: numerator must be between 0 and the denominator"));
  }
  SECTION("a repeated period") {
    RunResult r = Spc(dir, "period,value\n1,10\n1,11\n", {});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(":3: period '1' repeats line 2"));
  }
  SECTION("no data rows") {
    RunResult r = Spc(dir, "period,value\n", {});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("no data rows"));
  }
  SECTION("a rebase period not in the file") {
    RunResult r = Spc(dir, kMonthly, {"--rebase", "2030-01"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("rebase period '2030-01' is not in the series"));
  }
  SECTION("a flag that does not apply to the chart") {
    RunResult r = Spc(dir, kMonthly, {"--chart", "run", "--rebase", "2024-05"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--rebase does not apply to --chart run"));
  }
  SECTION("a missing file") {
    RunResult r = Run({kLls, "spc", "--input", (dir / "missing.csv").string()}, dir.path());
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("missing.csv"));
  }
}

}  // namespace
}  // namespace lls::test
