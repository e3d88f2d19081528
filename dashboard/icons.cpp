#include "dashboard/icons.h"

#include <vector>

#include "dashboard/html.h"
#include "dashboard/svg_scale.h"

namespace lls::dashboard {

using analytics::AssuranceIcon;
using analytics::PointSignal;
using analytics::VariationIcon;

namespace {
constexpr const char* kGrey = "#6f6f6f";    // 5.0:1 on white
constexpr const char* kBlue = "#1f7fc2";    // MDC #289de0 darkened: 4.3:1
constexpr const char* kOrange = "#b36b00";  // MDC #fab428 darkened: 4.2:1
constexpr const char* kPurple = "#361475";  // 13.9:1

std::string N(double v) { return FormatNumber(v, 1); }
}  // namespace

const char* SignalColour(PointSignal s) {
  switch (s) {
    case PointSignal::kImprovement:
      return kBlue;
    case PointSignal::kConcern:
      return kOrange;
    case PointSignal::kNeutral:
      return kPurple;
    case PointSignal::kCommonCause:
      break;
  }
  return kGrey;
}

const char* SignalShape(PointSignal s) {
  switch (s) {
    case PointSignal::kImprovement:
      return "square";
    case PointSignal::kConcern:
      return "diamond";
    case PointSignal::kNeutral:
      return "triangle";
    case PointSignal::kCommonCause:
      break;
  }
  return "circle";
}

const char* SignalText(PointSignal s) {
  switch (s) {
    case PointSignal::kImprovement:
      return "improvement (special cause)";
    case PointSignal::kConcern:
      return "concern (special cause)";
    case PointSignal::kNeutral:
      return "special cause (neither better nor worse)";
    case PointSignal::kCommonCause:
      break;
  }
  return "common cause";
}

std::string Mark(MarkShape shape, const char* fill, double x, double y, double r) {
  const std::string f = fill;
  switch (shape) {
    case MarkShape::kSquare: {
      const double h = r * 0.9;
      return "<rect class=\"mark\" x=\"" + N(x - h) + "\" y=\"" + N(y - h) + "\" width=\"" +
             N(2 * h) + "\" height=\"" + N(2 * h) + "\" fill=\"" + f + "\"/>";
    }
    case MarkShape::kDiamond: {
      const double d = r * 1.25;
      return "<path class=\"mark\" d=\"M" + N(x) + " " + N(y - d) + "L" + N(x + d) + " " + N(y) +
             "L" + N(x) + " " + N(y + d) + "L" + N(x - d) + " " + N(y) + "Z\" fill=\"" + f + "\"/>";
    }
    case MarkShape::kTriangle: {
      const double d = r * 1.3;
      return "<path class=\"mark\" d=\"M" + N(x) + " " + N(y - d) + "L" + N(x + d) + " " +
             N(y + d * 0.75) + "L" + N(x - d) + " " + N(y + d * 0.75) + "Z\" fill=\"" + f + "\"/>";
    }
    case MarkShape::kCircle:
      break;
  }
  return "<circle class=\"mark\" cx=\"" + N(x) + "\" cy=\"" + N(y) + "\" r=\"" + N(r * 0.85) +
         "\" fill=\"" + f + "\"/>";
}

std::string SignalMark(PointSignal s, double x, double y, double r) {
  switch (s) {
    case PointSignal::kImprovement:
      return Mark(MarkShape::kSquare, kBlue, x, y, r);
    case PointSignal::kConcern:
      return Mark(MarkShape::kDiamond, kOrange, x, y, r);
    case PointSignal::kNeutral:
      return Mark(MarkShape::kTriangle, kPurple, x, y, r);
    case PointSignal::kCommonCause:
      break;
  }
  return Mark(MarkShape::kCircle, kGrey, x, y, r);
}

std::string RulesText(uint8_t rules) {
  std::string out;
  for (char c : analytics::RuleFlagNames(rules)) {
    out += c;
    if (c == ',') out += ' ';
  }
  return out;
}

const char* VariationText(VariationIcon v) {
  switch (v) {
    case VariationIcon::kNone:
      return "Not enough data to judge variation";
    case VariationIcon::kCommonCause:
      return "Common cause variation";
    case VariationIcon::kImprovementHigh:
      return "Special cause variation: improvement, high values";
    case VariationIcon::kImprovementLow:
      return "Special cause variation: improvement, low values";
    case VariationIcon::kConcernHigh:
      return "Special cause variation: concern, high values";
    case VariationIcon::kConcernLow:
      return "Special cause variation: concern, low values";
    case VariationIcon::kNeutralHigh:
      return "Special cause variation: neither, high values";
    case VariationIcon::kNeutralLow:
      return "Special cause variation: neither, low values";
  }
  return "";
}

const char* AssuranceText(AssuranceIcon a) {
  switch (a) {
    case AssuranceIcon::kNone:
      return "No target assurance";
    case AssuranceIcon::kPass:
      return "Target consistently met";
    case AssuranceIcon::kFail:
      return "Target consistently missed";
    case AssuranceIcon::kHitAndMiss:
      return "Target hit and miss";
  }
  return "";
}

namespace {

std::string IconFrame(const std::string& label, const char* colour, int size,
                      const std::string& inner, bool dashed = false) {
  std::string s = "<svg class=\"icon\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                  std::to_string(size) + "\" height=\"" + std::to_string(size) +
                  "\" viewBox=\"0 0 40 40\" role=\"img\" aria-label=\"" + Escape(label) +
                  "\"><title>" + Escape(label) + "</title>";
  s += "<circle cx=\"20\" cy=\"20\" r=\"18\" fill=\"#fff\" stroke=\"";
  s += colour;
  s += "\" stroke-width=\"3\"";
  if (dashed) s += " stroke-dasharray=\"4 3\"";
  s += "/>";
  s += inner;
  s += "</svg>";
  return s;
}

// A little run of dots: `ys` are the dots' heights (0 top .. 1 bottom) inside the circle; the
// last `coloured` dots take `colour`, the rest grey.
std::string Dots(const std::vector<double>& ys, size_t coloured, const char* colour) {
  std::string s = "<polyline fill=\"none\" stroke=\"#9a9a9a\" stroke-width=\"1.2\" points=\"";
  const double x0 = 8, dx = 24.0 / static_cast<double>(ys.size() - 1);
  for (size_t i = 0; i < ys.size(); ++i) {
    s += N(x0 + dx * i) + "," + N(13 + ys[i] * 16) + " ";
  }
  s += "\"/>";
  for (size_t i = 0; i < ys.size(); ++i) {
    const bool c = i + coloured >= ys.size();
    s += "<circle cx=\"" + N(x0 + dx * i) + "\" cy=\"" + N(13 + ys[i] * 16) +
         "\" r=\"1.8\" fill=\"" + (c ? colour : kGrey) + "\"/>";
  }
  return s;
}

std::string Letter(const char* letter, const char* colour, double y = 13) {
  return std::string("<text x=\"20\" y=\"") + N(y) +
         "\" text-anchor=\"middle\" font-size=\"10\" font-weight=\"700\" fill=\"" + colour + "\">" +
         letter + "</text>";
}

}  // namespace

std::string VariationIconSvg(VariationIcon v, int size) {
  const std::string label = VariationText(v);
  const std::vector<double> up = {0.8, 0.7, 0.75, 0.5, 0.35, 0.3, 0.1};
  const std::vector<double> down = {0.1, 0.25, 0.2, 0.45, 0.6, 0.7, 0.85};
  const std::vector<double> flat = {0.5, 0.3, 0.6, 0.4, 0.55, 0.35, 0.5};
  switch (v) {
    case VariationIcon::kNone:
      return IconFrame(label, kGrey, size, Letter("?", kGrey, 25), true);
    case VariationIcon::kCommonCause:
      return IconFrame(label, kGrey, size, Dots(flat, 0, kGrey));
    case VariationIcon::kImprovementHigh:
      return IconFrame(label, kBlue, size, Letter("H", kBlue, 37) + Dots(up, 3, kBlue));
    case VariationIcon::kImprovementLow:
      return IconFrame(label, kBlue, size, Letter("L", kBlue) + Dots(down, 3, kBlue));
    case VariationIcon::kConcernHigh:
      return IconFrame(label, kOrange, size, Letter("H", kOrange, 37) + Dots(up, 3, kOrange));
    case VariationIcon::kConcernLow:
      return IconFrame(label, kOrange, size, Letter("L", kOrange) + Dots(down, 3, kOrange));
    case VariationIcon::kNeutralHigh:
      return IconFrame(label, kPurple, size, Letter("H", kPurple, 37) + Dots(up, 3, kPurple));
    case VariationIcon::kNeutralLow:
      return IconFrame(label, kPurple, size, Letter("L", kPurple) + Dots(down, 3, kPurple));
  }
  return "";
}

std::string AssuranceIconSvg(AssuranceIcon a, int size) {
  const std::string label = AssuranceText(a);
  // The target as a dashed line, the process range as a band, and the verdict's letter.
  auto body = [](const char* letter, const char* colour, double target_y) {
    return "<rect x=\"8\" y=\"15\" width=\"24\" height=\"10\" fill=\"#e8e8e8\"/>"
           "<line x1=\"6\" x2=\"34\" y1=\"" +
           N(target_y) + "\" y2=\"" + N(target_y) +
           "\" stroke=\"#1d1d1d\" stroke-width=\"1.2\" stroke-dasharray=\"2 1.5\"/>" +
           Letter(letter, colour, 24);
  };
  switch (a) {
    case AssuranceIcon::kNone:
      return "";
    case AssuranceIcon::kPass:
      return IconFrame(label, kBlue, size, body("P", kBlue, 31));
    case AssuranceIcon::kFail:
      return IconFrame(label, kOrange, size, body("F", kOrange, 9));
    case AssuranceIcon::kHitAndMiss:
      return IconFrame(label, kGrey, size, body("?", kGrey, 20));
  }
  return "";
}

std::string IconPair(VariationIcon v, AssuranceIcon a, int size) {
  std::string s = "<div class=\"icons\"><figure>" + VariationIconSvg(v, size) + "<figcaption>" +
                  Escape(VariationText(v)) + "</figcaption></figure>";
  if (a != AssuranceIcon::kNone) {
    s += "<figure>" + AssuranceIconSvg(a, size) + "<figcaption>" + Escape(AssuranceText(a)) +
         "</figcaption></figure>";
  }
  s += "</div>";
  return s;
}

}  // namespace lls::dashboard
