// Funnel plot for proportions (Spiegelhalter 2005, Stat Med 24:1185-1202) with the additive
// random-effects over-dispersion adjustment (Spiegelhalter 2005, Qual Saf Health Care
// 14:347-351). Limits use the normal approximation to the binomial, not exact binomial limits.
#include <algorithm>
#include <cmath>

#include "analytics/distributions.h"
#include "analytics/spc.h"

namespace lls::analytics {

namespace {

// Two-sided 95% and 99.8% normal quantiles: qnorm(0.975), qnorm(0.999).
constexpr double kZ95 = 1.959964;
constexpr double kZ998 = 3.090232;

Status CheckUnit(const FunnelUnit& u) {
  if (!std::isfinite(u.numerator) || !std::isfinite(u.denominator)) {
    return Status(Code::kInvalidArgument, "unit '" + u.name + "': value is not finite");
  }
  if (u.denominator <= 0) {
    return Status(Code::kInvalidArgument, "unit '" + u.name + "': denominator must be > 0");
  }
  if (u.numerator < 0 || u.numerator > u.denominator) {
    return Status(Code::kInvalidArgument,
                  "unit '" + u.name + "': numerator must be within 0..denominator");
  }
  return Status::Ok();
}

Result<double> Target(std::span<const FunnelUnit> units, const FunnelOptions& options) {
  double p0 = 0;
  if (options.target) {
    p0 = *options.target;
  } else {
    double num = 0, den = 0;
    for (const FunnelUnit& u : units) {
      num += u.numerator;
      den += u.denominator;
    }
    p0 = num / den;
  }
  if (!(p0 > 0 && p0 < 1)) {
    // p0 (1 - p0) = 0 leaves no binomial spread to draw limits from.
    return Status(Code::kInvalidArgument, "the target proportion must be strictly between 0 and 1");
  }
  return p0;
}

// phi: the mean of the squared z-scores after Winsorising: with k = floor(winsor x I), the k
// smallest z-scores are raised to the (k+1)-th smallest and the k largest lowered to the
// (k+1)-th largest (Spiegelhalter 2005 QSHC: 10% at each end).
double Phi(const std::vector<double>& z, double winsor) {
  std::vector<double> sorted = z;
  std::sort(sorted.begin(), sorted.end());
  const size_t k = static_cast<size_t>(std::floor(winsor * static_cast<double>(z.size()) + 1e-9));
  const double lo = sorted[k], hi = sorted[sorted.size() - 1 - k];
  double sum = 0;
  for (double v : z) {
    const double w = std::clamp(v, lo, hi);
    sum += w * w;
  }
  return sum / static_cast<double>(z.size());
}

// tau^2 = max(0, (I phi - (I - 1)) / (sum w - sum w^2 / sum w)), w = 1 / s^2 (the
// DerSimonian-Laird style moment estimate in Spiegelhalter 2005 QSHC).
double Tau2(const std::vector<double>& s2, double phi) {
  const double count = static_cast<double>(s2.size());
  double sw = 0, sw2 = 0;
  for (double v : s2) {
    sw += 1 / v;
    sw2 += 1 / (v * v);
  }
  return std::max(0.0, (count * phi - (count - 1)) / (sw - sw2 / sw));
}

FunnelPosition PositionOf(double value, const Funnel::Limits& l) {
  if (value > l.upper998) return FunnelPosition::kAbove998;
  if (value > l.upper95) return FunnelPosition::kAbove95;
  if (value < l.lower998) return FunnelPosition::kBelow998;
  if (value < l.lower95) return FunnelPosition::kBelow95;
  return FunnelPosition::kWithin;
}

}  // namespace

Funnel::Limits Funnel::LimitsAt(double denominator) const {
  const double se = std::sqrt(target * (1 - target) / denominator + tau2);
  auto clip = [](double x) { return std::clamp(x, 0.0, 1.0); };
  return {clip(target - kZ95 * se), clip(target + kZ95 * se), clip(target - kZ998 * se),
          clip(target + kZ998 * se)};
}

Result<Funnel> MakeFunnel(std::span<const FunnelUnit> units, const FunnelOptions& options) {
  if (units.empty()) return Status(Code::kInvalidArgument, "no units");
  for (const FunnelUnit& u : units) LLS_RETURN_IF_ERROR(CheckUnit(u));
  if (!(options.winsor >= 0 && options.winsor < 0.5)) {
    return Status(Code::kInvalidArgument, "winsor must be within [0, 0.5)");
  }
  Funnel funnel;
  LLS_ASSIGN_OR_RETURN(funnel.target, Target(units, options));
  const double p0 = funnel.target;
  std::vector<double> z, s2;
  for (const FunnelUnit& u : units) {
    s2.push_back(p0 * (1 - p0) / u.denominator);
    z.push_back((u.numerator / u.denominator - p0) / std::sqrt(s2.back()));
  }
  funnel.phi = Phi(z, options.winsor);
  const double count = static_cast<double>(units.size());
  // I phi is approximately chi-square on I - 1 degrees of freedom when there is no
  // over-dispersion; one unit gives nothing to test.
  funnel.overdispersed =
      units.size() >= 2 && count * funnel.phi > internal::ChiSquareQuantile(0.95, count - 1);
  if (options.adjust_overdispersion && funnel.overdispersed) funnel.tau2 = Tau2(s2, funnel.phi);
  for (size_t i = 0; i < units.size(); ++i) {
    const FunnelUnit& u = units[i];
    FunnelPoint p;
    p.name = u.name;
    p.numerator = u.numerator;
    p.denominator = u.denominator;
    p.value = u.numerator / u.denominator;
    p.z = z[i];
    p.z_adjusted = (p.value - p0) / std::sqrt(s2[i] + funnel.tau2);
    const Funnel::Limits l = funnel.LimitsAt(u.denominator);
    p.lower95 = l.lower95;
    p.upper95 = l.upper95;
    p.lower998 = l.lower998;
    p.upper998 = l.upper998;
    p.position = PositionOf(p.value, l);
    funnel.points.push_back(std::move(p));
  }
  return funnel;
}

}  // namespace lls::analytics
