// The figures `lls export` writes (tools/export_cli.h), read once from a hub's database and
// shaped for every format: one Cell per (scope, measure, month) of the hub's own scope, each
// with its strata. The formats (tools/export_formats.h, tools/fhir_measure_report.h) only
// render this model; every rule about what is exported lives here (docs/exports.md).
//
// The rules:
//  - Tier: a hub whose database holds figures forwarded by member hubs
//    (ReadFederatedAggregates returns rows) is a national hub: its cells are the national
//    figures and its strata the member LLSs' figures. Any other hub is an LLS hub: its cells
//    are its aggregate table (one row per LLS, normally only its own) and its strata the
//    trusts' figures (ReadTrustFigures). Trusts enrolled directly at a national hub are not
//    exported there.
//  - Suppression: a trust figure whose numerator or denominator was suppressed at the trust,
//    and an aggregate figure with no unsuppressed contribution (trusts == 0), is `suppressed`:
//    its counts are not real numbers and no format may print them (no zeros in their place).
//  - Rate: numerator / denominator in the measure's unit (percent x100, per 1000 x1000,
//    anything else x1), rounded to 4 decimal places; none when suppressed or denominator 0.
//
// Values only; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "exchange/sqlite.h"
#include "schema/messages.h"
#include "schema/status.h"

namespace lls::tools {

enum class HubTier { kLls, kNational };
enum class Stratify { kNone, kTrust, kLls };

const char* TierName(HubTier tier);           // "lls" | "national"
const char* StratifyName(Stratify stratify);  // "none" | "trust" | "lls"

// One exported figure: a cell of the hub's own scope, or one of its strata.
struct Figure {
  std::string scope_type;    // "lls" | "national" | "trust"
  std::string scope;         // the LLS name, "national", or the trust's display name
  std::string organisation;  // a trust's ODS code; empty otherwise
  bool suppressed = false;   // counts are not to be shown (see the rules above)
  int64_t numerator = 0;     // meaningless when suppressed
  int64_t denominator = 0;
  // Aggregate figures only (nullopt for a trust's own figure).
  std::optional<int64_t> trusts, llss, suppressed_cells;
};

struct Cell {
  std::string measure;         // catalogue code
  std::string period;          // YYYY-MM
  Figure figure;               // the hub's own figure: an LLS's, or the national one
  std::vector<Figure> strata;  // trusts or LLSs, by scope name; empty for Stratify::kNone
};

struct ExportFilter {
  std::optional<std::string> measure;
  std::string from, to;  // YYYY-MM, inclusive; empty: unbounded
};

struct ExportData {
  std::string hub;  // hub.name
  HubTier tier = HubTier::kLls;
  Stratify stratify = Stratify::kNone;  // as resolved from "auto"
  int64_t generated_at_ms = 0;
  std::vector<Cell> cells;  // ordered by (measure, period, scope)
};

// Reads the figures from an open hub database inside one read transaction (a consistent
// snapshot while the hub keeps writing). `stratify` is "auto" | "trust" | "lls" | "none";
// one the tier cannot honour (trust at a national hub, lls at an LLS hub) is
// kInvalidArgument. Database errors keep their code.
Result<ExportData> ReadExportData(db::Database& db, const std::string& hub_name,
                                  const std::string& stratify, const ExportFilter& filter,
                                  int64_t now_ms);

// How a measure's rate is expressed. `definition` may be null (a code this build's catalogue
// does not know): the rate is then a plain proportion.
struct MeasureUnit {
  std::string unit;       // catalogue unit: "percent", "per 1000", or "" (proportion)
  double scale = 1;       // 100, 1000 or 1
  std::string ucum_code;  // "%", "/10*3" or "1"
  std::string ucum_unit;  // human-readable unit for a FHIR Quantity
};
MeasureUnit UnitOf(const MeasureDefinition* definition);

// numerator / denominator * scale, rounded to 4 decimal places; nullopt when the figure is
// suppressed or its denominator is 0.
std::optional<double> RateOf(const Figure& figure, const MeasureUnit& unit);

// The rate as text without trailing zeros ("12.5", "7.1429"); "" for nullopt.
std::string FormatRate(std::optional<double> rate);

// True for "YYYY-MM" with a month 01..12.
bool IsMonth(const std::string& text);

}  // namespace lls::tools
