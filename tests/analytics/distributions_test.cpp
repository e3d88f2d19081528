// The computed critical values against published tables.
#include <catch2/catch.hpp>

#include <cmath>

#include "analytics/distributions.h"

namespace lls::analytics::internal {
namespace {

TEST_CASE("BinomialQuantile reproduces the Anhoej crossing limits", "[analytics][distributions]") {
  // qicharts2 vignette "qicharts2" (anhoej/qicharts2, vignettes/qicharts2.Rmd), Appendix 2,
  // "Critical values for longest run and number of crossings", column "Lower limit for number
  // of crossings" = qbinom(0.05, n - 1, 0.5), the rule of Anhoej & Olesen 2014 (PLoS ONE
  // 9(11): e113825). Rows checked: n = 10, 11, 12, 14, 17, 19, 22, 24, 27, 29, 31, 45, 50,
  // 60, 75, 90, 99, 100.
  const std::vector<std::pair<int, int>> table = {
      {10, 2},  {11, 2},  {12, 3},  {14, 4},  {17, 5},  {19, 6},  {22, 7},  {24, 8},  {27, 9},
      {29, 10}, {31, 11}, {45, 17}, {50, 19}, {60, 23}, {75, 30}, {90, 37}, {99, 41}, {100, 41}};
  for (auto [n, limit] : table) {
    INFO("n = " << n);
    CHECK(BinomialQuantile(0.05, n - 1, 0.5) == limit);
  }
}

TEST_CASE("BinomialQuantile small cases derived by hand", "[analytics][distributions]") {
  // Binomial(3, 0.5): P(X <= 0) = 1/8 >= 0.05, so the 5% quantile is 0.
  CHECK(BinomialQuantile(0.05, 3, 0.5) == 0);
  // Binomial(0, p) is always 0.
  CHECK(BinomialQuantile(0.05, 0, 0.5) == 0);
  // Binomial(4, 0.5): P(X <= 1) = 5/16 = 0.3125 < 0.5 <= P(X <= 2) = 11/16: median 2.
  CHECK(BinomialQuantile(0.5, 4, 0.5) == 2);
}

TEST_CASE("ChiSquareQuantile matches the upper 5% critical values", "[analytics][distributions]") {
  // Hand-derived: with 2 degrees of freedom P(X > x) = exp(-x/2), so x = -2 ln 0.05
  // = 5.991465; with 1 degree of freedom x = qnorm(0.975)^2 = 1.959964^2 = 3.841459.
  CHECK(ChiSquareQuantile(0.95, 2) == Approx(5.991465).margin(1e-6));
  CHECK(ChiSquareQuantile(0.95, 1) == Approx(3.841459).margin(1e-5));
  // Upper critical values of the chi-square distribution, probability of exceeding 0.05
  // (NIST/SEMATECH e-Handbook of Statistical Methods, section 1.3.6.7.4; the same values in
  // every printed table): df 4 9.48773, 5 11.07050, 10 18.30704, 12 21.02607, 14 23.68479.
  CHECK(ChiSquareQuantile(0.95, 4) == Approx(9.48773).margin(1e-5));
  CHECK(ChiSquareQuantile(0.95, 5) == Approx(11.07050).margin(1e-5));
  CHECK(ChiSquareQuantile(0.95, 10) == Approx(18.30704).margin(1e-5));
  CHECK(ChiSquareQuantile(0.95, 12) == Approx(21.02607).margin(1e-5));
  CHECK(ChiSquareQuantile(0.95, 14) == Approx(23.68479).margin(1e-5));
}

TEST_CASE("RegularizedGammaP edge values", "[analytics][distributions]") {
  CHECK(RegularizedGammaP(1, 0) == 0);
  // P(1, x) = 1 - exp(-x).
  CHECK(RegularizedGammaP(1, 2) == Approx(1 - std::exp(-2.0)).margin(1e-14));
  CHECK(RegularizedGammaP(1, 0.5) == Approx(1 - std::exp(-0.5)).margin(1e-14));
}

}  // namespace
}  // namespace lls::analytics::internal
