// The funnel plot drawn as SVG: each part (trust or LLS) at x = its denominator, y = its rate
// in the measure's unit, against the target line and the 95% and 99.8% limit curves
// (analytics::Funnel::LimitsAt over the range of denominators). Points are labelled with the
// part's name and marked by shape as well as colour: within the limits a circle, beyond 95%
// a square, beyond 99.8% a diamond. Thread-safe.
#pragma once

#include <string>

#include "dashboard/analysis.h"

namespace lls::dashboard {

std::string FunnelSvg(const FunnelView& view, const std::string& id, const std::string& title,
                      const std::string& unit);

// "within the limits", "above the 95% limit", ...
const char* FunnelPositionText(analytics::FunnelPosition p);

}  // namespace lls::dashboard
