// SeriesSignals: the SPC reading an LLS hub sends up with each Aggregate (schema SpcSignal).
//
// For a scope's series of one measure, the reading at period P is the XmR chart
// (analytics::XmrChart, the measure's improvement direction) of the monthly rates in the
// measure's unit, over the COMPLETE months up to and including P: what the chart showed at
// that month. A complete month has a denominator and no suppressed trust-month. A partial
// month is left out because suppression is not neutral: a count of 0 is published but 1-7 is
// suppressed, so the trusts left in a partial month lean towards zero events, and charting
// their sum would show an improvement (or concern) that suppression made (CompleteMonth). It therefore changes only when a month
// at or before P changes, so when a cell changes the forwarder re-sends the later months of
// the same series too (their readings may have moved).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hub/aggregates.h"
#include "schema/messages.h"

namespace lls::hub {

// Rate multiplier of a measure's unit: 1000 for "per 1000", else 100 (percent).
double UnitScale(const std::string& unit);

// A month SPC may use: a denominator, and no trust-month of it suppressed.
inline bool CompleteMonth(const AggregateRow& row) {
  return row.denominator > 0 && row.suppressed_cells == 0;
}

// The readings of every month of `series` (one scope, one measure, ordered by period), by
// period; months that are not complete (CompleteMonth) have none.
// `target` (in the measure's unit) sets the assurance icon; without one it is "none".
std::map<std::string, SpcSignal> SeriesSignals(const std::vector<AggregateRow>& series,
                                               const MeasureDefinition& measure,
                                               std::optional<double> target = std::nullopt);

}  // namespace lls::hub
