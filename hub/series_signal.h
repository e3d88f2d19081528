// SeriesSignals: the SPC reading an LLS hub sends up with each Aggregate (schema SpcSignal).
//
// For a scope's series of one measure, the reading at period P is the XmR chart
// (analytics::XmrChart, the measure's improvement direction) of the monthly rates in the
// measure's unit, over the months up to and including P that have an unsuppressed
// denominator: what the chart showed at that month. It therefore changes only when a month
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

// The readings of every month of `series` (one scope, one measure, ordered by period), by
// period; months without an unsuppressed denominator have none.
// `target` (in the measure's unit) sets the assurance icon; without one it is "none".
std::map<std::string, SpcSignal> SeriesSignals(const std::vector<AggregateRow>& series,
                                               const MeasureDefinition& measure,
                                               std::optional<double> target = std::nullopt);

}  // namespace lls::hub
