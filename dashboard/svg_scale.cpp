#include "dashboard/svg_scale.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <utility>

namespace lls::dashboard {

double LinearScale::operator()(double v) const {
  if (d1 == d0) return (r0 + r1) / 2;
  return r0 + (v - d0) * (r1 - r0) / (d1 - d0);
}

namespace {

double NiceStep(double rough) {
  const double power = std::pow(10.0, std::floor(std::log10(rough)));
  const double f = rough / power;
  double nice = 10;
  if (f <= 1) {
    nice = 1;
  } else if (f <= 2) {
    nice = 2;
  } else if (f <= 2.5) {
    nice = 2.5;
  } else if (f <= 5) {
    nice = 5;
  }
  return nice * power;
}

}  // namespace

Ticks NiceTicks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = hi = 0;
  if (lo > hi) std::swap(lo, hi);
  if (hi - lo < 1e-12 * std::max(1.0, std::fabs(hi))) {
    // A flat series: open a window around the value (or [0, 1] around zero).
    const double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  if (target < 2) target = 2;
  Ticks t;
  t.step = NiceStep((hi - lo) / (target - 1));
  t.lo = std::floor(lo / t.step + 1e-9) * t.step;
  t.hi = std::ceil(hi / t.step - 1e-9) * t.step;
  const int n = static_cast<int>(std::lround((t.hi - t.lo) / t.step));
  for (int i = 0; i <= n; ++i) t.values.push_back(t.lo + i * t.step);
  return t;
}

std::string FormatNumber(double value, int decimals) {
  if (decimals < 0) decimals = 0;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  std::string s = buf;
  // "-0", "-0.0": print as zero.
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
  return s;
}

std::string FormatTick(double value, double step) {
  int decimals = 0;
  while (decimals < 6 && std::fabs(step * std::pow(10.0, decimals) -
                                   std::round(step * std::pow(10.0, decimals))) > 1e-6) {
    ++decimals;
  }
  return FormatNumber(value, decimals);
}

std::string MonthLabel(const std::string& period) {
  static const std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (period.size() != 7 || period[4] != '-') return period;
  const int month = (period[5] - '0') * 10 + (period[6] - '0');
  if (month < 1 || month > 12) return period;
  return std::string(kMonths[month - 1]) + " " + period.substr(0, 4);
}

std::vector<size_t> LabelEvery(size_t count, double spacing, double label_width) {
  std::vector<size_t> out;
  if (count == 0) return out;
  size_t every = 1;
  static const std::array<size_t, 6> kSteps = {1, 2, 3, 4, 6, 12};
  bool found = false;
  for (size_t k : kSteps) {
    if (k * spacing >= label_width) {
      every = k;
      found = true;
      break;
    }
  }
  if (!found) {
    every = 24;
    while (every * spacing < label_width) every += 12;
  }
  for (size_t i = 0; i < count; i += every) out.push_back(i);
  return out;
}

}  // namespace lls::dashboard
