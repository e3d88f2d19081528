// The MDC special-cause rules. The reference implementation is the R package NHSRplotthedots
// (nhs-r-community/NHSRplotthedots, R/ptd_calculate_point_type.R and R/ptd_spc_standard.R),
// written with the Making Data Count team; where the MDC team has since changed its own tools
// (NHSRplotthedots issue #194, Nov-Dec 2023) we follow the MDC tools and say so.
#include "analytics/special_cause.h"

namespace lls::analytics::internal {

namespace {

// MDC: a run of 7 (not 6, as some run-chart guides use) for both trend and shift.
constexpr size_t kRunLength = 7;

int Sign(double x) { return x > 0 ? 1 : (x < 0 ? -1 : 0); }

// Which side of its centre line a point is on; 0 exactly on it.
int Side(const ChartPoint& p) { return Sign(p.value - p.centre); }

void Mark(RuleHits& hits, RuleFlag rule, int side) {
  hits.rules |= rule;
  if (side > 0) hits.high = true;
  if (side < 0) hits.low = true;
}

// Outside limits: strictly above the upper or strictly below the lower process limit
// (NHSRplotthedots: y > upl | y < lpl). A point exactly on a limit is not outside.
void FlagOutsideLimits(std::span<const ChartPoint> seg, std::vector<RuleHits>& hits) {
  for (size_t i = 0; i < seg.size(); ++i) {
    if (seg[i].value > seg[i].upper) Mark(hits[i], kRuleOutsideLimits, 1);
    if (seg[i].value < seg[i].lower) Mark(hits[i], kRuleOutsideLimits, -1);
  }
}

// Trend: 7 or more consecutive points, each strictly above (below) the one before, i.e. 6
// rising (falling) steps; every point of the run is flagged. A tie (two equal consecutive
// values) breaks the trend: NHSRplotthedots requires all(sign(diff(y)) == 1) over the 7 points.
// (NHS Improvement's 2017 run/control chart guide, p. 24, lets a tie neither add to nor break
// a trend, as noted in NHSRplotthedots PR #24; the package, and so we, do not.)
// A turning point can end a rising run and start a falling one; it is then flagged for both
// directions. Runs are scanned left to right, so `trend_side` ends as the later run's
// direction: NHSRplotthedots' "if a point is part of a trend either side, use right side".
void FlagTrend(std::span<const ChartPoint> seg, std::vector<RuleHits>& hits,
               std::vector<int>& trend_side) {
  size_t i = 0;
  while (i + 1 < seg.size()) {
    const int step = Sign(seg[i + 1].value - seg[i].value);
    size_t j = i + 1;
    while (j + 1 < seg.size() && Sign(seg[j + 1].value - seg[j].value) == step) ++j;
    if (step != 0 && j - i + 1 >= kRunLength) {
      for (size_t k = i; k <= j; ++k) {
        Mark(hits[k], kRuleTrend, step);
        trend_side[k] = step;
      }
    }
    i = j;  // the run's last point may start the next run
  }
}

// Shift: 7 or more consecutive points on the same side of the centre line; every point of the
// run is flagged. A point exactly on the centre line breaks the run (NHSRplotthedots compares
// sign(y - mean), which is 0 on the line, so the 7 signs are not all equal).
void FlagShift(std::span<const ChartPoint> seg, std::vector<RuleHits>& hits) {
  size_t i = 0;
  while (i < seg.size()) {
    const int side = Side(seg[i]);
    size_t j = i + 1;
    while (j < seg.size() && Side(seg[j]) == side) ++j;
    if (side != 0 && j - i >= kRunLength) {
      for (size_t k = i; k < j; ++k) Mark(hits[k], kRuleShift, side);
    }
    i = j;
  }
}

bool Beyond2Sigma(const ChartPoint& p, int side) {
  return side > 0 ? p.value > p.upper_2s : p.value < p.lower_2s;
}

// Two of three: in some window of 3 consecutive points, all 3 strictly on the same side of the
// centre line (a point on the line breaks it) and at least 2 of them beyond the 2-sigma line on
// that side; only the points beyond the 2-sigma line are flagged, not the third.
// Points beyond the 3-sigma limit count as beyond 2 sigma: this is the MDC tools' rule since
// their Nov 2023 change (MDC team, NHSRplotthedots issue #194: "all points beyond two-sigma
// are counted ... all three points still need to be on the same side of the mean"). The
// NHSRplotthedots code still counts only points between 2 and 3 sigma (close_to_limits
// excludes outside_limits); the same-side and flag-only-the-close-points parts match it
// (issue #143).
void FlagTwoOfThree(std::span<const ChartPoint> seg, std::vector<RuleHits>& hits) {
  for (size_t i = 0; i + 2 < seg.size(); ++i) {
    const int side = Side(seg[i]);
    if (side == 0 || Side(seg[i + 1]) != side || Side(seg[i + 2]) != side) continue;
    int beyond = 0;
    for (size_t k = i; k < i + 3; ++k) beyond += Beyond2Sigma(seg[k], side) ? 1 : 0;
    if (beyond < 2) continue;
    for (size_t k = i; k < i + 3; ++k) {
      if (Beyond2Sigma(seg[k], side)) Mark(hits[k], kRuleTwoOfThree, side);
    }
  }
}

// NHSRplotthedots labels each point with one rule in this order (ptd_special_cause_type):
// outside limits, trend, two of three, shift; that rule's side names a neutral point high/low.
void SetPrioritySides(std::span<const ChartPoint> seg, const std::vector<int>& trend_side,
                      std::vector<RuleHits>& hits) {
  for (size_t i = 0; i < seg.size(); ++i) {
    RuleHits& h = hits[i];
    if (h.rules == kRuleNone) continue;
    if (h.rules & kRuleTrend && !(h.rules & kRuleOutsideLimits)) {
      h.priority_side = trend_side[i];
    } else {
      h.priority_side = Side(seg[i]);  // outside limits, two of three and shift follow the side
    }
  }
}

}  // namespace

std::vector<RuleHits> EvaluateRules(std::span<const ChartPoint> segment) {
  std::vector<RuleHits> hits(segment.size());
  std::vector<int> trend_side(segment.size(), 0);
  FlagOutsideLimits(segment, hits);
  FlagTrend(segment, hits, trend_side);
  FlagShift(segment, hits);
  FlagTwoOfThree(segment, hits);
  SetPrioritySides(segment, trend_side, hits);
  return hits;
}

// A point flagged both ways (e.g. the last point of a falling trend that is also above the
// upper limit) is shown as an improvement: the MDC Single Chart tool's rule ("When special
// cause is triggered for both improvement and concern ... In the Single Chart tool, improvement
// is shown", MDC team, NHSRplotthedots issue #194, 2023-12-21). NHSRplotthedots instead takes
// the highest-priority rule's side; the two differ only for such conflicting points.
PointSignal SignalFor(const RuleHits& hits, Direction improvement) {
  if (hits.rules == kRuleNone) return PointSignal::kCommonCause;
  if (improvement == Direction::kNeutral) return PointSignal::kNeutral;
  const bool improving = improvement == Direction::kIncrease ? hits.high : hits.low;
  return improving ? PointSignal::kImprovement : PointSignal::kConcern;
}

// From the last point, as MDC and NHSRplotthedots (ptd_get_icons) do: improvement is "high"
// when higher is better, concern is "low" then, and the reverse when lower is better. A neutral
// measure's icon takes the side of the point's highest-priority rule.
VariationIcon VariationFor(const RuleHits& last, PointSignal last_signal, Direction improvement,
                           size_t last_segment_size) {
  if (last_segment_size < 2) return VariationIcon::kNone;
  const bool increase = improvement == Direction::kIncrease;
  switch (last_signal) {
    case PointSignal::kCommonCause:
      return VariationIcon::kCommonCause;
    case PointSignal::kImprovement:
      return increase ? VariationIcon::kImprovementHigh : VariationIcon::kImprovementLow;
    case PointSignal::kConcern:
      return increase ? VariationIcon::kConcernLow : VariationIcon::kConcernHigh;
    case PointSignal::kNeutral:
      return last.priority_side < 0 ? VariationIcon::kNeutralLow : VariationIcon::kNeutralHigh;
  }
  return VariationIcon::kNone;
}

// NHSRplotthedots ptd_calculate_assurance_type: against the last point's limits, strictly.
// target > upper: higher-is-better always misses it (fail), lower-is-better always meets it
// (pass); target < lower: the reverse; otherwise hit and miss.
AssuranceIcon AssuranceFor(const Chart& chart, size_t last_segment_size) {
  if (!chart.target || chart.improvement == Direction::kNeutral || chart.points.empty() ||
      last_segment_size < 2) {
    return AssuranceIcon::kNone;
  }
  const ChartPoint& last = chart.points.back();
  const bool increase = chart.improvement == Direction::kIncrease;
  if (*chart.target > last.upper) return increase ? AssuranceIcon::kFail : AssuranceIcon::kPass;
  if (*chart.target < last.lower) return increase ? AssuranceIcon::kPass : AssuranceIcon::kFail;
  return AssuranceIcon::kHitAndMiss;
}

void JudgeChart(Chart& chart, const std::vector<size_t>& bounds) {
  RuleHits last_hits;
  for (size_t s = 0; s + 1 < bounds.size(); ++s) {
    std::span<ChartPoint> seg(chart.points.data() + bounds[s], bounds[s + 1] - bounds[s]);
    std::vector<RuleHits> hits = EvaluateRules(seg);
    for (size_t i = 0; i < seg.size(); ++i) {
      seg[i].rules = hits[i].rules;
      seg[i].signal = SignalFor(hits[i], chart.improvement);
    }
    if (!hits.empty()) last_hits = hits.back();
  }
  if (chart.points.empty() || bounds.size() < 2) return;
  const size_t last_size = bounds[bounds.size() - 1] - bounds[bounds.size() - 2];
  chart.variation =
      VariationFor(last_hits, chart.points.back().signal, chart.improvement, last_size);
  chart.assurance = AssuranceFor(chart, last_size);
}

}  // namespace lls::analytics::internal
