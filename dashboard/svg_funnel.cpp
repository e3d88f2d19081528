#include "dashboard/svg_funnel.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "dashboard/html.h"
#include "dashboard/icons.h"
#include "dashboard/svg_scale.h"

namespace lls::dashboard {

using analytics::FunnelPosition;

namespace {

std::string N(double v) { return FormatNumber(v, 1); }

// Within the limits: a grey circle; beyond them a special cause, neither better nor worse
// without a direction, so purple: beyond 95% a square, beyond 99.8% a diamond.
std::string FunnelMark(FunnelPosition p, double x, double y) {
  switch (p) {
    case FunnelPosition::kWithin:
      break;
    case FunnelPosition::kAbove95:
    case FunnelPosition::kBelow95:
      return Mark(MarkShape::kSquare, "#361475", x, y, 5);
    case FunnelPosition::kAbove998:
    case FunnelPosition::kBelow998:
      return Mark(MarkShape::kDiamond, "#361475", x, y, 5);
  }
  return Mark(MarkShape::kCircle, "#6f6f6f", x, y, 5);
}

std::string Shorten(const std::string& name, size_t max) {
  if (name.size() <= max) return name;
  size_t cut = max - 1;
  while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  return name.substr(0, cut) + "…";
}

}  // namespace

const char* FunnelPositionText(FunnelPosition p) {
  switch (p) {
    case FunnelPosition::kWithin:
      return "within the limits";
    case FunnelPosition::kAbove95:
      return "above the 95% limit";
    case FunnelPosition::kAbove998:
      return "above the 99.8% limit";
    case FunnelPosition::kBelow95:
      return "below the 95% limit";
    case FunnelPosition::kBelow998:
      return "below the 99.8% limit";
  }
  return "";
}

std::string FunnelSvg(const FunnelView& view, const std::string& id, const std::string& title,
                      const std::string& unit) {
  const analytics::Funnel& f = view.funnel;
  const double scale = view.scale;
  const int width = 880, height = 400;
  const double left = 60, right = 150, top = 24, bottom = 50;
  const double plot_w = width - left - right, plot_h = height - top - bottom;

  double max_n = 1, min_n = INFINITY;
  for (const auto& p : f.points) {
    max_n = std::max(max_n, p.denominator);
    min_n = std::min(min_n, p.denominator);
  }
  const Ticks xt = NiceTicks(0, max_n * 1.05, 6);
  // Curves are drawn from a fraction of the smallest denominator (the funnel's mouth would
  // otherwise run off to 0..100%); the y range covers the points, the target and the curves
  // from the smallest unit on.
  const double curve_from = std::max(1.0, std::min(min_n, max_n) * 0.5);
  double lo = f.target * scale, hi = f.target * scale;
  for (const auto& p : f.points) {
    lo = std::min(lo, p.value * scale);
    hi = std::max(hi, p.value * scale);
  }
  const auto mouth = f.LimitsAt(std::min(min_n, max_n));
  lo = std::min(lo, mouth.lower998 * scale);
  hi = std::max(hi, mouth.upper998 * scale);
  lo = std::max(lo, 0.0);
  hi = std::min(hi, scale);
  const Ticks yt = NiceTicks(lo, hi, 6);
  const LinearScale x{xt.lo, xt.hi, left, left + plot_w};
  const LinearScale y{yt.lo, yt.hi, top + plot_h, top};
  const std::string eid = Escape(id);

  std::string desc = "Funnel plot of " + title + ": " + std::to_string(f.points.size()) +
                     " compared with the average " + FormatValue(f.target * scale, unit) + ".";
  size_t outside = 0;
  for (const auto& p : f.points) outside += p.position == FunnelPosition::kWithin ? 0 : 1;
  desc += " " + std::to_string(outside) + " beyond the 95% limits.";
  if (f.overdispersed) desc += " Limits widened for over-dispersion.";

  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart funnel\" id=\"" + eid +
                  "\" width=\"" + std::to_string(width) + "\" height=\"" + std::to_string(height) +
                  "\" viewBox=\"0 0 " + std::to_string(width) + " " + std::to_string(height) +
                  "\" role=\"img\" aria-labelledby=\"" + eid + "-t " + eid + "-d\">";
  s += "<title id=\"" + eid + "-t\">" + Escape(title) + "</title>";
  s += "<desc id=\"" + eid + "-d\">" + Escape(desc) + "</desc>";
  s += "<defs><clipPath id=\"" + eid + "-clip\"><rect x=\"" + N(left) + "\" y=\"" + N(top) +
       "\" width=\"" + N(plot_w) + "\" height=\"" + N(plot_h) + "\"/></clipPath></defs>";
  for (double t : yt.values) {
    s += "<line x1=\"" + N(left) + "\" x2=\"" + N(left + plot_w) + "\" y1=\"" + N(y(t)) +
         "\" y2=\"" + N(y(t)) + "\" stroke=\"#e3e6e8\"/>";
    s += "<text x=\"" + N(left - 6) + "\" y=\"" + N(y(t) + 4) +
         "\" text-anchor=\"end\" font-size=\"12\" fill=\"#505a5f\">" + FormatTick(t, yt.step) +
         "</text>";
  }
  for (double t : xt.values) {
    s += "<line x1=\"" + N(x(t)) + "\" x2=\"" + N(x(t)) + "\" y1=\"" + N(top + plot_h) +
         "\" y2=\"" + N(top + plot_h + 4) + "\" stroke=\"#505a5f\"/>";
    s += "<text x=\"" + N(x(t)) + "\" y=\"" + N(top + plot_h + 17) +
         "\" text-anchor=\"middle\" font-size=\"12\" fill=\"#505a5f\">" + FormatTick(t, xt.step) +
         "</text>";
  }
  s += "<line x1=\"" + N(left) + "\" x2=\"" + N(left + plot_w) + "\" y1=\"" + N(top + plot_h) +
       "\" y2=\"" + N(top + plot_h) + "\" stroke=\"#505a5f\"/>";
  s += "<text x=\"" + N(left + plot_w / 2) + "\" y=\"" + N(height - 8) +
       "\" text-anchor=\"middle\" font-size=\"12\" fill=\"#505a5f\">Denominator</text>";
  s += "<text x=\"" + N(left - 6) + "\" y=\"" + N(top - 8) +
       "\" text-anchor=\"end\" font-size=\"12\" fill=\"#505a5f\">" + Escape(unit) + "</text>";

  // The limit curves, sampled on a log scale of denominators (the curve bends most at small n).
  const int samples = 80;
  std::string l95, u95, l998, u998;
  const double from = std::log(curve_from), to = std::log(xt.hi);
  for (int i = 0; i <= samples; ++i) {
    const double n = std::exp(from + (to - from) * i / samples);
    const auto lim = f.LimitsAt(n);
    const char* op = i == 0 ? "M" : "L";
    auto clampy = [&](double v) { return y(std::clamp(v * scale, yt.lo - 1e9, yt.hi + 1e9)); };
    l95 += op + N(x(n)) + " " + N(clampy(lim.lower95));
    u95 += op + N(x(n)) + " " + N(clampy(lim.upper95));
    l998 += op + N(x(n)) + " " + N(clampy(lim.lower998));
    u998 += op + N(x(n)) + " " + N(clampy(lim.upper998));
  }
  s += "<g clip-path=\"url(#" + eid + "-clip)\" fill=\"none\">";
  s += "<path class=\"limit l95\" d=\"" + u95 + "\" stroke=\"#505a5f\" stroke-dasharray=\"6 4\"/>";
  s += "<path class=\"limit l95\" d=\"" + l95 + "\" stroke=\"#505a5f\" stroke-dasharray=\"6 4\"/>";
  s += "<path class=\"limit l998\" d=\"" + u998 + "\" stroke=\"#1d1d1d\" stroke-width=\"1.3\"/>";
  s += "<path class=\"limit l998\" d=\"" + l998 + "\" stroke=\"#1d1d1d\" stroke-width=\"1.3\"/>";
  s += "<line class=\"centre\" x1=\"" + N(left) + "\" x2=\"" + N(left + plot_w) + "\" y1=\"" +
       N(y(f.target * scale)) + "\" y2=\"" + N(y(f.target * scale)) +
       "\" stroke=\"#1d1d1d\" stroke-width=\"1.3\"/>";
  s += "</g>";
  const double end_n = xt.hi;
  const auto end = f.LimitsAt(end_n);
  std::vector<std::pair<double, std::string>> ends = {
      {y(end.upper998 * scale), "99.8% limit"},
      {y(end.upper95 * scale), "95% limit"},
      {y(f.target * scale), "Average " + FormatNumber(f.target * scale, 1)},
      {y(end.lower95 * scale), "95% limit"},
      {y(end.lower998 * scale), "99.8% limit"}};
  std::sort(ends.begin(), ends.end());
  for (size_t i = 1; i < ends.size(); ++i) {
    ends[i].first = std::max(ends[i].first, ends[i - 1].first + 13);
  }
  for (const auto& [ly, text] : ends) {
    if (ly < top - 4 || ly > top + plot_h + 20) continue;
    s += "<text x=\"" + N(left + plot_w + 6) + "\" y=\"" + N(ly + 4) +
         "\" font-size=\"12\" fill=\"#1d1d1d\">" + Escape(text) + "</text>";
  }

  // Points with labels; labels are nudged down when they would overlap the previous one.
  std::vector<size_t> order(f.points.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return f.points[a].value > f.points[b].value; });
  std::vector<std::pair<double, double>> placed;  // label x, y
  for (size_t i : order) {
    const auto& p = f.points[i];
    const double px = x(p.denominator), py = y(p.value * scale);
    std::string text = p.name + ": " + FormatValue(p.value * scale, unit) + " (" +
                       FormatNumber(p.numerator, 0) + " / " + FormatNumber(p.denominator, 0) +
                       "), " + FunnelPositionText(p.position);
    double ly = py + 4;
    for (const auto& [qx, qy] : placed) {
      if (std::fabs(qx - px) < 110 && std::fabs(qy - ly) < 13) ly = qy + 13;
    }
    placed.push_back({px, ly});
    s += "<g class=\"pt funnel-unit\" tabindex=\"0\" aria-label=\"" + Escape(text) + "\"><title>" +
         Escape(text) + "</title>";
    s += FunnelMark(p.position, px, py);
    const bool flip = px > left + plot_w - 110;
    s += "<text x=\"" + N(flip ? px - 8 : px + 8) + "\" y=\"" + N(ly) + "\" font-size=\"11\"" +
         (flip ? " text-anchor=\"end\"" : "") + " fill=\"#1d1d1d\">" + Escape(Shorten(p.name, 18)) +
         "</text></g>";
  }
  s += "</svg>";
  return s;
}

}  // namespace lls::dashboard
