#include "node/disclosure.h"

#include <utility>

namespace lls::node {

ControlledCount ControlCount(uint32_t count, const SuppressionRule& rule) {
  if (count == 0) return {0, false};
  if (count <= rule.max_suppressed) return {0, true};
  uint32_t base = rule.round_to == 0 ? 1 : rule.round_to;
  uint64_t rounded = (static_cast<uint64_t>(count) + base / 2) / base * base;
  // With a threshold below half the rounding base a small count would round to 0 and read
  // as "none": suppress it instead.
  if (rounded == 0) return {0, true};
  // Near the top of the range, round down rather than wrap around.
  if (rounded > UINT32_MAX) rounded -= base;
  return {static_cast<uint32_t>(rounded), false};
}

MeasurePoint ControlPoint(std::string period, uint32_t numerator, uint32_t denominator,
                          const SuppressionRule& rule) {
  MeasurePoint point;
  point.period = std::move(period);
  ControlledCount num = ControlCount(numerator, rule);
  ControlledCount den = ControlCount(denominator, rule);
  // A small complement identifies the few people *not* counted: hide the numerator.
  uint32_t complement = denominator >= numerator ? denominator - numerator : 0;
  if (ControlCount(complement, rule).suppressed) num = {0, true};
  point.numerator = num.value;
  point.numerator_suppressed = num.suppressed;
  point.denominator = den.value;
  point.denominator_suppressed = den.suppressed;
  // With the denominator suppressed, a rate would reveal it; the flags make receivers drop
  // the rate whenever either count is suppressed.
  return point;
}

}  // namespace lls::node
