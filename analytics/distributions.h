// Internal to analytics/: the few distribution functions the charts need, computed (no tables)
// so that any n or number of units gets its exact critical value. Pure functions; thread-safe.
#pragma once

#include <cstdint>

namespace lls::analytics::internal {

// The smallest x in 0..n with P(X <= x) >= p for X ~ Binomial(n, prob): R's qbinom(p, n, prob).
// Summed in log space term by term, so it stays exact to double precision for large n.
// Requires 0 < p < 1, n >= 0, 0 < prob < 1.
int64_t BinomialQuantile(double p, int64_t n, double prob);

// The regularised lower incomplete gamma function P(a, x), a > 0, x >= 0.
double RegularizedGammaP(double a, double x);

// The p quantile of the chi-square distribution with `df` > 0 degrees of freedom (R's
// qchisq(p, df)), found by bisection on RegularizedGammaP(df/2, x/2) to about 1e-12.
double ChiSquareQuantile(double p, double df);

}  // namespace lls::analytics::internal
