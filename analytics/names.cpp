// Stable text names for JSON and tables: renaming one breaks the dashboard and stored output.
#include <string>

#include "analytics/spc.h"

namespace lls::analytics {

const char* DirectionName(Direction d) {
  switch (d) {
    case Direction::kNeutral:
      return "neutral";
    case Direction::kIncrease:
      return "increase";
    case Direction::kDecrease:
      return "decrease";
  }
  return "neutral";
}

const char* PointSignalName(PointSignal s) {
  switch (s) {
    case PointSignal::kCommonCause:
      return "common-cause";
    case PointSignal::kImprovement:
      return "improvement";
    case PointSignal::kConcern:
      return "concern";
    case PointSignal::kNeutral:
      return "neutral";
  }
  return "common-cause";
}

const char* VariationIconName(VariationIcon v) {
  switch (v) {
    case VariationIcon::kNone:
      return "none";
    case VariationIcon::kCommonCause:
      return "common-cause";
    case VariationIcon::kImprovementHigh:
      return "improvement-high";
    case VariationIcon::kImprovementLow:
      return "improvement-low";
    case VariationIcon::kConcernHigh:
      return "concern-high";
    case VariationIcon::kConcernLow:
      return "concern-low";
    case VariationIcon::kNeutralHigh:
      return "neutral-high";
    case VariationIcon::kNeutralLow:
      return "neutral-low";
  }
  return "none";
}

const char* AssuranceIconName(AssuranceIcon a) {
  switch (a) {
    case AssuranceIcon::kNone:
      return "none";
    case AssuranceIcon::kPass:
      return "pass";
    case AssuranceIcon::kFail:
      return "fail";
    case AssuranceIcon::kHitAndMiss:
      return "hit-and-miss";
  }
  return "none";
}

const char* FunnelPositionName(FunnelPosition p) {
  switch (p) {
    case FunnelPosition::kWithin:
      return "within";
    case FunnelPosition::kAbove95:
      return "above-95";
    case FunnelPosition::kAbove998:
      return "above-99.8";
    case FunnelPosition::kBelow95:
      return "below-95";
    case FunnelPosition::kBelow998:
      return "below-99.8";
  }
  return "within";
}

std::string RuleFlagNames(uint8_t flags) {
  static constexpr struct {
    uint8_t flag;
    const char* name;
  } kNames[] = {{kRuleOutsideLimits, "outside-limits"},
                {kRuleTrend, "trend"},
                {kRuleShift, "shift"},
                {kRuleTwoOfThree, "two-of-three"}};
  std::string out;
  for (const auto& n : kNames) {
    if (!(flags & n.flag)) continue;
    if (!out.empty()) out += ',';
    out += n.name;
  }
  return out;
}

Result<Direction> ParseDirection(const std::string& text) {
  if (text == "increase") return Direction::kIncrease;
  if (text == "decrease") return Direction::kDecrease;
  if (text == "neutral") return Direction::kNeutral;
  return Status(Code::kInvalidArgument,
                "improvement direction must be increase, decrease or neutral, not '" + text + "'");
}

}  // namespace lls::analytics
