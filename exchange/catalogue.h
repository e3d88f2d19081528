// Measure catalogue: the definitions of the measures trusts report (code, name, clinical
// area, numerator and denominator definitions, unit, improvement direction, source).
//
// The built-in catalogue is the data file exchange/measures.json, compiled into the program
// (so no install path can go missing); its entries record where each definition comes from
// (../shared/context/measures.md). A catalogue is versioned and, later, published down the
// tree as a MeasureCatalogue message. A value type; thread-compatible.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "schema/messages.h"
#include "schema/status.h"

namespace lls {

// The catalogue built into this program.
const MeasureCatalogue& BuiltInCatalogue();

// Parses catalogue JSON ({"version": N, "measures": [{...}, ...]}); kInvalidArgument naming
// the entry for anything missing, unknown or duplicated.
Result<MeasureCatalogue> ParseCatalogue(std::string_view json_text, const std::string& origin);

// The definition with this code, or nullptr. Codes are matched exactly (case-sensitive).
const MeasureDefinition* FindMeasure(const MeasureCatalogue& catalogue, std::string_view code);

// "SATOD, CO_BOOKING, ..." for error messages that list what is known.
std::string KnownCodes(const MeasureCatalogue& catalogue);

}  // namespace lls
