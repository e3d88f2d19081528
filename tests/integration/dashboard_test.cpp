// The dashboard end to end: a real hub fed by two trusts' real nodes serves its pages, the
// JSON API, /metrics (checked with the Prometheus project's own parser) and /healthz; and
// Debian's chromium, headless, renders the measure page with its SPC chart, limits and icons
// (a screenshot is saved in the build tree).
#include <httplib.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <sstream>

#include "exchange/sqlite.h"
#include "tests/integration/region.h"

namespace lls::test {
namespace {

// Sixteen months of SATOD (smoking at delivery: lower is better). The second eight months are
// lower at both trusts: an improving shift. Counts are multiples of 5 and >= 8, so the node's
// disclosure control leaves them as they are.
std::string Counts(int base_high, int base_low, int denominator) {
  std::string csv = "project,measure,period,numerator,denominator\n";
  for (int m = 1; m <= 16; ++m) {
    int year = m <= 12 ? 2025 : 2026;
    int month = m <= 12 ? m : m - 12;
    int numerator = (m <= 8 ? base_high : base_low) + 5 * (m % 2);
    char period[8];
    std::snprintf(period, sizeof period, "%04d-%02d", year, month);
    csv += "SF-01,SATOD," + std::string(period) + "," + std::to_string(numerator) + "," +
           std::to_string(denominator) + "\n";
  }
  return csv;
}

// A hub with two trusts' sixteen months published; returns the dashboard's base URL.
std::string FedHub(Region& region) {
  region.Enrol("trust-a", "RXA");
  region.Enrol("trust-b", "RXB");
  region.StartHub();
  region.ImportAndPublish("a", Counts(30, 15, 250));
  region.ImportAndPublish("b", Counts(40, 20, 300));
  REQUIRE(WaitUntil(10s, [&] { return fs::exists(region.path("hub/dashboard.url")); }));
  std::string url = ReadText(region.path("hub/dashboard.url"));
  while (!url.empty() && (url.back() == '\n' || url.back() == '/')) url.pop_back();
  REQUIRE(url.rfind("http://127.0.0.1:", 0) == 0);
  return url;
}

httplib::Result Get(const std::string& base, const std::string& path) {
  httplib::Client client(base);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  return client.Get(path.c_str());
}

}  // namespace

TEST_CASE("dashboard: a hub fed by trusts serves pages, JSON, /metrics and /healthz",
          "[integration][dashboard]") {
  Region region;
  const std::string base = FedHub(region);

  auto health = Get(base, "/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);

  // The JSON API's chart agrees with the aggregates the hub reports, recomputed here.
  RunResult aggregates = region.Hub({"aggregates", "--json", "--measure", "SATOD"});
  REQUIRE(aggregates.exit_code == 0);
  nlohmann::json rows = nlohmann::json::parse(aggregates.out);
  REQUIRE(rows.size() == 16);
  // Rates from the counts (rate_percent is rounded for display).
  auto rate = [](const nlohmann::json& row) {
    return 100.0 * row["numerator"].get<double>() / row["denominator"].get<double>();
  };
  double sum = 0;
  for (const auto& row : rows) sum += rate(row);
  const double mean = sum / 16;

  auto api = Get(base, "/api/measures/SATOD");
  REQUIRE(api);
  REQUIRE(api->status == 200);
  CHECK(api->get_header_value("Content-Type").find("application/json") == 0);
  nlohmann::json measure = nlohmann::json::parse(api->body);
  INFO(measure.dump(1).substr(0, 2000));
  const nlohmann::json& points = measure["main"]["points"];
  REQUIRE(points.size() == 16);
  CHECK(points[0]["centre"].get<double>() == Approx(mean).epsilon(1e-9));
  CHECK(points[15]["value"].get<double>() == Approx(rate(rows[15])));
  // Eight low months after eight high ones at the same trusts: a shift, improving for SATOD.
  CHECK(points[15]["signal"] == "improvement");
  CHECK(measure["main"]["variation"] == "improvement-low");
  CHECK(measure["parts"].size() == 2);

  // `lls-hub report`: the same series in one line — latest rate, change from the pooled rate
  // of the first six months, and the SPC reading.
  RunResult report = region.Hub({"report", "--json"});
  INFO(report.err);
  REQUIRE(report.exit_code == 0);
  nlohmann::json lines = nlohmann::json::parse(report.out);
  REQUIRE(lines.size() == 15);  // every catalogue measure is listed, with data or not
  nlohmann::json line;
  for (const nlohmann::json& l : lines) {
    if (l["measure"] == "SATOD") line = l;
    else CHECK(l["months"] == 0);  // only SATOD was published
  }
  REQUIRE(line.is_object());
  CHECK(line["scope"] == "lls-test");
  CHECK(line["measure"] == "SATOD");
  CHECK(line["latest_period"] == "2026-04");
  CHECK(line["months"] == 16);
  double base_n = 0, base_d = 0;
  for (size_t i = 0; i < 6; ++i) {
    base_n += rows[i]["numerator"].get<double>();
    base_d += rows[i]["denominator"].get<double>();
  }
  CHECK(line["baseline_rate"].get<double>() == Approx(100.0 * base_n / base_d));
  CHECK(line["latest_rate"].get<double>() == Approx(rate(rows[15])));
  CHECK(line["change"].get<double>() == Approx(rate(rows[15]) - 100.0 * base_n / base_d));
  CHECK(line["variation"] == "improvement-low");
  RunResult table = region.Hub({"report"});
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.find("improvement-low") != std::string::npos);

  for (const char* page : {"/", "/measure/SATOD", "/learning", "/members"}) {
    auto r = Get(base, page);
    REQUIRE(r);
    INFO(page);
    CHECK(r->status == 200);
    CHECK(r->get_header_value("Content-Type").find("text/html") == 0);
  }
  auto missing = Get(base, "/measure/NOPE");
  REQUIRE(missing);
  CHECK(missing->status == 404);

  // /metrics: valid Prometheus text (the reference parser), with the two stored summaries.
  auto metrics = Get(base, "/metrics");
  REQUIRE(metrics);
  REQUIRE(metrics->status == 200);
  CHECK(metrics->get_header_value("Content-Type").find("text/plain; version=0.0.4") == 0);
  WriteText(region.path("metrics.txt"), metrics->body);
  RunResult parsed = region.Call({"/usr/bin/python3", LLS_SOURCE_DIR "/tests/integration/check_prometheus.py",
                                  region.path("metrics.txt").string()});
  INFO(parsed.err);
  REQUIRE(parsed.exit_code == 0);
  CHECK(parsed.out.find("lls_hub_messages_total{kind=\"project-summary\",outcome=\"stored\"} 2.0") !=
        std::string::npos);
  CHECK(parsed.out.find("lls_hub_ack_latency_seconds_count{} 2.0") != std::string::npos);
  CHECK(parsed.out.find("lls_hub_database_bytes{}") != std::string::npos);
  CHECK(parsed.out.find("lls_hub_nacks_total{code=\"bad-signature\"} 0.0") != std::string::npos);

  // An operator's backup while the hub runs: a complete, self-contained copy; never overwritten.
  const fs::path backup = region.path("hub-backup.db");
  RunResult backed_up = region.Hub({"backup", "--out", backup.string()});
  INFO(backed_up.err);
  REQUIRE(backed_up.exit_code == 0);
  db::OpenOptions options;
  options.create = false;
  auto copy = db::Database::Open(backup, options);
  REQUIRE(copy.ok());
  auto counted = copy->Prepare("SELECT COUNT(*) FROM log");
  REQUIRE(counted.ok());
  REQUIRE(*counted->Step());
  CHECK(counted->ColumnInt(0) == 2);  // the two trusts' summaries
  CHECK(region.Hub({"backup", "--out", backup.string()}).exit_code == 1);
}

TEST_CASE("dashboard: headless chromium renders the SPC chart with its limits and icons",
          "[integration][dashboard][browser]") {
  const std::string chromium = "/usr/bin/chromium";
  REQUIRE(fs::exists(chromium));  // installed by deploy/install-deps.sh (tests/run.sh)
  Region region;
  const std::string base = FedHub(region);
  const std::string page = base + "/measure/SATOD";
  const fs::path profile = region.path("chromium-profile");
  const std::vector<std::string> common = {
      chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
      "--user-data-dir=" + profile.string(), "--window-size=1280,2000"};

  std::vector<std::string> dump = common;
  dump.push_back("--dump-dom");
  dump.push_back(page);
  RunResult dom = region.Call(dump, 90s);
  INFO(dom.err.substr(0, 2000));
  REQUIRE(dom.exit_code == 0);
  // The chart as the browser parsed it: an SVG with role img, the process limits, the mean,
  // the points and MDC icons.
  CHECK(dom.out.find("<svg") != std::string::npos);
  CHECK(dom.out.find("role=\"img\"") != std::string::npos);
  CHECK(dom.out.find("class=\"limit upper\"") != std::string::npos);
  CHECK(dom.out.find("class=\"limit lower\"") != std::string::npos);
  CHECK(dom.out.find("process limits") != std::string::npos);
  CHECK(dom.out.find("class=\"icon\"") != std::string::npos);
  CHECK(dom.out.find("Special cause variation: improvement, low values") != std::string::npos);

  const fs::path shot = fs::path(LLS_BUILD_DIR) / "dashboard-SATOD.png";
  fs::remove(shot);
  std::vector<std::string> capture = common;
  capture.push_back("--screenshot=" + shot.string());
  capture.push_back(page);
  RunResult shot_run = region.Call(capture, 90s);
  INFO(shot_run.err.substr(0, 2000));
  REQUIRE(shot_run.exit_code == 0);
  REQUIRE(fs::exists(shot));
  // The chart was painted: the improving (blue) and the concerning (orange) special-cause
  // points of Making Data Count's palette, as dashboard/icons.cpp defines them, are on screen.
  RunResult colours = region.Call({"/usr/bin/python3",
                                   LLS_SOURCE_DIR "/tests/integration/check_screenshot.py",
                                   shot.string(), "#1f7fc2=200", "#b36b00=200"});
  INFO(colours.out + colours.err);
  CHECK(colours.exit_code == 0);
}

}  // namespace lls::test

namespace lls::test {

TEST_CASE("dashboard: a taken dashboard port is logged and the hub serves its members anyway",
          "[integration][dashboard]") {
  Region first;
  first.StartHub();
  REQUIRE(WaitUntil(10s, [&] { return fs::exists(first.path("hub/dashboard.url")); }));
  std::string url = ReadText(first.path("hub/dashboard.url"));
  const std::string taken = url.substr(url.rfind(':') + 1, url.find('/', 7) - url.rfind(':') - 1);
  REQUIRE(!taken.empty());

  Region second;
  std::string config = ReadText(second.hub_config());
  const size_t at = config.find("port = 0");
  REQUIRE(at != std::string::npos);
  config.replace(at, 8, "port = " + taken);
  WriteText(second.hub_config(), config);
  second.Enrol("trust-a", "RXA");
  second.StartHub();
  second.ImportAndPublish("a", "project,measure,period,numerator,denominator\n"
                               "SF-01,SATOD,2026-01,20,200\n");
  CHECK_FALSE(fs::exists(second.path("hub/dashboard.url")));
  CHECK(second.hub().Stderr().find("dashboard not started") != std::string::npos);
  CHECK(second.hub().running());
}

}  // namespace lls::test
