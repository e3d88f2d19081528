#include "exchange/catalogue.h"

#include <cstdio>
#include <cstdlib>
#include <set>

#include <nlohmann/json.hpp>

namespace lls {

namespace catalogue_data {
extern const char kBuiltInJson[];  // catalogue_data.cpp, generated from measures.json
}

namespace {

using nlohmann::json;

template <typename E>
std::optional<E> ParseEnum(const std::string& name, const char* (*namer)(E), int max) {
  for (int i = 0; i <= max; ++i) {
    if (name == namer(static_cast<E>(i))) return static_cast<E>(i);
  }
  return std::nullopt;
}

Result<MeasureDefinition> ParseEntry(const json& entry, const std::string& where) {
  static const std::set<std::string> kKeys = {"code", "name", "area", "numerator", "denominator",
                                              "unit", "improvement", "source"};
  auto fail = [&](const std::string& why) { return Status(Code::kInvalidArgument, where + ": " + why); };
  if (!entry.is_object()) return fail("expected an object");
  for (const auto& [key, value] : entry.items()) {
    if (!kKeys.contains(key)) return fail("unknown key '" + key + "'");
    if (!value.is_string() || value.get<std::string>().empty()) {
      return fail("'" + key + "' must be non-empty text");
    }
  }
  for (const std::string& key : kKeys) {
    if (!entry.contains(key)) return fail("missing '" + key + "'");
  }
  MeasureDefinition m;
  m.code = entry["code"];
  m.name = entry["name"];
  m.numerator_definition = entry["numerator"];
  m.denominator_definition = entry["denominator"];
  m.unit = entry["unit"];
  m.source = entry["source"];
  auto area = ParseEnum<ClinicalArea>(entry["area"], AreaName, 6);
  if (!area || *area == ClinicalArea::kUnspecified) return fail("unknown area");
  m.area = *area;
  auto improvement = ParseEnum<Improvement>(entry["improvement"], ImprovementName, 2);
  if (!improvement) return fail("improvement must be increase, decrease or neutral");
  m.improvement = *improvement;
  return m;
}

}  // namespace

Result<MeasureCatalogue> ParseCatalogue(std::string_view json_text, const std::string& origin) {
  json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status(Code::kInvalidArgument, origin + ": not a JSON object");
  }
  if (!doc.contains("version") || !doc["version"].is_number_unsigned() ||
      !doc.contains("measures") || !doc["measures"].is_array()) {
    return Status(Code::kInvalidArgument, origin + ": needs \"version\" and \"measures\"");
  }
  MeasureCatalogue catalogue;
  catalogue.version = doc["version"].get<uint32_t>();
  std::set<std::string> codes;
  for (size_t i = 0; i < doc["measures"].size(); ++i) {
    std::string where = origin + ": measures[" + std::to_string(i) + "]";
    LLS_ASSIGN_OR_RETURN(MeasureDefinition m, ParseEntry(doc["measures"][i], where));
    if (!codes.insert(m.code).second) {
      return Status(Code::kInvalidArgument, where + ": duplicate code '" + m.code + "'");
    }
    catalogue.measures.push_back(std::move(m));
  }
  return catalogue;
}

const MeasureCatalogue& BuiltInCatalogue() {
  static const MeasureCatalogue kCatalogue = [] {
    auto parsed = ParseCatalogue(catalogue_data::kBuiltInJson, "exchange/measures.json");
    if (!parsed.ok()) {
      // The file is compiled in and tested; failing here is a build defect, not user input.
      std::fprintf(stderr, "built-in measure catalogue is invalid: %s\n",
                   parsed.status().message().c_str());
      std::abort();
    }
    return std::move(parsed).value();
  }();
  return kCatalogue;
}

const MeasureDefinition* FindMeasure(const MeasureCatalogue& catalogue, std::string_view code) {
  for (const MeasureDefinition& m : catalogue.measures) {
    if (m.code == code) return &m;
  }
  return nullptr;
}

std::string KnownCodes(const MeasureCatalogue& catalogue) {
  std::string out;
  for (const MeasureDefinition& m : catalogue.measures) {
    if (!out.empty()) out += ", ";
    out += m.code;
  }
  return out;
}

}  // namespace lls
