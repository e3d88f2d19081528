// p-chart with varying denominators, and Laney's p' (Laney 2002, "Improved control charts for
// attributes", Quality Engineering 14(4):531-537).
#include <algorithm>
#include <cmath>

#include "analytics/segments.h"
#include "analytics/spc.h"
#include "analytics/special_cause.h"

namespace lls::analytics {

namespace {

// d2 for moving ranges of 2: sigma_z = mean |z_i - z_(i-1)| / 1.128 (Laney 2002).
constexpr double kD2 = 1.128;

Status CheckProportion(const Proportion& p) {
  if (!std::isfinite(p.numerator) || !std::isfinite(p.denominator)) {
    return Status(Code::kInvalidArgument, "period '" + p.period + "': value is not finite");
  }
  if (p.denominator <= 0) {
    return Status(Code::kInvalidArgument, "period '" + p.period + "': denominator must be > 0");
  }
  if (p.numerator < 0 || p.numerator > p.denominator) {
    return Status(Code::kInvalidArgument,
                  "period '" + p.period + "': numerator must be within 0..denominator");
  }
  return Status::Ok();
}

double Clip01(double x) { return std::clamp(x, 0.0, 1.0); }

// Laney's sigma_z from the baseline's z-scores against the pooled proportion. 1 (a plain
// p-chart) when it cannot be estimated: fewer than 2 baseline points, p = 0 or 1, or every
// baseline z-score equal (no moving range: sigma_z 0 would collapse the limits onto the
// centre line and flag every later point that moves at all).
double SigmaZ(std::span<const Proportion> baseline, double pbar) {
  const double pq = pbar * (1 - pbar);
  if (baseline.size() < 2 || pq <= 0) return 1;
  double sum = 0, previous = 0;
  for (size_t i = 0; i < baseline.size(); ++i) {
    const Proportion& p = baseline[i];
    const double z = (p.numerator / p.denominator - pbar) / std::sqrt(pq / p.denominator);
    if (i > 0) sum += std::fabs(z - previous);
    previous = z;
  }
  const double sigma_z = sum / static_cast<double>(baseline.size() - 1) / kD2;
  return sigma_z > 0 ? sigma_z : 1;
}

// Fills one segment's lines; returns its sigma_z.
double FillSegment(std::span<const Proportion> data, std::span<ChartPoint> seg, int segment,
                   size_t baseline_size, bool laney) {
  double num = 0, den = 0;
  for (size_t i = 0; i < baseline_size; ++i) {
    num += data[i].numerator;
    den += data[i].denominator;
  }
  const double pbar = num / den;
  const double sigma_z = laney ? SigmaZ(data.first(baseline_size), pbar) : 1;
  for (size_t i = 0; i < seg.size(); ++i) {
    ChartPoint& p = seg[i];
    const double sigma = std::sqrt(pbar * (1 - pbar) / data[i].denominator) * sigma_z;
    p.segment = segment;
    p.baseline = i < baseline_size;
    p.centre = pbar;
    p.upper = Clip01(pbar + 3 * sigma);
    p.lower = Clip01(pbar - 3 * sigma);
    p.upper_2s = Clip01(pbar + 2 * sigma);
    p.lower_2s = Clip01(pbar - 2 * sigma);
  }
  return sigma_z;
}

}  // namespace

Result<Chart> PChart(std::span<const Proportion> series, const ChartOptions& options, bool laney) {
  if (series.empty()) return Status(Code::kInvalidArgument, "the series is empty");
  Chart chart;
  chart.kind = laney ? ChartKind::kLaneyP : ChartKind::kP;
  chart.improvement = options.improvement;
  chart.target = options.target;
  if (chart.target && !std::isfinite(*chart.target)) {
    return Status(Code::kInvalidArgument, "the target is not finite");
  }
  std::vector<std::string> periods;
  for (const Proportion& p : series) {
    LLS_RETURN_IF_ERROR(CheckProportion(p));
    periods.push_back(p.period);
    ChartPoint point;
    point.period = p.period;
    point.value = p.numerator / p.denominator;
    chart.points.push_back(std::move(point));
  }
  LLS_ASSIGN_OR_RETURN(std::vector<size_t> bounds, internal::SegmentBounds(periods, options));
  for (size_t s = 0; s + 1 < bounds.size(); ++s) {
    const size_t size = bounds[s + 1] - bounds[s];
    std::span<ChartPoint> seg(chart.points.data() + bounds[s], size);
    const size_t baseline = internal::BaselineEnd(bounds[s], bounds[s + 1], options) - bounds[s];
    chart.sigma_z =
        FillSegment(series.subspan(bounds[s], size), seg, static_cast<int>(s), baseline, laney);
  }
  internal::JudgeChart(chart, bounds);
  return chart;
}

}  // namespace lls::analytics
