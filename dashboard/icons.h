// The Making Data Count variation and assurance icons, drawn as small inline SVG, with the
// plain-text meaning of each (shown beside the icon and used as its accessible name), and the
// colours and point shapes of the chart signals. Thread-safe.
#pragma once

#include <string>

#include "analytics/spc.h"

namespace lls::dashboard {

// A point signal's colour on white (each at least 3:1 against white, WCAG 1.4.11; MDC hues
// darkened where the MDC colour itself is too light) and its shape name, so that colour is
// never the only cue: common cause a circle, improvement a square, concern a diamond,
// neutral a triangle.
const char* SignalColour(analytics::PointSignal s);
const char* SignalShape(analytics::PointSignal s);
// "common cause", "improvement (special cause)", ...
const char* SignalText(analytics::PointSignal s);

enum class MarkShape { kCircle, kSquare, kDiamond, kTriangle };
// An SVG point mark centred at (x, y), radius about r, with class "mark".
std::string Mark(MarkShape shape, const char* fill, double x, double y, double r);
// The rules that flagged a point, for reading: "shift, two-of-three" ("" for none).
std::string RulesText(uint8_t rules);
// An SVG mark of the signal's shape centred at (x, y), radius about r, with class "mark".
std::string SignalMark(analytics::PointSignal s, double x, double y, double r);

// "Common cause variation", "Special cause variation: improvement, high values", ...
const char* VariationText(analytics::VariationIcon v);
// "Target consistently met", "Target consistently missed", "Target hit and miss", "No target".
const char* AssuranceText(analytics::AssuranceIcon a);

// The icons, `size` px square, role="img" with the text above as their name.
std::string VariationIconSvg(analytics::VariationIcon v, int size = 44);
// Empty for kNone (no target or no direction: MDC shows no assurance icon).
std::string AssuranceIconSvg(analytics::AssuranceIcon a, int size = 44);

// The icons side by side with their captions (for the measure page and the small multiples).
std::string IconPair(analytics::VariationIcon v, analytics::AssuranceIcon a, int size = 44);

}  // namespace lls::dashboard
