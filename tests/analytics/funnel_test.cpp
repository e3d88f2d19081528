// Funnel plots. No stored source prints a worked example with the normal-approximation limits
// and the winsorised over-dispersion estimate (FunnelPlotR, the R reference, uses transformed
// scales), so these checks are derived by hand, step by step in the comments.
#include <catch2/catch.hpp>

#include <cmath>

#include "analytics/spc.h"

namespace lls::analytics {
namespace {

std::vector<FunnelUnit> Units(const std::vector<double>& num, double den) {
  std::vector<FunnelUnit> out;
  for (size_t i = 0; i < num.size(); ++i) {
    out.push_back({"u" + std::to_string(i + 1), num[i], den});
  }
  return out;
}

TEST_CASE("funnel: limits at a denominator", "[analytics][funnel]") {
  // Target 0.1, n = 100: s = sqrt(0.1 x 0.9 / 100) = 0.03. 95%: 0.1 +/- 1.959964 x 0.03 =
  // 0.1 +/- 0.05879892; 99.8%: 0.1 +/- 3.090232 x 0.03 = 0.1 +/- 0.09270696.
  FunnelOptions options;
  options.target = 0.1;
  options.adjust_overdispersion = false;
  Result<Funnel> f = MakeFunnel(Units({10, 10, 10, 20}, 100), options);
  REQUIRE(f.ok());
  CHECK(f->target == 0.1);
  CHECK(f->tau2 == 0);
  const FunnelPoint& p = f->points[0];
  CHECK(p.z == Approx(0).margin(1e-12));
  CHECK(p.upper95 == Approx(0.15879892).margin(1e-8));
  CHECK(p.lower95 == Approx(0.04120108).margin(1e-8));
  CHECK(p.upper998 == Approx(0.19270696).margin(1e-8));
  CHECK(p.lower998 == Approx(0.00729304).margin(1e-8));
  CHECK(p.position == FunnelPosition::kWithin);
  // 20/100: z = 0.1 / 0.03 = 3.333333 > 3.090232: above the 99.8% limit.
  CHECK(f->points[3].z == Approx(10.0 / 3.0));
  CHECK(f->points[3].position == FunnelPosition::kAbove998);
  CHECK(f->LimitsAt(100).upper998 == Approx(0.19270696).margin(1e-8));
  // n = 400: s = 0.015.
  CHECK(f->LimitsAt(400).upper95 == Approx(0.1 + 1.959964 * 0.015).margin(1e-9));
  // phi: z = 0, 0, 0, 3.3333; with 4 units k = floor(0.4) = 0, nothing is winsorised:
  // phi = 11.1111 / 4 = 2.777778; 4 phi = 11.11 > chi-square(3) 95% = 7.81473: over-dispersed
  // (reported even when the adjustment is off).
  CHECK(f->phi == Approx(100.0 / 9.0 / 4.0));
  CHECK(f->overdispersed);
  // With the adjustment: sum w - sum w^2 / sum w = 4444.44 - 1111.11 = 3333.33;
  // tau2 = (11.1111 - 3) / 3333.33 = 0.00243333 (3333.33 = 10000 / 3); se = sqrt(0.0009 +
  // 0.00243333) = 0.0577350; 95% upper = 0.1 + 1.959964 x 0.0577350 = 0.2131586: 0.2 is now within.
  options.adjust_overdispersion = true;
  Result<Funnel> g = MakeFunnel(Units({10, 10, 10, 20}, 100), options);
  REQUIRE(g.ok());
  CHECK(g->tau2 == Approx((100.0 / 9.0 - 3) / (10000.0 / 3.0)).epsilon(1e-9));
  CHECK(g->tau2 == Approx(0.00243333).margin(1e-8));
  CHECK(g->points[3].upper95 == Approx(0.2131586).margin(1e-7));
  CHECK(g->points[3].position == FunnelPosition::kWithin);
}

TEST_CASE("funnel: over-dispersion with winsorised z-scores", "[analytics][funnel]") {
  // Ten units of n = 100, target 0.1 (s = 0.03): numerators 2,4,6,8,10,10,12,14,16,18 give
  // z = -2.6667, -2, -1.3333, -0.6667, 0, 0, 0.6667, 1.3333, 2, 2.6667.
  // Winsorising 10% of 10 (k = 1) pulls +/-2.6667 in to +/-2:
  // sum z^2 = 4 + 4 + 1.7778 + 0.4444 + 0 + 0 + 0.4444 + 1.7778 + 4 + 4 = 20.4444,
  // phi = 2.044444. I phi = 20.4444 > chi-square(9) 95% = 16.91898: over-dispersed.
  // w = 1 / 0.0009 = 1111.11 each: sum w - sum w^2 / sum w = 11111.11 - 1111.11 = 10000;
  // tau2 = (20.4444 - 9) / 10000 = 0.00114444.
  // Limits at n = 100: se = sqrt(0.0009 + 0.00114444) = 0.04521553;
  // 95% upper = 0.1 + 1.959964 x 0.04521553 = 0.18862081.
  FunnelOptions options;
  options.target = 0.1;
  Result<Funnel> f = MakeFunnel(Units({2, 4, 6, 8, 10, 10, 12, 14, 16, 18}, 100), options);
  REQUIRE(f.ok());
  CHECK(f->phi == Approx(184.0 / 90.0).epsilon(1e-12));  // 20.4444 / 10 = 2.044444
  CHECK(f->overdispersed);
  CHECK(f->tau2 == Approx((184.0 / 9.0 - 9) / 10000).epsilon(1e-9));
  CHECK(f->points[0].upper95 == Approx(0.18862081).margin(1e-8));
  // The unwinsorised z is reported: (0.02 - 0.1) / 0.03.
  CHECK(f->points[0].z == Approx(-8.0 / 3.0));
  // The adjusted z divides by the widened spread: -0.08 / 0.04521553 = -1.7693, inside
  // +/-1.96, as its position within the drawn 95% limits says.
  CHECK(f->points[0].z_adjusted == Approx(-0.08 / 0.04521553).epsilon(1e-6));
  // 0.02 is within the widened 95% limits (lower 0.1 - 0.0886208 = 0.0113792).
  CHECK(f->points[0].position == FunnelPosition::kWithin);
}

TEST_CASE("funnel: no over-dispersion leaves tau2 at 0", "[analytics][funnel]") {
  // Pooled target: (9 + 10 + 11) / 300 = 0.1; z = -1/3, 0, 1/3 (s = 0.03);
  // phi = (1/9 + 0 + 1/9) / 3 = 0.074074; 3 phi = 0.2222 < chi-square(2) 95% = 5.991465.
  Result<Funnel> f = MakeFunnel(Units({9, 10, 11}, 100), {});
  REQUIRE(f.ok());
  CHECK(f->target == Approx(0.1));
  CHECK(f->phi == Approx(2.0 / 27.0));
  CHECK_FALSE(f->overdispersed);
  CHECK(f->tau2 == 0);
  CHECK(f->points[2].z_adjusted == Approx(f->points[2].z));  // no allowance: the same
  // One unit: nothing to test against.
  Result<Funnel> one = MakeFunnel(Units({5}, 100), {});
  REQUIRE(one.ok());
  CHECK_FALSE(one->overdispersed);
}

TEST_CASE("funnel: positions below", "[analytics][funnel]") {
  // Target 0.3, n = 400: s = sqrt(0.21 / 400) = 0.02291288. 95% lower = 0.3 - 0.0449084 =
  // 0.2550916; 99.8% lower = 0.3 - 0.0708061 = 0.2291939. 100/400 = 0.25 is below 95% only;
  // 80/400 = 0.2 below 99.8%.
  FunnelOptions options;
  options.target = 0.3;
  options.adjust_overdispersion = false;
  std::vector<FunnelUnit> units = {{"a", 100, 400}, {"b", 80, 400}, {"c", 120, 400}};
  Result<Funnel> f = MakeFunnel(units, options);
  REQUIRE(f.ok());
  CHECK(f->points[0].position == FunnelPosition::kBelow95);
  CHECK(f->points[1].position == FunnelPosition::kBelow998);
  CHECK(f->points[2].position == FunnelPosition::kWithin);
}

TEST_CASE("funnel: refusals", "[analytics][funnel]") {
  CHECK(MakeFunnel({}, {}).status().code() == Code::kInvalidArgument);
  CHECK(MakeFunnel(Units({1}, 0), {}).status().code() == Code::kInvalidArgument);
  CHECK(MakeFunnel(Units({5}, 4), {}).status().code() == Code::kInvalidArgument);
  CHECK(MakeFunnel(Units({0, 0}, 10), {}).status().code() == Code::kInvalidArgument);
  FunnelOptions options;
  options.target = 1;
  CHECK(MakeFunnel(Units({1}, 10), options).status().code() == Code::kInvalidArgument);
  options.target = 0.5;
  options.winsor = 0.5;
  CHECK(MakeFunnel(Units({1}, 10), options).status().code() == Code::kInvalidArgument);
}

}  // namespace
}  // namespace lls::analytics
