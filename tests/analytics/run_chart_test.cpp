// Run charts with the Anhøj rules.
#include <catch2/catch.hpp>

#include <array>
#include <cmath>

#include "analytics/spc.h"
#include "tests/analytics/test_util.h"

namespace lls::analytics {
namespace {

using test::Series;

// n distinct values in an order that alternates around the median: n useful observations
// (n even, so no value sits on the median), n - 1 crossings, longest run 1.
std::vector<Observation> Alternating(int n) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(i % 2 == 0 ? i : n + i);
  return Series(v);
}

TEST_CASE("run chart: limits by number of useful observations", "[analytics][run]") {
  // qicharts2 vignette (anhoej/qicharts2, vignettes/qicharts2.Rmd), Appendix 2, "Critical
  // values for longest run and number of crossings" (the rules of Anhoej & Olesen 2014, PLoS
  // ONE 9(11): e113825): n -> (upper limit for longest run, lower limit for crossings).
  const std::vector<std::array<int, 3>> table = {
      {10, 6, 2},  {12, 7, 3},  {14, 7, 4},  {20, 7, 6},  {22, 7, 7},   {24, 8, 8},   {30, 8, 10},
      {44, 8, 16}, {46, 9, 17}, {60, 9, 23}, {90, 9, 37}, {92, 10, 38}, {100, 10, 41}};
  for (const auto& [n, run_limit, crossing_limit] : table) {
    INFO("n = " << n);
    Result<RunChart> run = MakeRunChart(Alternating(n));
    REQUIRE(run.ok());
    CHECK(run->useful_observations == n);
    CHECK(run->longest_run_limit == run_limit);
    CHECK(run->crossings_limit == crossing_limit);
    CHECK(run->crossings == n - 1);
    CHECK(run->longest_run == 1);
    CHECK_FALSE(run->signal());
  }
}

TEST_CASE("run chart: a shift and too few crossings", "[analytics][run]") {
  // Hand-derived: 1..10: median 5.5; five below then five above: longest run 5, 1 crossing.
  // n = 10: run limit 6 (no shift signal), crossing limit 2 (1 < 2: signal).
  Result<RunChart> run = MakeRunChart(Series({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  REQUIRE(run.ok());
  CHECK(run->median == 5.5);
  CHECK(run->longest_run == 5);
  CHECK(run->crossings == 1);
  CHECK_FALSE(run->shift_signal);
  CHECK(run->crossings_signal);
  CHECK(run->signal());
  // 1..7 then 20,21,22 ... : 12 values 1..6 below, 7..12 above: run 6, limit round(log2 12)
  // + 3 = 7: no shift; 14 values: runs of 7 against limit 7: still none (must be longer).
  Result<RunChart> fourteen = MakeRunChart(Series({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}));
  REQUIRE(fourteen.ok());
  CHECK(fourteen->longest_run == 7);
  CHECK(fourteen->longest_run_limit == 7);
  CHECK_FALSE(fourteen->shift_signal);
  // 16 values, 8 below then 8 above: run 8 > 7.
  Result<RunChart> sixteen =
      MakeRunChart(Series({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}));
  REQUIRE(sixteen.ok());
  CHECK(sixteen->longest_run == 8);
  CHECK(sixteen->shift_signal);
}

TEST_CASE("run chart: points on the median are skipped", "[analytics][run]") {
  // Hand-derived: 1,2,3,3,3,4,5: median 3; sides -,-,0,0,0,+,+: 4 useful observations, runs
  // of 2, one crossing (the median points neither break nor continue a run).
  // Limits: round(log2 4) + 3 = 5; qbinom(0.05, 3, 0.5) = 0 (P(X = 0) = 1/8 >= 0.05).
  Result<RunChart> run = MakeRunChart(Series({1, 2, 3, 3, 3, 4, 5}));
  REQUIRE(run.ok());
  CHECK(run->median == 3);
  CHECK(run->useful_observations == 4);
  CHECK(run->longest_run == 2);
  CHECK(run->crossings == 1);
  CHECK(run->longest_run_limit == 5);
  CHECK(run->crossings_limit == 0);
  // Below, on, below: one run of 2 through the median point, no crossing.
  Result<RunChart> through = MakeRunChart(Series({1, 5, 1, 9, 9}));
  REQUIRE(through.ok());  // median 5: -, 0, -, +, +
  CHECK(through->longest_run == 2);
  CHECK(through->crossings == 1);
  CHECK(through->useful_observations == 4);
}

TEST_CASE("run chart: all on the median, and refusals", "[analytics][run]") {
  Result<RunChart> flat = MakeRunChart(Series({4, 4, 4}));
  REQUIRE(flat.ok());
  CHECK(flat->useful_observations == 0);
  CHECK_FALSE(flat->signal());
  CHECK(MakeRunChart({}).status().code() == Code::kInvalidArgument);
  CHECK(MakeRunChart(Series({1, std::nan("")})).status().code() == Code::kInvalidArgument);
}

}  // namespace
}  // namespace lls::analytics
