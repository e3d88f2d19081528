// Disclosure control: NHS England's small-number rule and its configurable variants.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>

#include "node/disclosure.h"

namespace lls::node {
namespace {

const SuppressionRule kNhsEngland{};  // the default

TEST_CASE("the default rule is NHS England's: suppress 1..7, round to 5", "[disclosure]") {
  CHECK(kNhsEngland.max_suppressed == 7);
  CHECK(kNhsEngland.round_to == 5);
}

TEST_CASE("NHS England's published examples", "[disclosure]") {
  CHECK(ControlCount(8, kNhsEngland) == ControlledCount{10, false});
  CHECK(ControlCount(16, kNhsEngland) == ControlledCount{15, false});
  CHECK(ControlCount(57, kNhsEngland) == ControlledCount{55, false});
  CHECK(ControlCount(10023, kNhsEngland) == ControlledCount{10025, false});
}

TEST_CASE("0 stays 0 and is not suppressed", "[disclosure]") {
  CHECK(ControlCount(0, kNhsEngland) == ControlledCount{0, false});
}

TEST_CASE("1 to 7 are suppressed, 8 is not", "[disclosure]") {
  for (uint32_t count = 1; count <= 7; ++count) {
    INFO("count " << count);
    CHECK(ControlCount(count, kNhsEngland) == ControlledCount{0, true});
  }
  CHECK_FALSE(ControlCount(8, kNhsEngland).suppressed);
}

TEST_CASE("every count above the threshold is rounded to the nearest 5", "[disclosure]") {
  for (uint32_t count = 8; count <= 2000; ++count) {
    ControlledCount c = ControlCount(count, kNhsEngland);
    INFO("count " << count << " -> " << c.value);
    REQUIRE_FALSE(c.suppressed);
    REQUIRE(c.value % 5 == 0);
    REQUIRE(c.value + 2 >= count);  // within 2 of the true count
    REQUIRE(c.value <= count + 2);
  }
  // Halfway cases cannot occur with an odd base; the nearest multiple is unique.
  CHECK(ControlCount(12, kNhsEngland).value == 10);
  CHECK(ControlCount(13, kNhsEngland).value == 15);
}

TEST_CASE("the threshold and rounding base are configurable", "[disclosure]") {
  const SuppressionRule strict{10, 10};
  CHECK(ControlCount(10, strict) == ControlledCount{0, true});
  CHECK(ControlCount(11, strict) == ControlledCount{10, false});
  CHECK(ControlCount(15, strict) == ControlledCount{20, false});  // ties round up
  CHECK(ControlCount(24, strict) == ControlledCount{20, false});
  CHECK(ControlCount(0, strict) == ControlledCount{0, false});

  const SuppressionRule no_rounding{5, 1};
  CHECK(ControlCount(5, no_rounding) == ControlledCount{0, true});
  CHECK(ControlCount(6, no_rounding) == ControlledCount{6, false});
  CHECK(ControlCount(57, no_rounding) == ControlledCount{57, false});

  const SuppressionRule nothing_suppressed{0, 1};
  CHECK(ControlCount(1, nothing_suppressed) == ControlledCount{1, false});

  const SuppressionRule zero_base{7, 0};  // treated as "no rounding", not a division by zero
  CHECK(ControlCount(57, zero_base) == ControlledCount{57, false});
}

TEST_CASE("a count that would round to 0 is suppressed, never shown as a true zero",
          "[disclosure]") {
  // A threshold below half the rounding base: 3 would round to 0 and read as "none".
  const SuppressionRule wide{2, 10};
  CHECK(ControlCount(2, wide) == ControlledCount{0, true});
  CHECK(ControlCount(3, wide) == ControlledCount{0, true});
  CHECK(ControlCount(4, wide) == ControlledCount{0, true});
  CHECK(ControlCount(5, wide) == ControlledCount{10, false});
  CHECK(ControlCount(0, wide) == ControlledCount{0, false});
  for (uint32_t count = 1; count <= 100; ++count) {
    ControlledCount c = ControlCount(count, wide);
    INFO("count " << count);
    CHECK((c.suppressed || c.value > 0));
  }
}

TEST_CASE("rounding near the top of the range does not wrap around", "[disclosure]") {
  // ControlCount takes any uint32_t. With round_to = 10 the nearest multiple of the largest
  // counts is 4294967300, which does not fit: the result must not wrap to a tiny number.
  const uint32_t top = std::numeric_limits<uint32_t>::max();
  ControlledCount c = ControlCount(top, SuppressionRule{7, 10});
  INFO("4294967295 -> " << c.value << (c.suppressed ? " (suppressed)" : ""));
  CHECK((c.suppressed || c.value >= top - 10));
}

TEST_CASE("ControlPoint rounds both counts and keeps the period", "[disclosure]") {
  MeasurePoint p = ControlPoint("2026-03", 57, 140, kNhsEngland);
  CHECK(p.period == "2026-03");
  CHECK(p.numerator == 55);
  CHECK(p.denominator == 140);
  CHECK_FALSE(p.numerator_suppressed);
  CHECK_FALSE(p.denominator_suppressed);
}

TEST_CASE("a small complement suppresses the numerator", "[disclosure]") {
  // 138 of 140: the 2 not counted would be revealed by the numerator.
  MeasurePoint p = ControlPoint("2026-01", 138, 140, kNhsEngland);
  CHECK(p.numerator_suppressed);
  CHECK(p.numerator == 0);
  CHECK_FALSE(p.denominator_suppressed);
  CHECK(p.denominator == 140);

  // Complement exactly at the threshold (7) and just above it (8).
  CHECK(ControlPoint("2026-01", 133, 140, kNhsEngland).numerator_suppressed);
  MeasurePoint above = ControlPoint("2026-01", 132, 140, kNhsEngland);
  CHECK_FALSE(above.numerator_suppressed);
  CHECK(above.numerator == 130);

  // A complement of 0 (everyone counted) is not small: 0 stays 0.
  MeasurePoint all = ControlPoint("2026-01", 140, 140, kNhsEngland);
  CHECK_FALSE(all.numerator_suppressed);
  CHECK(all.numerator == 140);
}

TEST_CASE("the complement check follows the configured threshold", "[disclosure]") {
  const SuppressionRule rule{10, 1};
  CHECK(ControlPoint("2026-01", 130, 140, rule).numerator_suppressed);        // complement 10
  CHECK_FALSE(ControlPoint("2026-01", 129, 140, rule).numerator_suppressed);  // 11
}

TEST_CASE("a small numerator is suppressed on its own", "[disclosure]") {
  MeasurePoint p = ControlPoint("2026-02", 3, 140, kNhsEngland);
  CHECK(p.numerator_suppressed);
  CHECK(p.numerator == 0);
  CHECK_FALSE(p.denominator_suppressed);
  CHECK(p.denominator == 140);

  MeasurePoint zero = ControlPoint("2026-02", 0, 140, kNhsEngland);
  CHECK_FALSE(zero.numerator_suppressed);
  CHECK(zero.numerator == 0);
}

TEST_CASE("a small denominator is suppressed, and so is its numerator", "[disclosure]") {
  // 2 of 5: both counts small.
  MeasurePoint p = ControlPoint("2026-04", 2, 5, kNhsEngland);
  CHECK(p.denominator_suppressed);
  CHECK(p.denominator == 0);
  CHECK(p.numerator_suppressed);
  CHECK(p.numerator == 0);

  // 0 of 6: the numerator is a true zero, but the denominator (and the complement, 6) is
  // small, so nothing that would give the rate away may be published.
  MeasurePoint none = ControlPoint("2026-04", 0, 6, kNhsEngland);
  CHECK(none.denominator_suppressed);
  CHECK(none.numerator_suppressed);

  // A true zero month stays zero on both sides.
  MeasurePoint empty = ControlPoint("2026-04", 0, 0, kNhsEngland);
  CHECK_FALSE(empty.numerator_suppressed);
  CHECK_FALSE(empty.denominator_suppressed);
  CHECK(empty.numerator == 0);
  CHECK(empty.denominator == 0);
}

TEST_CASE("published counts never show a rate above 100%", "[disclosure]") {
  for (uint32_t den = 0; den <= 300; ++den) {
    for (uint32_t num = 0; num <= den; ++num) {
      MeasurePoint p = ControlPoint("2026-01", num, den, kNhsEngland);
      if (p.numerator_suppressed || p.denominator_suppressed) continue;
      INFO(num << "/" << den << " -> " << p.numerator << "/" << p.denominator);
      REQUIRE(p.numerator <= p.denominator);
    }
  }
}

}  // namespace
}  // namespace lls::node
