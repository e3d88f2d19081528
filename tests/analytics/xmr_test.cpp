// XmR charts: published individuals-chart examples, then screening, rebasing, fix-after and
// the refusals.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "analytics/spc.h"
#include "tests/analytics/test_util.h"

namespace lls::analytics {
namespace {

using test::Series;

// qcc's individuals chart uses sigma = MR-bar / 1.128, i.e. limits mean +/- 2.6596 MR-bar;
// MDC uses 2.66 MR-bar. The two differ by (2.66 - 3/1.128) MR-bar = 0.000426 MR-bar, so we
// compare limits with that allowance and check the centre and MR-bar exactly.
constexpr double kD2 = 1.128;

TEST_CASE("XmR: Montgomery's viscosity data, as qcc prints it", "[analytics][xmr]") {
  // Data and printed values: Montgomery, Introduction to Statistical Quality Control, viscosity
  // example (p. 242 in the edition qcc cites), run through R qcc type "xbar.one": center
  // 33.52333, std.dev 0.4261651, limits 32.24484 / 34.80183. Recorded in the mistat package's
  // comparison with R (Kenett, Zacks & Gedeck, mistat/qcc/tests, test_xbar_one).
  const std::vector<double> x = {33.75, 33.05, 34,    33.81, 33.46, 34.02, 33.68, 33.27,
                                 33.49, 33.20, 33.62, 33.00, 33.54, 33.12, 33.84};
  Result<Chart> chart = XmrChart(Series(x), {});
  REQUIRE(chart.ok());
  const ChartPoint& p = chart->points.front();
  CHECK(p.centre == Approx(33.52333).margin(5e-6));
  CHECK(chart->mean_moving_range == Approx(0.4261651 * kD2).margin(1e-6));
  const double allowance = (2.66 - 3 / kD2) * chart->mean_moving_range + 1e-5;
  CHECK(p.lower == Approx(32.24484).margin(allowance));
  CHECK(p.upper == Approx(34.80183).margin(allowance));
  // And exactly MDC's formula.
  CHECK(p.upper == Approx(p.centre + 2.66 * chart->mean_moving_range).epsilon(1e-12));
  CHECK(p.upper_2s == Approx(p.centre + 2.0 / 3.0 * 2.66 * chart->mean_moving_range));
  for (const ChartPoint& q : chart->points) CHECK((q.rules & kRuleOutsideLimits) == 0);
}

TEST_CASE("XmR: Wetherill & Brown's antifreeze water content, as qcc prints it",
          "[analytics][xmr]") {
  // Water content of antifreeze (Wetherill & Brown 1991, Statistical Process Control, p. 120),
  // R qcc "xbar.one": center 2.569706, std.dev 0.1794541, limits 2.031344 / 3.108068, and no
  // point beyond the limits. Recorded in mistat/qcc/tests (test_xbar_one).
  const std::vector<double> x = {2.23, 2.53, 2.62, 2.63, 2.58, 2.44, 2.49, 2.34, 2.95,
                                 2.54, 2.60, 2.45, 2.17, 2.58, 2.57, 2.44, 2.38, 2.23,
                                 2.23, 2.54, 2.66, 2.84, 2.81, 2.39, 2.56, 2.70, 3.00,
                                 2.81, 2.77, 2.89, 2.54, 2.98, 2.35, 2.53};
  Result<Chart> chart = XmrChart(Series(x), {});
  REQUIRE(chart.ok());
  const ChartPoint& p = chart->points.front();
  CHECK(p.centre == Approx(2.569706).margin(5e-7));
  CHECK(chart->mean_moving_range == Approx(0.1794541 * kD2).margin(1e-6));
  const double allowance = (2.66 - 3 / kD2) * chart->mean_moving_range + 1e-6;
  CHECK(p.lower == Approx(2.031344).margin(allowance));
  CHECK(p.upper == Approx(3.108068).margin(allowance));
  for (const ChartPoint& q : chart->points) CHECK((q.rules & kRuleOutsideLimits) == 0);
}

TEST_CASE("XmR: moving ranges and their mean", "[analytics][xmr]") {
  // Hand-derived: 10, 12, 10, 12: moving ranges -, 2, 2, 2; mean 11; MR-bar 2;
  // limits 11 +/- 5.32; 2-sigma band 11 +/- 3.546667.
  Result<Chart> chart = XmrChart(Series({10, 12, 10, 12}), {});
  REQUIRE(chart.ok());
  CHECK_FALSE(chart->points[0].moving_range.has_value());
  CHECK(*chart->points[1].moving_range == 2);
  CHECK(chart->mean_moving_range == 2);
  CHECK(chart->points[3].upper == Approx(16.32));
  CHECK(chart->points[3].lower == Approx(5.68));
  CHECK(chart->points[3].upper_2s == Approx(11 + 3.546667).margin(1e-6));
  CHECK(chart->points[3].lower_2s == Approx(11 - 3.546667).margin(1e-6));
  for (const ChartPoint& p : chart->points) CHECK(p.baseline);
}

TEST_CASE("XmR: screening leaves out large moving ranges once", "[analytics][xmr]") {
  // Hand-derived: moving ranges 2,2,2,2,20,20,2,2,2: mean 54/9 = 6; 3.267 x 6 = 19.6, so the
  // two 20s are left out and the mean is 14/7 = 2.
  const auto series = Series({10, 12, 10, 12, 10, 30, 10, 12, 10, 12});
  Result<Chart> plain = XmrChart(series, {});
  REQUIRE(plain.ok());
  CHECK(plain->mean_moving_range == Approx(6));
  ChartOptions options;
  options.screen_outliers = true;
  Result<Chart> screened = XmrChart(series, options);
  REQUIRE(screened.ok());
  CHECK(screened->mean_moving_range == Approx(2));
  CHECK(screened->points[5].moving_range_screened);
  CHECK(screened->points[6].moving_range_screened);
  CHECK_FALSE(screened->points[4].moving_range_screened);
  // Screening changes MR-bar only, never the mean: 128 / 10 = 12.8.
  CHECK(screened->points[0].centre == Approx(12.8));
  CHECK(screened->points[5].rules & kRuleOutsideLimits);  // 30 > 12.8 + 5.32
}

TEST_CASE("XmR: rebasing starts a new segment", "[analytics][xmr]") {
  // Hand-derived: 10,12 x 5 then 20,22 x 5. One segment: mean 16, and the first 10 points
  // (all below 16) are a shift. Rebased at period 11: means 11 and 21, no special cause.
  const auto series = Series({10, 12, 10, 12, 10, 12, 10, 12, 10, 12,  //
                              20, 22, 20, 22, 20, 22, 20, 22, 20, 22});
  Result<Chart> whole = XmrChart(series, {});
  REQUIRE(whole.ok());
  CHECK(whole->points[0].rules & kRuleShift);

  ChartOptions options;
  options.rebase_at = {"11"};
  Result<Chart> rebased = XmrChart(series, options);
  REQUIRE(rebased.ok());
  CHECK(rebased->points[9].segment == 0);
  CHECK(rebased->points[10].segment == 1);
  CHECK(rebased->points[9].centre == Approx(11));
  CHECK(rebased->points[10].centre == Approx(21));
  CHECK_FALSE(rebased->points[10].moving_range.has_value());  // first point of its segment
  CHECK(rebased->mean_moving_range == Approx(2));             // the last segment's
  for (const ChartPoint& p : rebased->points) CHECK(p.rules == kRuleNone);
  CHECK(rebased->variation == VariationIcon::kCommonCause);
}

TEST_CASE("XmR: fix_after computes limits from the first points only", "[analytics][xmr]") {
  // Hand-derived: baseline 10,12 x 5 (mean 11, MR-bar 2, UCL 16.32); the 11th point, 20, is
  // judged against those limits and its moving range (8) is not in MR-bar.
  const auto series = Series({10, 12, 10, 12, 10, 12, 10, 12, 10, 12, 20});
  ChartOptions options;
  options.fix_after = 10;
  Result<Chart> chart = XmrChart(series, options);
  REQUIRE(chart.ok());
  CHECK(chart->points[10].centre == Approx(11));
  CHECK(chart->mean_moving_range == Approx(2));
  CHECK(*chart->points[10].moving_range == Approx(8));
  CHECK(chart->points[9].baseline);
  CHECK_FALSE(chart->points[10].baseline);
  CHECK(chart->points[10].rules & kRuleOutsideLimits);
  // fix_after larger than a segment uses the whole segment.
  options.fix_after = 50;
  Result<Chart> all = XmrChart(series, options);
  REQUIRE(all.ok());
  CHECK(all->points[10].baseline);
}

TEST_CASE("XmR: refusals", "[analytics][xmr]") {
  CHECK(XmrChart({}, {}).status().code() == Code::kInvalidArgument);
  CHECK(XmrChart(Series({1, std::nan(""), 3}), {}).status().code() == Code::kInvalidArgument);
  CHECK(XmrChart(Series({1, std::numeric_limits<double>::infinity()}), {}).status().code() ==
        Code::kInvalidArgument);
  ChartOptions options;
  options.rebase_at = {"7"};
  Result<Chart> missing = XmrChart(Series({1, 2, 3}), options);
  CHECK(missing.status().code() == Code::kInvalidArgument);
  CHECK_THAT(missing.status().message(), Catch::Contains("'7'"));
  options.rebase_at = {"1"};  // the first period: nothing before it
  CHECK(XmrChart(Series({1, 2, 3}), options).status().code() == Code::kInvalidArgument);
  options.rebase_at.clear();
  options.fix_after = 1;
  CHECK(XmrChart(Series({1, 2, 3}), options).status().code() == Code::kInvalidArgument);
}

TEST_CASE("XmR: a one-point segment has no limits to judge by", "[analytics][xmr]") {
  ChartOptions options;
  options.rebase_at = {"4"};
  options.improvement = Direction::kIncrease;
  options.target = 5;
  Result<Chart> chart = XmrChart(Series({1, 2, 1, 9}), options);
  REQUIRE(chart.ok());
  const ChartPoint& last = chart->points.back();
  CHECK(last.centre == 9);
  CHECK(last.upper == 9);
  CHECK(last.rules == kRuleNone);
  CHECK(chart->variation == VariationIcon::kNone);
  CHECK(chart->assurance == AssuranceIcon::kNone);
  Result<Chart> single = XmrChart(Series({4}), {});
  REQUIRE(single.ok());
  CHECK(single->variation == VariationIcon::kNone);
}

}  // namespace
}  // namespace lls::analytics
