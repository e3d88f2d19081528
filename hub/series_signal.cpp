#include "hub/series_signal.h"

#include "analytics/spc.h"

namespace lls::hub {

double UnitScale(const std::string& unit) { return unit == "per 1000" ? 1000.0 : 100.0; }

std::map<std::string, SpcSignal> SeriesSignals(const std::vector<AggregateRow>& series,
                                               const MeasureDefinition& measure,
                                               std::optional<double> target) {
  analytics::ChartOptions options;
  options.target = target;
  switch (measure.improvement) {
    case Improvement::kIncrease: options.improvement = analytics::Direction::kIncrease; break;
    case Improvement::kDecrease: options.improvement = analytics::Direction::kDecrease; break;
    default: options.improvement = analytics::Direction::kNeutral; break;
  }
  const double scale = UnitScale(measure.unit);
  std::vector<analytics::Observation> observations;
  std::map<std::string, SpcSignal> signals;
  for (const AggregateRow& row : series) {
    if (!CompleteMonth(row)) continue;
    observations.push_back(
        {row.period, scale * static_cast<double>(row.numerator) / static_cast<double>(row.denominator)});
    // The chart as it stood at this month: cost O(n) per month, O(n^2) per series, with n
    // the months of one measure (a few hundred at most).
    auto chart = analytics::XmrChart(observations, options);
    if (!chart.ok() || chart->points.empty()) continue;
    const analytics::ChartPoint& last = chart->points.back();
    SpcSignal s;
    s.value = last.value;
    s.centre = last.centre;
    s.lower = last.lower;
    s.upper = last.upper;
    s.rules = last.rules;
    s.signal = static_cast<uint8_t>(last.signal);
    s.variation = static_cast<uint8_t>(chart->variation);
    s.assurance = static_cast<uint8_t>(chart->assurance);
    s.points = static_cast<uint32_t>(chart->points.size());
    signals[row.period] = s;
  }
  return signals;
}

}  // namespace lls::hub
