#include "dashboard/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "dashboard/html.h"
#include "dashboard/icons.h"
#include "dashboard/svg_scale.h"

namespace lls::dashboard {

using analytics::ChartPoint;
using analytics::PointSignal;

namespace {

std::string N(double v) { return FormatNumber(v, 1); }

// The y range: the values, every limit drawn, and the target.
std::pair<double, double> YExtent(const SeriesChart& chart, std::optional<double> target) {
  double lo = INFINITY, hi = -INFINITY;
  auto take = [&](double v) {
    if (std::isfinite(v)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  };
  for (const SeriesPoint& p : chart.points) {
    if (p.gap) continue;
    take(p.value);
    if (p.chart) {
      take(p.chart->lower);
      take(p.chart->upper);
    }
  }
  if (target) take(*target);
  if (!std::isfinite(lo)) return {0, 1};
  return {lo, hi};
}

// A path through (x, y) for each index in `idx`, as one stroke; "" when empty.
template <typename YFn>
std::string SegmentPath(const std::vector<size_t>& idx, const LinearScale& x, YFn y) {
  std::string d;
  for (size_t k = 0; k < idx.size(); ++k) {
    d += (k == 0 ? "M" : "L") + N(x(static_cast<double>(idx[k]))) + " " + N(y(idx[k]));
  }
  if (idx.size() == 1) {
    // One point in the segment: a short stub so that the line is visible.
    d = "M" + N(x(static_cast<double>(idx[0])) - 6) + " " + N(y(idx[0])) + "h12";
  }
  return d;
}

struct EndLabel {
  double y;
  std::string text;
};

// Pushes right-hand labels apart so that none overlap (at least `gap` px between baselines).
void SpreadLabels(std::vector<EndLabel>& labels, double gap) {
  std::sort(labels.begin(), labels.end(),
            [](const EndLabel& a, const EndLabel& b) { return a.y < b.y; });
  for (size_t i = 1; i < labels.size(); ++i) {
    labels[i].y = std::max(labels[i].y, labels[i - 1].y + gap);
  }
}

std::string Describe(const SeriesChart& chart, const ChartStyle& style) {
  std::string d = "XmR chart of " + style.title + ". ";
  const size_t n = chart.data_points();
  if (n == 0) return d + "No data.";
  const SeriesPoint* first = nullptr;
  for (const SeriesPoint& p : chart.points) {
    if (!p.gap) {
      first = &p;
      break;
    }
  }
  const SeriesPoint* last = chart.latest();
  d += std::to_string(n) + " months with data, " + MonthLabel(first->cell.period) + " to " +
       MonthLabel(last->cell.period);
  size_t suppressed = 0, partial = 0;
  for (const SeriesPoint& p : chart.points) {
    suppressed += p.cell.suppressed ? 1 : 0;
    partial += p.partial ? 1 : 0;
  }
  const size_t gaps = chart.points.size() - n - partial;
  if (gaps > 0) {
    d += " (" + std::to_string(gaps) + " without data";
    if (suppressed > 0) d += ", " + std::to_string(suppressed) + " of them suppressed";
    d += ")";
  }
  if (partial > 0) {
    d += "; " + std::to_string(partial) + " partial month" + (partial == 1 ? "" : "s") +
         " not charted (a trust-month suppressed)";
  }
  d += ". ";
  if (last->chart) {
    d += "Mean " + FormatValue(last->chart->centre, style.unit) + ", process limits " +
         FormatValue(last->chart->lower, style.unit) + " to " +
         FormatValue(last->chart->upper, style.unit) + ". ";
  }
  d += "Latest " + PointText(*last, style.unit) + ". ";
  d += std::string(VariationText(chart.variation)) + ".";
  if (chart.assurance != analytics::AssuranceIcon::kNone) {
    d += " " + std::string(AssuranceText(chart.assurance)) + ".";
  }
  if (!chart.error.empty()) d += " Limits not computed: " + chart.error + ".";
  return d;
}

}  // namespace

ChartFrame FrameFor(bool compact) {
  ChartFrame f;
  if (compact) {
    f.width = 340;
    f.height = 170;
    f.left = 46;
    f.right = 12;
    f.top = 12;
    f.bottom = 24;
  }
  return f;
}

std::string PointText(const SeriesPoint& p, const std::string& unit) {
  std::string s = MonthLabel(p.cell.period) + ": ";
  if (p.cell.suppressed) return s + "suppressed";
  if (p.gap) return s + "no data";
  s += FormatValue(p.value, unit) + " (" + std::to_string(p.cell.numerator) + " / " +
       std::to_string(p.cell.denominator) + ")";
  if (p.cell.trusts > 0) {
    s += "; " + std::to_string(p.cell.trusts) + (p.cell.trusts == 1 ? " trust" : " trusts");
  }
  if (p.cell.llss > 0) {
    s += "; " + std::to_string(p.cell.llss) + (p.cell.llss == 1 ? " LLS" : " LLSs");
  }
  if (p.cell.suppressed_cells > 0) {
    s += "; " + std::to_string(p.cell.suppressed_cells) + " suppressed";
  }
  const PointSignal signal = p.chart ? p.chart->signal : PointSignal::kCommonCause;
  s += "; " + std::string(SignalText(signal));
  if (p.chart && p.chart->rules != analytics::kRuleNone) {
    s += ": " + RulesText(p.chart->rules);
  }
  return s;
}

namespace {

// What every part of an XmR chart is drawn against.
struct Plot {
  const SeriesChart& chart;
  const ChartStyle& style;
  ChartFrame f;
  double plot_w, plot_h;
  size_t n;
  Ticks ticks;
  LinearScale x, y;
  double step;  // px between months
  int font;
};

// The grid, the y ticks, the unit and the month labels.
void DrawAxes(const Plot& plot, std::string& s) {
  const ChartFrame& f = plot.f;
  const double plot_w = plot.plot_w;
  const double plot_h = plot.plot_h;
  const Ticks& ticks = plot.ticks;
  const LinearScale& y = plot.y;
  const int font = plot.font;
  const ChartStyle& style = plot.style;
  const size_t n = plot.n;
  const double step = plot.step;
  const LinearScale& x = plot.x;
  const SeriesChart& chart = plot.chart;
  // Grid and y ticks.
  for (double t : ticks.values) {
    s += "<line x1=\"" + N(f.left) + "\" x2=\"" + N(f.left + plot_w) + "\" y1=\"" + N(y(t)) +
         "\" y2=\"" + N(y(t)) + "\" stroke=\"#e3e6e8\"/>";
    s += "<text x=\"" + N(f.left - 6) + "\" y=\"" + N(y(t) + font * 0.35) +
         "\" text-anchor=\"end\" font-size=\"" + std::to_string(font) + "\" fill=\"#505a5f\">" +
         FormatTick(t, ticks.step) + "</text>";
  }
  s += "<line x1=\"" + N(f.left) + "\" x2=\"" + N(f.left + plot_w) + "\" y1=\"" +
       N(f.top + plot_h) + "\" y2=\"" + N(f.top + plot_h) + "\" stroke=\"#505a5f\"/>";
  if (!style.compact) {
    s += "<text x=\"" + N(f.left - 6) + "\" y=\"" + N(f.top - 14) +
         "\" text-anchor=\"end\" font-size=\"12\" fill=\"#505a5f\">" + Escape(style.unit) +
         "</text>";
  }

  // Month labels on the x axis.
  if (n > 0) {
    std::vector<size_t> labelled;
    if (style.compact) {
      labelled.push_back(0);
      if (n > 1) labelled.push_back(n - 1);
    } else {
      labelled = LabelEvery(n, step, 64);
    }
    for (size_t i : labelled) {
      const char* anchor = "middle";
      if (style.compact) anchor = i == 0 ? "start" : "end";
      const double lx = style.compact ? (i == 0 ? f.left : f.left + plot_w) : x(i);
      s += "<line x1=\"" + N(x(i)) + "\" x2=\"" + N(x(i)) + "\" y1=\"" + N(f.top + plot_h) +
           "\" y2=\"" + N(f.top + plot_h + 4) + "\" stroke=\"#505a5f\"/>";
      s += "<text x=\"" + N(lx) + "\" y=\"" + N(f.top + plot_h + font + 6) + "\" text-anchor=\"" +
           anchor + "\" font-size=\"" + std::to_string(font) + "\" fill=\"#505a5f\">" +
           Escape(MonthLabel(chart.points[i].cell.period)) + "</text>";
    }
  }
}

// The 2-sigma band, the limits and the mean of each segment; the target; their end labels.
void DrawLines(const Plot& plot, std::string& s) {
  const SeriesChart& chart = plot.chart;
  const size_t n = plot.n;
  const LinearScale& x = plot.x;
  const LinearScale& y = plot.y;
  const ChartStyle& style = plot.style;
  const ChartFrame& f = plot.f;
  const double plot_w = plot.plot_w;
  // Segments: the chart points grouped by segment, for the band, limits and mean.
  std::vector<std::vector<size_t>> segments;
  int current = -1;
  for (size_t i = 0; i < n; ++i) {
    const auto& cp = chart.points[i].chart;
    if (!cp) continue;
    if (cp->segment != current) {
      segments.emplace_back();
      current = cp->segment;
    }
    segments.back().push_back(i);
  }
  auto at = [&](auto member) {
    return [&chart, &y, member](size_t i) { return y((*chart.points[i].chart).*member); };
  };
  for (const auto& seg : segments) {
    // The 2-sigma band: upper edge forwards, lower edge back.
    std::string band = SegmentPath(seg, x, at(&ChartPoint::upper_2s));
    std::vector<size_t> back(seg.rbegin(), seg.rend());
    std::string lower = SegmentPath(back, x, at(&ChartPoint::lower_2s));
    if (seg.size() > 1 && !lower.empty()) {
      lower[0] = 'L';
      s += "<path class=\"band\" d=\"" + band + lower + "Z\" fill=\"#eef3f8\"/>";
    }
    s += "<path class=\"limit upper\" d=\"" + SegmentPath(seg, x, at(&ChartPoint::upper)) +
         "\" fill=\"none\" stroke=\"#505a5f\" stroke-width=\"1.3\" stroke-dasharray=\"6 4\"/>";
    s += "<path class=\"limit lower\" d=\"" + SegmentPath(seg, x, at(&ChartPoint::lower)) +
         "\" fill=\"none\" stroke=\"#505a5f\" stroke-width=\"1.3\" stroke-dasharray=\"6 4\"/>";
    s += "<path class=\"centre\" d=\"" + SegmentPath(seg, x, at(&ChartPoint::centre)) +
         "\" fill=\"none\" stroke=\"#1d1d1d\" stroke-width=\"1.3\"/>";
  }
  if (style.target) {
    s += "<line class=\"target\" x1=\"" + N(f.left) + "\" x2=\"" + N(f.left + plot_w) + "\" y1=\"" +
         N(y(*style.target)) + "\" y2=\"" + N(y(*style.target)) +
         "\" stroke=\"#a4000b\" stroke-width=\"1.5\" stroke-dasharray=\"2 3\"/>";
  }
  // End labels for the last segment's lines (full size only).
  if (!style.compact && !segments.empty()) {
    const ChartPoint& last = *chart.points[segments.back().back()].chart;
    std::vector<EndLabel> labels = {{y(last.upper), "Upper " + FormatNumber(last.upper, 1)},
                                    {y(last.centre), "Mean " + FormatNumber(last.centre, 1)},
                                    {y(last.lower), "Lower " + FormatNumber(last.lower, 1)}};
    if (style.target)
      labels.push_back({y(*style.target), "Target " + FormatNumber(*style.target, 1)});
    SpreadLabels(labels, 14);
    for (const EndLabel& l : labels) {
      s += "<text x=\"" + N(f.left + plot_w + 6) + "\" y=\"" + N(l.y + 4) +
           "\" font-size=\"12\" fill=\"#1d1d1d\">" + Escape(l.text) + "</text>";
    }
  }
}

// The values joined by a line broken at gaps, and each point's mark, title and tip.
void DrawValues(const Plot& plot, std::string& s) {
  const size_t n = plot.n;
  const SeriesChart& chart = plot.chart;
  const LinearScale& x = plot.x;
  const LinearScale& y = plot.y;
  const ChartStyle& style = plot.style;
  const ChartFrame& f = plot.f;
  const double plot_w = plot.plot_w;
  const double plot_h = plot.plot_h;
  const int font = plot.font;
  // The values, broken at gaps.
  std::string line;
  bool pen = false;
  for (size_t i = 0; i < n; ++i) {
    if (chart.points[i].gap) {
      pen = false;
      continue;
    }
    line += (pen ? "L" : "M") + N(x(i)) + " " + N(y(chart.points[i].value));
    pen = true;
  }
  if (!line.empty()) {
    s += "<path class=\"values\" d=\"" + line +
         "\" fill=\"none\" stroke=\"#768692\" stroke-width=\"1.5\"/>";
  }

  // The points.
  const double r = style.compact ? 3 : 5;
  for (size_t i = 0; i < n; ++i) {
    const SeriesPoint& p = chart.points[i];
    if (p.gap) continue;
    const PointSignal signal = p.chart ? p.chart->signal : PointSignal::kCommonCause;
    const std::string text = Escape(PointText(p, style.unit));
    s += "<g class=\"pt ";
    s += analytics::PointSignalName(signal);
    s += "\"";
    if (!style.compact) s += " tabindex=\"0\" aria-label=\"" + text + "\"";
    s += "><title>" + text + "</title>";
    s += SignalMark(signal, x(i), y(p.value), r);
    if (!style.compact) {
      s += "<text class=\"tip\" x=\"" + N(f.left) + "\" y=\"" + N(f.top - 12) +
           "\" font-size=\"13\" font-weight=\"600\" fill=\"#1d1d1d\">" + text + "</text>";
    }
    s += "</g>";
  }
  if (n == 0 || chart.data_points() == 0) {
    s += "<text x=\"" + N(f.left + plot_w / 2) + "\" y=\"" + N(f.top + plot_h / 2) +
         "\" text-anchor=\"middle\" font-size=\"" + std::to_string(font) +
         "\" fill=\"#505a5f\">No data</text>";
  }
}

}  // namespace

std::string XmrChartSvg(const SeriesChart& chart, const ChartStyle& style) {
  const ChartFrame f = FrameFor(style.compact);
  const double plot_w = f.width - f.left - f.right;
  const double plot_h = f.height - f.top - f.bottom;
  const size_t n = chart.points.size();
  const auto [lo, hi] = YExtent(chart, style.target);
  const Ticks ticks = NiceTicks(lo, hi, style.compact ? 4 : 6);
  const LinearScale y{ticks.lo, ticks.hi, f.top + plot_h, f.top};
  // One point: centred. Otherwise evenly spaced, inset half a step from the plot's edges.
  const double step = n > 1 ? plot_w / static_cast<double>(n) : plot_w;
  const LinearScale x{0, static_cast<double>(n > 1 ? n - 1 : 0), f.left + step / 2,
                      f.left + plot_w - step / 2};
  const std::string id = Escape(style.id);
  const Plot plot{chart, style, f, plot_w, plot_h, n, ticks, x, y, step, style.compact ? 10 : 12};

  std::string s;
  s.reserve(4096 + n * 600);
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart";
  s += style.compact ? " small" : "";
  s += "\" id=\"" + id + "\" width=\"" + std::to_string(f.width) + "\" height=\"" +
       std::to_string(f.height) + "\" viewBox=\"0 0 " + std::to_string(f.width) + " " +
       std::to_string(f.height) + "\" role=\"img\" aria-labelledby=\"" + id + "-t " + id + "-d\">";
  s += "<title id=\"" + id + "-t\">" + Escape(style.title) + "</title>";
  s += "<desc id=\"" + id + "-d\">" + Escape(Describe(chart, style)) + "</desc>";

  DrawAxes(plot, s);
  DrawLines(plot, s);
  DrawValues(plot, s);
  s += "</svg>";
  return s;
}

std::string SparklineSvg(const SeriesChart& chart, const std::string& label, size_t last) {
  std::vector<const SeriesPoint*> pts;
  const size_t start = chart.points.size() > last ? chart.points.size() - last : 0;
  for (size_t i = start; i < chart.points.size(); ++i) pts.push_back(&chart.points[i]);
  if (chart.data_points() == 0 || pts.empty()) return "";
  double lo = INFINITY, hi = -INFINITY;
  for (const SeriesPoint* p : pts) {
    if (p->gap) continue;
    lo = std::min(lo, p->value);
    hi = std::max(hi, p->value);
  }
  if (!std::isfinite(lo)) return "";
  const double w = 120, h = 30;
  const LinearScale x{0, static_cast<double>(pts.size() > 1 ? pts.size() - 1 : 0), 4, w - 6};
  const LinearScale y{lo, hi, h - 5, 5};
  std::string d;
  bool pen = false;
  const SeriesPoint* end = nullptr;
  double end_x = 0;
  for (size_t i = 0; i < pts.size(); ++i) {
    if (pts[i]->gap) {
      pen = false;
      continue;
    }
    d += (pen ? "L" : "M") + N(x(i)) + " " + N(y(pts[i]->value));
    pen = true;
    end = pts[i];
    end_x = x(i);
  }
  std::string s =
      "<svg class=\"spark\" xmlns=\"http://www.w3.org/2000/svg\" width=\"120\" "
      "height=\"30\" viewBox=\"0 0 120 30\" role=\"img\" aria-label=\"" +
      Escape(label) + "\"><title>" + Escape(label) + "</title>";
  s += "<path d=\"" + d + "\" fill=\"none\" stroke=\"#768692\" stroke-width=\"1.5\"/>";
  const PointSignal signal = end->chart ? end->chart->signal : PointSignal::kCommonCause;
  s += SignalMark(signal, end_x, y(end->value), 3.5);
  s += "</svg>";
  return s;
}

}  // namespace lls::dashboard
