#include "node/summary_import.h"

#include <algorithm>
#include <cctype>
#include <array>
#include <map>
#include <regex>

#include <nlohmann/json.hpp>

namespace lls::node {

namespace {

using nlohmann::json;

// Keys that only per-patient data would have, normalised (lower case, letters and digits
// only, so "NHS Number", "nhs_number" and "nhsNumber" all match). Their presence means the
// file is row-level.
constexpr std::array<std::string_view, 17> kRowLevelKeys = {
    "nhsnumber",   "nhsno",     "chinumber", "chi",      "dateofbirth", "dob",
    "patientid",   "patient",   "patientname", "mrn",    "hospitalnumber", "hospitalno",
    "postcode",    "surname",   "forename",  "firstname", "lastname"};

std::string NormaliseKey(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return out;
}

Status Fail(const std::string& origin, const std::string& where, const std::string& why) {
  return Status(Code::kInvalidArgument, origin + ": " + where + ": " + why);
}

// Finds a row-level key anywhere in the document; returns its JSON pointer.
std::optional<std::string> FindRowLevel(const json& node, const std::string& path) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      std::string normal = NormaliseKey(key);
      if (std::find(kRowLevelKeys.begin(), kRowLevelKeys.end(), normal) != kRowLevelKeys.end()) {
        return path + "/" + key;
      }
      if (auto found = FindRowLevel(value, path + "/" + key)) return found;
    }
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) {
      if (auto found = FindRowLevel(node[i], path + "/" + std::to_string(i))) return found;
    }
  }
  return std::nullopt;
}

template <typename E>
std::optional<E> ParseName(const std::string& name, const char* (*namer)(E), int max) {
  for (int i = 0; i <= max; ++i) {
    if (name == namer(static_cast<E>(i))) return static_cast<E>(i);
  }
  return std::nullopt;
}

bool IsMonth(const std::string& text) {
  static const std::regex kMonth(R"(^(19|20)\d\d-(0[1-9]|1[0-2])$)");
  return std::regex_match(text, kMonth);
}

Result<uint32_t> Count(const json& row, const char* key, const std::string& origin,
                       const std::string& where) {
  if (!row.contains(key) || !row[key].is_number_integer()) {
    return Fail(origin, where, std::string("'") + key + "' must be a whole number");
  }
  int64_t value = row[key].get<int64_t>();
  if (value < 0 || value > 100000000) {
    return Fail(origin, where, std::string("'") + key + "' out of range");
  }
  return static_cast<uint32_t>(value);
}

Result<ProjectSummary> ReadProject(const json& project, const std::string& origin,
                                   const Pseudonymiser& pseudonymise) {
  ProjectSummary s;
  auto text = [&](const char* key, bool required) -> Result<std::string> {
    if (!project.contains(key)) {
      if (required) return Fail(origin, std::string("/project/") + key, "required");
      return std::string();
    }
    if (!project[key].is_string()) return Fail(origin, std::string("/project/") + key, "must be text");
    return project[key].get<std::string>();
  };
  LLS_ASSIGN_OR_RETURN(std::string local_id, text("id", true));
  s.project_id = pseudonymise(local_id);
  LLS_ASSIGN_OR_RETURN(s.title, text("title", true));
  LLS_ASSIGN_OR_RETURN(s.aim, text("aim", false));
  LLS_ASSIGN_OR_RETURN(std::string area, text("area", true));
  auto parsed_area = ParseName<ClinicalArea>(area, AreaName, 6);
  if (!parsed_area) return Fail(origin, "/project/area", "unknown clinical area '" + area + "'");
  s.area = *parsed_area;
  LLS_ASSIGN_OR_RETURN(std::string stage, text("stage", false));
  if (!stage.empty()) {
    auto parsed_stage = ParseName<ProjectStage>(stage, StageName, 6);
    if (!parsed_stage) return Fail(origin, "/project/stage", "unknown stage '" + stage + "'");
    s.stage = *parsed_stage;
  }
  LLS_ASSIGN_OR_RETURN(s.start_month, text("start_month", false));
  if (!s.start_month.empty() && !IsMonth(s.start_month)) {
    return Fail(origin, "/project/start_month", "must be YYYY-MM");
  }
  if (project.contains("pdsa_cycles")) {
    LLS_ASSIGN_OR_RETURN(s.pdsa_cycles, Count(project, "pdsa_cycles", origin, "/project"));
  }
  if (project.contains("change_ideas")) {
    const json& ideas = project["change_ideas"];
    if (!ideas.is_array()) return Fail(origin, "/project/change_ideas", "must be a list of text");
    for (const json& idea : ideas) {
      if (!idea.is_string()) return Fail(origin, "/project/change_ideas", "must be a list of text");
      s.change_ideas.push_back(idea.get<std::string>());
    }
  }
  return s;
}

}  // namespace

Result<ProjectSummary> ImportSummaryJson(std::string_view text, const std::string& origin,
                                         const std::string& organisation,
                                         const SuppressionRule& rule,
                                         const Pseudonymiser& pseudonymise) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Fail(origin, "/", "not valid JSON");
  if (!doc.is_object()) return Fail(origin, "/", "expected an object with project and measures");
  if (auto where = FindRowLevel(doc, "")) {
    return Fail(origin, *where,
                "looks like patient-level data; only monthly aggregate counts may be imported");
  }
  if (!doc.contains("project") || !doc["project"].is_object()) {
    return Fail(origin, "/project", "required object");
  }
  LLS_ASSIGN_OR_RETURN(ProjectSummary summary, ReadProject(doc["project"], origin, pseudonymise));
  summary.organisation = organisation;

  if (!doc.contains("measures") || !doc["measures"].is_array()) {
    return Fail(origin, "/measures", "required list");
  }
  static const std::regex kCode(R"(^[A-Za-z0-9_.-]{1,32}$)");
  std::map<std::string, std::map<std::string, MeasurePoint>> series;  // code -> period -> point
  const json& rows = doc["measures"];
  for (size_t i = 0; i < rows.size(); ++i) {
    std::string where = "/measures/" + std::to_string(i);
    const json& row = rows[i];
    if (!row.is_object()) return Fail(origin, where, "expected an object");
    if (!row.contains("code") || !row["code"].is_string() ||
        !std::regex_match(row["code"].get<std::string>(), kCode)) {
      return Fail(origin, where, "'code' must be a measure code");
    }
    if (!row.contains("period") || !row["period"].is_string() ||
        !IsMonth(row["period"].get<std::string>())) {
      return Fail(origin, where, "'period' must be YYYY-MM");
    }
    LLS_ASSIGN_OR_RETURN(uint32_t numerator, Count(row, "numerator", origin, where));
    LLS_ASSIGN_OR_RETURN(uint32_t denominator, Count(row, "denominator", origin, where));
    if (numerator > denominator) {
      return Fail(origin, where, "numerator is larger than denominator");
    }
    std::string code = row["code"].get<std::string>();
    std::string period = row["period"].get<std::string>();
    auto& months = series[code];
    if (months.contains(period)) {
      return Fail(origin, where, "a second row for " + code + " " + period);
    }
    months.emplace(period, ControlPoint(period, numerator, denominator, rule));
  }
  for (auto& [code, months] : series) {
    MeasureSeries out;
    out.measure_code = code;
    for (auto& [period, point] : months) out.points.push_back(std::move(point));
    summary.measures.push_back(std::move(out));
  }
  return summary;
}

}  // namespace lls::node
