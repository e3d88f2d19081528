#include "tools/export_formats.h"

#include <nlohmann/json.hpp>

#include "exchange/catalogue.h"
#include "exchange/clock.h"

namespace lls::tools {

namespace {

// Keys in the documented order (docs/exports.md), not alphabetical.
using json = nlohmann::ordered_json;

std::string OptionalInt(const std::optional<int64_t>& value) {
  return value ? std::to_string(*value) : "";
}

// Spreadsheet formula injection (OWASP, "CSV Injection"): Excel, LibreOffice and Google Sheets
// run a cell that starts with = + - or @ as a formula (a tab or CR before one is stripped by
// some of them first), so a trust named "=HYPERLINK(...)" could act when an analyst opens the
// export. A text field that starts so gets a leading ' (OWASP's advice): the spreadsheet reads
// it as text. Numbers (counts, rates) are ours and never pass through here.
std::string TextField(const std::string& value) {
  constexpr std::string_view kFormulaStart = "=+-@\t\r";
  if (value.empty() || kFormulaStart.find(value.front()) == std::string_view::npos) return value;
  return "'" + value;
}

void AppendCsvRow(std::string& out, const Cell& cell, const Figure& f,
                  const MeasureDefinition* definition) {
  MeasureUnit unit = UnitOf(definition);
  const std::string fields[] = {
      TextField(f.scope_type),
      TextField(f.scope),
      TextField(f.organisation),
      TextField(cell.measure),
      TextField(definition != nullptr ? definition->name : ""),
      TextField(unit.unit),
      TextField(cell.period),
      f.suppressed ? "" : std::to_string(f.numerator),
      f.suppressed ? "" : std::to_string(f.denominator),
      FormatRate(RateOf(f, unit)),
      OptionalInt(f.trusts),
      OptionalInt(f.llss),
      OptionalInt(f.suppressed_cells),
      f.suppressed ? "true" : "false",
  };
  bool first = true;
  for (const std::string& field : fields) {
    if (!first) out += ',';
    first = false;
    out += CsvField(field);
  }
  out += "\r\n";
}

json FigureJson(const Figure& f, const MeasureUnit& unit) {
  json j = {{"scope_type", f.scope_type}, {"scope", f.scope}};
  if (!f.organisation.empty()) j["organisation"] = f.organisation;
  j["numerator"] = f.suppressed ? json(nullptr) : json(f.numerator);
  j["denominator"] = f.suppressed ? json(nullptr) : json(f.denominator);
  std::optional<double> rate = RateOf(f, unit);
  j["rate"] = rate ? json(*rate) : json(nullptr);
  j["suppressed"] = f.suppressed;
  if (f.trusts) j["trusts"] = *f.trusts;
  if (f.llss) j["llss"] = *f.llss;
  if (f.suppressed_cells) j["suppressed_cells"] = *f.suppressed_cells;
  return j;
}

}  // namespace

std::string CsvField(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

std::string RenderCsv(const ExportData& data) {
  std::string out(kExportCsvHeader);
  out += "\r\n";
  for (const Cell& cell : data.cells) {
    const MeasureDefinition* definition = FindMeasure(BuiltInCatalogue(), cell.measure);
    AppendCsvRow(out, cell, cell.figure, definition);
    for (const Figure& stratum : cell.strata) AppendCsvRow(out, cell, stratum, definition);
  }
  return out;
}

std::string RenderJson(const ExportData& data) {
  json measures = json::array();
  for (const Cell& cell : data.cells) {
    // Cells are ordered by measure, so a new code starts a new entry.
    if (measures.empty() || measures.back()["code"] != cell.measure) {
      const MeasureDefinition* definition = FindMeasure(BuiltInCatalogue(), cell.measure);
      measures.push_back({
          {"code", cell.measure},
          {"name", definition != nullptr ? definition->name : ""},
          {"unit", UnitOf(definition).unit},
          {"improvement",
           definition != nullptr ? ImprovementName(definition->improvement) : "neutral"},
          {"figures", json::array()},
      });
    }
    MeasureUnit unit = UnitOf(FindMeasure(BuiltInCatalogue(), cell.measure));
    json figure = {{"period", cell.period}};
    figure.update(FigureJson(cell.figure, unit));
    json strata = json::array();
    for (const Figure& stratum : cell.strata) strata.push_back(FigureJson(stratum, unit));
    figure["strata"] = std::move(strata);
    measures.back()["figures"].push_back(std::move(figure));
  }
  json doc = {
      {"hub", data.hub},
      {"generated_at", FormatTimeMs(data.generated_at_ms)},
      {"tier", TierName(data.tier)},
      {"stratify", StratifyName(data.stratify)},
      {"measures", std::move(measures)},
  };
  // replace: a name that is not valid UTF-8 must not throw out of the export.
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace lls::tools
