// A small structural validator for the FHIR R4 resources `lls export --format fhir` writes:
// Bundle (type collection) of MeasureReport (type summary). It checks what the R4 spec requires
// of MeasureReport (status 1..1 in {complete, pending, error}, type 1..1, measure 1..1 as a
// canonical, period 1..1 with valid dates), the codes our mapping promises (measure-population
// numerator/denominator, improvement notation, UCUM units), integer counts, scores equal to
// numerator/denominator in the unit, the stratum value-xor-component rule (mrp-2), and that
// FHIR JSON never holds an empty array or object. Not a full FHIR validator.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lls::tools::test {

// Every problem found, each naming its JSON path; empty when the Bundle passes.
std::vector<std::string> ValidateMeasureReportBundle(const nlohmann::json& bundle);

// The problems of one MeasureReport, paths prefixed with `path`.
std::vector<std::string> ValidateMeasureReport(const nlohmann::json& report,
                                               const std::string& path = "MeasureReport");

// True for a FHIR date YYYY-MM-DD that exists in the calendar.
bool IsFhirDate(const std::string& text);

}  // namespace lls::tools::test
