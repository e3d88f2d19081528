// `lls export` CSV and JSON renderings of the export model (tools/export_data.h). Both are
// documented column by column in docs/exports.md; they show exactly the model's figures, and a
// suppressed figure's counts and rate are left empty (CSV) or null (JSON), never 0.
// Pure functions of their input; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "tools/export_data.h"

namespace lls::tools {

// The CSV header, in column order.
inline constexpr std::string_view kExportCsvHeader =
    "scope_type,scope,organisation,measure,measure_name,unit,period,numerator,denominator,rate,"
    "trusts,llss,suppressed_cells,suppressed";

// RFC 4180: a header line, then one line per figure (each cell's own figure followed by its
// strata); lines end with CRLF; a field holding a comma, quote, CR or LF is quoted with its
// quotes doubled.
std::string RenderCsv(const ExportData& data);

// {"hub", "generated_at", "tier", "stratify", "measures": [{"code", "name", "unit",
// "improvement", "figures": [{..., "strata": [...]}]}]}, pretty-printed, newline-terminated.
std::string RenderJson(const ExportData& data);

// One CSV field, quoted when it needs to be (exposed for tests).
std::string CsvField(std::string_view value);

}  // namespace lls::tools
