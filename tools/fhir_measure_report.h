// `lls export --format fhir`: the export model (tools/export_data.h) as an HL7 FHIR R4 Bundle
// (type "collection") of MeasureReport resources (type "summary"), one per cell of the hub's
// own scope, its strata as group[0].stratifier[0].stratum. The element-by-element mapping, the
// extensions and the suppression rule are in docs/exports.md "FHIR".
//
// A suppressed figure keeps its population codes but carries no count: each count is replaced
// by the data-absent-reason extension "masked" (FHIR R4 allows count 0..1), and its
// measureScore holds only that extension. No zero ever stands in for a suppressed count.
// Pure functions of their input; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "schema/status.h"
#include "tools/export_data.h"

namespace lls::tools {

// A reserved (RFC 2606) domain on purpose: operators publish under their own base with
// --canonical-base; the default only keeps the canonicals well-formed until they do.
inline constexpr std::string_view kDefaultCanonicalBase = "https://lls-exchange.example/fhir";

inline constexpr std::string_view kMeasurePopulationSystem =
    "http://terminology.hl7.org/CodeSystem/measure-population";
inline constexpr std::string_view kImprovementNotationSystem =
    "http://terminology.hl7.org/CodeSystem/measure-improvement-notation";
inline constexpr std::string_view kUcumSystem = "http://unitsofmeasure.org";
inline constexpr std::string_view kOdsSystem = "https://fhir.nhs.uk/Id/ods-organization-code";
inline constexpr std::string_view kDataAbsentReasonUrl =
    "http://hl7.org/fhir/StructureDefinition/data-absent-reason";

// The canonical base to use: `base` (or the default when empty) without trailing slashes;
// kInvalidArgument unless it is an http(s) URL without spaces, query or fragment.
Result<std::string> CanonicalBase(std::string_view base);

// "2026-02" -> {"2026-02-01", "2026-02-28"} (leap years included). `period` must be IsMonth.
std::pair<std::string, std::string> MonthBounds(const std::string& period);

// A FHIR id ([A-Za-z0-9-.]{1,64}) for a cell: "<scope>-<measure>-<period>" lowercased, other
// characters as '-', shortened with a hash suffix when longer than 64.
std::string ReportId(const Cell& cell);

// The Bundle, its members in FHIR's element order. kInternal when a count does not fit FHIR's
// 32-bit integer (exit 1).
Result<nlohmann::ordered_json> FhirBundle(const ExportData& data,
                                          const std::string& canonical_base);

}  // namespace lls::tools
