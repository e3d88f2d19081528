// The SPC chart drawn as SVG on the server (MDC style): the values joined by a line broken at
// gaps, each point marked by its signal's colour and shape, the mean, dashed process limits,
// a faint 2-sigma band, the target when there is one, month labels thinned so they never
// overlap. Points carry a <title> (hover) and, in the full-size chart, tabindex="0" with an
// aria-label and a tip shown on focus. Thread-safe.
#pragma once

#include <optional>
#include <string>

#include "dashboard/analysis.h"

namespace lls::dashboard {

struct ChartStyle {
  std::string id;     // unique in the page: the svg's id, and the prefix of its title/desc ids
  std::string title;  // plain text: the chart's accessible name
  std::string unit;   // the measure's unit ("percent", "per 1000")
  std::optional<double> target;
  bool compact = false;  // a small multiple: smaller, fewer labels, points not focusable
};

// The chart's plot geometry, exposed for tests.
struct ChartFrame {
  int width = 880, height = 360;
  double left = 60, right = 96, top = 30, bottom = 46;  // margins
};
ChartFrame FrameFor(bool compact);

std::string XmrChartSvg(const SeriesChart& chart, const ChartStyle& style);

// A sparkline of the last `last` points (role="img", named by `label`); empty when no data.
std::string SparklineSvg(const SeriesChart& chart, const std::string& label, size_t last = 24);

// "Mar 2024: 12.3% (45 / 365); 5 trusts; improvement (special cause): outside-limits" — the
// text of a point's <title> and aria-label.
std::string PointText(const SeriesPoint& p, const std::string& unit);

}  // namespace lls::dashboard
