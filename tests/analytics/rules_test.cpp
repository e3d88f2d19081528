// The four MDC rules with their tie cases, point colours and icons. All numbers here are
// derived by hand from a baseline whose limits are easy to state:
//   kBaseline = 10,12,10,12,10,12,10,12,10,12 with fix_after = 10:
//   centre 11, MR-bar 2, process limits 11 +/- 5.32 = [5.68, 16.32],
//   2-sigma band 11 +/- 3.546667 = [7.453333, 14.546667].
// The baseline itself has no special cause (it alternates, so no run, trend or shift), and
// the points after it are judged against these fixed limits.
#include <catch2/catch.hpp>

#include "analytics/spc.h"
#include "tests/analytics/test_util.h"

namespace lls::analytics {
namespace {

using test::Concat;
using test::Series;

const std::vector<double> kBaseline = {10, 12, 10, 12, 10, 12, 10, 12, 10, 12};

Chart Judge(const std::vector<double>& tail, Direction improvement = Direction::kIncrease,
            std::optional<double> target = std::nullopt) {
  ChartOptions options;
  options.fix_after = kBaseline.size();
  options.improvement = improvement;
  options.target = target;
  Result<Chart> chart = XmrChart(Series(Concat(kBaseline, tail)), options);
  REQUIRE(chart.ok());
  return *chart;
}

// The rules of the tail points (index 0 = first point after the baseline).
std::vector<uint8_t> TailRules(const Chart& chart) {
  std::vector<uint8_t> out;
  for (size_t i = kBaseline.size(); i < chart.points.size(); ++i) {
    out.push_back(chart.points[i].rules);
  }
  return out;
}

TEST_CASE("rules: the baseline alone is common cause", "[analytics][rules]") {
  Chart chart = Judge({});
  for (const ChartPoint& p : chart.points) CHECK(p.rules == kRuleNone);
  CHECK(chart.variation == VariationIcon::kCommonCause);
}

TEST_CASE("rules: outside limits is strict", "[analytics][rules]") {
  Chart above = Judge({17});
  CHECK(TailRules(above)[0] == kRuleOutsideLimits);
  CHECK(above.points.back().signal == PointSignal::kImprovement);
  CHECK(above.variation == VariationIcon::kImprovementHigh);
  Chart below = Judge({5});
  CHECK(TailRules(below)[0] == kRuleOutsideLimits);
  CHECK(below.points.back().signal == PointSignal::kConcern);
  CHECK(below.variation == VariationIcon::kConcernLow);
  // Exactly on the upper limit is not outside; it is beyond 2 sigma, but alone.
  const double upper = Judge({}).points.back().upper;
  Chart on = Judge({upper});
  CHECK(TailRules(on)[0] == kRuleNone);
}

TEST_CASE("rules: shift needs 7 points strictly on one side", "[analytics][rules]") {
  // The baseline ends on 12 (above 11), so 6 more points above make a run of 7.
  Chart seven = Judge({12, 12, 12, 12, 12, 12});
  for (uint8_t r : TailRules(seven)) CHECK(r == kRuleShift);
  CHECK(seven.points[9].rules == kRuleShift);  // the baseline's last point is in the run
  CHECK(seven.points[8].rules == kRuleNone);
  // 5 more make a run of 6: no shift.
  Chart six = Judge({12, 12, 12, 12, 12});
  for (uint8_t r : TailRules(six)) CHECK(r == kRuleNone);
  // A point exactly on the centre line breaks the run (NHSRplotthedots: sign(y - mean) is 0).
  Chart broken = Judge({12, 12, 12, 11, 12, 12, 12});
  for (uint8_t r : TailRules(broken)) CHECK(r == kRuleNone);
  // Below the line: concern when higher is better.
  Chart low = Judge({10, 10, 10, 10, 10, 10, 10});
  for (uint8_t r : TailRules(low)) CHECK(r == kRuleShift);
  CHECK(low.points.back().signal == PointSignal::kConcern);
  CHECK(low.variation == VariationIcon::kConcernLow);
}

TEST_CASE("rules: trend needs 7 points each strictly beyond the last", "[analytics][rules]") {
  // 12 -> 8 falls, then 8..14 rises for 7 points (6 steps), crossing the centre line, none
  // beyond 2 sigma (14 < 14.546667).
  Chart seven = Judge({8, 9, 10, 11, 12, 13, 14});
  for (uint8_t r : TailRules(seven)) CHECK(r == kRuleTrend);
  // A rising trend is an improvement even below the mean when higher is better: the colour
  // follows the trend's direction (NHSRplotthedots PR #180).
  CHECK(seven.points[10].signal == PointSignal::kImprovement);
  CHECK(seven.variation == VariationIcon::kImprovementHigh);
  // 6 points (5 steps): no trend.
  Chart six = Judge({9, 10, 11, 12, 13, 14});
  for (uint8_t r : TailRules(six)) CHECK(r == kRuleNone);
  // A tie breaks the trend: 8,9,10 | 10,11,12,13,14 are runs of 3 and 5.
  Chart tie = Judge({8, 9, 10, 10, 11, 12, 13, 14});
  for (uint8_t r : TailRules(tie)) CHECK(r == kRuleNone);
  // Falling, with lower better: improvement-low.
  Chart falling = Judge({14, 13, 12, 11, 10, 9, 8}, Direction::kDecrease);
  // 12 -> 14 rises, so the falling run is the 7 tail points.
  for (uint8_t r : TailRules(falling)) CHECK(r == kRuleTrend);
  CHECK(falling.points.back().signal == PointSignal::kImprovement);
  CHECK(falling.variation == VariationIcon::kImprovementLow);
}

TEST_CASE("rules: a turning point belongs to both trends", "[analytics][rules]") {
  // 12 -> 8 falls; 8..14 rises (7 points) and 14..8 falls (7 points) sharing the 14.
  Chart chart = Judge({8, 9, 10, 11, 12, 13, 14, 13, 12, 11, 10, 9, 8}, Direction::kNeutral);
  for (uint8_t r : TailRules(chart)) CHECK(r == kRuleTrend);
  // The last point ends a falling trend: neutral-low.
  CHECK(chart.points.back().signal == PointSignal::kNeutral);
  CHECK(chart.variation == VariationIcon::kNeutralLow);
}

TEST_CASE("rules: two of three beyond the same 2-sigma line", "[analytics][rules]") {
  // 15 > 14.546667 (beyond 2 sigma), 11.5 above the centre but not beyond: the two 15s are
  // flagged, the 11.5 is not.
  Chart chart = Judge({15, 11.5, 15});
  auto rules = TailRules(chart);
  CHECK(rules[0] == kRuleTwoOfThree);
  CHECK(rules[1] == kRuleNone);
  CHECK(rules[2] == kRuleTwoOfThree);
  CHECK(chart.variation == VariationIcon::kImprovementHigh);
  // The third point below the centre line: the three are not on one side, no signal.
  for (uint8_t r : TailRules(Judge({15, 10.5, 15}))) CHECK(r == kRuleNone);
  // The third point exactly on the centre line: not on one side either.
  for (uint8_t r : TailRules(Judge({15, 11, 15}))) CHECK(r == kRuleNone);
  // Two adjacent beyond 2 sigma.
  auto adjacent = TailRules(Judge({15, 15}));
  CHECK(adjacent[0] == kRuleTwoOfThree);
  CHECK(adjacent[1] == kRuleTwoOfThree);
  // One beyond 2 sigma on each side: never two on the same side.
  for (uint8_t r : TailRules(Judge({15, 7, 15}))) CHECK(r == kRuleNone);
  // Below: 7 < 7.453333.
  Chart low = Judge({7, 10.5, 7}, Direction::kIncrease);
  CHECK(TailRules(low)[2] == kRuleTwoOfThree);
  CHECK(low.points.back().signal == PointSignal::kConcern);
}

TEST_CASE("rules: a point beyond 3 sigma counts towards two of three", "[analytics][rules]") {
  // MDC's rule since Nov 2023 (NHSRplotthedots issue #194): 17 is outside the limits and
  // also beyond 2 sigma, so with the 15 it makes two of three; NHSRplotthedots' code would
  // flag only the 17 (outside limits).
  auto rules = TailRules(Judge({17, 11.5, 15}));
  CHECK(rules[0] == (kRuleOutsideLimits | kRuleTwoOfThree));
  CHECK(rules[1] == kRuleNone);
  CHECK(rules[2] == kRuleTwoOfThree);
}

TEST_CASE("rules: a point flagged both ways is an improvement", "[analytics][rules]") {
  // 12 -> 17 rises; 17,16,15,14,13,12,11.5 falls for 7 points, all above the centre line
  // (with the baseline's last 12, a run of 8 above). The 17 is outside the upper limit
  // (high) and in a falling trend (low); the last point is in the falling trend (low) and
  // the shift above (high). MDC's Single Chart tool shows improvement for such conflicts
  // (NHSRplotthedots issue #194, MDC team, 2023-12-21), whichever way is better.
  const std::vector<double> tail = {17, 16, 15, 14, 13, 12, 11.5};
  Chart up = Judge(tail, Direction::kIncrease);
  CHECK(TailRules(up)[0] == (kRuleOutsideLimits | kRuleTrend | kRuleShift | kRuleTwoOfThree));
  CHECK(up.points[10].signal == PointSignal::kImprovement);
  CHECK(up.points.back().signal == PointSignal::kImprovement);
  CHECK(up.variation == VariationIcon::kImprovementHigh);
  Chart down = Judge(tail, Direction::kDecrease);
  CHECK(down.points[10].signal == PointSignal::kImprovement);
  CHECK(down.variation == VariationIcon::kImprovementLow);
  // Neutral: the last point's highest-priority rule (NHSRplotthedots order: outside limits,
  // trend, two of three, shift) is the falling trend: neutral-low.
  Chart neutral = Judge(tail, Direction::kNeutral);
  CHECK(neutral.points.back().signal == PointSignal::kNeutral);
  CHECK(neutral.variation == VariationIcon::kNeutralLow);
}

TEST_CASE("rules: neutral measures", "[analytics][rules]") {
  Chart high = Judge({17}, Direction::kNeutral);
  CHECK(high.points.back().signal == PointSignal::kNeutral);
  CHECK(high.variation == VariationIcon::kNeutralHigh);
  Chart low = Judge({5}, Direction::kNeutral);
  CHECK(low.variation == VariationIcon::kNeutralLow);
  Chart concern_high = Judge({17}, Direction::kDecrease);
  CHECK(concern_high.variation == VariationIcon::kConcernHigh);
}

TEST_CASE("rules: the assurance icon", "[analytics][rules]") {
  // Limits [5.68, 16.32].
  CHECK(Judge({}, Direction::kIncrease, 20).assurance == AssuranceIcon::kFail);
  CHECK(Judge({}, Direction::kIncrease, 3).assurance == AssuranceIcon::kPass);
  CHECK(Judge({}, Direction::kDecrease, 20).assurance == AssuranceIcon::kPass);
  CHECK(Judge({}, Direction::kDecrease, 3).assurance == AssuranceIcon::kFail);
  CHECK(Judge({}, Direction::kIncrease, 11).assurance == AssuranceIcon::kHitAndMiss);
  // A target exactly on a limit is not beyond it.
  const double upper = Judge({}).points.back().upper;
  CHECK(Judge({}, Direction::kIncrease, upper).assurance == AssuranceIcon::kHitAndMiss);
  CHECK(Judge({}, Direction::kNeutral, 20).assurance == AssuranceIcon::kNone);
  CHECK(Judge({}, Direction::kIncrease).assurance == AssuranceIcon::kNone);
}

TEST_CASE("rules: the assurance icon uses the last segment", "[analytics][rules]") {
  // Segment 0 around 11 (limits [5.68, 16.32]); segment 1 around 21 (limits [15.68, 26.32]).
  // Target 18 is above segment 0's upper limit (it would be "fail") but within the last
  // segment's limits: hit and miss.
  ChartOptions options;
  options.rebase_at = {"11"};
  options.improvement = Direction::kIncrease;
  options.target = 18;
  Result<Chart> chart = XmrChart(Series(Concat(kBaseline, {20, 22, 20, 22})), options);
  REQUIRE(chart.ok());
  CHECK(chart->assurance == AssuranceIcon::kHitAndMiss);
}

TEST_CASE("names: stable text", "[analytics][names]") {
  CHECK(RuleFlagNames(kRuleNone).empty());
  CHECK(RuleFlagNames(kRuleOutsideLimits | kRuleTwoOfThree) == "outside-limits,two-of-three");
  CHECK(RuleFlagNames(kRuleTrend | kRuleShift) == "trend,shift");
  CHECK(std::string(PointSignalName(PointSignal::kCommonCause)) == "common-cause");
  CHECK(std::string(VariationIconName(VariationIcon::kImprovementHigh)) == "improvement-high");
  CHECK(std::string(AssuranceIconName(AssuranceIcon::kHitAndMiss)) == "hit-and-miss");
  CHECK(std::string(DirectionName(Direction::kDecrease)) == "decrease");
  CHECK(std::string(FunnelPositionName(FunnelPosition::kAbove998)) == "above-99.8");
  CHECK(*ParseDirection("increase") == Direction::kIncrease);
  CHECK(*ParseDirection("neutral") == Direction::kNeutral);
  CHECK(ParseDirection("up").status().code() == Code::kInvalidArgument);
}

}  // namespace
}  // namespace lls::analytics
