// Disclosure control: what a trust's counts look like before they may leave it (DESIGN §6).
//
// Default is NHS England's rule for sub-national counts: 0 stays 0; 1..7 is suppressed; every
// other count is rounded to the nearest 5 (8->10, 16->15, 57->55, 10023->10025). The threshold
// and rounding base are configurable for a trust's information governance. The complement
// (denominator - numerator) is checked too: when it is a small number the numerator would
// reveal it, so the numerator is suppressed. Pure functions; thread-safe.
#pragma once

#include <cstdint>

#include "schema/messages.h"

namespace lls::node {

struct SuppressionRule {
  uint32_t max_suppressed = 7;  // counts 1..max_suppressed are suppressed
  uint32_t round_to = 5;        // other counts are rounded to the nearest multiple (1 = none)
};

struct ControlledCount {
  uint32_t value = 0;  // 0 when suppressed
  bool suppressed = false;
  bool operator==(const ControlledCount&) const = default;
};

ControlledCount ControlCount(uint32_t count, const SuppressionRule& rule);

// Applies the rule to one month's raw numerator and denominator (numerator <= denominator).
MeasurePoint ControlPoint(std::string period, uint32_t numerator, uint32_t denominator,
                          const SuppressionRule& rule);

}  // namespace lls::node
