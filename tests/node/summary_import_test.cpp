// Summary import: a good file, every kind of bad file, row-level data refused with its place.
#include <catch2/catch.hpp>

#include <string>

#include "node/summary_import.h"

namespace lls::node {
namespace {

const SuppressionRule kRule{};

std::string FakePseudonym(std::string_view local_id) {
  return "pseudo(" + std::string(local_id) + ")";
}

Result<ProjectSummary> Import(const std::string& text, const SuppressionRule& rule = kRule) {
  return ImportSummaryJson(text, "summary.json", "RXX", rule, FakePseudonym);
}

// Replaces the first occurrence of `from`; fails the test if there is none.
std::string Replace(std::string text, std::string_view from, std::string_view to) {
  const size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  return text;
}

const std::string kGood = R"json({
  "project": {
    "id": "SF-01",
    "title": "CO screening at booking",
    "area": "smoke-free-pregnancy",
    "aim": "95% of women CO-screened at booking by March",
    "change_ideas": ["opt-out referral", "CO monitor in every room"],
    "pdsa_cycles": 4,
    "stage": "testing",
    "start_month": "2026-01"
  },
  "measures": [
    { "code": "SATOD", "period": "2026-02", "numerator": 57, "denominator": 140 },
    { "code": "SATOD", "period": "2026-01", "numerator": 3, "denominator": 132 },
    { "code": "CO-BOOK", "period": "2026-01", "numerator": 138, "denominator": 140 }
  ]
})json";

// Expects a refusal whose message names `where` (a JSON pointer) and, optionally, `why`.
void ExpectRefused(const std::string& text, const std::string& where, const std::string& why = "") {
  auto result = Import(text);
  REQUIRE_FALSE(result.ok());
  INFO(result.status().message());
  CHECK(result.status().code() == Code::kInvalidArgument);
  CHECK(result.status().message().rfind("summary.json: ", 0) == 0);
  CHECK(result.status().message().find(where) != std::string::npos);
  if (!why.empty()) CHECK(result.status().message().find(why) != std::string::npos);
}

TEST_CASE("a good file becomes a ProjectSummary with controlled counts", "[import]") {
  auto result = Import(kGood);
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  const ProjectSummary& s = *result;
  CHECK(s.project_id == "pseudo(SF-01)");  // the local id never leaves
  CHECK(s.organisation == "RXX");
  CHECK(s.title == "CO screening at booking");
  CHECK(s.area == ClinicalArea::kSmokeFreePregnancy);
  CHECK(s.aim == "95% of women CO-screened at booking by March");
  CHECK(s.change_ideas == std::vector<std::string>{"opt-out referral", "CO monitor in every room"});
  CHECK(s.pdsa_cycles == 4);
  CHECK(s.stage == ProjectStage::kTesting);
  CHECK(s.start_month == "2026-01");

  REQUIRE(s.measures.size() == 2);
  // Series by code; points by period, whatever the order in the file.
  const MeasureSeries* satod = nullptr;
  const MeasureSeries* co = nullptr;
  for (const MeasureSeries& m : s.measures) {
    if (m.measure_code == "SATOD") satod = &m;
    if (m.measure_code == "CO-BOOK") co = &m;
  }
  REQUIRE(satod != nullptr);
  REQUIRE(co != nullptr);
  REQUIRE(satod->points.size() == 2);
  CHECK(satod->points[0] == MeasurePoint{"2026-01", 0, 130, true, false});  // 3 suppressed
  CHECK(satod->points[1] == MeasurePoint{"2026-02", 55, 140, false, false});
  REQUIRE(co->points.size() == 1);
  CHECK(co->points[0] == MeasurePoint{"2026-01", 0, 140, true, false});  // complement 2
}

TEST_CASE("the pseudonymiser is applied to the project id, and only that", "[import]") {
  std::vector<std::string> asked;
  auto result = ImportSummaryJson(kGood, "summary.json", "RXX", kRule, [&](std::string_view id) {
    asked.emplace_back(id);
    return std::string("0123abcd");
  });
  REQUIRE(result.ok());
  CHECK(result->project_id == "0123abcd");
  CHECK(asked == std::vector<std::string>{"SF-01"});
}

TEST_CASE("the suppression rule passed in is the one applied", "[import]") {
  auto result = Import(kGood, SuppressionRule{2, 1});
  REQUIRE(result.ok());
  for (const MeasureSeries& m : result->measures) {
    if (m.measure_code != "SATOD") continue;
    REQUIRE(m.points.size() == 2);
    CHECK(m.points[0] == MeasurePoint{"2026-01", 3, 132, false, false});  // 3 > 2: shown
    CHECK(m.points[1] == MeasurePoint{"2026-02", 57, 140, false, false});
  }
}

TEST_CASE("optional project fields may be left out", "[import]") {
  auto result = Import(R"({"project": {"id": "X", "title": "T", "area": "deterioration"},
                           "measures": []})");
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  CHECK(result->aim.empty());
  CHECK(result->stage == ProjectStage::kUnspecified);
  CHECK(result->change_ideas.empty());
  CHECK(result->measures.empty());
}

TEST_CASE("invalid JSON is refused", "[import]") {
  ExpectRefused("{\"project\": {", "/", "not valid JSON");
  ExpectRefused("", "/", "not valid JSON");
  ExpectRefused("[1, 2]", "/");
}

TEST_CASE("a missing or mistyped title is refused", "[import]") {
  ExpectRefused(Replace(kGood, R"("title": "CO screening at booking",)", ""), "/project/title",
                "required");
  ExpectRefused(Replace(kGood, R"("CO screening at booking")", "42"), "/project/title", "text");
}

TEST_CASE("a missing project or measures list is refused", "[import]") {
  ExpectRefused(R"({"measures": []})", "/project");
  ExpectRefused(R"({"project": {"id": "X", "title": "T", "area": "deterioration"}})", "/measures");
  ExpectRefused(Replace(kGood, R"("id": "SF-01",)", ""), "/project/id", "required");
}

TEST_CASE("an unknown area or stage is refused", "[import]") {
  ExpectRefused(Replace(kGood, "smoke-free-pregnancy", "smoking"), "/project/area", "smoking");
  ExpectRefused(Replace(kGood, R"("testing")", R"("testin")"), "/project/stage");
}

TEST_CASE("a bad period is refused with its row", "[import]") {
  ExpectRefused(Replace(kGood, R"("period": "2026-02")", R"("period": "2026-13")"), "/measures/0",
                "YYYY-MM");
  ExpectRefused(Replace(kGood, R"("period": "2026-01", "numerator": 3)",
                        R"("period": "2026-1", "numerator": 3)"),
                "/measures/1", "YYYY-MM");
  ExpectRefused(Replace(kGood, R"("period": "2026-02")", R"("period": "2026-02-01")"),
                "/measures/0");
  ExpectRefused(Replace(kGood, R"("period": "2026-02")", R"("period": 202602)"), "/measures/0");
  ExpectRefused(Replace(kGood, R"("start_month": "2026-01")", R"("start_month": "Jan 2026")"),
                "/project/start_month");
}

TEST_CASE("numerator larger than denominator is refused", "[import]") {
  ExpectRefused(Replace(kGood, R"("numerator": 57)", R"("numerator": 141)"), "/measures/0",
                "larger than denominator");
}

TEST_CASE("counts must be whole, non-negative numbers", "[import]") {
  ExpectRefused(Replace(kGood, R"("numerator": 57)", R"("numerator": -1)"), "/measures/0",
                "numerator");
  ExpectRefused(Replace(kGood, R"("numerator": 57)", R"("numerator": 5.5)"), "/measures/0",
                "whole number");
  ExpectRefused(Replace(kGood, R"("numerator": 57)", R"("numerator": "57")"), "/measures/0",
                "whole number");
  ExpectRefused(Replace(kGood, R"("numerator": 57, )", ""), "/measures/0", "numerator");
  ExpectRefused(Replace(kGood, R"("denominator": 140 },)", R"("denominator": 1e12 },)"),
                "/measures/0", "denominator");
}

TEST_CASE("a second row for the same measure and month is refused", "[import]") {
  const std::string duplicated =
      Replace(kGood, R"({ "code": "CO-BOOK")",
              R"({ "code": "SATOD", "period": "2026-02", "numerator": 50, "denominator": 140 },
         { "code": "CO-BOOK")");
  ExpectRefused(duplicated, "/measures/2", "second row for SATOD 2026-02");
}

TEST_CASE("a bad measure code is refused", "[import]") {
  ExpectRefused(Replace(kGood, R"("code": "SATOD", "period": "2026-02")",
                        R"("code": "SAT OD", "period": "2026-02")"),
                "/measures/0", "code");
}

TEST_CASE("row-level keys anywhere refuse the whole file, naming the JSON path", "[import]") {
  SECTION("at the top level") {
    ExpectRefused(
        Replace(kGood, R"("measures": [)", R"("nhs_number": "9434765919", "measures": [)"),
        "/nhs_number", "patient-level");
  }
  SECTION("inside the project") {
    ExpectRefused(
        Replace(kGood, R"("stage": "testing",)", R"("stage": "testing", "dob": "1990-01-01",)"),
        "/project/dob", "patient-level");
  }
  SECTION("inside a measure row") {
    ExpectRefused(Replace(kGood, R"("numerator": 3,)", R"("numerator": 3, "NHS_Number": "x",)"),
                  "/measures/1/NHS_Number", "patient-level");
  }
  SECTION("nested deep in an array of objects") {
    ExpectRefused(
        Replace(kGood, R"("change_ideas": [)",
                R"("notes": [{"rows": [{"ok": 1}, {"patient_id": 7}]}], "change_ideas": [)"),
        "/project/notes/0/rows/1/patient_id", "patient-level");
  }
  SECTION("other row-level keys") {
    for (const char* key : {"date_of_birth", "postcode", "hospital_number", "mrn"}) {
      INFO(key);
      ExpectRefused(
          Replace(kGood, R"("measures": [)", std::string("\"") + key + R"(": "x", "measures": [)"),
          std::string("/") + key);
    }
  }
}

TEST_CASE("common spellings of row-level keys are refused too", "[import]") {
  // The check lower-cases a key and compares it with a fixed list (nhs_number, patient_id,
  // date_of_birth ...), so the camelCase and hyphenated forms that clinical system exports
  // commonly use pass straight through.
  for (const char* key : {"NHSNumber", "nhsNumber", "nhs-number", "NHS Number", "patientId",
                          "DateOfBirth", "date-of-birth", "PostCode"}) {
    auto result = Import(Replace(kGood, R"("numerator": 3,)",
                                 std::string(R"("numerator": 3, ")") + key + R"(": "x",)"));
    INFO(key << ": " << (result.ok() ? std::string("accepted") : result.status().message()));
    CHECK_FALSE(result.ok());
  }
}

TEST_CASE("a refusal is all or nothing even when the bad row comes last", "[import]") {
  // Two good rows then a bad one: no partial summary, just the error.
  auto result = Import(Replace(kGood, R"("numerator": 138)", R"("numerator": 141)"));
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().message().find("/measures/2") != std::string::npos);
}

}  // namespace
}  // namespace lls::node
