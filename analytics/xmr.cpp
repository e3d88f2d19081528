// XmR (individuals) chart as Making Data Count draws it; the arithmetic follows
// NHSRplotthedots R/ptd_spc_standard.R.
#include <cmath>

#include "analytics/segments.h"
#include "analytics/spc.h"
#include "analytics/special_cause.h"

namespace lls::analytics {

namespace {

// 3 / d2 with d2 = 1.128 for moving ranges of 2, rounded to 2.66 as MDC and Wheeler use it.
constexpr double kLimitFactor = 2.66;
// D4 for n = 2: a moving range above 3.267 x the mean is itself beyond its own upper limit
// (Nelson 1982, "Control charts for individual measurements", J Qual Technol 14(3):172-173).
constexpr double kScreenFactor = 3.267;

double MeanOfUnscreened(std::span<const ChartPoint> baseline) {
  double sum = 0;
  int count = 0;
  for (const ChartPoint& p : baseline) {
    if (!p.moving_range || p.moving_range_screened) continue;
    sum += *p.moving_range;
    ++count;
  }
  return count == 0 ? 0 : sum / count;
}

// Moving ranges of the segment; only those between two baseline points feed the mean (the
// R code takes diff() of the baseline values only). With screening, moving ranges above
// 3.267 x their mean are left out and the mean computed once more, not repeatedly (MDC).
// NHSRplotthedots keeps mr < 3.267 x amr; we leave out mr > 3.267 x amr, which differs only
// for a moving range exactly on the cut (and when all are 0, where R yields NaN limits).
double MeanMovingRange(std::span<ChartPoint> seg, size_t baseline_size, bool screen) {
  for (size_t i = 1; i < seg.size(); ++i) {
    seg[i].moving_range = std::fabs(seg[i].value - seg[i - 1].value);
  }
  std::span<ChartPoint> baseline = seg.first(baseline_size);
  double mean = MeanOfUnscreened(baseline);
  if (!screen || mean <= 0) return mean;
  for (ChartPoint& p : baseline) {
    if (p.moving_range && *p.moving_range > kScreenFactor * mean) p.moving_range_screened = true;
  }
  return MeanOfUnscreened(baseline);
}

// Fills one segment's centre and lines; returns its mean moving range.
double FillSegment(std::span<ChartPoint> seg, int segment, size_t baseline_size, bool screen) {
  double sum = 0;
  for (size_t i = 0; i < baseline_size; ++i) sum += seg[i].value;
  const double mean = sum / static_cast<double>(baseline_size);
  const double amr = MeanMovingRange(seg, baseline_size, screen);
  for (size_t i = 0; i < seg.size(); ++i) {
    ChartPoint& p = seg[i];
    p.segment = segment;
    p.baseline = i < baseline_size;
    p.centre = mean;
    p.upper = mean + kLimitFactor * amr;
    p.lower = mean - kLimitFactor * amr;
    p.upper_2s = mean + 2.0 / 3.0 * kLimitFactor * amr;
    p.lower_2s = mean - 2.0 / 3.0 * kLimitFactor * amr;
  }
  return amr;
}

}  // namespace

Result<Chart> XmrChart(std::span<const Observation> series, const ChartOptions& options) {
  if (series.empty()) return Status(Code::kInvalidArgument, "the series is empty");
  Chart chart;
  chart.kind = ChartKind::kXmr;
  chart.improvement = options.improvement;
  chart.target = options.target;
  std::vector<std::string> periods;
  for (const Observation& o : series) {
    if (!std::isfinite(o.value)) {
      return Status(Code::kInvalidArgument, "period '" + o.period + "': value is not finite");
    }
    periods.push_back(o.period);
    ChartPoint p;
    p.period = o.period;
    p.value = o.value;
    chart.points.push_back(std::move(p));
  }
  if (chart.target && !std::isfinite(*chart.target)) {
    return Status(Code::kInvalidArgument, "the target is not finite");
  }
  LLS_ASSIGN_OR_RETURN(std::vector<size_t> bounds, internal::SegmentBounds(periods, options));
  for (size_t s = 0; s + 1 < bounds.size(); ++s) {
    std::span<ChartPoint> seg(chart.points.data() + bounds[s], bounds[s + 1] - bounds[s]);
    const size_t baseline = internal::BaselineEnd(bounds[s], bounds[s + 1], options) - bounds[s];
    chart.mean_moving_range =
        FillSegment(seg, static_cast<int>(s), baseline, options.screen_outliers);
  }
  internal::JudgeChart(chart, bounds);
  return chart;
}

}  // namespace lls::analytics
