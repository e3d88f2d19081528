#include "tools/fhir_measure_report.h"

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <tuple>

#include "exchange/catalogue.h"
#include "exchange/clock.h"

namespace lls::tools {

namespace {

using json = nlohmann::ordered_json;  // FHIR's element order, resourceType first

json Coding(std::string_view system, std::string_view code, std::string_view display) {
  json coding = {{"system", system}, {"code", code}};
  if (!display.empty()) coding["display"] = display;
  return coding;
}

json CodeableConcept(json coding) {
  json concept_json = json::object();
  concept_json["coding"] = json::array({std::move(coding)});
  return concept_json;
}

json MaskedExtension() {
  return json::array({{{"url", kDataAbsentReasonUrl}, {"valueCode", "masked"}}});
}

json IntExtension(const std::string& base, const char* name, int64_t value) {
  return {{"url", base + "/StructureDefinition/" + name}, {"valueInteger", value}};
}

bool FitsFhirInteger(int64_t value) {
  return value >= std::numeric_limits<int32_t>::min() &&
         value <= std::numeric_limits<int32_t>::max();
}

// numerator and denominator populations; a suppressed figure's counts are masked, not zero.
Result<json> Populations(const Figure& f) {
  json populations = json::array();
  for (auto [code, display, count] : {std::tuple{"numerator", "Numerator", f.numerator},
                                      std::tuple{"denominator", "Denominator", f.denominator}}) {
    json population = {{"code", CodeableConcept(Coding(kMeasurePopulationSystem, code, display))}};
    if (f.suppressed) {
      population["_count"] = {{"extension", MaskedExtension()}};
    } else {
      if (!FitsFhirInteger(count)) {
        return Status(Code::kInternal, std::string("the ") + code + " of " + f.scope + " (" +
                                           std::to_string(count) + ") does not fit a FHIR integer");
      }
      population["count"] = count;
    }
    populations.push_back(std::move(population));
  }
  return populations;
}

// Absent (nullopt) when the score is undefined: an unsuppressed figure with denominator 0.
std::optional<json> MeasureScore(const Figure& f, const MeasureUnit& unit) {
  if (f.suppressed) return json{{"extension", MaskedExtension()}};
  std::optional<double> rate = RateOf(f, unit);
  if (!rate) return std::nullopt;
  return json{{"value", *rate},
              {"unit", unit.ucum_unit},
              {"system", kUcumSystem},
              {"code", unit.ucum_code}};
}

// The aggregate-only counts, as extensions (empty for a trust's figure).
json FigureExtensions(const std::string& base, const Figure& f) {
  json extensions = json::array();
  if (f.trusts) extensions.push_back(IntExtension(base, "contributing-trusts", *f.trusts));
  if (f.llss && f.scope_type == "national") {
    extensions.push_back(IntExtension(base, "contributing-llss", *f.llss));
  }
  if (f.suppressed_cells) {
    extensions.push_back(IntExtension(base, "suppressed-cells", *f.suppressed_cells));
  }
  return extensions;
}

Result<json> Stratum(const std::string& base, const Figure& f, const MeasureUnit& unit) {
  json value = json::object();
  if (f.scope_type == "trust" && !f.organisation.empty()) {
    value["coding"] = json::array({Coding(kOdsSystem, f.organisation, f.scope)});
  }
  value["text"] = f.scope;
  json stratum = json::object();
  json extensions = FigureExtensions(base, f);
  if (!extensions.empty()) stratum["extension"] = std::move(extensions);
  stratum["value"] = std::move(value);
  LLS_ASSIGN_OR_RETURN(stratum["population"], Populations(f));
  if (std::optional<json> score = MeasureScore(f, unit)) stratum["measureScore"] = *score;
  return stratum;
}

Result<json> Group(const std::string& base, const ExportData& data, const Cell& cell,
                   const MeasureDefinition* definition, const MeasureUnit& unit) {
  json code = CodeableConcept(Coding(base + "/CodeSystem/measure", cell.measure,
                                     definition != nullptr ? definition->name : ""));
  code["text"] = definition != nullptr ? definition->name : cell.measure;
  json group = json::object();
  json extensions = FigureExtensions(base, cell.figure);
  if (!extensions.empty()) group["extension"] = std::move(extensions);
  group["code"] = std::move(code);
  LLS_ASSIGN_OR_RETURN(group["population"], Populations(cell.figure));
  if (std::optional<json> score = MeasureScore(cell.figure, unit)) group["measureScore"] = *score;
  if (data.stratify != Stratify::kNone) {
    json stratifier = {{"code", json::array({{{"text", StratifyName(data.stratify)}}})}};
    json strata = json::array();
    for (const Figure& f : cell.strata) {
      LLS_ASSIGN_OR_RETURN(json stratum, Stratum(base, f, unit));
      strata.push_back(std::move(stratum));
    }
    // FHIR JSON has no empty arrays.
    if (!strata.empty()) stratifier["stratum"] = std::move(strata);
    group["stratifier"] = json::array({std::move(stratifier)});
  }
  return group;
}

Result<json> Report(const std::string& base, const ExportData& data, const Cell& cell) {
  const MeasureDefinition* definition = FindMeasure(BuiltInCatalogue(), cell.measure);
  MeasureUnit unit = UnitOf(definition);
  if (!IsMonth(cell.period)) {  // the hub only stores YYYY-MM; never trust that blindly
    return Status(Code::kCorrupt, "stored period '" + cell.period + "' is not YYYY-MM");
  }
  auto [start, end] = MonthBounds(cell.period);
  json report = {
      {"resourceType", "MeasureReport"},
      {"id", ReportId(cell)},
      {"extension", json::array({{{"url", base + "/StructureDefinition/reporting-scope"},
                                  {"valueString", cell.figure.scope}}})},
      {"status", "complete"},
      {"type", "summary"},
      {"measure", base + "/Measure/" + cell.measure},
      {"date", FormatTimeMs(data.generated_at_ms)},
      {"reporter", {{"display", data.hub}}},
      {"period", {{"start", start}, {"end", end}}},
  };
  if (definition != nullptr && definition->improvement != Improvement::kNeutral) {
    bool increase = definition->improvement == Improvement::kIncrease;
    report["improvementNotation"] =
        CodeableConcept(Coding(kImprovementNotationSystem, increase ? "increase" : "decrease",
                               increase ? "Increased score indicates improvement"
                                        : "Decreased score indicates improvement"));
  }
  LLS_ASSIGN_OR_RETURN(json group, Group(base, data, cell, definition, unit));
  report["group"] = json::array({std::move(group)});
  return report;
}

}  // namespace

Result<std::string> CanonicalBase(std::string_view base) {
  std::string text(base.empty() ? kDefaultCanonicalBase : base);
  while (!text.empty() && text.back() == '/') text.pop_back();
  bool scheme = text.rfind("https://", 0) == 0 || text.rfind("http://", 0) == 0;
  size_t host = text.find("://") + 3;
  if (!scheme || text.size() <= host || text.find_first_of(" \t\r\n?#") != std::string::npos) {
    return Status(Code::kInvalidArgument,
                  "--canonical-base '" + std::string(base) +
                      "' is not an http(s) URL without spaces, query or fragment");
  }
  return text;
}

std::pair<std::string, std::string> MonthBounds(const std::string& period) {
  int year = std::stoi(period.substr(0, 4));
  int month = std::stoi(period.substr(5, 2));
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int last = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  return {period + "-01", period + "-" + std::to_string(last)};
}

std::string ReportId(const Cell& cell) {
  std::string full = cell.figure.scope + "-" + cell.measure + "-" + cell.period;
  std::string id;
  for (char c : full) {
    auto u = static_cast<unsigned char>(c);
    id += std::isalnum(u) != 0 || c == '.' ? static_cast<char>(std::tolower(u)) : '-';
  }
  if (id.size() <= 64) return id;
  uint32_t hash = 2166136261u;  // FNV-1a, so that shortened ids of different cells differ
  for (char c : full) hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
  char suffix[10];
  std::snprintf(suffix, sizeof suffix, "-%08x", hash);
  return id.substr(0, 64 - 9) + suffix;
}

Result<nlohmann::ordered_json> FhirBundle(const ExportData& data,
                                          const std::string& canonical_base) {
  json entries = json::array();
  for (const Cell& cell : data.cells) {
    LLS_ASSIGN_OR_RETURN(json report, Report(canonical_base, data, cell));
    entries.push_back({{"resource", std::move(report)}});
  }
  json bundle = {
      {"resourceType", "Bundle"},
      {"type", "collection"},
      {"timestamp", FormatTimeMs(data.generated_at_ms)},
  };
  if (!entries.empty()) bundle["entry"] = std::move(entries);
  return bundle;
}

}  // namespace lls::tools
