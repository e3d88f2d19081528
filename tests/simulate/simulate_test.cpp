// `lls simulate`'s generator (tools/simulate.h) checked with the node's real importer,
// disclosure control and scrubber: the files are what a trust would import, the small unit's
// counts are suppressed when published, the adopted change ideas show in the counts, and the
// planted identifiers, and only those, are caught.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "exchange/catalogue.h"
#include "node/disclosure.h"
#include "node/import.h"
#include "node/scrubber.h"
#include "tests/support/support.h"
#include "tools/simulate.h"
#include "tools/simulate_notes.h"
#include "tools/simulate_random.h"

namespace lls::tools {
namespace {

using nlohmann::json;
using test::TempDir;

std::vector<SimulatedFile> Generate(const SimulateOptions& options) {
  Result<std::vector<SimulatedFile>> files = Simulate(options, BuiltInCatalogue());
  INFO(files.status().ToString());
  REQUIRE(files.ok());
  return *files;
}

SimulateOptions SixTrusts(uint64_t seed = 1) {
  SimulateOptions options;
  options.trusts = 6;
  options.months = 24;
  options.seed = seed;
  return options;
}

const std::string& Content(const std::vector<SimulatedFile>& files, const std::string& path) {
  for (const SimulatedFile& f : files) {
    if (f.path == path) return f.content;
  }
  FAIL("no file " << path);
  static const std::string kNone;
  return kNone;
}

json Manifest(const std::vector<SimulatedFile>& files) {
  REQUIRE(!files.empty());
  REQUIRE(files[0].path == "manifest.json");
  return json::parse(files[0].content);
}

node::ImportBatch ImportOk(const std::string& text, const std::string& origin,
                           node::ImportFormat format) {
  node::ImportResult r = node::ImportText(text, origin, format, BuiltInCatalogue());
  if (!r.ok()) {
    for (const node::ImportProblem& p : r.error()) UNSCOPED_INFO(p.ToString());
  }
  REQUIRE(r.ok());
  return *r;
}

std::vector<node::CountRecord> Counts(const std::vector<SimulatedFile>& files, const json& trust) {
  return ImportOk(Content(files, trust["files"]["counts"]), "counts.csv", node::ImportFormat::kCsv)
      .counts;
}

// Pooled rate of one measure over months before `month` and from it on, with the standard error
// of their difference (binomial, from the observed rates).
struct BeforeAfter {
  double before = 0, after = 0, se = 0;
};

BeforeAfter Compare(const std::vector<node::CountRecord>& counts, const std::string& measure,
                    const std::string& month) {
  double num[2] = {0, 0}, den[2] = {0, 0};
  for (const node::CountRecord& c : counts) {
    if (c.measure_code != measure) continue;
    int side = c.period >= month ? 1 : 0;
    num[side] += c.numerator;
    den[side] += c.denominator;
  }
  REQUIRE(den[0] > 0);
  REQUIRE(den[1] > 0);
  BeforeAfter r;
  r.before = num[0] / den[0];
  r.after = num[1] / den[1];
  r.se = std::sqrt(r.before * (1 - r.before) / den[0] + r.after * (1 - r.after) / den[1]);
  return r;
}

// The step as a rate (the manifest gives it in the measure's unit), signed.
double StepAsRate(const json& change) {
  double effect = change["effect"].get<double>();
  return change["unit"] == "per 1000" ? effect / 1000 : effect / 100;
}

// Improvement in the measure's direction: positive when better.
double Better(const std::string& measure, double before, double after) {
  const MeasureDefinition* def = FindMeasure(BuiltInCatalogue(), measure);
  REQUIRE(def != nullptr);
  return def->improvement == Improvement::kDecrease ? before - after : after - before;
}

// ---------------------------------------------------------------------------------------------

TEST_CASE("the same seed and flags give the same bytes, another seed other counts") {
  const std::vector<SimulatedFile> a = Generate(SixTrusts(1));
  CHECK(a == Generate(SixTrusts(1)));

  const std::vector<SimulatedFile> b = Generate(SixTrusts(2));
  REQUIRE(a.size() >= 3);
  CHECK(Content(a, "trust-north-1/counts.csv") != Content(b, "trust-north-1/counts.csv"));
  CHECK(Content(a, "trust-north-4/counts.csv") != Content(b, "trust-north-4/counts.csv"));

  // The LLS name is part of the seed.
  SimulateOptions south = SixTrusts(1);
  south.lls = "lls-south";
  south.prefix = "north";  // same file names, so only the seed differs
  CHECK(Content(a, "trust-north-1/counts.csv") !=
        Content(Generate(south), "trust-north-1/counts.csv"));
}

TEST_CASE("the random numbers are the simulator's own, fixed for a seed") {
  // xoshiro256** seeded by splitmix64 from 1, as the reference algorithms give it (computed
  // independently): a change to the engine shows here first.
  sim::Rng rng(1);
  CHECK(rng.Next() == 0xb3f2af6d0fc710c5ULL);
  CHECK(rng.Next() == 0x853b559647364ceaULL);
  CHECK(rng.Next() == 0x92f89756082a4514ULL);
  sim::Rng r(42);
  double sum = 0, sq = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    double z = r.Normal();
    sum += z;
    sq += z * z;
  }
  CHECK(std::abs(sum / n) < 0.05);
  CHECK(std::abs(sq / n - 1) < 0.05);
  // Binomial: exact and normal branches both centre on n*p and stay in [0, n].
  for (uint32_t trials : {5u, 40u, 600u, 5000u}) {
    double total = 0;
    for (int i = 0; i < 2000; ++i) {
      uint32_t k = r.Binomial(trials, 0.3);
      REQUIRE(k <= trials);
      total += k;
    }
    CHECK(std::abs(total / 2000 / trials - 0.3) < 0.02);
  }
}

TEST_CASE("every written file imports with the node's importer: 6 trusts x 24 months") {
  const std::vector<SimulatedFile> files = Generate(SixTrusts());
  TempDir dir("lls-simulate");
  for (const SimulatedFile& f : files) {
    std::filesystem::create_directories((dir.path() / f.path).parent_path());
    test::WriteText(dir.path() / f.path, f.content);
  }
  const json manifest = Manifest(files);
  REQUIRE(manifest["trusts"].size() == 6);
  size_t imported = 0;
  for (const json& trust : manifest["trusts"]) {
    std::vector<std::string> paths = {trust["files"]["projects"], trust["files"]["counts"]};
    for (const json& note : trust["files"]["learning"]) paths.push_back(note["path"]);
    for (const std::string& path : paths) {
      INFO(path);
      node::ImportResult r = node::ImportFile(dir.path() / path, BuiltInCatalogue());
      if (!r.ok()) {
        for (const node::ImportProblem& p : r.error()) UNSCOPED_INFO(p.ToString());
      }
      CHECK(r.ok());
      ++imported;
    }
  }
  // Every file but the manifest is an import file, and the manifest lists them all.
  CHECK(imported == files.size() - 1);
}

TEST_CASE("every catalogue measure and month for every trust, under its area's project") {
  const std::vector<SimulatedFile> files = Generate(SixTrusts());
  const json manifest = Manifest(files);
  const MeasureCatalogue& catalogue = BuiltInCatalogue();
  CHECK(manifest["seed"] == 1);
  CHECK(manifest["lls"] == "lls-north");
  CHECK(manifest["start"] == "2024-01");
  CHECK(manifest["months"] == 24);

  std::set<std::string> months;
  for (int m = 0; m < 24; ++m) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04d-%02d", 2024 + m / 12, m % 12 + 1);
    months.insert(buf);
  }
  std::set<std::string> names, organisations;
  int index = 0;
  for (const json& trust : manifest["trusts"]) {
    ++index;
    const std::string name = trust["name"];
    INFO(name);
    CHECK(name == "trust-north-" + std::to_string(index));
    CHECK(trust["display_name"] == "North Trust " + std::to_string(index) + " (synthetic)");
    CHECK(trust["organisation"] == "ZN" + std::to_string(index));
    names.insert(name);
    organisations.insert(trust["organisation"].get<std::string>());

    node::ImportBatch projects = ImportOk(Content(files, trust["files"]["projects"]),
                                          "projects.csv", node::ImportFormat::kCsv);
    std::map<ClinicalArea, std::string> project_of_area;
    for (const node::ProjectRecord& p : projects.projects) {
      CHECK(project_of_area.emplace(p.area, p.local_id).second);  // one per area
    }
    std::map<std::pair<std::string, std::string>, int> seen;
    for (const node::CountRecord& c : Counts(files, trust)) {
      const MeasureDefinition* def = FindMeasure(catalogue, c.measure_code);
      REQUIRE(def != nullptr);
      CHECK(c.project == project_of_area.at(def->area));
      CHECK(c.numerator <= c.denominator);
      CHECK(months.count(c.period) == 1);
      ++seen[{c.measure_code, c.period}];
    }
    CHECK(seen.size() == catalogue.measures.size() * months.size());
    for (const auto& [key, n] : seen) CHECK(n == 1);
  }
  CHECK(names.size() == 6);
  CHECK(organisations.size() == 6);
}

TEST_CASE("the small unit has counts of 1-7 that disclosure control suppresses") {
  const std::vector<SimulatedFile> files = Generate(SixTrusts());
  const json manifest = Manifest(files);
  const node::SuppressionRule rule;  // the node's default: 1-7 suppressed, round to 5
  int small_units = 0;
  for (const json& trust : manifest["trusts"]) {
    if (trust["size"] != "small") continue;
    ++small_units;
    CHECK(trust["births_per_month"].get<int>() < 150);
    size_t small_counts = 0, suppressed_points = 0;
    for (const node::CountRecord& c : Counts(files, trust)) {
      for (uint32_t v : {c.numerator, c.denominator}) {
        if (v >= 1 && v <= 7) {
          ++small_counts;
          CHECK(node::ControlCount(v, rule).suppressed);
        }
      }
      MeasurePoint p = node::ControlPoint(c.period, c.numerator, c.denominator, rule);
      if (p.numerator_suppressed || p.denominator_suppressed) ++suppressed_points;
    }
    CHECK(small_counts > 50);
    CHECK(suppressed_points > 50);
  }
  CHECK(small_units >= 1);

  // Three trusts (the default) include one small unit too, and so do one or two.
  for (int n : {1, 2, 3}) {
    SimulateOptions options;
    options.trusts = n;
    const json m = Manifest(Generate(options));
    CHECK(std::any_of(m["trusts"].begin(), m["trusts"].end(),
                      [](const json& t) { return t["size"] == "small"; }));
  }
}

TEST_CASE("adopted change ideas show as a step, and other trusts show none") {
  const std::vector<SimulatedFile> files = Generate(SixTrusts());
  const json manifest = Manifest(files);
  std::vector<json> changes;
  int adopters = 0;
  for (const json& trust : manifest["trusts"]) {
    if (!trust["changes"].empty()) ++adopters;
    for (const json& change : trust["changes"]) changes.push_back(change);
  }
  CHECK(adopters >= 1);
  CHECK(adopters < 6);
  REQUIRE(!changes.empty());

  int checked_non_adopters = 0;
  for (const json& trust : manifest["trusts"]) {
    INFO(trust["name"].get<std::string>());
    const std::vector<node::CountRecord> counts = Counts(files, trust);
    for (const json& change : trust["changes"]) {
      const std::string measure = change["measure"];
      INFO(change.dump());
      const double step = StepAsRate(change);
      BeforeAfter r = Compare(counts, measure, change["month"]);
      INFO("before " << r.before << " after " << r.after << " step " << step);
      CHECK(Better(measure, r.before, r.after) >= std::abs(step) / 2);
    }
    if (!trust["changes"].empty()) continue;
    // No step where one would be visible: only measures with enough volume at this trust for
    // a step of that size to stand out (5 standard errors) are judged.
    for (const json& change : changes) {
      const std::string measure = change["measure"];
      const double step = StepAsRate(change);
      BeforeAfter r = Compare(counts, measure, change["month"]);
      if (r.se > std::abs(step) / 5) continue;
      INFO(measure << " before " << r.before << " after " << r.after << " step " << step);
      CHECK(Better(measure, r.before, r.after) < std::abs(step) / 2);
      ++checked_non_adopters;
    }
  }
  CHECK(checked_non_adopters >= 1);
}

TEST_CASE("planted identifiers are caught by the scrubber, and the other notes are clean") {
  Result<node::Scrubber> scrubber = node::Scrubber::Create();
  REQUIRE(scrubber.ok());
  // Several seeds, so that every note and every combination of planted kinds is scanned.
  std::set<std::string> kinds_seen;
  std::set<std::string> notes_seen;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    const std::vector<SimulatedFile> files = Generate(SixTrusts(seed));
    const json manifest = Manifest(files);
    int identifying = 0;
    for (const json& trust : manifest["trusts"]) {
      // Project titles, aims and change ideas are published free text too.
      CHECK(scrubber->Scan(Content(files, trust["files"]["projects"])).empty());
      for (const json& note : trust["files"]["learning"]) {
        const std::string path = note["path"];
        INFO("seed " << seed << " " << path);
        const std::string& text = Content(files, path);
        ImportOk(text, path, node::ImportFormat::kMarkdown);
        notes_seen.insert(path.substr(path.rfind('/') + 4));
        std::set<std::string> expected;
        for (const json& k : note["identifiers"]) expected.insert(k.get<std::string>());
        std::set<std::string> found;
        for (const node::Finding& f : scrubber->Scan(text)) {
          INFO(f.kind << " at " << f.line << ":" << f.column << " " << f.masked);
          found.insert(f.kind);
          CHECK(expected.count(f.kind) == 1);
        }
        CHECK(found == expected);
        if (!expected.empty()) ++identifying;
        kinds_seen.insert(expected.begin(), expected.end());
      }
    }
    CHECK(identifying >= 1);
  }
  CHECK(kinds_seen == std::set<std::string>{"name-after-title", "nhs-number", "date", "postcode"});
  CHECK(notes_seen.size() >= 14);  // nearly every note in the library was drawn and scanned
}

TEST_CASE("synthetic NHS numbers are in the 999 range with a valid check digit") {
  sim::Rng rng(7);
  for (int i = 0; i < 200; ++i) {
    std::string n = sim::SyntheticNhsNumber(rng);
    REQUIRE(n.size() == 12);
    CHECK(n.substr(0, 4) == "999 ");
    std::string digits;
    for (char c : n) {
      if (c != ' ') digits += c;
    }
    CHECK(node::PassesModulus11(digits));
  }
}

TEST_CASE("options are checked") {
  auto invalid = [](SimulateOptions o) {
    Result<std::vector<SimulatedFile>> r = Simulate(o, BuiltInCatalogue());
    return !r.ok() && r.status().code() == Code::kInvalidArgument;
  };
  SimulateOptions o;
  CHECK(EffectivePrefix(o) == "north");
  o.trusts = 0;
  CHECK(invalid(o));
  o = {};
  o.months = 0;
  CHECK(invalid(o));
  o = {};
  o.start = "2024-13";
  CHECK(invalid(o));
  o = {};
  o.start = "2099-06";
  CHECK(invalid(o));  // runs past 2099-12
  o = {};
  o.lls = "lls/../x";
  CHECK(invalid(o));
  o = {};
  o.lls = "lls-";
  CHECK(invalid(o));  // no prefix left
  o.prefix = "x";
  CHECK_FALSE(invalid(o));
  o = {};
  o.lls = "east";
  o.months = 1;  // no before and after: nobody changes, and that is allowed
  const json m = Manifest(Generate(o));
  CHECK(m["trusts"][0]["name"] == "trust-east-1");
  CHECK(m["trusts"][0]["organisation"] == "ZE1");
}

}  // namespace
}  // namespace lls::tools
