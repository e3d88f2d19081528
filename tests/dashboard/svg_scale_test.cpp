// The SVG geometry helpers: scales, nice ticks, tick text, month labels and label thinning.
#include <catch2/catch.hpp>

#include <cmath>

#include "dashboard/svg_scale.h"

using namespace lls::dashboard;

TEST_CASE("LinearScale maps the domain onto the range, flipped for a y axis") {
  const LinearScale y{0, 10, 300, 20};
  CHECK(y(0) == Approx(300));
  CHECK(y(10) == Approx(20));
  CHECK(y(5) == Approx(160));
  const LinearScale flat{3, 3, 0, 100};
  CHECK(flat(3) == Approx(50));
}

TEST_CASE("NiceTicks covers the data with round steps") {
  const Ticks t = NiceTicks(0.3, 9.7, 6);
  CHECK(t.step == Approx(2));
  CHECK(t.lo == Approx(0));
  CHECK(t.hi == Approx(10));
  REQUIRE(t.values.size() == 6);
  CHECK(t.values.front() == Approx(0));
  CHECK(t.values.back() == Approx(10));

  const Ticks small = NiceTicks(6.62, 11.9, 6);
  CHECK(small.lo <= 6.62);
  CHECK(small.hi >= 11.9);
  CHECK(small.values.size() >= 4);
  CHECK(small.values.size() <= 9);

  SECTION("steps are 1, 2, 2.5 or 5 times a power of ten") {
    for (double span : {0.013, 0.7, 3.0, 17.0, 260.0, 4100.0}) {
      const Ticks k = NiceTicks(1, 1 + span, 5);
      const double m = k.step / std::pow(10.0, std::floor(std::log10(k.step)));
      CHECK((m == Approx(1) || m == Approx(2) || m == Approx(2.5) || m == Approx(5)));
      CHECK(k.lo <= 1);
      CHECK(k.hi >= 1 + span);
    }
  }
  SECTION("a flat series still gets a range around its value") {
    const Ticks f = NiceTicks(12, 12);
    CHECK(f.lo < 12);
    CHECK(f.hi > 12);
    const Ticks z = NiceTicks(0, 0);
    CHECK(z.lo <= 0);
    CHECK(z.hi > 0);
  }
  SECTION("negative values") {
    const Ticks n = NiceTicks(-3.2, 4.1, 5);
    CHECK(n.lo <= -3.2);
    CHECK(n.hi >= 4.1);
  }
}

TEST_CASE("FormatTick shows the decimals the step needs, never -0") {
  CHECK(FormatTick(10, 2) == "10");
  CHECK(FormatTick(0.5, 0.25) == "0.50");
  CHECK(FormatTick(7.5, 2.5) == "7.5");
  CHECK(FormatTick(-0.0, 1) == "0");
  CHECK(FormatNumber(-0.04, 1) == "0.0");
  CHECK(FormatNumber(12.345, 1) == "12.3");
}

TEST_CASE("MonthLabel reads YYYY-MM") {
  CHECK(MonthLabel("2024-03") == "Mar 2024");
  CHECK(MonthLabel("2023-12") == "Dec 2023");
  CHECK(MonthLabel("2023-13") == "2023-13");
  CHECK(MonthLabel("Q1") == "Q1");
}

TEST_CASE("LabelEvery thins month labels so that they never overlap") {
  CHECK(LabelEvery(0, 10, 60).empty());
  CHECK(LabelEvery(12, 60, 60).size() == 12);
  for (size_t n = 1; n <= 120; ++n) {
    const double plot = 724;  // the full chart's plot width
    const double spacing = plot / static_cast<double>(n);
    const auto idx = LabelEvery(n, spacing, 64);
    REQUIRE(!idx.empty());
    CHECK(idx.front() == 0);
    for (size_t i = 1; i < idx.size(); ++i) {
      CHECK(static_cast<double>(idx[i] - idx[i - 1]) * spacing >= 64);
    }
  }
  // 120 months: a label a year.
  CHECK(LabelEvery(120, 724.0 / 120, 64).size() == 10);
}
