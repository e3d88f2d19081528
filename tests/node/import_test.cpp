// Import: good files of every format become records; every kind of bad row is reported with
// its exact file:line and reason, all of them, and a file with any problem yields no records;
// anything that looks like patient-level data refuses the whole file.
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "exchange/catalogue.h"
#include "node/import.h"
#include "node/import_internal.h"
#include "tests/support/support.h"

namespace lls::node {
namespace {

namespace fs = std::filesystem;
using Lines = std::vector<std::string>;

MeasureCatalogue TestCatalogue() {
  MeasureCatalogue catalogue;
  catalogue.version = 1;
  for (const char* code : {"SATOD", "CO_BOOKING", "ANTENATAL_STEROIDS"}) {
    MeasureDefinition d;
    d.code = code;
    catalogue.measures.push_back(d);
  }
  return catalogue;
}

const MeasureCatalogue& Catalogue() {
  static const MeasureCatalogue catalogue = TestCatalogue();
  return catalogue;
}

const std::string& Known() {
  static const std::string known = KnownCodes(Catalogue());
  return known;
}

fs::path Data(const char* name) { return fs::path(LLS_NODE_TEST_DATA) / name; }

ImportResult File(const char* name) { return ImportFile(Data(name), Catalogue()); }

ImportResult Text(const std::string& text, ImportFormat format, const std::string& origin) {
  return ImportText(text, origin, format, Catalogue());
}
ImportResult Csv(const std::string& text) { return Text(text, ImportFormat::kCsv, "t.csv"); }
ImportResult Json(const std::string& text) { return Text(text, ImportFormat::kJson, "t.json"); }
ImportResult Md(const std::string& text) { return Text(text, ImportFormat::kMarkdown, "t.md"); }

// The problems as "name:line: reason", the data folder left out of the name. Fails the test
// when the import succeeded.
Lines ProblemLines(const ImportResult& result) {
  REQUIRE_FALSE(result.ok());
  CHECK_FALSE(result.error().empty());
  Lines out;
  for (ImportProblem p : result.error()) {
    p.file = fs::path(p.file).filename().string();
    out.push_back(p.ToString());
  }
  return out;
}

// The batch; fails the test (printing every problem) when the import did not succeed.
ImportBatch Batch(const ImportResult& result) {
  if (!result.ok()) {
    for (const ImportProblem& p : result.error()) UNSCOPED_INFO(p.ToString());
  }
  REQUIRE(result.ok());
  return result.value();
}

const char* kPatientLevel =
    "looks like patient-level data; only monthly aggregate counts may "
    "be imported";

std::string Areas() {
  return "smoke-free-pregnancy, very-preterm-infant, diabetes-in-pregnancy, "
         "neonatal-hypoglycaemia, deterioration, safety-culture";
}

// --- measure counts CSV ---

TEST_CASE("counts CSV: quoted fields, blank lines and a missing final line break", "[import]") {
  const ImportResult result = File("counts.csv");
  const ImportBatch batch = Batch(result);
  CHECK(batch.projects.empty());
  CHECK(batch.learning.empty());
  CHECK(batch.counts == std::vector<CountRecord>{
                            {"SF-01", "SATOD", "2026-01", 23, 212, 2},
                            {"SF-01", "SATOD", "2026-02", 19, 198, 3},
                            {"SF-01", "CO_BOOKING", "2026-01", 205, 212, 5},
                            {"VPI \"east\", ward 3", "ANTENATAL_STEROIDS", "2026-01", 14, 15, 6},
                            {"SF-01", "SATOD", "2026-03", 0, 0, 8},
                        });
}

TEST_CASE("counts CSV: a byte-order mark, CRLF and typed-in header names", "[import]") {
  const ImportBatch batch = Batch(File("counts_bom_crlf.csv"));
  CHECK(batch.counts == std::vector<CountRecord>{{"SF-01", "SATOD", "2026-01", 23, 212, 2},
                                                 {"SF-01", "SATOD", "2026-02", 19, 198, 3}});
}

TEST_CASE("counts CSV: columns may come in any order", "[import]") {
  const ImportBatch batch =
      Batch(Csv("Period,Numerator,Denominator,Measure,Project\n"
                "2026-04,3,40,CO_BOOKING,P-9\n"));
  CHECK(batch.counts == std::vector<CountRecord>{{"P-9", "CO_BOOKING", "2026-04", 3, 40, 2}});
}

TEST_CASE("counts CSV: every bad row is reported at its line, and nothing is imported",
          "[import]") {
  const std::string quote_reason =
      "a quote inside an unquoted field; put the whole field in quotes and double each quote "
      "inside it (\"\")";
  const std::string digits_only =
      "must be a whole number written with digits only (no decimals, signs or thousands "
      "separators)";
  CHECK(ProblemLines(File("counts_broken.csv")) ==
        Lines{
            "counts_broken.csv:3: unknown measure code 'SATOX'; known: " + Known(),
            "counts_broken.csv:4: period '2026-02-01' must be a month as YYYY-MM (years "
            "1900-2099), e.g. 2026-01, without a day",
            "counts_broken.csv:5: period 'Feb-26' must be a month as YYYY-MM (years 1900-2099), "
            "e.g. 2026-01; if Excel turned it into a date, format the column as Text before "
            "saving",
            "counts_broken.csv:6: numerator '12.5' " + digits_only,
            "counts_broken.csv:7: numerator '-3' is negative; counts are 0 or more",
            "counts_broken.csv:8: numerator 'n/a' is not a number",
            "counts_broken.csv:9: numerator is empty; write 0 when there were none",
            "counts_broken.csv:10: numerator 199 is larger than denominator 198",
            "counts_broken.csv:11: a second row for project 'SF-01', measure SATOD, period "
            "2026-01 (the first is on line 2); one row per project, measure and month",
            "counts_broken.csv:12: project is empty; it is required",
            "counts_broken.csv:13: the row has 4 fields; the header has 5",
            "counts_broken.csv:14:9: " + quote_reason,
            "counts_broken.csv:15: unknown measure code 'satod' (did you mean 'SATOD'? codes are "
            "case-sensitive); known: " +
                Known(),
            "counts_broken.csv:16: project looks like an NHS number (10 digits with a valid check "
            "digit); use the project's or note's own id, never a patient's",
            "counts_broken.csv:17: period '2027-13' must be a month as YYYY-MM (years 1900-2099), "
            "e.g. 2026-01",
            "counts_broken.csv:18: numerator 100000001 is larger than 100000000",
            "counts_broken.csv:18: denominator 100000002 is larger than 100000000",
            "counts_broken.csv:19:23: quoted field opened here is not closed before the end of "
            "the file",
        });
}

TEST_CASE("counts CSV: one bad row among good ones yields no batch", "[import]") {
  const ImportResult result = Csv(
      "project,measure,period,numerator,denominator\n"
      "A,SATOD,2026-01,1,10\nA,SATOD,2026-02,1,10\nA,SATOD,2026-03,11,10\nA,SATOD,2026-04,1,10\n");
  CHECK(ProblemLines(result) == Lines{"t.csv:4: numerator 11 is larger than denominator 10"});
}

TEST_CASE("counts CSV: extra and missing columns are refused, naming them", "[import]") {
  const std::string columns =
      "a measure counts file has the columns project, measure, period, numerator, denominator";
  CHECK(ProblemLines(Csv("project,measure,period,numerator,denominator,Notes,Ward\n"
                         "A,SATOD,2026-01,1,10,x,y\n")) ==
        Lines{"t.csv:1: unexpected columns 'Notes', 'Ward'; " + columns});
  CHECK(ProblemLines(Csv("project,measure,period,numerator\nA,SATOD,2026-01,1\n")) ==
        Lines{"t.csv:1: missing column 'denominator'; " + columns});
  CHECK(ProblemLines(Csv("project,measure,period,numerator,denominator,Title\n"
                         "A,SATOD,2026-01,1,10,x\n")) ==
        Lines{"t.csv:1: unexpected column 'Title'; " + columns});
}

TEST_CASE("counts CSV: a column that names patient data refuses the whole file", "[import]") {
  CHECK(ProblemLines(File("patient_level.csv")) ==
        Lines{"patient_level.csv:1: column 'NHS Number' " + std::string(kPatientLevel),
              "patient_level.csv:1: column 'Date of Birth' " + std::string(kPatientLevel)});
  // Also in a project file, and whatever the other problems.
  CHECK(ProblemLines(Csv("project,title,area,Postcode\nA,T,deterioration,AB1 2CD\n")) ==
        Lines{"t.csv:1: column 'Postcode' " + std::string(kPatientLevel)});
}

TEST_CASE("counts CSV: rows that look like one per patient are refused", "[import]") {
  std::string text = "project,measure,period,numerator,denominator\n";
  for (int i = 0; i < 12; ++i) {
    text += "case-" + std::to_string(i) + ",SATOD,2026-01," + std::to_string(i % 2) + ",1\n";
  }
  text += "A,SATOD,2026-02,1,1\n";  // another month with one row is fine
  CHECK(ProblemLines(Csv(text)) ==
        Lines{"t.csv:2: 12 rows for SATOD 2026-01 (lines 2 to 13) all have a denominator of 0 "
              "or 1: this looks like one row per patient; only monthly aggregate counts may be "
              "imported"});
  // Nine small rows, or ten with one real denominator, are aggregate counts of small units.
  std::string nine = "project,measure,period,numerator,denominator\n";
  for (int i = 0; i < 9; ++i) nine += "p" + std::to_string(i) + ",SATOD,2026-01,1,1\n";
  CHECK(Batch(Csv(nine)).counts.size() == 9);
  CHECK(Batch(Csv(nine + "p9,SATOD,2026-01,3,40\n")).counts.size() == 10);
}

TEST_CASE("counts CSV: thousands separators and signs are refused", "[import]") {
  const ImportResult result =
      Csv("project,measure,period,numerator,denominator\n"
          "A,SATOD,2026-01,\"1,200\",+1300\n");
  const Lines lines = ProblemLines(result);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].rfind("t.csv:2: numerator '1,200' must be a whole number", 0) == 0);
  CHECK(lines[1].rfind("t.csv:2: denominator '+1300' must be a whole number", 0) == 0);
}

TEST_CASE("CSV: an empty file, a header alone, a header of neither kind", "[import]") {
  CHECK(ProblemLines(Csv("")) == Lines{"t.csv: no header row: the file is empty"});
  CHECK(ProblemLines(Csv("project,measure,period,numerator,denominator\n")) ==
        Lines{"t.csv: nothing to import: the file holds no projects, counts or learning notes"});
  const std::string neither =
      "t.csv:1: the header is neither a measure counts file (project, measure, period, "
      "numerator, denominator) nor a project file (project, title, area, aim, change_ideas, "
      "pdsa_cycles, stage, start_month)";
  CHECK(ProblemLines(Csv("project,colour\nA,red\n")) == Lines{neither});
  CHECK(ProblemLines(Csv("project;measure;period;numerator;denominator\nA;SATOD;2026-01;1;2\n")) ==
        Lines{neither + "; its fields are separated by semicolons or tabs, but must be separated "
                        "by commas"});
}

TEST_CASE("CSV: problems beyond the limit are counted, not listed", "[import]") {
  std::string text = "project,measure,period,numerator,denominator\n";
  for (int i = 0; i < 1500; ++i) text += "A,SATOD,2026-01,x,1\n";
  const Lines lines = ProblemLines(Csv(text));
  REQUIRE(lines.size() == kMaxImportProblems + 1);
  CHECK(lines[0] == "t.csv:2: numerator 'x' is not a number");
  CHECK(lines.back() == "t.csv: 500 more problem(s) not listed (only 1000 are shown)");
}

// --- project CSV ---

TEST_CASE("project CSV: quoted titles, a two-line aim, change ideas, friendly names", "[import]") {
  const ImportBatch batch = Batch(File("projects.csv"));
  REQUIRE(batch.projects.size() == 2);
  const ProjectRecord& sf = batch.projects[0];
  CHECK(sf.local_id == "SF-01");
  CHECK(sf.title == "CO screening, booking and the \"opt-out\" referral");
  CHECK(sf.area == ClinicalArea::kSmokeFreePregnancy);
  CHECK(sf.aim == "Halve SATOD by 2027,\nfor every woman booked");
  CHECK(sf.change_ideas ==
        std::vector<std::string>{"CO monitor in every room", "opt-out referral", "text reminders"});
  CHECK(sf.pdsa_cycles == 4);
  CHECK(sf.stage == ProjectStage::kTesting);
  CHECK(sf.start_month == "2026-01");
  CHECK(sf.line == 2);
  const ProjectRecord& vpi = batch.projects[1];
  CHECK(vpi == ProjectRecord{"VPI-02",
                             "Optimal cord management",
                             ClinicalArea::kVeryPretermInfant,
                             "",
                             {},
                             0,
                             ProjectStage::kUnspecified,
                             "",
                             4});
}

TEST_CASE("project CSV: only project, title and area are needed", "[import]") {
  const ImportBatch& batch =
      Batch(Csv("Project,Title,Area\nD-1,Escalation huddles,Deterioration\n"
                "N-1,Skin-to-skin,neonatal_hypoglycemia\n"));
  REQUIRE(batch.projects.size() == 2);
  CHECK(batch.projects[0].area == ClinicalArea::kDeterioration);
  CHECK(batch.projects[1].area == ClinicalArea::kNeonatalHypoglycaemia);  // US spelling
  CHECK(ProblemLines(Csv("project,title,stage\nA,T,testing\n")) ==
        Lines{"t.csv:1: missing column 'area'; a project file has the columns project, title, "
              "area, aim, change_ideas, pdsa_cycles, stage, start_month (required: project, "
              "title, area)"});
}

TEST_CASE("project CSV: every bad row is reported at its line", "[import]") {
  CHECK(ProblemLines(File("projects_broken.csv")) ==
        Lines{
            "projects_broken.csv:3: title is empty; it is required",
            "projects_broken.csv:4: unknown clinical area 'Smokefree'; expected one of " + Areas(),
            "projects_broken.csv:5: unknown stage 'Piloting'; expected one of planning, testing, "
            "implementing, spreading, sustaining, closed (or leave it empty)",
            "projects_broken.csv:6: start_month '2026/01' must be a month as YYYY-MM (years "
            "1900-2099), e.g. 2026-01; if Excel turned it into a date, format the column as "
            "Text before saving",
            "projects_broken.csv:7: pdsa_cycles '2.5' must be a whole number written with digits "
            "only (no decimals, signs or thousands separators)",
            "projects_broken.csv:8: a second project 'P1' (the first is on line 2)",
            "projects_broken.csv:9: area is empty; it is required: one of " + Areas(),
        });
}

TEST_CASE("project CSV: over-long text and too many change ideas are refused", "[import]") {
  const std::string title(201, 't');
  std::string ideas;
  for (int i = 0; i < 51; ++i) ideas += "idea " + std::to_string(i) + ";";
  CHECK(ProblemLines(Csv("project,title,area,change_ideas\nA," + title +
                         ",deterioration,x\n"
                         "B,T,deterioration," +
                         ideas + "\n" + std::string(65, 'p') + ",T,deterioration,\n")) ==
        Lines{"t.csv:2: title is longer than 200 characters",
              "t.csv:3: change_ideas has 51 items; at most 50 are allowed",
              "t.csv:4: project is longer than 64 characters"});
}

// --- JSON ---

TEST_CASE("JSON: projects, measures and learning, with the lines they start on", "[import]") {
  const ImportBatch batch = Batch(File("import.json"));
  REQUIRE(batch.projects.size() == 1);
  CHECK(batch.projects[0] == ProjectRecord{"SF-01",
                                           "CO screening at booking",
                                           ClinicalArea::kSmokeFreePregnancy,
                                           "",
                                           {"opt-out referral", "CO monitor in every room"},
                                           4,
                                           ProjectStage::kTesting,
                                           "2026-01",
                                           3});
  CHECK(batch.counts == std::vector<CountRecord>{{"SF-01", "SATOD", "2026-01", 23, 212, 14},
                                                 {"SF-01", "CO_BOOKING", "2026-01", 205, 212, 15}});
  REQUIRE(batch.learning.size() == 1);
  CHECK(batch.learning[0] == LearningRecord{"L-01",
                                            "Opt-out referral doubled uptake",
                                            LearningKind::kExcellence,
                                            ClinicalArea::kSmokeFreePregnancy,
                                            {"referral"},
                                            "Line one.\nLine two.",
                                            Scope::kNational,
                                            "SF-01",
                                            18});
}

TEST_CASE("JSON: the legacy single-project form, its measures belong to its project", "[import]") {
  const ImportBatch batch = Batch(File("legacy.json"));
  REQUIRE(batch.projects.size() == 1);
  CHECK(batch.projects[0].local_id == "SF-01");
  CHECK(batch.projects[0].aim == "Halve smoking at time of delivery by 2027");
  CHECK(batch.counts == std::vector<CountRecord>{{"SF-01", "SATOD", "2026-01", 23, 212, 9},
                                                 {"SF-01", "SATOD", "2026-02", 19, 198, 10}});
}

TEST_CASE("JSON: any subset of the lists, null for an optional value", "[import]") {
  const ImportBatch batch = Batch(Json(
      R"({"measures": [{"project": "P", "code": "SATOD", "period": "2026-01",
                        "numerator": 0, "denominator": 0}],
          "learning": [{"id": "L", "title": "T", "kind": "resource", "area": "deterioration",
                        "tags": null, "project": null}]})"));
  CHECK(batch.counts.size() == 1);
  REQUIRE(batch.learning.size() == 1);
  CHECK(batch.learning[0].scope == Scope::kLls);
  CHECK(batch.learning[0].project.empty());
}

TEST_CASE("JSON: every problem is reported with its line and JSON pointer", "[import]") {
  CHECK(ProblemLines(File("broken.json")) ==
        Lines{
            "broken.json:3: /projects/0/title: title is required",
            "broken.json:5: /projects/0/titel: unknown key 'titel'; expected id, title, area, "
            "aim, change_ideas, pdsa_cycles, stage, start_month",
            "broken.json:7: /projects/0/pdsa_cycles: pdsa_cycles 2.5 must be a whole number",
            "broken.json:11: /measures/0/numerator: numerator must be a whole number, not string",
            "broken.json:12: /measures/1/code: unknown measure code 'XYZ'; known: " + Known(),
            "broken.json:12: /measures/1/period: period '2026-1' must be a month as YYYY-MM "
            "(years 1900-2099), e.g. 2026-01",
            "broken.json:13: /measures/2/numerator: the key is given twice",
            "broken.json:14: /measures/3/numerator: numerator 5 is larger than denominator 4",
            "broken.json:17: /learning/0/kind: unknown kind 'anecdote'; expected one of error, "
            "excellence, change-idea, resource, event",
            "broken.json:17: /learning/0/tags: tags must be a list of text [\"...\", ...]",
        });
}

TEST_CASE("JSON: syntax errors give the line and column", "[import]") {
  const Lines lines = ProblemLines(Json("{\n  \"measures\": [\n    {\"code\": SATOD}\n  ]\n}\n"));
  REQUIRE(lines.size() == 1);
  INFO(lines[0]);
  CHECK(lines[0].rfind("t.json:3:14: not valid JSON: syntax error while parsing value", 0) == 0);
  CHECK(ProblemLines(Json("")).at(0).rfind("t.json:1:1: not valid JSON", 0) == 0);
  // Invalid UTF-8 inside a string.
  CHECK(
      ProblemLines(Json("{\"learning\": [\n{\"title\": \"\xFF\"}]}")).at(0).rfind("t.json:2:", 0) ==
      0);
}

TEST_CASE("JSON: a key that names patient data anywhere refuses the whole file", "[import]") {
  CHECK(ProblemLines(Json(R"({"measures": [
  {"project": "P", "code": "SATOD", "period": "2026-01", "numerator": 1, "denominator": 2},
  {"project": "P", "code": "nope", "nhsNumber": "9434765919", "extra": {"Date of Birth": 1}}
]})")) == Lines{"t.json:3: /measures/1/extra/Date of Birth: key 'Date of Birth' " +
                    std::string(kPatientLevel),
                "t.json:3: /measures/1/nhsNumber: key 'nhsNumber' " + std::string(kPatientLevel)});
}

TEST_CASE("JSON: wrong shapes are refused", "[import]") {
  CHECK(ProblemLines(Json("[1, 2]")) ==
        Lines{"t.json:1: expected an object {\"projects\": [...], \"measures\": [...], "
              "\"learning\": [...]}"});
  CHECK(ProblemLines(Json("{}")) ==
        Lines{"t.json: nothing to import: the file holds no projects, counts or learning notes"});
  CHECK(ProblemLines(Json(R"({"projects": {}, "measure": []})")) ==
        Lines{"t.json:1: /measure: unknown key 'measure'; expected projects, measures, learning, "
              "project",
              "t.json:1: /projects: expected a list [...]"});
  CHECK(ProblemLines(Json(R"({"projects": [], "project": {}})")) ==
        Lines{"t.json:1: /project: give either one \"project\" (the single-project form) or a "
              "list of \"projects\", not both"});
  CHECK(ProblemLines(Json(R"({"projects": [42]})")) ==
        Lines{"t.json:1: /projects/0: expected an object {...}"});
  CHECK(ProblemLines(Json(R"({"measures": [{"code": "SATOD", "period": "2026-01",
      "numerator": 1, "denominator": 2}]})")) ==
        Lines{"t.json:1: /measures/0/project: project is required"});
  CHECK(ProblemLines(Json(std::string(40, '[') + std::string(40, ']'))) ==
        Lines{"t.json: nested more than 16 levels deep"});
}

// --- Markdown learning notes ---

TEST_CASE("Markdown: front matter and the text kept as written", "[import]") {
  const ImportBatch batch = Batch(File("learning.md"));
  REQUIRE(batch.learning.size() == 1);
  CHECK(batch.learning[0] ==
        LearningRecord{"L-2026-04",
                       "Opt-out referral doubled uptake",
                       LearningKind::kExcellence,
                       ClinicalArea::kSmokeFreePregnancy,
                       {"referral", "co-monitoring"},
                       "We changed referral to opt-out in March.\n\nUptake went from 20% to 41%.",
                       Scope::kNational,
                       "SF-01",
                       1});
}

TEST_CASE("Markdown: a byte-order mark, CRLF, comments and tags as a plain list", "[import]") {
  const ImportBatch batch = Batch(File("learning_bom_crlf.md"));
  REQUIRE(batch.learning.size() == 1);
  const LearningRecord& note = batch.learning[0];
  CHECK(note.local_id == "L-2026-05");
  CHECK(note.kind == LearningKind::kChangeIdea);
  CHECK(note.tags == std::vector<std::string>{"huddle", "MEWS"});
  CHECK(note.scope == Scope::kLls);
  CHECK(note.text == "Two lines\nof text.");
}

TEST_CASE("Markdown: every front-matter problem is reported at its line", "[import]") {
  CHECK(ProblemLines(File("learning_broken.md")) ==
        Lines{"learning_broken.md:3: title is empty; it is required",
              "learning_broken.md:4: unknown kind 'anecdote'; expected one of error, excellence, "
              "change-idea, resource, event",
              "learning_broken.md:6: unknown key 'colour'; expected id, title, kind, area, tags, "
              "scope or project",
              "learning_broken.md:7: key 'id' is given twice (first on line 2)",
              "learning_broken.md:8: expected 'key: value' in the front matter"});
}

TEST_CASE("Markdown: missing or unclosed front matter, missing keys", "[import]") {
  CHECK(ProblemLines(Md("# A note\n\nText.\n"))
            .at(0)
            .rfind("t.md:1: a learning note starts with front matter", 0) == 0);
  CHECK(ProblemLines(Md("---\nid: x\ntitle: y\n")) ==
        Lines{"t.md:1: the front matter opened on line 1 is not closed by a line '---'"});
  CHECK(ProblemLines(Md("---\ntitle: T\narea: nowhere\n---\ntext\n")) ==
        Lines{"t.md:1: id is missing from the front matter; it is required",
              "t.md:1: kind is missing from the front matter; it is required",
              "t.md:3: unknown clinical area 'nowhere'; expected one of " + Areas()});
  CHECK(ProblemLines(Md("---\nid: L\ntitle: T\nkind: event\narea: deterioration\n"
                        "scope: regional\n---\n")) ==
        Lines{"t.md:6: unknown scope 'regional'; expected lls or national"});
}

TEST_CASE("Markdown: a key naming patient data refuses the note", "[import]") {
  CHECK(ProblemLines(Md("---\nid: L\ntitle: T\nkind: event\narea: deterioration\n"
                        "Patient name: Jane\nDOB: 1/2/1990\n---\ntext\n")) ==
        Lines{"t.md:6: key 'Patient name' " + std::string(kPatientLevel),
              "t.md:7: key 'DOB' " + std::string(kPatientLevel)});
}

TEST_CASE("Markdown: invalid UTF-8 is reported at its line and column", "[import]") {
  CHECK(ProblemLines(Md("---\nid: L\ntitle: Caf\xE9\n---\n")) ==
        Lines{"t.md:3:11: invalid UTF-8; save the file as UTF-8"});
}

// --- names, files, formats ---

TEST_CASE("names that only per-patient data would have", "[import]") {
  using import_internal::RowLevelName;
  for (const char* name : {"NHS Number",
                           "nhs_number",
                           "nhsNumber",
                           "NHS No",
                           "NHS No.",
                           "Mother's NHS number",
                           "CHI",
                           "chi_number",
                           "Date of Birth",
                           "DOB",
                           "patientDob",
                           "birth_date",
                           "Patient ID",
                           "patient",
                           "Patient Name",
                           "MRN",
                           "Hospital Number",
                           "Hosp No",
                           "Unit number",
                           "Postcode",
                           "post_code",
                           "Surname",
                           "Forename",
                           "First Name",
                           "last-name",
                           "Full name",
                           "Address",
                           "Address line 1",
                           "Ethnicity",
                           "Ethnic group",
                           "Sex",
                           "Gender",
                           "Age",
                           "Gestational age",
                           "Email",
                           "Telephone",
                           "case_note_number"}) {
    INFO(name);
    CHECK(RowLevelName(name, "column").has_value());
  }
  for (const char* name :
       {"project",  "measure",    "period",       "numerator",   "denominator",  "title",
        "area",     "aim",        "change_ideas", "pdsa_cycles", "stage",        "start_month",
        "id",       "kind",       "tags",         "text",        "scope",        "code",
        "Notes",    "ward",       "page",         "average",     "measure_name", "nhs_trust",
        "patients", "percentage", "postnatal",    "message",     "chief"}) {
    INFO(name);
    CHECK_FALSE(RowLevelName(name, "column").has_value());
  }
}

TEST_CASE("the format comes from the extension", "[import]") {
  CHECK(*FormatFromPath("a/counts.CSV") == ImportFormat::kCsv);
  CHECK(*FormatFromPath("x.json") == ImportFormat::kJson);
  CHECK(*FormatFromPath("note.md") == ImportFormat::kMarkdown);
  CHECK(*FormatFromPath("note.Markdown") == ImportFormat::kMarkdown);
  CHECK_FALSE(FormatFromPath("counts.xlsx").ok());
  CHECK(ProblemLines(ImportFile("counts.xlsx", Catalogue())) ==
        Lines{"counts.xlsx: cannot tell the format from the name 'counts.xlsx': expected .csv "
              "(measure counts or projects), .json, or .md / .markdown (a learning note)"});
}

TEST_CASE("files that cannot be read, or are too large, are refused whole", "[import]") {
  test::TempDir dir("lls-import");
  const Lines missing = ProblemLines(ImportFile(dir / "absent.csv", Catalogue()));
  REQUIRE(missing.size() == 1);
  CHECK(missing[0].rfind("absent.csv: cannot read the file: ", 0) == 0);

  const std::string big(kMaxImportBytes + 1, 'x');
  CHECK(ProblemLines(Csv(big)) ==
        Lines{"t.csv: the file is 52428801 bytes; the limit is 52428800 bytes (50 MiB)"});
  test::WriteText(dir / "big.json", big);
  CHECK(ProblemLines(ImportFile(dir / "big.json", Catalogue())) ==
        Lines{"big.json: the file is 52428801 bytes; the limit is 52428800 bytes (50 MiB)"});
}

TEST_CASE("a problem prints as file:line: reason", "[import]") {
  CHECK(ImportProblem{"c.csv", 12, "bad"}.ToString() == "c.csv:12: bad");
  CHECK(ImportProblem{"c.csv", 12, "bad", 5}.ToString() == "c.csv:12:5: bad");
  CHECK(ImportProblem{"c.csv", 0, "bad"}.ToString() == "c.csv: bad");
}

TEST_CASE("mangled files never crash the importers and never half-succeed", "[import]") {
  // Random byte flips, cuts and insertions of quotes, braces and line breaks in the good
  // files, in every format: each result is either a batch or a non-empty list of problems.
  std::mt19937 random(20260127);
  const char* kSpecial = "\",{}[]:\r\n\\-#\xEF\xFF";
  for (const char* name : {"counts.csv", "projects.csv", "import.json", "legacy.json",
                           "learning.md", "learning_bom_crlf.md"}) {
    const std::string good = test::ReadText(Data(name));
    const ImportFormat format = *FormatFromPath(name);
    for (int round = 0; round < 300; ++round) {
      std::string text = good;
      const int edits = 1 + static_cast<int>(random() % 4);
      for (int e = 0; e < edits && !text.empty(); ++e) {
        const size_t at = random() % text.size();
        switch (random() % 4) {
          case 0:
            text[at] = static_cast<char>(random() % 256);
            break;
          case 1:
            text.erase(at, 1 + random() % 8);
            break;
          case 2:
            text.insert(at, 1, kSpecial[random() % std::strlen(kSpecial)]);
            break;
          default:
            text.resize(at);
            break;
        }
      }
      const ImportResult result = ImportText(text, name, format, Catalogue());
      if (!result.ok()) {
        REQUIRE_FALSE(result.error().empty());
        for (const ImportProblem& p : result.error()) CHECK_FALSE(p.reason.empty());
      }
    }
  }
}

TEST_CASE("the built-in catalogue's codes are accepted", "[import]") {
  const ImportResult result =
      ImportText("project,measure,period,numerator,denominator\nA,SATOD,2026-01,1,10\n", "b.csv",
                 ImportFormat::kCsv, BuiltInCatalogue());
  CHECK(Batch(result).counts.size() == 1);
}

}  // namespace
}  // namespace lls::node
