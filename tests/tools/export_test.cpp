// `lls export` against real hub databases: an LLS hub whose trusts' summaries went through the
// real Ingest and Aggregates, and a national hub fed signed Aggregates from two LLS hubs. The
// expected figures are computed here from the inputs, not copied from an earlier output.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "exchange/catalogue.h"
#include "hub/aggregates.h"
#include "hub/ingest.h"
#include "tests/hub/test_util.h"
#include "tests/support/process.h"
#include "tests/tools/fhir_validator.h"
#include "tools/export_cli.h"
#include "tools/export_formats.h"
#include "tools/fhir_measure_report.h"

namespace lls::tools {
namespace {

using hub::test::FakeClock;
using hub::test::kNow;
using lls::test::NewIdentity;
using lls::test::ReadText;
using lls::test::TempDir;
using lls::test::WriteText;
using nlohmann::json;
using Table = std::vector<std::vector<std::string>>;

// ---------------------------------------------------------------------------------------------
// Helpers

// RFC 4180, as a spreadsheet reads it: quoted fields with doubled quotes, CRLF line ends.
Table ParseCsv(const std::string& text) {
  Table rows(1);
  std::string field;
  bool quoted = false, in_field = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = in_field = true;
    } else if (c == ',') {
      rows.back().push_back(std::exchange(field, ""));
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(std::exchange(field, ""));
      rows.emplace_back();
      ++i;
      in_field = false;
    } else {
      field += c;
      in_field = true;
    }
  }
  if (!field.empty() || in_field) rows.back().push_back(field);
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

// CSV rows as maps by column name (the header row is checked and dropped).
std::vector<std::map<std::string, std::string>> CsvRecords(const std::string& text) {
  Table table = ParseCsv(text);
  REQUIRE(!table.empty());
  const std::vector<std::string> header = ParseCsv(std::string(kExportCsvHeader) + "\r\n").at(0);
  CHECK(table[0] == header);
  std::vector<std::map<std::string, std::string>> records;
  for (size_t r = 1; r < table.size(); ++r) {
    REQUIRE(table[r].size() == header.size());
    std::map<std::string, std::string> record;
    for (size_t i = 0; i < header.size(); ++i) record[header[i]] = table[r][i];
    records.push_back(std::move(record));
  }
  return records;
}

double ScaleOf(const std::string& measure) {
  const MeasureDefinition* d = FindMeasure(BuiltInCatalogue(), measure);
  REQUIRE(d != nullptr);
  return d->unit == "percent" ? 100 : d->unit == "per 1000" ? 1000 : 1;
}

double Rate(int64_t n, int64_t d, const std::string& measure) {
  return static_cast<double>(n) / static_cast<double>(d) * ScaleOf(measure);
}

// The expected sums of one (scope, measure, period), from the inputs.
struct Sum {
  int64_t n = 0, d = 0, trusts = 0, suppressed = 0, llss = 0;
};

std::string HubToml(const std::string& name, const std::string& data_dir) {
  return "[hub]\nname = \"" + name + "\"\nkey = \"keys/" + name + ".secret\"\ndata_dir = \"" +
         data_dir + "\"\n";
}

hub::HubStore OpenIn(const std::filesystem::path& data_dir) {
  std::filesystem::create_directories(data_dir);
  return hub::test::OpenStore(data_dir / "hub.db");
}

// ---------------------------------------------------------------------------------------------
// An LLS hub ("north") with three trusts.

struct TrustPoint {
  const crypto::Identity* trust;
  std::string measure, period;
  uint32_t n, d;
  bool suppressed;
};

struct TrustInfo {
  std::string organisation, display;
};

struct LlsHub {
  TempDir dir;
  FakeClock clock;
  hub::HubStore store = OpenIn(dir / "data");
  hub::MemberDirectory members;
  crypto::Identity alpha = NewIdentity("alpha");
  crypto::Identity beta = NewIdentity("beta");
  crypto::Identity gamma = NewIdentity("gamma");
  std::map<const crypto::Identity*, TrustInfo> info = {
      {&alpha, {"RXA", "Alpha Trust"}},
      {&beta, {"RXB", "Beta, \"Bay\" Trust"}},  // needs RFC 4180 quoting
      {&gamma, {"RXC", "Gamma Trust"}},
  };
  hub::Aggregates aggregates;
  std::unique_ptr<hub::Ingest> ingest;
  std::map<const crypto::Identity*, uint64_t> seqs;
  std::vector<TrustPoint> points = {
      {&alpha, "SATOD", "2025-12", 0, 150, true},  // the month's only figure: all suppressed
      {&alpha, "SATOD", "2026-01", 25, 210, false},
      {&alpha, "SATOD", "2026-02", 10, 200, false},
      {&alpha, "TERM_ADMISSIONS", "2026-01", 7, 1500, false},
      {&beta, "SATOD", "2026-01", 40, 300, false},
      {&beta, "SATOD", "2026-02", 0, 180, true},
      {&beta, "CO_BOOKING", "2026-01", 290, 300, false},
      {&gamma, "SATOD", "2026-01", 3, 90, false},
  };
  std::filesystem::path config = dir / "hub.toml";

  LlsHub() {
    for (auto& [id, trust] : info) {
      hub::EnrolRequest request = hub::test::RequestFor(*id, hub::Role::kTrust, trust.organisation);
      request.display_name = trust.display;
      request.lls = "north";
      REQUIRE(store.Enrol(request, kNow).ok());
    }
    REQUIRE(members.Reload(store).ok());
    REQUIRE(hub::Aggregates::RegisterSchema(store).ok());
    ingest = std::make_unique<hub::Ingest>(store, members, clock, hub::IngestOptions{});
    ingest->AddApplier(&aggregates);
    // One project per (trust, measure), through the real ingest.
    std::map<std::pair<const crypto::Identity*, std::string>, ProjectSummary> projects;
    for (const TrustPoint& p : points) {
      ProjectSummary& s = projects[{p.trust, p.measure}];
      if (s.project_id.empty()) {
        s = hub::test::Summary();
        s.project_id = "p-" + p.measure;
        s.organisation = info[p.trust].organisation;
        s.measures = {{p.measure, {}}};
      }
      s.measures[0].points.push_back({p.period, p.n, p.d, p.suppressed, false});
    }
    for (const auto& [key, summary] : projects) Send(*key.first, summary);
    WriteText(config, HubToml("north", "data"));
  }

  void Send(const crypto::Identity& id, const Body& body) {
    Envelope e = crypto::Seal(id, ++seqs[&id], kNow, body);
    std::optional<std::string> user = members.Admit(id.curve_public());
    REQUIRE(user.has_value());
    auto replies = ingest->Handle({transport::InboundFrame{"peer", *user, EncodeEnvelope(e)}});
    REQUIRE(replies.size() == 1);
    if (const auto* nack = std::get_if<Nack>(&replies[0].reply)) {
      FAIL("Nack " << NackCodeName(nack->code) << ": " << nack->text);
    }
  }

  // Expected LLS cells, keyed by (measure, period).
  std::map<std::pair<std::string, std::string>, Sum> Cells() const {
    std::map<std::pair<std::string, std::string>, Sum> cells;
    for (const TrustPoint& p : points) {
      Sum& s = cells[{p.measure, p.period}];
      s.llss = 1;
      if (p.suppressed) {
        ++s.suppressed;
      } else {
        ++s.trusts;
        s.n += p.n;
        s.d += p.d;
      }
    }
    return cells;
  }

  const TrustPoint* Find(const std::string& organisation, const std::string& measure,
                         const std::string& period) const {
    for (const TrustPoint& p : points) {
      if (info.at(p.trust).organisation == organisation && p.measure == measure &&
          p.period == period) {
        return &p;
      }
    }
    return nullptr;
  }

  // Runs lls::tools::Export into `out` under the hub's folder; returns the exit code.
  int Run(ExportArgs args, const std::string& out = "out") {
    args.config = config;
    args.out = dir / out;
    std::filesystem::remove(args.out);
    return Export(args);
  }
  std::string Output(const std::string& out = "out") { return ReadText(dir / out); }
};

ExportArgs Args(const std::string& format, const std::string& stratify = "auto") {
  ExportArgs args;
  args.format = format;
  args.stratify = stratify;
  return args;
}

// Checks one aggregate CSV record against the expected sums.
void CheckAggregateRecord(const std::map<std::string, std::string>& r, const Sum& want) {
  INFO(r.at("scope") << " " << r.at("measure") << " " << r.at("period"));
  CHECK(r.at("trusts") == std::to_string(want.trusts));
  CHECK(r.at("suppressed_cells") == std::to_string(want.suppressed));
  CHECK(r.at("llss") == std::to_string(want.llss));
  if (want.trusts == 0) {
    // Nothing unsuppressed contributed: the zero sums are not shown as zeros.
    CHECK(r.at("suppressed") == "true");
    CHECK(r.at("numerator").empty());
    CHECK(r.at("denominator").empty());
    CHECK(r.at("rate").empty());
  } else {
    CHECK(r.at("suppressed") == "false");
    CHECK(r.at("numerator") == std::to_string(want.n));
    CHECK(r.at("denominator") == std::to_string(want.d));
    CHECK(std::stod(r.at("rate")) == Approx(Rate(want.n, want.d, r.at("measure"))).margin(0.00005));
  }
}

// ---------------------------------------------------------------------------------------------
// LLS hub

TEST_CASE("CSV at an LLS hub: each LLS cell sums its trusts, then each trust's figure",
          "[export]") {
  LlsHub hub;
  REQUIRE(hub.Run(Args("csv")) == 0);
  std::string text = hub.Output();
  CHECK(text.find("\"Beta, \"\"Bay\"\" Trust\"") != std::string::npos);  // RFC 4180 quoting
  auto records = CsvRecords(text);
  auto cells = hub.Cells();
  REQUIRE(records.size() == cells.size() + hub.points.size());

  std::string measure, period;  // of the last LLS row: trust rows follow their cell
  std::set<std::pair<std::string, std::string>> seen;
  std::set<std::tuple<std::string, std::string, std::string>> trusts_seen;
  for (const auto& r : records) {
    const MeasureDefinition* definition = FindMeasure(BuiltInCatalogue(), r.at("measure"));
    REQUIRE(definition != nullptr);
    CHECK(r.at("measure_name") == definition->name);
    CHECK(r.at("unit") == definition->unit);
    if (r.at("scope_type") == "lls") {
      CHECK(r.at("scope") == "north");
      CHECK(r.at("organisation").empty());
      measure = r.at("measure");
      period = r.at("period");
      CHECK(seen.insert({measure, period}).second);
      CheckAggregateRecord(r, cells.at({measure, period}));
      continue;
    }
    REQUIRE(r.at("scope_type") == "trust");
    CHECK(r.at("measure") == measure);
    CHECK(r.at("period") == period);
    const TrustPoint* p = hub.Find(r.at("organisation"), r.at("measure"), r.at("period"));
    REQUIRE(p != nullptr);
    CHECK(trusts_seen.insert({r.at("organisation"), measure, period}).second);
    CHECK(r.at("scope") == hub.info.at(p->trust).display);
    CHECK(r.at("trusts").empty());
    CHECK(r.at("llss").empty());
    if (p->suppressed) {
      CHECK(r.at("suppressed") == "true");
      CHECK(r.at("numerator").empty());
      CHECK(r.at("denominator").empty());
      CHECK(r.at("rate").empty());
    } else {
      CHECK(r.at("suppressed") == "false");
      CHECK(r.at("numerator") == std::to_string(p->n));
      CHECK(r.at("denominator") == std::to_string(p->d));
      CHECK(std::stod(r.at("rate")) == Approx(Rate(p->n, p->d, measure)).margin(0.00005));
    }
  }
  CHECK(seen.size() == cells.size());
  // Per-1000 measures are scaled by 1000, percentages by 100.
  CHECK(text.find(",TERM_ADMISSIONS,Term admissions to neonatal units,per 1000,2026-01,7,1500,"
                  "4.6667,") != std::string::npos);
}

// Every count, rate or score in a JSON document (JSON: numerator, denominator, rate; FHIR:
// population count, measureScore value).
void Numbers(const json& j, std::vector<double>& out) {
  if (j.is_array()) {
    for (const json& child : j) Numbers(child, out);
  } else if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      bool figure = key == "numerator" || key == "denominator" || key == "rate" || key == "count" ||
                    key == "value";
      if (figure && value.is_number()) out.push_back(value.get<double>());
      Numbers(value, out);
    }
  }
}

TEST_CASE("a suppressed figure never reaches the output as a count", "[export]") {
  LlsHub hub;
  // The suppressed points' denominators (150, 180) were sent to the hub: they must not appear,
  // and neither may a zero in a suppressed point's place.
  REQUIRE(hub.Run(Args("csv")) == 0);
  for (const auto& r : CsvRecords(hub.Output())) {
    for (const char* column : {"numerator", "denominator", "rate"}) {
      CHECK(r.at(column) != "150");
      CHECK(r.at(column) != "180");
      CHECK(r.at(column) != "0");
    }
  }
  for (const std::string format : {"json", "fhir"}) {
    INFO(format);
    REQUIRE(hub.Run(Args(format)) == 0);
    std::vector<double> numbers;
    Numbers(json::parse(hub.Output()), numbers);
    CHECK(!numbers.empty());
    for (double n : numbers) {
      CHECK(n != 150);
      CHECK(n != 180);
      CHECK(n != 0);
    }
  }
}

TEST_CASE("the measure and month filters select the cells and their strata", "[export]") {
  LlsHub hub;
  ExportArgs args = Args("csv");
  args.measure = "SATOD";
  REQUIRE(hub.Run(args) == 0);
  auto records = CsvRecords(hub.Output());
  size_t satod = 0;
  for (const TrustPoint& p : hub.points) satod += p.measure == "SATOD" ? 1 : 0;
  size_t satod_cells = 0;
  for (const auto& [key, sum] : hub.Cells()) satod_cells += key.first == "SATOD" ? 1 : 0;
  CHECK(records.size() == satod + satod_cells);
  for (const auto& r : records) CHECK(r.at("measure") == "SATOD");

  args = Args("csv");
  args.from = "2026-01";
  args.to = "2026-01";
  REQUIRE(hub.Run(args) == 0);
  records = CsvRecords(hub.Output());
  size_t january = 0;
  for (const TrustPoint& p : hub.points) january += p.period == "2026-01" ? 1 : 0;
  size_t january_cells = 0;
  for (const auto& [key, sum] : hub.Cells()) january_cells += key.second == "2026-01" ? 1 : 0;
  CHECK(records.size() == january + january_cells);
  for (const auto& r : records) CHECK(r.at("period") == "2026-01");

  args = Args("csv");
  args.from = "2026-02";  // open-ended
  REQUIRE(hub.Run(args) == 0);
  for (const auto& r : CsvRecords(hub.Output())) CHECK(r.at("period") >= "2026-02");

  args = Args("csv");
  args.measure = "NORMOTHERMIA";  // known, but never reported: a header only
  REQUIRE(hub.Run(args) == 0);
  CHECK(hub.Output() == std::string(kExportCsvHeader) + "\r\n");
}

TEST_CASE("stratify none exports the LLS cells only, and lls is refused at an LLS hub",
          "[export]") {
  LlsHub hub;
  REQUIRE(hub.Run(Args("csv", "none")) == 0);
  auto records = CsvRecords(hub.Output());
  CHECK(records.size() == hub.Cells().size());
  for (const auto& r : records) CHECK(r.at("scope_type") == "lls");

  REQUIRE(hub.Run(Args("csv", "trust")) == 0);
  CHECK(CsvRecords(hub.Output()).size() == hub.Cells().size() + hub.points.size());

  CHECK(hub.Run(Args("csv", "lls")) == 2);
  CHECK(!std::filesystem::exists(hub.dir / "out"));
}

TEST_CASE("usage errors exit 2, and a missing hub.db exits 1 and is not created", "[export]") {
  LlsHub hub;
  ExportArgs args = Args("xml");
  CHECK(hub.Run(args) == 2);
  args = Args("csv");
  args.from = "2026-13";
  CHECK(hub.Run(args) == 2);
  args.from = "2026-1";
  CHECK(hub.Run(args) == 2);
  args.from = "2026-03";
  args.to = "2026-01";
  CHECK(hub.Run(args) == 2);
  args = Args("csv");
  args.measure = "satod";  // codes are case-sensitive
  CHECK(hub.Run(args) == 2);
  args = Args("csv", "sideways");
  CHECK(hub.Run(args) == 2);
  args = Args("fhir");
  args.canonical_base = "ftp://example.org/fhir";
  CHECK(hub.Run(args) == 2);
  args.canonical_base = "https://example.org/fhir?x=1";
  CHECK(hub.Run(args) == 2);
  CHECK(!std::filesystem::exists(hub.dir / "out"));

  WriteText(hub.dir / "elsewhere.toml", HubToml("north", "nowhere"));
  args = Args("csv");
  args.config = hub.dir / "elsewhere.toml";
  args.out = hub.dir / "out";
  CHECK(Export(args) == 1);
  CHECK(!std::filesystem::exists(hub.dir / "nowhere" / "hub.db"));
  args.config = hub.dir / "no-such.toml";
  CHECK(Export(args) != 0);
}

TEST_CASE("JSON: hub, generated_at and each measure's figures with their strata", "[export]") {
  LlsHub hub;
  REQUIRE(hub.Run(Args("json")) == 0);
  json doc = json::parse(hub.Output());
  CHECK(doc["hub"] == "north");
  CHECK(doc["tier"] == "lls");
  CHECK(doc["stratify"] == "trust");
  CHECK(doc["generated_at"].get<std::string>().size() == 24);  // 2026-03-01T12:00:00.000Z
  auto cells = hub.Cells();
  size_t figures = 0, strata = 0;
  std::string previous;
  for (const json& m : doc["measures"]) {
    std::string code = m["code"];
    CHECK(code > previous);  // ordered by code, one entry each
    previous = code;
    const MeasureDefinition* definition = FindMeasure(BuiltInCatalogue(), code);
    REQUIRE(definition != nullptr);
    CHECK(m["name"] == definition->name);
    CHECK(m["unit"] == definition->unit);
    CHECK(m["improvement"] == ImprovementName(definition->improvement));
    for (const json& f : m["figures"]) {
      ++figures;
      const Sum& want = cells.at({code, f["period"].get<std::string>()});
      CHECK(f["scope_type"] == "lls");
      CHECK(f["trusts"] == want.trusts);
      CHECK(f["suppressed_cells"] == want.suppressed);
      CHECK(f["suppressed"] == (want.trusts == 0));
      if (want.trusts == 0) {
        CHECK(f["numerator"].is_null());
        CHECK(f["denominator"].is_null());
        CHECK(f["rate"].is_null());
      } else {
        CHECK(f["numerator"] == want.n);
        CHECK(f["denominator"] == want.d);
        CHECK(f["rate"].get<double>() == Approx(Rate(want.n, want.d, code)).margin(0.00005));
      }
      for (const json& s : f["strata"]) {
        ++strata;
        CHECK(s["scope_type"] == "trust");
        const TrustPoint* p =
            hub.Find(s["organisation"].get<std::string>(), code, f["period"].get<std::string>());
        REQUIRE(p != nullptr);
        CHECK(s["suppressed"] == p->suppressed);
        CHECK(s.contains("trusts") == false);
        if (p->suppressed) {
          CHECK(s["numerator"].is_null());
          CHECK(s["denominator"].is_null());
        } else {
          CHECK(s["numerator"] == p->n);
          CHECK(s["denominator"] == p->d);
        }
      }
    }
  }
  CHECK(figures == cells.size());
  CHECK(strata == hub.points.size());
}

TEST_CASE("FHIR at an LLS hub: a valid R4 Bundle of summary MeasureReports", "[export][fhir]") {
  LlsHub hub;
  REQUIRE(hub.Run(Args("fhir")) == 0);
  json bundle = json::parse(hub.Output());
  std::vector<std::string> problems = test::ValidateMeasureReportBundle(bundle);
  for (const std::string& p : problems) UNSCOPED_INFO(p);
  CHECK(problems.empty());

  auto cells = hub.Cells();
  REQUIRE(bundle["entry"].size() == cells.size());
  const std::string base(kDefaultCanonicalBase);
  std::set<std::string> ids;
  for (const json& entry : bundle["entry"]) {
    const json& r = entry["resource"];
    CHECK(ids.insert(r["id"].get<std::string>()).second);
    std::string measure = r["measure"];
    REQUIRE(measure.rfind(base + "/Measure/", 0) == 0);
    std::string code = measure.substr(base.size() + 9);
    std::string start = r["period"]["start"];
    std::string period = start.substr(0, 7);
    CHECK(start == period + "-01");
    CHECK(r["status"] == "complete");
    CHECK(r["type"] == "summary");
    CHECK(r["reporter"]["display"] == "north");
    const MeasureDefinition* definition = FindMeasure(BuiltInCatalogue(), code);
    REQUIRE(definition != nullptr);
    CHECK(r["improvementNotation"]["coding"][0]["code"] ==
          ImprovementName(definition->improvement));

    const Sum& want = cells.at({code, period});
    const json& group = r["group"][0];
    CHECK(group["code"]["coding"][0]["code"] == code);
    const json& pops = group["population"];
    if (want.trusts == 0) {
      CHECK(!pops[0].contains("count"));
      CHECK(!pops[1].contains("count"));
      CHECK(pops[0]["_count"]["extension"][0]["valueCode"] == "masked");
    } else {
      CHECK(pops[0]["code"]["coding"][0]["code"] == "numerator");
      CHECK(pops[0]["count"] == want.n);
      CHECK(pops[1]["code"]["coding"][0]["code"] == "denominator");
      CHECK(pops[1]["count"] == want.d);
      CHECK(group["measureScore"]["code"] == (definition->unit == "percent" ? "%" : "/10*3"));
    }
    const json& stratifier = group["stratifier"][0];
    CHECK(stratifier["code"][0]["text"] == "trust");
    size_t expected_strata = static_cast<size_t>(want.trusts + want.suppressed);
    REQUIRE(stratifier["stratum"].size() == expected_strata);
    for (const json& s : stratifier["stratum"]) {
      const json& coding = s["value"]["coding"][0];
      CHECK(coding["system"] == kOdsSystem);
      const TrustPoint* p = hub.Find(coding["code"].get<std::string>(), code, period);
      REQUIRE(p != nullptr);
      CHECK(s["value"]["text"] == hub.info.at(p->trust).display);
      if (p->suppressed) {
        for (const json& pop : s["population"]) {
          CHECK(!pop.contains("count"));
          CHECK(pop["_count"]["extension"][0]["url"] == kDataAbsentReasonUrl);
        }
        CHECK(!s["measureScore"].contains("value"));
      } else {
        CHECK(s["population"][0]["count"] == p->n);
        CHECK(s["population"][1]["count"] == p->d);
      }
    }
  }
}

TEST_CASE("FHIR: --canonical-base names the Measure canonicals", "[export][fhir]") {
  LlsHub hub;
  ExportArgs args = Args("fhir", "none");
  args.canonical_base = "https://fhir.example-lls.org/r4/";
  args.measure = "CO_BOOKING";
  REQUIRE(hub.Run(args) == 0);
  json bundle = json::parse(hub.Output());
  CHECK(test::ValidateMeasureReportBundle(bundle).empty());
  REQUIRE(bundle["entry"].size() == 1);
  const json& r = bundle["entry"][0]["resource"];
  CHECK(r["measure"] == "https://fhir.example-lls.org/r4/Measure/CO_BOOKING");
  CHECK(r["period"]["end"] == "2026-01-31");
  CHECK(!r["group"][0].contains("stratifier"));
  CHECK(r["group"][0]["measureScore"]["value"].get<double>() ==
        Approx(Rate(290, 300, "CO_BOOKING")).margin(0.00005));
}

// ---------------------------------------------------------------------------------------------
// National hub: two LLS hubs' signed Aggregates through the real Ingest.

// One LLS hub's figure, as its Forwarder would send it.
Aggregate Agg(const std::string& scope, const std::string& measure, const std::string& period,
              uint32_t trusts, uint64_t n, uint64_t d, uint32_t suppressed) {
  Aggregate a;
  a.scope = scope;
  a.measure_code = measure;
  a.period = period;
  a.contributing_trusts = trusts;
  a.contributing_llss = 1;
  a.numerator = n;
  a.denominator = d;
  a.suppressed_cells = suppressed;
  return a;
}

struct National {
  TempDir dir;
  FakeClock clock;
  hub::HubStore store = OpenIn(dir / "data");
  hub::MemberDirectory members;
  crypto::Identity north = NewIdentity("north");
  crypto::Identity south = NewIdentity("south");
  hub::Aggregates aggregates;
  std::unique_ptr<hub::Ingest> ingest;
  std::map<const crypto::Identity*, uint64_t> seqs;
  std::vector<std::pair<const crypto::Identity*, Aggregate>> sent = {
      {&north, Agg("north", "SATOD", "2026-01", 2, 65, 510, 0)},
      {&south, Agg("south", "SATOD", "2026-01", 1, 15, 100, 1)},
      {&north, Agg("north", "SATOD", "2026-02", 0, 0, 0, 2)},  // every trust suppressed
      {&south, Agg("south", "CO_BOOKING", "2026-01", 1, 290, 300, 0)},
  };
  std::filesystem::path config = dir / "hub.toml";

  National() {
    for (const crypto::Identity* id : {&north, &south}) {
      hub::EnrolRequest request = hub::test::RequestFor(*id, hub::Role::kHub, id->name());
      request.lls = id->name();
      REQUIRE(store.Enrol(request, kNow).ok());
    }
    REQUIRE(members.Reload(store).ok());
    REQUIRE(hub::Aggregates::RegisterSchema(store).ok());
    ingest = std::make_unique<hub::Ingest>(store, members, clock, hub::IngestOptions{});
    ingest->AddApplier(&aggregates);
    for (const auto& [id, aggregate] : sent) {
      Envelope e = crypto::Seal(*id, ++seqs[id], kNow, aggregate);
      std::optional<std::string> user = members.Admit(id->curve_public());
      REQUIRE(user.has_value());
      auto replies = ingest->Handle({transport::InboundFrame{"peer", *user, EncodeEnvelope(e)}});
      REQUIRE(replies.size() == 1);
      if (const auto* nack = std::get_if<Nack>(&replies[0].reply)) {
        FAIL("Nack " << NackCodeName(nack->code) << ": " << nack->text);
      }
    }
    WriteText(config, HubToml("england", "data"));
  }

  int Run(ExportArgs args) {
    args.config = config;
    args.out = dir / "out";
    std::filesystem::remove(args.out);
    return Export(args);
  }

  // Expected national (scope "national") and per-LLS sums, keyed by (scope, measure, period).
  std::map<std::tuple<std::string, std::string, std::string>, Sum> Expected() const {
    std::map<std::tuple<std::string, std::string, std::string>, Sum> sums;
    for (const auto& [id, a] : sent) {
      for (const std::string& scope : {a.scope, std::string("national")}) {
        Sum& s = sums[{scope, a.measure_code, a.period}];
        s.n += static_cast<int64_t>(a.numerator);
        s.d += static_cast<int64_t>(a.denominator);
        s.trusts += a.contributing_trusts;
        s.suppressed += a.suppressed_cells;
        s.llss += 1;
      }
    }
    return sums;
  }
};

TEST_CASE("CSV at a national hub: the national figure, then each LLS's", "[export][national]") {
  National hub;
  REQUIRE(hub.Run(Args("csv")) == 0);
  auto records = CsvRecords(ReadText(hub.dir / "out"));
  auto expected = hub.Expected();
  REQUIRE(records.size() == expected.size());
  std::string current;
  for (const auto& r : records) {
    if (r.at("scope_type") == "national") {
      CHECK(r.at("scope") == "national");
      current = r.at("measure") + r.at("period");
    } else {
      CHECK(r.at("scope_type") == "lls");
      CHECK(r.at("measure") + r.at("period") == current);  // under its national row
    }
    CheckAggregateRecord(r, expected.at({r.at("scope"), r.at("measure"), r.at("period")}));
  }

  CHECK(hub.Run(Args("csv", "trust")) == 2);  // a national hub holds no trust figures
  REQUIRE(hub.Run(Args("csv", "none")) == 0);
  for (const auto& r : CsvRecords(ReadText(hub.dir / "out"))) {
    CHECK(r.at("scope_type") == "national");
  }
}

TEST_CASE("FHIR at a national hub: stratified by LLS", "[export][national][fhir]") {
  National hub;
  REQUIRE(hub.Run(Args("fhir")) == 0);
  json bundle = json::parse(ReadText(hub.dir / "out"));
  std::vector<std::string> problems = test::ValidateMeasureReportBundle(bundle);
  for (const std::string& p : problems) UNSCOPED_INFO(p);
  CHECK(problems.empty());
  auto expected = hub.Expected();
  REQUIRE(bundle["entry"].size() == 3);  // SATOD Jan and Feb, CO_BOOKING Jan
  for (const json& entry : bundle["entry"]) {
    const json& r = entry["resource"];
    CHECK(r["reporter"]["display"] == "england");
    const json& group = r["group"][0];
    std::string code = group["code"]["coding"][0]["code"];
    std::string period = r["period"]["start"].get<std::string>().substr(0, 7);
    const Sum& national = expected.at({"national", code, period});
    if (national.trusts > 0) CHECK(group["population"][0]["count"] == national.n);
    CHECK(group["stratifier"][0]["code"][0]["text"] == "lls");
    for (const json& s : group["stratifier"][0]["stratum"]) {
      std::string lls = s["value"]["text"];
      const Sum& want = expected.at({lls, code, period});
      if (want.trusts == 0) {
        CHECK(!s["population"][0].contains("count"));
      } else {
        CHECK(s["population"][1]["count"] == want.d);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Pieces

TEST_CASE("the validator rejects reports that break R4", "[fhir]") {
  json good = json::parse(R"({
    "resourceType": "MeasureReport", "status": "complete", "type": "summary",
    "measure": "https://x.example/fhir/Measure/SATOD",
    "period": {"start": "2024-02-01", "end": "2024-02-29"},
    "group": [{
      "code": {"text": "SATOD"},
      "population": [
        {"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-population",
                              "code": "numerator"}]}, "count": 1},
        {"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-population",
                              "code": "denominator"}]}, "count": 4}],
      "measureScore": {"value": 25.0, "system": "http://unitsofmeasure.org", "code": "%",
                       "unit": "%"}}]})");
  CHECK(test::ValidateMeasureReport(good).empty());
  for (const char* required : {"status", "type", "measure", "period"}) {
    json bad = good;
    bad.erase(required);
    CHECK(!test::ValidateMeasureReport(bad).empty());
  }
  json bad = good;
  bad["status"] = "final";
  CHECK(!test::ValidateMeasureReport(bad).empty());
  bad = good;
  bad["period"]["end"] = "2023-02-29";
  CHECK(!test::ValidateMeasureReport(bad).empty());
  bad = good;
  bad["group"][0]["measureScore"]["value"] = 30.0;
  CHECK(!test::ValidateMeasureReport(bad).empty());
  bad = good;
  bad["group"][0]["population"][0]["count"] = "1";
  CHECK(!test::ValidateMeasureReport(bad).empty());
  bad = good;
  bad["group"][0]["population"][0].erase("count");  // neither a count nor masked
  CHECK(!test::ValidateMeasureReport(bad).empty());
}

TEST_CASE("month bounds, report ids, CSV fields and rates", "[export]") {
  CHECK(MonthBounds("2024-02") == std::pair<std::string, std::string>{"2024-02-01", "2024-02-29"});
  CHECK(MonthBounds("2100-02").second == "2100-02-28");
  CHECK(MonthBounds("2000-02").second == "2000-02-29");
  CHECK(MonthBounds("2026-12").second == "2026-12-31");
  CHECK(MonthBounds("2026-04").second == "2026-04-30");

  Cell cell;
  cell.measure = "TERM_ADMISSIONS_HYPOGLYCAEMIA";
  cell.period = "2026-01";
  cell.figure.scope = "north";
  CHECK(ReportId(cell) == "north-term-admissions-hypoglycaemia-2026-01");
  cell.figure.scope = std::string(60, 'x');
  std::string a = ReportId(cell);
  cell.figure.scope = std::string(59, 'x') + "y";
  CHECK(a.size() == 64);
  CHECK(ReportId(cell).size() == 64);
  CHECK(ReportId(cell) != a);

  CHECK(CsvField("plain") == "plain");
  CHECK(CsvField("a,b") == "\"a,b\"");
  CHECK(CsvField("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(CsvField("two\nlines") == "\"two\nlines\"");

  Figure f;
  f.numerator = 1;
  f.denominator = 3;
  MeasureUnit percent = UnitOf(FindMeasure(BuiltInCatalogue(), "SATOD"));
  CHECK(FormatRate(RateOf(f, percent)) == "33.3333");
  f.denominator = 4;
  CHECK(FormatRate(RateOf(f, percent)) == "25");
  f.denominator = 0;
  CHECK(!RateOf(f, percent));
  f.denominator = 4;
  f.suppressed = true;
  CHECK(!RateOf(f, percent));
  CHECK(UnitOf(nullptr).scale == 1);
}

TEST_CASE("CSV text fields that a spreadsheet would run as a formula start with '", "[export]") {
  ExportData data;
  data.hub = "north";
  Cell cell;
  cell.measure = "SATOD";
  cell.period = "2026-01";
  cell.figure =
      Figure{"lls", "=HYPERLINK(\"http://evil.example\",\"x\")", "", false, 5, 50, 1, 1, 0};
  for (const char* name : {"+Trust", "-Trust", "@SUM(A1)", "\tTab Trust", "\rCR Trust", "Plain"}) {
    Figure f{"trust", name, "=ODS", false, 3, 30, std::nullopt, std::nullopt, std::nullopt};
    cell.strata.push_back(f);
  }
  data.cells.push_back(cell);
  const auto records = CsvRecords(RenderCsv(data));
  REQUIRE(records.size() == 7);
  CHECK(records[0].at("scope") == "'=HYPERLINK(\"http://evil.example\",\"x\")");
  CHECK(records[0].at("organisation").empty());
  CHECK(records[1].at("scope") == "'+Trust");
  CHECK(records[2].at("scope") == "'-Trust");
  CHECK(records[3].at("scope") == "'@SUM(A1)");
  CHECK(records[4].at("scope") == "'\tTab Trust");
  CHECK(records[5].at("scope") == "'\rCR Trust");
  CHECK(records[6].at("scope") == "Plain");
  for (size_t i = 1; i < records.size(); ++i) CHECK(records[i].at("organisation") == "'=ODS");
  // Numbers and the other text columns are untouched.
  CHECK(records[0].at("numerator") == "5");
  CHECK(records[0].at("denominator") == "50");
  CHECK(records[0].at("rate") == "10");
  CHECK(records[0].at("suppressed_cells") == "0");
  CHECK(records[1].at("measure") == "SATOD");
  CHECK(records[1].at("measure_name") == FindMeasure(BuiltInCatalogue(), "SATOD")->name);
  CHECK(records[1].at("period") == "2026-01");
  // JSON is not read by spreadsheets: it carries the names as they are.
  CHECK(json::parse(RenderJson(data))["measures"][0]["figures"][0]["scope"] ==
        "=HYPERLINK(\"http://evil.example\",\"x\")");
}

TEST_CASE("the lls program runs an export to standard output", "[export][program]") {
  LlsHub hub;
  auto result = lls::test::Run({LLS_TOOL_BIN, "export", "--config", hub.config.string(), "--format",
                                "csv", "--measure", "CO_BOOKING"},
                               hub.dir.path());
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  auto records = CsvRecords(result.out);
  REQUIRE(records.size() == 2);  // the LLS cell and beta's figure
  CHECK(records[0].at("numerator") == "290");

  result =
      lls::test::Run({LLS_TOOL_BIN, "export", "--config", hub.config.string(), "--stratify", "lls"},
                     hub.dir.path());
  CHECK(result.exit_code == 2);
  CHECK(result.err.find("national hub") != std::string::npos);
}

}  // namespace
}  // namespace lls::tools
