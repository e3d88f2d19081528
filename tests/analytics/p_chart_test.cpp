// p-charts and Laney p' charts against published output.
#include <catch2/catch.hpp>

#include <cmath>

#include "analytics/spc.h"
#include "tests/analytics/test_util.h"

namespace lls::analytics {
namespace {

using test::Proportions;

// Montgomery's orange-juice cans: 30 samples of 50 cans, nonconforming counts (R package qcc,
// data/orangejuice.txt, the samples with trial = TRUE; Montgomery, Introduction to Statistical
// Quality Control, the frozen orange juice concentrate can example).
const std::vector<double> kOrangeJuice = {12, 15, 8, 10, 4,  7,  16, 9,  14, 10, 5,  6, 17, 12, 22,
                                          8,  10, 5, 13, 11, 20, 18, 24, 15, 9,  12, 7, 13, 9,  6};

TEST_CASE("p-chart: qcc's orange juice example", "[analytics][p]") {
  // qcc(D[trial], sizes = size[trial], type = "p") prints: Center of group statistics
  // 0.2313333, Control limits LCL 0.05242755, UCL 0.4102391 (qcc demo output, also recorded
  // in mistat/qcc/tests test_orangejuice with samples 15 and 23 beyond the UCL).
  Result<Chart> chart = PChart(Proportions(kOrangeJuice, std::vector<double>(30, 50)), {});
  REQUIRE(chart.ok());
  CHECK(chart->kind == ChartKind::kP);
  CHECK(chart->sigma_z == 1);
  for (const ChartPoint& p : chart->points) {
    CHECK(p.centre == Approx(0.2313333).margin(5e-8));
    CHECK(p.lower == Approx(0.05242755).margin(5e-9));
    CHECK(p.upper == Approx(0.4102391).margin(5e-8));
  }
  for (size_t i = 0; i < 30; ++i) {
    INFO("sample " << i + 1);
    const bool beyond = i + 1 == 15 || i + 1 == 23;
    CHECK(((chart->points[i].rules & kRuleOutsideLimits) != 0) == beyond);
  }
}

TEST_CASE("p-chart: orange juice without samples 15 and 23", "[analytics][p]") {
  // Montgomery drops samples 15 and 23 (assignable causes) and recomputes: qcc prints center
  // 0.215, limits 0.04070284 / 0.3892972, with sample 21 (20/50 = 0.4) still beyond the UCL
  // (mistat/qcc/tests test_orangejuice).
  std::vector<double> kept;
  for (size_t i = 0; i < kOrangeJuice.size(); ++i) {
    if (i + 1 != 15 && i + 1 != 23) kept.push_back(kOrangeJuice[i]);
  }
  Result<Chart> chart = PChart(Proportions(kept, std::vector<double>(28, 50)), {});
  REQUIRE(chart.ok());
  CHECK(chart->points[0].centre == Approx(0.215).margin(1e-12));
  CHECK(chart->points[0].lower == Approx(0.04070284).margin(5e-9));
  CHECK(chart->points[0].upper == Approx(0.3892972).margin(5e-8));
  for (size_t i = 0; i < kept.size(); ++i) {
    CHECK(((chart->points[i].rules & kRuleOutsideLimits) != 0) == (i == 19));
  }
}

TEST_CASE("p-chart: varying denominators, as qicharts2 computes them", "[analytics][p]") {
  // qicharts2 0.8.1 qic(chart = "p") output recorded, rounded to 4 decimals, in the
  // PowerBI-SPC project's golden fixtures (AUS-DOH-Safety-and-Quality/PowerBI-SPC,
  // test/fixtures/golden/p/basic.qicharts2.json; generator generate_golden.R).
  const std::vector<double> num = {14, 12, 15, 8,  16, 11, 12, 14, 16, 17, 5,  11,
                                   13, 10, 14, 5,  12, 10, 11, 5,  10, 8,  11, 12,
                                   11, 18, 18, 21, 14, 15, 18, 22, 17, 16, 20, 15};
  const std::vector<double> den = {52, 64, 70, 60, 67, 69, 67, 54, 79, 59, 49, 61,
                                   41, 51, 56, 43, 57, 48, 69, 41, 40, 46, 59, 62,
                                   57, 65, 75, 70, 76, 69, 64, 67, 84, 67, 69, 78};
  const std::vector<double> ucl = {0.3876, 0.3707, 0.364,  0.3758, 0.3672, 0.365,  0.3672, 0.3844,
                                   0.3553, 0.3771, 0.3928, 0.3745, 0.4092, 0.3893, 0.3814, 0.4047,
                                   0.3799, 0.3946, 0.365,  0.4092, 0.4116, 0.3984, 0.3771, 0.3732,
                                   0.3799, 0.3695, 0.359,  0.364,  0.358,  0.365,  0.3707, 0.3672,
                                   0.3511, 0.3672, 0.365,  0.3562};
  const std::vector<double> lcl = {0.045,  0.0619, 0.0687, 0.0569, 0.0654, 0.0676, 0.0654, 0.0482,
                                   0.0774, 0.0555, 0.0399, 0.0582, 0.0234, 0.0434, 0.0513, 0.028,
                                   0.0527, 0.038,  0.0676, 0.0234, 0.021,  0.0342, 0.0555, 0.0595,
                                   0.0527, 0.0631, 0.0737, 0.0687, 0.0746, 0.0676, 0.0619, 0.0654,
                                   0.0816, 0.0654, 0.0676, 0.0765};
  const std::vector<double> ul95 = {0.3305, 0.3193, 0.3148};  // the first three 2-sigma
  Result<Chart> chart = PChart(Proportions(num, den), {});
  REQUIRE(chart.ok());
  for (size_t i = 0; i < num.size(); ++i) {
    INFO("point " << i + 1);
    CHECK(chart->points[i].centre == Approx(0.2163).margin(5e-5));
    CHECK(chart->points[i].upper == Approx(ucl[i]).margin(5.1e-5));
    CHECK(chart->points[i].lower == Approx(lcl[i]).margin(5.1e-5));
  }
  for (size_t i = 0; i < ul95.size(); ++i) {
    CHECK(chart->points[i].upper_2s == Approx(ul95[i]).margin(5.1e-5));
  }
}

TEST_CASE("Laney p': very large denominators", "[analytics][laney]") {
  // The nhs_accidents data of qicharts2 (patients seen within 4 hours, Mohammed et al. 2013),
  // with Laney p' limits computed by the PowerBI-SPC project's R reference (z-scores against
  // the pooled p, sigma_z = mean moving range of z / 1.128, limits p +/- 3 sigma_i sigma_z),
  // rounded to 6 decimals: test/fixtures/golden/pp/basic.qicharts2.json. The qicharts2
  // vignette (Case 5) shows the same data on a p-chart (limits far too narrow) and a P' chart.
  const std::vector<double> num = {266501, 264225, 276532, 281461, 269071, 261215, 270409,
                                   279778, 270483, 270320, 267923, 271478, 255353, 256820,
                                   261835, 259144, 255910, 260863, 264465, 260989};
  const std::vector<double> den = {280443, 276823, 291681, 296155, 282343, 275888, 283867,
                                   295251, 284468, 282529, 279618, 283932, 266629, 268091,
                                   276803, 271578, 266005, 273520, 278574, 273772};
  const std::vector<double> ucl = {0.96567,  0.965753, 0.965421, 0.965326, 0.965627,
                                   0.965775, 0.965593, 0.965345, 0.965579, 0.965623,
                                   0.965689, 0.965591, 0.965996, 0.965961, 0.965753,
                                   0.965877, 0.966012, 0.96583,  0.965713, 0.965824};
  const std::vector<double> lcl = {0.94013,  0.940046, 0.940378, 0.940473, 0.940173,
                                   0.940025, 0.940207, 0.940454, 0.94022,  0.940177,
                                   0.940111, 0.940208, 0.939803, 0.939839, 0.940046,
                                   0.939923, 0.939788, 0.939969, 0.940087, 0.939975};
  const std::vector<double> ul95 = {0.961413, 0.961469, 0.961247};
  const std::vector<double> ll95 = {0.944386, 0.944331, 0.944552};
  Result<Chart> laney = PChart(Proportions(num, den), {}, /*laney=*/true);
  REQUIRE(laney.ok());
  CHECK(laney->kind == ChartKind::kLaneyP);
  CHECK(laney->sigma_z > 10);  // heavily over-dispersed: the plain p-chart limits are too narrow
  for (size_t i = 0; i < num.size(); ++i) {
    INFO("point " << i + 1);
    CHECK(laney->points[i].centre == Approx(0.9529).margin(5e-5));
    CHECK(laney->points[i].upper == Approx(ucl[i]).margin(6e-7));
    CHECK(laney->points[i].lower == Approx(lcl[i]).margin(6e-7));
    CHECK((laney->points[i].rules & kRuleOutsideLimits) == 0);
  }
  for (size_t i = 0; i < ul95.size(); ++i) {
    CHECK(laney->points[i].upper_2s == Approx(ul95[i]).margin(6e-7));
    CHECK(laney->points[i].lower_2s == Approx(ll95[i]).margin(6e-7));
  }
  // The plain p-chart puts most of these weeks outside its limits.
  Result<Chart> plain = PChart(Proportions(num, den), {});
  REQUIRE(plain.ok());
  int outside = 0;
  for (const ChartPoint& p : plain->points) outside += (p.rules & kRuleOutsideLimits) ? 1 : 0;
  CHECK(outside > 10);
}

TEST_CASE("Laney p': equal baseline z-scores fall back to a plain p-chart", "[analytics][laney]") {
  // Hand-derived: the baseline 10/100, 20/200, 30/300 is exactly the pooled p = 0.1, so every
  // z-score is 0 and their moving ranges too: sigma_z would compute to 0 and the limits would
  // sit on the centre line, flagging the next point (11/100) as outside them. The fallback is
  // sigma_z = 1: the plain p-chart's limits, 0.1 +/- 3 x sqrt(0.1 x 0.9 / n).
  ChartOptions options;
  options.fix_after = 3;
  const auto series = Proportions({10, 20, 30, 11}, {100, 200, 300, 100});
  Result<Chart> laney = PChart(series, options, /*laney=*/true);
  Result<Chart> plain = PChart(series, options);
  REQUIRE(laney.ok());
  REQUIRE(plain.ok());
  CHECK(laney->kind == ChartKind::kLaneyP);
  CHECK(laney->sigma_z == 1);
  for (size_t i = 0; i < series.size(); ++i) {
    CHECK(laney->points[i].upper == Approx(plain->points[i].upper));
    CHECK(laney->points[i].lower == Approx(plain->points[i].lower));
    CHECK(laney->points[i].upper_2s == Approx(plain->points[i].upper_2s));
  }
  CHECK(laney->points[3].upper == Approx(0.1 + 3 * 0.03));
  CHECK(laney->points[3].rules == kRuleNone);
}

TEST_CASE("p-chart: limits are clipped to [0, 1]", "[analytics][p]") {
  // Hand-derived: p = 1/20 = 0.05 over n = 10 each: sigma = sqrt(0.05 x 0.95 / 10) = 0.068920,
  // so p - 3 sigma < 0 is clipped to 0 and the 2-sigma lower line too.
  Result<Chart> chart = PChart(Proportions({1, 0}, {10, 10}), {});
  REQUIRE(chart.ok());
  CHECK(chart->points[0].lower == 0);
  CHECK(chart->points[0].lower_2s == 0);
  CHECK(chart->points[0].upper == Approx(0.05 + 3 * 0.0689202).margin(1e-6));
  CHECK(chart->points[1].value == 0);
  CHECK(chart->points[1].rules == kRuleNone);  // 0 is not below a lower limit of 0
}

TEST_CASE("p-chart: rebasing and fix_after work per segment", "[analytics][p]") {
  // Hand-derived: segment 0 = 5/50 x 4 (p 0.1), segment 1 = 20/50 x 4 (p 0.4).
  ChartOptions options;
  options.rebase_at = {"5"};
  Result<Chart> chart =
      PChart(Proportions({5, 5, 5, 5, 20, 20, 20, 20}, std::vector<double>(8, 50)), options);
  REQUIRE(chart.ok());
  CHECK(chart->points[3].centre == Approx(0.1));
  CHECK(chart->points[4].centre == Approx(0.4));
  CHECK(chart->points[4].segment == 1);
  options.rebase_at.clear();
  options.fix_after = 4;
  Result<Chart> fixed =
      PChart(Proportions({5, 5, 5, 5, 20, 20, 20, 20}, std::vector<double>(8, 50)), options);
  REQUIRE(fixed.ok());
  CHECK(fixed->points[7].centre == Approx(0.1));
  CHECK(fixed->points[7].rules & kRuleOutsideLimits);
}

TEST_CASE("p-chart: refusals", "[analytics][p]") {
  CHECK(PChart({}, {}).status().code() == Code::kInvalidArgument);
  CHECK(PChart(Proportions({1}, {0}), {}).status().code() == Code::kInvalidArgument);
  CHECK(PChart(Proportions({3}, {2}), {}).status().code() == Code::kInvalidArgument);
  CHECK(PChart(Proportions({-1}, {2}), {}).status().code() == Code::kInvalidArgument);
  CHECK(PChart(Proportions({std::nan("")}, {2}), {}).status().code() == Code::kInvalidArgument);
  ChartOptions options;
  options.rebase_at = {"9"};
  CHECK(PChart(Proportions({1, 1}, {2, 2}), options).status().code() == Code::kInvalidArgument);
}

}  // namespace
}  // namespace lls::analytics
