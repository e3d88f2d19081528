// SPC: statistical process control charts as NHS England's "Making Data Count" (MDC) draws
// them, plus the p-chart (and Laney's p'), the run chart with Anhøj's rules, and the funnel
// plot (Spiegelhalter). Pure functions over plain values: no I/O, no clock, no globals, so the
// hub, the dashboard and `lls spc` get the same answers. Thread-safe (nothing is shared).
//
// Vocabulary:
//  - A *series* is ordered by period (the caller orders it; periods are labels here).
//  - A *segment* is the part of a series between rebase points: each segment has its own
//    centre line and limits, computed from its baseline (the first `fix_after` points of the
//    segment, or all of them).
//  - Special-cause rules (MDC), each flagged per point:
//      outside limits      a point above the upper or below the lower process limit;
//      trend               7 or more consecutive points each strictly above (below) the one
//                          before; an equal value breaks the run (every point of the run is
//                          flagged; a turning point can end one trend and start the next);
//      shift               7 or more consecutive points strictly on one side of the centre
//                          line; a point on the line breaks the run (every point is flagged);
//      two of three        3 consecutive points strictly on one side of the centre line, 2 or 3
//                          of them beyond the 2-sigma line on that side (points beyond the
//                          3-sigma limit count too, as in the MDC tools since Nov 2023); only
//                          the points beyond the 2-sigma line are flagged.
//    Rules never look across a rebase. The tie handling follows NHSRplotthedots and the MDC
//    team, with sources, in special_cause.cpp next to each rule (and docs/analytics.md).
//  - A flagged point is an *improvement* or a *concern* by the measure's improvement direction
//    (neutral when the direction is neutral); unflagged points are *common cause*. A rule
//    points up or down by the point's side of the centre line, except trend, which points the
//    way the trend goes. A point flagged both ways is an improvement (the MDC Single Chart
//    tool's rule).
//  - Variation icon: from the last point of the series (for a neutral measure flagged both
//    ways, the side of its first rule in the order outside limits, trend, two of three,
//    shift). Assurance icon: from the target against the last point's limits (needs a target,
//    an improvement direction and at least 2 points in the last segment).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "schema/status.h"

namespace lls::analytics {

enum class Direction : uint8_t { kNeutral = 0, kIncrease = 1, kDecrease = 2 };

// Which rule(s) flagged a point; a bit set.
enum RuleFlag : uint8_t {
  kRuleNone = 0,
  kRuleOutsideLimits = 1 << 0,
  kRuleTrend = 1 << 1,
  kRuleShift = 1 << 2,
  kRuleTwoOfThree = 1 << 3,
};

// The point's colour on an MDC chart.
enum class PointSignal : uint8_t {
  kCommonCause = 0,  // grey
  kImprovement = 1,  // blue
  kConcern = 2,      // orange
  kNeutral = 3,      // purple: special cause where no direction is better
};

// MDC variation icons.
enum class VariationIcon : uint8_t {
  kNone = 0,  // not enough points to judge (fewer than 2 in the last segment)
  kCommonCause = 1,
  kImprovementHigh = 2,  // special cause, improving, the value is high
  kImprovementLow = 3,
  kConcernHigh = 4,
  kConcernLow = 5,
  kNeutralHigh = 6,
  kNeutralLow = 7,
};

// MDC assurance icons.
enum class AssuranceIcon : uint8_t {
  kNone = 0,         // no target, no improvement direction, or < 2 points in the last segment
  kPass = 1,         // the target lies beyond the limits on the worse side: will consistently meet it
  kFail = 2,         // the target lies beyond the limits on the better side: will consistently miss it
  kHitAndMiss = 3,   // the target lies within the limits
};

// Stable text names, used in JSON ("improvement", "concern", "common-cause", ...).
const char* DirectionName(Direction d);
const char* PointSignalName(PointSignal s);
const char* VariationIconName(VariationIcon v);
const char* AssuranceIconName(AssuranceIcon a);
// "outside-limits", "trend", "shift", "two-of-three" joined by ',' ("" for none).
std::string RuleFlagNames(uint8_t flags);
// Parses "increase" | "decrease" | "neutral".
Result<Direction> ParseDirection(const std::string& text);

struct Observation {
  std::string period;
  double value = 0;
};

struct Proportion {
  std::string period;
  double numerator = 0;
  double denominator = 0;  // > 0
};

// One point of an XmR or p-chart, with the lines drawn at it.
struct ChartPoint {
  std::string period;
  double value = 0;       // XmR: the value; p-chart: numerator/denominator
  double centre = 0;      // mean (XmR) or pooled p (p-chart) of the point's segment
  double lower = 0;       // process limits (3 sigma)
  double upper = 0;
  double lower_2s = 0;    // the 2-sigma band
  double upper_2s = 0;
  // XmR: |value - previous value| within the segment; absent for a segment's first point.
  std::optional<double> moving_range;
  bool moving_range_screened = false;  // excluded from the mean moving range (screening)
  bool baseline = false;  // used to compute the segment's centre and limits
  int segment = 0;        // 0-based index of the segment (rebases)
  uint8_t rules = kRuleNone;
  PointSignal signal = PointSignal::kCommonCause;
};

enum class ChartKind : uint8_t { kXmr = 0, kP = 1, kLaneyP = 2 };

struct Chart {
  ChartKind kind = ChartKind::kXmr;
  Direction improvement = Direction::kNeutral;
  std::optional<double> target;
  std::vector<ChartPoint> points;
  // XmR: mean moving range of the last segment (after screening); p: 0.
  double mean_moving_range = 0;
  // Laney p': the sigma_z inflation of the last segment (1 for a plain p-chart).
  double sigma_z = 1;
  VariationIcon variation = VariationIcon::kNone;
  AssuranceIcon assurance = AssuranceIcon::kNone;
};

struct ChartOptions {
  Direction improvement = Direction::kNeutral;
  std::optional<double> target;
  // A new segment (centre line and limits recomputed) starts at each of these periods; each
  // must be a period of the series other than the first, or kInvalidArgument.
  std::vector<std::string> rebase_at;
  // Compute each segment's centre and limits from its first N points only (N >= 2; absent:
  // all of its points). Later points are judged against the fixed limits.
  std::optional<size_t> fix_after;
  // XmR only: leave out moving ranges above 3.267 x the mean moving range and recompute
  // the mean once (MDC's optional screening). Off reproduces the MDC Excel tools.
  bool screen_outliers = false;
};

// XmR (individuals) chart: centre = mean; limits = mean +/- 2.66 x mean moving range; 2-sigma
// band = mean +/- (2/3) x 2.66 x mean moving range. Only moving ranges between two baseline
// points enter the mean moving range; a one-point segment has limits equal to its value.
// kInvalidArgument for an empty series, a non-finite value or target, or a bad rebase period /
// fix_after.
Result<Chart> XmrChart(std::span<const Observation> series, const ChartOptions& options);

// p-chart with varying denominators: centre = pooled p (sum numerators / sum denominators of
// the baseline); sigma_i = sqrt(p(1-p)/n_i); limits clipped to [0, 1]. With `laney`, sigma_i is
// multiplied by sigma_z (Laney 2002: the mean moving range of the baseline's z-scores / 1.128;
// 1, a plain p-chart, when it cannot be estimated: fewer than 2 baseline points, a pooled p of
// 0 or 1, or every baseline z-score equal, where it would compute to 0 and collapse the limits).
// kInvalidArgument for an empty series, denominator <= 0 or numerator outside [0, denominator].
// The rules apply as for XmR with each point's own limits; values are proportions (0..1).
Result<Chart> PChart(std::span<const Proportion> series, const ChartOptions& options,
                     bool laney = false);

// Run chart (Anhøj & Olesen 2014): median; a point on the median neither breaks nor
// continues a run and is not counted for crossings.
struct RunChart {
  std::vector<Observation> points;
  double median = 0;
  int useful_observations = 0;   // points not on the median
  int longest_run = 0;
  int longest_run_limit = 0;     // round(log2(useful)) + 3; a run LONGER than this signals
  int crossings = 0;
  int crossings_limit = 0;       // the 5% lower binomial quantile of (useful - 1, 0.5); FEWER signals
  bool shift_signal = false;     // longest_run > longest_run_limit
  bool crossings_signal = false; // crossings < crossings_limit
  bool signal() const { return shift_signal || crossings_signal; }
};
// kInvalidArgument for an empty series or non-finite values.
Result<RunChart> MakeRunChart(std::span<const Observation> series);

// Funnel plot for proportions (Spiegelhalter 2005, "Funnel plots for comparing institutional
// performance", Stat Med 24:1185-1202; over-dispersion: Spiegelhalter 2005, "Handling
// over-dispersion of performance indicators", Qual Saf Health Care 14:347-351).
struct FunnelUnit {
  std::string name;
  double numerator = 0;
  double denominator = 0;  // > 0
};
enum class FunnelPosition : uint8_t {
  kWithin = 0,
  kAbove95 = 1,   // beyond the 95% limit (about 2 sigma), within 99.8%
  kAbove998 = 2,  // beyond the 99.8% limit (about 3 sigma)
  kBelow95 = 3,
  kBelow998 = 4,
};
const char* FunnelPositionName(FunnelPosition p);
struct FunnelPoint {
  std::string name;
  double numerator = 0, denominator = 0;
  double value = 0;  // numerator / denominator
  double z = 0;      // (value - target) / sqrt(target (1 - target) / denominator)
  // z with the over-dispersion allowance: (value - target) / sqrt(s^2 + tau2); equals z when
  // tau2 is 0. The one to compare with the drawn limits (+/-1.96, +/-3.09).
  double z_adjusted = 0;
  double lower95 = 0, upper95 = 0, lower998 = 0, upper998 = 0;  // at this unit's denominator
  FunnelPosition position = FunnelPosition::kWithin;
};
struct FunnelOptions {
  std::optional<double> target;      // absent: pooled proportion over all units
  bool adjust_overdispersion = true; // additive random effects when phi is significant
  double winsor = 0.10;              // z-scores winsorised at this tail for phi
};
struct Funnel {
  double target = 0;
  double phi = 1;          // the over-dispersion estimate (winsorised z-scores)
  double tau2 = 0;         // the additive between-unit variance used (0: none)
  bool overdispersed = false;  // I x phi exceeded the chi-square(I-1) 95% point
  std::vector<FunnelPoint> points;
  // The limits at any denominator (normal approximation; tau2 included; clipped to [0, 1]),
  // for drawing.
  struct Limits { double lower95, upper95, lower998, upper998; };
  Limits LimitsAt(double denominator) const;
};
// kInvalidArgument for no units, denominator <= 0, numerator outside [0, denominator], a
// target (given or pooled) not strictly between 0 and 1, or winsor outside [0, 0.5).
// phi Winsorises by count: with k = floor(winsor x I), the k smallest and k largest z-scores
// are pulled in to the (k+1)-th smallest and largest. tau2 is applied only when over-dispersed.
Result<Funnel> MakeFunnel(std::span<const FunnelUnit> units, const FunnelOptions& options);

}  // namespace lls::analytics
