#include "tests/tools/fhir_validator.h"

#include <cmath>
#include <regex>

namespace lls::tools::test {

namespace {

using nlohmann::json;

constexpr const char* kPopulationSystem =
    "http://terminology.hl7.org/CodeSystem/measure-population";
constexpr const char* kImprovementSystem =
    "http://terminology.hl7.org/CodeSystem/measure-improvement-notation";
constexpr const char* kUcum = "http://unitsofmeasure.org";
constexpr const char* kDataAbsentReason =
    "http://hl7.org/fhir/StructureDefinition/data-absent-reason";

struct Checker {
  std::vector<std::string> problems;
  void Fail(const std::string& path, const std::string& what) {
    problems.push_back(path + ": " + what);
  }
  // A required element (1..1) of the given JSON type.
  bool Require(const json& parent, const std::string& path, const char* name, json::value_t type) {
    if (!parent.contains(name)) {
      Fail(path, std::string("missing required ") + name);
      return false;
    }
    if (parent[name].type() != type) {
      Fail(path + "." + name, "wrong JSON type");
      return false;
    }
    return true;
  }
};

// FHIR JSON: no empty arrays or objects, no nulls, anywhere (json.html "JSON representation").
void NoEmpty(Checker& c, const json& j, const std::string& path) {
  if (j.is_null()) c.Fail(path, "null value");
  if ((j.is_array() || j.is_object()) && j.empty()) c.Fail(path, "empty array or object");
  if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) NoEmpty(c, j[i], path + "[" + std::to_string(i) + "]");
  } else if (j.is_object()) {
    for (const auto& [key, value] : j.items()) NoEmpty(c, value, path + "." + key);
  }
}

bool IsMasked(const json& element) {
  if (!element.is_object() || !element.contains("extension")) return false;
  for (const json& e : element["extension"]) {
    if (e.value("url", "") == kDataAbsentReason && e.value("valueCode", "") == "masked") {
      return true;
    }
  }
  return false;
}

// A population's count: an integer, or absent with data-absent-reason "masked" on _count.
// Returns the count, or -1 when masked (or wrong; reported).
int64_t Count(Checker& c, const json& population, const std::string& path) {
  if (population.contains("count")) {
    if (!population["count"].is_number_integer()) {
      c.Fail(path + ".count", "not an integer");
      return -1;
    }
    int64_t count = population["count"].get<int64_t>();
    if (count < 0 || count > 2147483647) c.Fail(path + ".count", "outside FHIR integer range");
    if (population.contains("_count")) c.Fail(path, "count and _count together");
    return count;
  }
  if (!IsMasked(population.value("_count", json::object()))) {
    c.Fail(path, "no count and no data-absent-reason masked on _count");
  }
  return -1;
}

// group.population or stratum.population: exactly numerator and denominator, coded from the
// measure-population system. Fills the counts (-1 when masked).
void Populations(Checker& c, const json& holder, const std::string& path, int64_t& numerator,
                 int64_t& denominator) {
  numerator = denominator = -2;
  if (!c.Require(holder, path, "population", json::value_t::array)) return;
  for (size_t i = 0; i < holder["population"].size(); ++i) {
    const json& p = holder["population"][i];
    std::string at = path + ".population[" + std::to_string(i) + "]";
    const json coding = p.value("code", json::object()).value("coding", json::array());
    if (coding.size() != 1 || coding[0].value("system", "") != kPopulationSystem) {
      c.Fail(at, "code is not one coding from measure-population");
      continue;
    }
    std::string code = coding[0].value("code", "");
    if (code == "numerator") {
      numerator = Count(c, p, at);
    } else if (code == "denominator") {
      denominator = Count(c, p, at);
    } else {
      c.Fail(at, "unexpected population code " + code);
    }
  }
  if (numerator == -2 || denominator == -2) c.Fail(path, "needs numerator and denominator");
  if ((numerator == -1) != (denominator == -1)) c.Fail(path, "only one count masked");
}

// measureScore: a UCUM Quantity equal to numerator/denominator in its unit; masked when the
// counts are; absent only when the denominator is 0.
void Score(Checker& c, const json& holder, const std::string& path, int64_t numerator,
           int64_t denominator) {
  bool masked = numerator == -1;
  if (!holder.contains("measureScore")) {
    if (masked) c.Fail(path, "masked counts without a masked measureScore");
    if (!masked && denominator > 0) c.Fail(path, "measureScore missing");
    return;
  }
  const json& score = holder["measureScore"];
  std::string at = path + ".measureScore";
  if (masked) {
    if (!IsMasked(score) || score.contains("value")) c.Fail(at, "should be masked, with no value");
    return;
  }
  if (denominator <= 0) {
    c.Fail(at, "a score with denominator 0");
    return;
  }
  if (!score.contains("value") || !score["value"].is_number()) {
    c.Fail(at, "no numeric value");
    return;
  }
  if (score.value("system", "") != kUcum) c.Fail(at, "system is not UCUM");
  std::string code = score.value("code", "");
  double scale = code == "%" ? 100 : code == "/10*3" ? 1000 : code == "1" ? 1 : 0;
  if (scale == 0) {
    c.Fail(at, "unexpected UCUM code " + code);
    return;
  }
  double expected = static_cast<double>(numerator) / static_cast<double>(denominator) * scale;
  if (std::fabs(score["value"].get<double>() - expected) > 0.00006) {
    c.Fail(at, "value " + score["value"].dump() + " is not numerator/denominator (" +
                   std::to_string(expected) + ")");
  }
}

void Group(Checker& c, const json& group, const std::string& path) {
  if (!group.contains("code")) c.Fail(path, "no code (the measure)");
  int64_t numerator = 0, denominator = 0;
  Populations(c, group, path, numerator, denominator);
  Score(c, group, path, numerator, denominator);
  if (!group.contains("stratifier")) return;
  if (!group["stratifier"].is_array()) return c.Fail(path + ".stratifier", "not an array");
  for (size_t s = 0; s < group["stratifier"].size(); ++s) {
    const json& stratifier = group["stratifier"][s];
    std::string at = path + ".stratifier[" + std::to_string(s) + "]";
    if (!stratifier.contains("code") || !stratifier["code"].is_array()) {
      c.Fail(at, "code is not an array of CodeableConcept");
    }
    for (size_t i = 0; i < stratifier.value("stratum", json::array()).size(); ++i) {
      const json& stratum = stratifier["stratum"][i];
      std::string st = at + ".stratum[" + std::to_string(i) + "]";
      // mrp-2: a stratum has a value or components, not both.
      if (stratum.contains("value") == stratum.contains("component")) {
        c.Fail(st, "needs exactly one of value and component");
      }
      if (stratum.contains("value") && !stratum["value"].is_object()) {
        c.Fail(st + ".value", "not a CodeableConcept");
      }
      int64_t n = 0, d = 0;
      Populations(c, stratum, st, n, d);
      Score(c, stratum, st, n, d);
    }
  }
}

}  // namespace

bool IsFhirDate(const std::string& text) {
  static const std::regex kDate(R"(^(\d{4})-(\d{2})-(\d{2})$)");
  std::smatch m;
  if (!std::regex_match(text, m, kDate)) return false;
  int year = std::stoi(m[1]), month = std::stoi(m[2]), day = std::stoi(m[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

std::vector<std::string> ValidateMeasureReport(const json& report, const std::string& path) {
  Checker c;
  if (report.value("resourceType", "") != "MeasureReport") c.Fail(path, "resourceType");
  static const std::regex kId(R"(^[A-Za-z0-9\-\.]{1,64}$)");
  if (report.contains("id") &&
      !(report["id"].is_string() && std::regex_match(report["id"].get<std::string>(), kId))) {
    c.Fail(path + ".id", "not a FHIR id");
  }
  if (c.Require(report, path, "status", json::value_t::string)) {
    std::string status = report["status"];
    if (status != "complete" && status != "pending" && status != "error") {
      c.Fail(path + ".status", "not in the MeasureReportStatus value set");
    }
  }
  if (c.Require(report, path, "type", json::value_t::string)) {
    std::string type = report["type"];
    if (type != "individual" && type != "subject-list" && type != "summary" &&
        type != "data-collection") {
      c.Fail(path + ".type", "not in the MeasureReportType value set");
    }
    // mrp-1: data-collection reports carry no group.
    if (type == "data-collection" && report.contains("group")) c.Fail(path, "mrp-1");
  }
  if (c.Require(report, path, "measure", json::value_t::string)) {
    static const std::regex kCanonical(R"(^https?://[^\s?#]+/Measure/[A-Za-z0-9_\-\.]+$)");
    std::string measure = report["measure"];
    if (!std::regex_match(measure, kCanonical)) {
      c.Fail(path + ".measure", "not a canonical URL ending /Measure/CODE: " + measure);
    }
  }
  if (c.Require(report, path, "period", json::value_t::object)) {
    const json& period = report["period"];
    std::string start = period.value("start", ""), end = period.value("end", "");
    if (!IsFhirDate(start)) c.Fail(path + ".period.start", "not a date: " + start);
    if (!IsFhirDate(end)) c.Fail(path + ".period.end", "not a date: " + end);
    if (start > end) c.Fail(path + ".period", "start after end");
  }
  if (report.contains("improvementNotation")) {
    const json coding = report["improvementNotation"].value("coding", json::array());
    if (coding.size() != 1 || coding[0].value("system", "") != kImprovementSystem ||
        (coding[0].value("code", "") != "increase" && coding[0].value("code", "") != "decrease")) {
      c.Fail(path + ".improvementNotation",
             "not increase/decrease from measure-improvement-notation");
    }
  }
  if (report.contains("group")) {
    if (!report["group"].is_array()) {
      c.Fail(path + ".group", "not an array");
    } else {
      for (size_t g = 0; g < report["group"].size(); ++g) {
        Group(c, report["group"][g], path + ".group[" + std::to_string(g) + "]");
      }
    }
  }
  NoEmpty(c, report, path);
  return c.problems;
}

std::vector<std::string> ValidateMeasureReportBundle(const json& bundle) {
  Checker c;
  if (bundle.value("resourceType", "") != "Bundle") c.Fail("Bundle", "resourceType");
  if (bundle.value("type", "") != "collection") c.Fail("Bundle.type", "not collection");
  if (!bundle.contains("entry")) return c.problems;
  if (!bundle["entry"].is_array()) {
    c.Fail("Bundle.entry", "not an array");
    return c.problems;
  }
  for (size_t i = 0; i < bundle["entry"].size(); ++i) {
    std::string path = "Bundle.entry[" + std::to_string(i) + "]";
    const json& entry = bundle["entry"][i];
    if (!entry.contains("resource")) {
      c.Fail(path, "no resource");
      continue;
    }
    for (std::string& p : ValidateMeasureReport(entry["resource"], path + ".resource")) {
      c.problems.push_back(std::move(p));
    }
  }
  NoEmpty(c, bundle, "Bundle");
  return c.problems;
}

}  // namespace lls::tools::test
