#include "analytics/distributions.h"

#include <cmath>
#include <limits>

namespace lls::analytics::internal {

int64_t BinomialQuantile(double p, int64_t n, double prob) {
  // log P(X = 0) = n log(1 - prob); each next term by the ratio (n - k) / (k + 1) * prob / q.
  const double log_ratio = std::log(prob) - std::log1p(-prob);
  double log_term = static_cast<double>(n) * std::log1p(-prob);
  double cdf = 0;
  for (int64_t k = 0; k <= n; ++k) {
    cdf += std::exp(log_term);
    // R's qbinom allows the same relative slack (64 ulps) so that rounding in the sum cannot
    // push an exact boundary one step too far.
    if (cdf >= p * (1 - 64 * std::numeric_limits<double>::epsilon())) return k;
    log_term +=
        std::log(static_cast<double>(n - k)) - std::log(static_cast<double>(k + 1)) + log_ratio;
  }
  return n;
}

namespace {

// P(a, x) by its power series; converges quickly for x < a + 1.
double GammaPSeries(double a, double x) {
  double term = 1 / a, sum = term;
  for (int i = 1; i < 10000; ++i) {
    term *= x / (a + i);
    sum += term;
    if (std::fabs(term) < std::fabs(sum) * 1e-16) break;
  }
  return sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

// Q(a, x) = 1 - P(a, x) by its continued fraction (modified Lentz); for x >= a + 1.
double GammaQFraction(double a, double x) {
  constexpr double kTiny = 1e-300;
  double b = x + 1 - a, c = 1 / kTiny, d = 1 / b, h = d;
  for (int i = 1; i < 10000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double step = d * c;
    h *= step;
    if (std::fabs(step - 1) < 1e-16) break;
  }
  return h * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

}  // namespace

double RegularizedGammaP(double a, double x) {
  if (x <= 0) return 0;
  if (x < a + 1) return GammaPSeries(a, x);
  return 1 - GammaQFraction(a, x);
}

double ChiSquareQuantile(double p, double df) {
  const double a = df / 2;
  double lo = 0, hi = df + 10;
  while (RegularizedGammaP(a, hi / 2) < p) hi *= 2;
  // 200 halvings take any bracket below double precision; stop early once it is that narrow.
  for (int i = 0; i < 200 && hi - lo > 1e-13 * hi; ++i) {
    const double mid = (lo + hi) / 2;
    (RegularizedGammaP(a, mid / 2) < p ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

}  // namespace lls::analytics::internal
