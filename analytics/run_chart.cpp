// Run chart with the Anhøj rules (Anhøj & Olesen 2014, "Run charts revisited: a simulation
// study of run chart rules for detection of non-random variation in health care processes",
// PLoS ONE 9(11): e113825; the critical values as qicharts2 computes them).
#include <algorithm>
#include <cmath>

#include "analytics/distributions.h"
#include "analytics/spc.h"

namespace lls::analytics {

namespace {

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// Counts runs and crossings over the sides of the useful observations (points on the median
// are skipped: they neither break nor continue a run, and are not crossings).
void CountRuns(const std::vector<int>& sides, RunChart& chart) {
  int run = 0, previous = 0;
  for (int side : sides) {
    if (side == 0) continue;
    ++chart.useful_observations;
    if (side == previous) {
      ++run;
    } else {
      if (previous != 0) ++chart.crossings;
      run = 1;
      previous = side;
    }
    chart.longest_run = std::max(chart.longest_run, run);
  }
}

}  // namespace

Result<RunChart> MakeRunChart(std::span<const Observation> series) {
  if (series.empty()) return Status(Code::kInvalidArgument, "the series is empty");
  RunChart chart;
  std::vector<double> values;
  for (const Observation& o : series) {
    if (!std::isfinite(o.value)) {
      return Status(Code::kInvalidArgument, "period '" + o.period + "': value is not finite");
    }
    values.push_back(o.value);
    chart.points.push_back(o);
  }
  chart.median = Median(values);
  std::vector<int> sides;
  for (double v : values) sides.push_back(v > chart.median ? 1 : (v < chart.median ? -1 : 0));
  CountRuns(sides, chart);
  const int n = chart.useful_observations;
  if (n == 0) return chart;  // every point on the median: nothing to test
  // round(log2(n) + 3): log2 of an integer is never exactly x.5, so the rounding rule
  // (R rounds half to even) cannot matter.
  chart.longest_run_limit = static_cast<int>(std::lround(std::log2(n))) + 3;
  chart.crossings_limit = static_cast<int>(internal::BinomialQuantile(0.05, n - 1, 0.5));
  chart.shift_signal = chart.longest_run > chart.longest_run_limit;
  chart.crossings_signal = chart.crossings < chart.crossings_limit;
  return chart;
}

}  // namespace lls::analytics
