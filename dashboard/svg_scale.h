// Geometry helpers for the server-drawn SVG charts: a linear scale, "nice" axis ticks, month
// labels and how far to thin them so they never overlap. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace lls::dashboard {

// Maps the domain [d0, d1] onto the range [r0, r1] (r1 < r0 for a y axis drawn downwards).
// A zero-width domain maps everything to the middle of the range.
struct LinearScale {
  double d0 = 0, d1 = 1, r0 = 0, r1 = 1;
  double operator()(double v) const;
};

// Axis ticks covering [lo, hi]: multiples of `step`, where step is 1, 2, 2.5 or 5 x 10^k,
// chosen so that about `target` ticks are drawn (never fewer than 2). lo/hi are widened to
// the outer ticks. A degenerate input (lo == hi, or non-finite) gets a small range around it.
struct Ticks {
  double lo = 0, hi = 1, step = 1;
  std::vector<double> values;
};
Ticks NiceTicks(double lo, double hi, int target = 5);

// A tick value with as many decimals as `step` needs (0.25 -> 2; 5 -> 0), no "-0".
std::string FormatTick(double value, double step);

// A number with `decimals` places, no "-0" ("12.3").
std::string FormatNumber(double value, int decimals);

// "2024-03" -> "Mar 2024"; other text is returned as it is.
std::string MonthLabel(const std::string& period);

// Which of `count` evenly spaced points (`spacing` px apart) get an x-axis label `label_width`
// px wide: every k-th point, k the smallest of 1, 2, 3, 4, 6, 12, 24, 36, ... that keeps the
// labels apart; always includes index 0. Empty for count == 0.
std::vector<size_t> LabelEvery(size_t count, double spacing, double label_width);

}  // namespace lls::dashboard
