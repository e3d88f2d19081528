// Internal to analytics/: the four MDC special-cause rules, the point colours and the two
// summary icons, shared by the XmR chart and the p-charts. Each chart fills in its points'
// values and lines (centre, 3-sigma and 2-sigma limits); JudgeChart does the rest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "analytics/spc.h"

namespace lls::analytics::internal {

// What the rules found at one point: which rules, which sides they point to (+1 high, -1 low),
// and the side of the highest-priority rule (NHSRplotthedots' order: outside limits, trend,
// two of three, shift), used to pick "high" or "low" for a neutral measure.
struct RuleHits {
  uint8_t rules = kRuleNone;
  bool high = false;
  bool low = false;
  int priority_side = 0;
};

// The rules over one segment (rules never look across a rebase).
std::vector<RuleHits> EvaluateRules(std::span<const ChartPoint> segment);

// The colour of a point from its hits and the measure's improvement direction.
PointSignal SignalFor(const RuleHits& hits, Direction improvement);

// The variation icon from the last point; kNone when the last segment has fewer than 2 points.
VariationIcon VariationFor(const RuleHits& last, PointSignal last_signal, Direction improvement,
                           size_t last_segment_size);

// The assurance icon from the target and the last point's process limits.
AssuranceIcon AssuranceFor(const Chart& chart, size_t last_segment_size);

// Runs the rules over every segment ([bounds[i], bounds[i+1])) of `chart`, sets each point's
// rules and signal, and the chart's two icons.
void JudgeChart(Chart& chart, const std::vector<size_t>& bounds);

}  // namespace lls::analytics::internal
