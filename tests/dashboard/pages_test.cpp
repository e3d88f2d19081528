// The routes without a socket: every page and its JSON twin from a fixed data set, the charts'
// figures against analytics::XmrChart, escaping, and the 404 / 405 / 500 / 503 paths.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "analytics/spc.h"
#include "dashboard/analysis.h"
#include "dashboard/html.h"
#include "dashboard/routes.h"
#include "dashboard/svg_chart.h"
#include "fake_source.h"

using namespace lls;
using namespace lls::dashboard;
using lls::dashboard::test::FakeSource;
using lls::dashboard::test::kHostile;

namespace {

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

// The text of the element that starts at `open` (up to the matching `close`, not nested).
std::string Slice(const std::string& page, const std::string& open, const std::string& close) {
  const size_t a = page.find(open);
  if (a == std::string::npos) return "";
  const size_t b = page.find(close, a);
  return page.substr(a, b == std::string::npos ? std::string::npos : b + close.size() - a);
}

Reply Get(Source& s, const std::string& path) { return Route(s, "GET", path); }

}  // namespace

TEST_CASE("Escape covers the HTML and attribute specials") {
  CHECK(Escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  CHECK(UrlSegment("A B/é") == "A%20B%2F%C3%A9");
}

TEST_CASE("The overview lists each measure with its latest value and icons") {
  FakeSource source;
  const Reply r = Get(source, "/");
  REQUIRE(r.status == 200);
  CHECK(r.content_type == kHtmlType);
  CHECK(r.body.find("<html lang=\"en\">") != std::string::npos);
  CHECK(r.body.find("href=\"#main\"") != std::string::npos);
  CHECK(r.body.find("<main id=\"main\"") != std::string::npos);
  CHECK(r.body.find("<nav") != std::string::npos);
  CHECK(r.body.find("Test &amp; Learn LLS") != std::string::npos);
  CHECK(r.body.find("href=\"/measure/SATOD\"") != std::string::npos);
  CHECK(r.body.find("Dec 2023") != std::string::npos);
  CHECK(r.body.find("6.9%") != std::string::npos);  // 69 / 1000
  CHECK(r.body.find("class=\"spark\"") != std::string::npos);
  CHECK(r.body.find("<caption>") != std::string::npos);
  CHECK(r.body.find("no data") != std::string::npos);  // NODATA
  // No external resources, no scripts.
  CHECK(r.body.find("<script") == std::string::npos);
  CHECK(r.body.find("src=") == std::string::npos);
  CHECK(r.body.find("<link") == std::string::npos);
}

TEST_CASE("The measure page draws the XmR chart with limits, icons and focusable points") {
  FakeSource source;
  const Reply r = Get(source, "/measure/SATOD");
  REQUIRE(r.status == 200);
  const std::string svg =
      Slice(r.body, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"main-chart\"",
            "</svg>");
  REQUIRE(!svg.empty());
  CHECK(svg.find("role=\"img\"") != std::string::npos);
  CHECK(svg.find("aria-labelledby=\"main-chart-t main-chart-d\"") != std::string::npos);
  CHECK(svg.find("<title id=\"main-chart-t\">") != std::string::npos);
  CHECK(svg.find("<desc id=\"main-chart-d\">") != std::string::npos);
  CHECK(Count(svg, "class=\"limit upper\"") == 1);
  CHECK(Count(svg, "class=\"limit lower\"") == 1);
  CHECK(Count(svg, "class=\"centre\"") == 1);
  CHECK(Count(svg, "class=\"band\"") == 1);
  CHECK(Count(svg, "class=\"target\"") == 1);
  // 24 months, one without data and one partial (a suppressed trust-month, so not charted):
  // 22 points, each focusable with a name and a tooltip.
  CHECK(Count(svg, "tabindex=\"0\"") == 22);
  CHECK(Count(svg, "aria-label=\"") == 22);
  CHECK(Count(svg, "<g class=\"pt ") == 22);
  CHECK(r.body.find("partial month: not charted") != std::string::npos);
  // The fall in 2023 is a special cause, drawn as an improvement (lower is better).
  CHECK(svg.find("class=\"pt improvement\"") != std::string::npos);
  CHECK(svg.find("Jan 2023: 7.5% (75 / 1000); 3 trusts; improvement") != std::string::npos);
  // Icons beside the chart, with their text.
  CHECK(r.body.find("class=\"icon\"") != std::string::npos);
  CHECK(r.body.find("Special cause variation: improvement, low values") != std::string::npos);
  // Small multiples: one per trust, not focusable; the hostile name escaped.
  CHECK(Count(r.body, "class=\"chart small\"") == 3);
  CHECK(r.body.find(kHostile) == std::string::npos);
  CHECK(r.body.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  // The funnel plot, with a point per trust and both pairs of limit curves.
  const std::string funnel =
      Slice(r.body, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart funnel\"", "</svg>");
  REQUIRE(!funnel.empty());
  CHECK(Count(funnel, "class=\"pt funnel-unit\"") == 3);
  CHECK(Count(funnel, "class=\"limit l95\"") == 2);
  CHECK(Count(funnel, "class=\"limit l998\"") == 2);
  // The data table: a row per month, the gap shown as such.
  CHECK(r.body.find("<caption>Test &amp; Learn LLS: monthly figures</caption>") !=
        std::string::npos);
  CHECK(r.body.find("<th scope=\"col\"") != std::string::npos);
  CHECK(r.body.find(">no data<") != std::string::npos);
  // Headings in order: one h1, then h2s before any h3.
  CHECK(Count(r.body, "<h1") == 1);
  CHECK(r.body.find("<h2") < r.body.find("<h3"));
}

TEST_CASE("The measure API's centre and limits are analytics::XmrChart's") {
  FakeSource source;
  const Reply r = Get(source, "/api/measures/SATOD");
  REQUIRE(r.status == 200);
  CHECK(r.content_type == kJsonType);
  const auto j = nlohmann::json::parse(r.body);

  std::vector<analytics::Observation> obs;
  for (const Cell& c : test::SatodCells()) {
    // Complete months only: a partial month (a suppressed trust-month) is not charted.
    if (c.denominator > 0 && c.suppressed_cells == 0) {
      obs.push_back({c.period, 100.0 * c.numerator / c.denominator});
    }
  }
  analytics::ChartOptions options;
  options.improvement = analytics::Direction::kDecrease;
  options.target = 6;
  auto chart = analytics::XmrChart(obs, options);
  REQUIRE(chart.ok());

  CHECK(j["measure"]["code"] == "SATOD");
  CHECK(j["measure"]["improvement"] == "decrease");
  CHECK(j["target"] == 6);
  const auto& points = j["main"]["points"];
  REQUIRE(points.size() == 24);
  size_t k = 0;
  for (const auto& p : points) {
    if (p["gap"].get<bool>()) {
      if (p["partial"].get<bool>()) {  // figures shown, not charted
        CHECK(p["period"] == "2022-04");
        CHECK(p["value"].get<double>() == Approx(10.8));
      } else {
        CHECK(p["period"] == "2022-06");
        CHECK(p["value"].is_null());
      }
      CHECK(p["centre"].is_null());
      continue;
    }
    const analytics::ChartPoint& c = chart->points.at(k++);
    CHECK(p["period"] == c.period);
    CHECK(p["value"].get<double>() == Approx(c.value));
    CHECK(p["centre"].get<double>() == Approx(c.centre));
    CHECK(p["lower"].get<double>() == Approx(c.lower));
    CHECK(p["upper"].get<double>() == Approx(c.upper));
    CHECK(p["lower_2s"].get<double>() == Approx(c.lower_2s));
    CHECK(p["upper_2s"].get<double>() == Approx(c.upper_2s));
    CHECK(p["signal"] == analytics::PointSignalName(c.signal));
    CHECK(p["rules"].size() == static_cast<size_t>(__builtin_popcount(c.rules)));
    CHECK(p["received"].is_null());
  }
  CHECK(k == chart->points.size());
  CHECK(j["main"]["variation"] == analytics::VariationIconName(chart->variation));
  CHECK(j["main"]["assurance"] == analytics::AssuranceIconName(chart->assurance));
  REQUIRE(j["parts"].size() == 3);
  CHECK(j["parts"][1]["scope"] == kHostile);  // JSON carries the raw string, escaped by JSON
  CHECK(j["parts"][0]["points"].size() == 24);
  REQUIRE(j["funnel"].is_object());
  CHECK(j["funnel"]["period"] == "2023-12");
  CHECK(j["funnel"]["units"].size() == 3);
  for (const char* key : {"target", "phi", "tau2", "overdispersed"}) {
    CHECK(j["funnel"].contains(key));
  }
  for (const char* key :
       {"name", "value", "z", "lower95", "upper95", "lower998", "upper998", "position"}) {
    CHECK(j["funnel"]["units"][0].contains(key));
  }
}

TEST_CASE("A national hub shows the signals its LLS hubs reported") {
  FakeSource source(/*national=*/true);
  const Reply page = Get(source, "/measure/SATOD");
  REQUIRE(page.status == 200);
  CHECK(page.body.find("Reported by the LLS hub") != std::string::npos);
  CHECK(page.body.find("concern (shift); mean 10.5%, limits 7.0% to 14.0%") != std::string::npos);
  CHECK(page.body.find("By LLS") != std::string::npos);
  const auto j = nlohmann::json::parse(Get(source, "/api/measures/SATOD").body);
  const auto& received = j["parts"][0]["points"][0]["received"];
  REQUIRE(received.is_object());
  CHECK(received["signal"] == "concern");
  CHECK(received["centre"] == 10.5);
  CHECK(received["variation"] == "concern-low");
}

TEST_CASE("The learning feed and members pages escape what the Source holds") {
  FakeSource source;
  const Reply learning = Get(source, "/learning");
  REQUIRE(learning.status == 200);
  CHECK(learning.body.find(kHostile) == std::string::npos);
  CHECK(learning.body.find("&lt;b&gt;tag&lt;/b&gt;") != std::string::npos);
  CHECK(learning.body.find("badge approved") != std::string::npos);
  CHECK(learning.body.find("badge rejected") != std::string::npos);
  CHECK(learning.body.find("featured") != std::string::npos);
  CHECK(learning.body.find("Contains a patient&#39;s name") != std::string::npos);
  CHECK(learning.body.find("Carbon monoxide") < learning.body.find("Rejected idea"));

  const Reply members = Get(source, "/members");
  REQUIRE(members.status == 200);
  CHECK(members.body.find(kHostile) == std::string::npos);
  CHECK(members.body.find("R&quot;X&#39;B") != std::string::npos);
  CHECK(members.body.find("2023-11-14T22:13:10Z") != std::string::npos);
  CHECK(members.body.find("just now") != std::string::npos);
  CHECK(members.body.find("never") != std::string::npos);
  CHECK(members.body.find("<strong>revoked</strong>") != std::string::npos);

  const auto lj = nlohmann::json::parse(Get(source, "/api/learning").body);
  CHECK(lj["entries"].size() == 2);
  CHECK(lj["entries"][0]["author"] == kHostile);
  const auto mj = nlohmann::json::parse(Get(source, "/api/members").body);
  CHECK(mj["members"].size() == 4);
  CHECK(mj["members"][2]["last_seen"].is_null());
  const auto oj = nlohmann::json::parse(Get(source, "/api/overview").body);
  CHECK(oj["hub"]["name"] == "Test & Learn LLS");
  CHECK(oj["measures"].size() == 3);
  CHECK(oj["measures"][0]["latest"]["period"] == "2023-12");
  CHECK(oj["measures"][2]["latest"].is_null());
  CHECK(oj["members"]["by_role"]["trust"] == 3);
}

TEST_CASE("A measure's JSON is kept until the Source's version changes, and only then") {
  FakeSource source;
  AnswerCache cache;
  auto get = [&](const std::string& path) { return Route(source, "GET", path, &cache); };
  const std::string path = "/api/measures/SATOD";

  // No version: nothing is kept, each request reads the measure.
  const std::string fresh = get(path).Text();
  get(path);
  CHECK(source.measure_calls() == 2);
  CHECK(fresh == Get(source, path).body);

  // With one: the first request makes the answer, the next ones are served from the cache.
  source.set_version(7);
  const Reply first = get(path);
  const Reply second = get(path);
  CHECK(source.measure_calls() == 4);
  CHECK(first.status == 200);
  CHECK(first.content_type == kJsonType);
  CHECK(first.Text() == fresh);
  CHECK(second.Text() == fresh);
  CHECK(second.shared_body == first.shared_body);  // the same bytes, not a copy

  // New figures under the same version are not seen (the version is the Source's promise);
  // a new version brings them.
  source.measures[0].main.cells.back().numerator += 1;
  CHECK(get(path).Text() == fresh);
  source.set_version(8);
  const std::string changed = get(path).Text();
  CHECK(changed != fresh);
  CHECK(changed == Get(source, path).body);
  CHECK(source.measure_calls() == 6);

  // Pages are drawn afresh (they show the time and who is connected), and a 404 is not kept.
  get("/measure/SATOD");
  get("/measure/SATOD");
  CHECK(source.measure_calls() == 8);
  CHECK(get("/api/measures/NOPE").status == 404);
  CHECK(get("/api/measures/NOPE").status == 404);
  CHECK(source.measure_calls() == 10);

  // A Source that cannot say its version: 500 with the reason, as for any Source error.
  source.set_fail(true);
  const Reply failed = get(path);
  CHECK(failed.status == 500);
  CHECK(failed.Text().find("reading the data version") != std::string::npos);
}

TEST_CASE("The answer cache keeps only the newest version's answers, and a bounded number") {
  AnswerCache cache;
  for (size_t i = 0; i < AnswerCache::kMaxEntries; ++i) {
    cache.Put("k" + std::to_string(i), 1, std::make_shared<const std::string>("a"));
  }
  CHECK(cache.Get("k0", 1) != nullptr);
  CHECK(cache.Get("k63", 1) != nullptr);
  CHECK(cache.Get("k0", 2) == nullptr);  // asked under another version
  cache.Put("k0", 1, std::make_shared<const std::string>("b"));  // replaces, no growth
  CHECK(*cache.Get("k0", 1) == "b");
  CHECK(cache.Get("k1", 1) != nullptr);
  cache.Put("one more", 1, std::make_shared<const std::string>("c"));  // over the bound
  CHECK(cache.Get("k1", 1) == nullptr);
  CHECK(*cache.Get("one more", 1) == "c");
  // A newer version's answer drops the older ones at once.
  cache.Put("k2", 2, std::make_shared<const std::string>("d"));
  CHECK(cache.Get("one more", 1) == nullptr);
  CHECK(*cache.Get("k2", 2) == "d");
}

TEST_CASE("Unknown pages and measures are 404, other methods 405, Source errors 500") {
  FakeSource source;
  CHECK(Get(source, "/nowhere").status == 404);
  CHECK(Get(source, "/measure/NOPE").status == 404);
  CHECK(Get(source, "/measure/").status == 404);
  const Reply api404 = Get(source, "/api/measures/NOPE");
  CHECK(api404.status == 404);
  CHECK(api404.content_type == kJsonType);
  const Reply hostile = Get(source, std::string("/measure/") + kHostile);
  CHECK(hostile.status == 404);
  CHECK(hostile.body.find(kHostile) == std::string::npos);
  CHECK(Route(source, "POST", "/").status == 405);
  CHECK(Route(source, "DELETE", "/api/members").status == 405);
  CHECK(Route(source, "HEAD", "/").status == 200);

  source.set_fail(true);
  for (const char* path : {"/", "/measure/SATOD", "/learning", "/members", "/api/overview",
                           "/api/measures/SATOD", "/api/learning", "/api/members", "/metrics"}) {
    const Reply r = Get(source, path);
    CHECK(r.status == 500);
    CHECK(r.body.find("disk I/O error") != std::string::npos);
  }
  CHECK(Get(source, "/healthz").status == 200);  // Health() is separate from the reads
}

TEST_CASE("/metrics and /healthz") {
  FakeSource source;
  const Reply m = Get(source, "/metrics");
  CHECK(m.status == 200);
  CHECK(m.content_type == std::string("text/plain; version=0.0.4; charset=utf-8"));
  CHECK(m.body.find("lls_hub_log_entries 1234") != std::string::npos);
  CHECK(Get(source, "/healthz").body == "ok\n");
  source.set_unhealthy(true);
  const Reply h = Get(source, "/healthz");
  CHECK(h.status == 503);
  CHECK(h.body.find("has not turned") != std::string::npos);
}

TEST_CASE("Charts survive awkward series") {
  FakeSource source;
  SECTION("a single month") {
    source.measures[0].main.cells.resize(1);
    CHECK(Get(source, "/measure/SATOD").status == 200);
  }
  SECTION("every month a gap") {
    for (Cell& c : source.measures[0].main.cells) c.denominator = 0;
    const Reply r = Get(source, "/measure/SATOD");
    CHECK(r.status == 200);
    CHECK(r.body.find("No data") != std::string::npos);
  }
  SECTION("ten years of months") {
    auto& cells = source.measures[0].main.cells;
    while (cells.size() < 120) {
      Cell c = cells[cells.size() % 24];
      const size_t i = cells.size();
      c.period = std::to_string(2022 + i / 12) + "-" + (i % 12 < 9 ? "0" : "") +
                 std::to_string(i % 12 + 1);
      cells.push_back(c);
    }
    const Reply r = Get(source, "/measure/SATOD");
    REQUIRE(r.status == 200);
    CHECK(Count(r.body, "Jan 2031") >= 1);
  }
  SECTION("a numerator above its denominator does not stop the page") {
    source.measures[0].parts[0].cells.back().numerator = 999;
    CHECK(Get(source, "/measure/SATOD").status == 200);
  }
}

TEST_CASE("The overview reads each measure's summary, never its parts") {
  FakeSource source;
  REQUIRE(Get(source, "/").status == 200);
  CHECK(source.measure_calls() == 0);
  CHECK(source.summary_calls() == 3);
  REQUIRE(Get(source, "/api/overview").status == 200);
  CHECK(source.measure_calls() == 0);
  CHECK(source.summary_calls() == 6);
  REQUIRE(Get(source, "/measure/SATOD").status == 200);  // the measure page needs the parts
  CHECK(source.measure_calls() == 1);
}

TEST_CASE("Suppressed counts are shown as suppressed, never as numbers") {
  FakeSource source;
  MeasureData& satod = source.measures[0];
  // Nov 2022: an aggregate with only suppressed cells (the hub leaves its counts at 0).
  Cell& nov = satod.main.cells[10];
  REQUIRE(nov.period == "2022-11");
  nov = Cell{"2022-11", 0, 0, 0, 3, 0, true, std::nullopt};
  // North Trust's Dec 2023 figure was suppressed at the trust (whatever the counts say).
  Cell& north = satod.parts[0].cells.back();
  REQUIRE(north.period == "2023-12");
  north.suppressed = true;
  north.numerator = 0;
  north.denominator = 0;

  SECTION("the JSON API gives null, never 0, and the chart skips the month") {
    const auto j = nlohmann::json::parse(Get(source, "/api/measures/SATOD").body);
    const auto& p = j["main"]["points"][10];
    CHECK(p["period"] == "2022-11");
    CHECK(p["suppressed"] == true);
    CHECK(p["gap"] == true);
    CHECK(p["suppressed_cells"] == 3);
    for (const char* key : {"numerator", "denominator", "value", "centre", "lower", "upper",
                            "lower_2s", "upper_2s", "moving_range", "segment", "signal"}) {
      INFO(key);
      CHECK(p[key].is_null());
    }
    // A month with no figure is a gap too, but not suppressed: its counts are real zeros.
    const auto& june = j["main"]["points"][5];
    CHECK(june["suppressed"] == false);
    CHECK(june["gap"] == true);
    CHECK(june["denominator"] == 0);
    CHECK(j["main"]["points"][0]["suppressed"] == false);
    CHECK(j["parts"][0]["points"][23]["numerator"].is_null());

    // The chart is analytics::XmrChart over the complete months, as for any gap.
    std::vector<analytics::Observation> obs;
    for (const Cell& c : satod.main.cells) {
      if (c.denominator > 0 && !c.suppressed && c.suppressed_cells == 0) {
        obs.push_back({c.period, 100.0 * c.numerator / c.denominator});
      }
    }
    analytics::ChartOptions options;
    options.improvement = analytics::Direction::kDecrease;
    options.target = 6;
    auto chart = analytics::XmrChart(obs, options);
    REQUIRE(chart.ok());
    // Point 11 is the 9th charted (months 3, 5 and 10 are not: partial, no data, suppressed).
    CHECK(j["main"]["points"][11]["centre"].get<double>() == Approx(chart->points[8].centre));
    CHECK(j["main"]["points"][11]["upper"].get<double>() == Approx(chart->points[8].upper));
    CHECK(j["main"]["mean_moving_range"].get<double>() == Approx(chart->mean_moving_range));

    // The funnel leaves North Trust out, and says so.
    REQUIRE(j["funnel"].is_object());
    CHECK(j["funnel"]["period"] == "2023-12");
    CHECK(j["funnel"]["units"].size() == 2);
    for (const auto& u : j["funnel"]["units"]) CHECK(u["name"] != "North Trust");
    CHECK(j["funnel_suppressed"] == nlohmann::json::array({"North Trust"}));
  }

  SECTION("the page's tables say suppressed, distinct from no data") {
    const Reply r = Get(source, "/measure/SATOD");
    REQUIRE(r.status == 200);
    const std::string main_table =
        Slice(r.body, "<caption>Test &amp; Learn LLS: monthly figures</caption>", "</table>");
    REQUIRE(!main_table.empty());
    const std::string nov_row = Slice(main_table, "<th scope=\"row\">Nov 2022</th>", "</tr>");
    // Numerator, denominator and rate; the trusts (0 contributed) and suppressed cells count.
    CHECK(nov_row.find("Nov 2022</th><td class=\"num\">suppressed</td><td class=\"num\">"
                       "suppressed</td><td class=\"num\">suppressed</td><td class=\"num\">0</td>"
                       "<td class=\"num\">3</td>") != std::string::npos);
    const std::string jun_row = Slice(main_table, "<th scope=\"row\">Jun 2022</th>", "</tr>");
    CHECK(jun_row.find(">no data<") != std::string::npos);
    CHECK(jun_row.find("suppressed</td>") == std::string::npos);
    // The chart: 21 points (24 months, one without data, one suppressed, one partial), the
    // counts said.
    const std::string svg = Slice(r.body, "id=\"main-chart\"", "</svg>");
    CHECK(Count(svg, "<g class=\"pt ") == 21);
    CHECK(svg.find("Nov 2022:") == std::string::npos);
    CHECK(svg.find("(2 without data, 1 of them suppressed); 1 partial month not charted") !=
          std::string::npos);
    // The funnel: two trusts plotted, and the one left out named in the text and the table.
    const std::string funnel = Slice(r.body, "class=\"chart funnel\"", "</svg>");
    CHECK(Count(funnel, "class=\"pt funnel-unit\"") == 2);
    CHECK(r.body.find("1 trust left out: counts suppressed (North Trust).") != std::string::npos);
    CHECK(r.body.find("<caption>Funnel plot values, Dec 2023; 1 trust left out: counts "
                      "suppressed (North Trust)</caption>") != std::string::npos);
  }

  SECTION("a funnel with too few unsuppressed parts says why") {
    satod.parts[1].cells.back().suppressed = true;
    const auto j = nlohmann::json::parse(Get(source, "/api/measures/SATOD").body);
    CHECK(j["funnel"].is_null());
    CHECK(j["funnel_suppressed"].size() == 2);
    const Reply r = Get(source, "/measure/SATOD");
    CHECK(r.body.find("2 trusts left out: counts suppressed (North Trust, "
                      "&lt;script&gt;alert(1)&lt;/script&gt;)") != std::string::npos);
  }

  SECTION("the overview's latest month is the last one with data") {
    for (Cell& c : satod.main.cells) {
      if (c.period >= "2023-11") c = Cell{c.period, 0, 0, 0, 3, 0, true, std::nullopt};
    }
    const auto oj = nlohmann::json::parse(Get(source, "/api/overview").body);
    CHECK(oj["measures"][0]["latest"]["period"] == "2023-10");
  }
}

TEST_CASE("Months a series skips are gaps, and the chart places points by month") {
  const MeasureInfo measure{
      "M", "Measure", "area", "percent", "n", "d", analytics::Direction::kNeutral, 100};
  Series series{"Test LLS", "lls", "", {}};
  for (auto [period, num] : {std::pair{"2025-01", 10}, {"2025-02", 12}, {"2025-05", 11}}) {
    Cell c;
    c.period = period;
    c.numerator = num;
    c.denominator = 100;
    c.trusts = 1;
    series.cells.push_back(c);
  }
  const SeriesChart chart = ChartSeries(series, measure, std::nullopt);
  REQUIRE(chart.points.size() == 5);
  const char* periods[] = {"2025-01", "2025-02", "2025-03", "2025-04", "2025-05"};
  for (size_t i = 0; i < 5; ++i) {
    INFO(i);
    CHECK(chart.points[i].cell.period == periods[i]);
    CHECK(chart.points[i].gap == (i == 2 || i == 3));
    CHECK(chart.points[i].chart.has_value() == !chart.points[i].gap);
    CHECK(!chart.points[i].cell.suppressed);
  }
  CHECK(chart.data_points() == 3);
  CHECK(chart.latest()->cell.period == "2025-05");

  // x by month: May is the fifth of five slots (frame 880 wide, margins 60 and 96: a slot is
  // 144.8 px, May's centre at 60 + 4.5 x 144.8 = 711.6), and the line breaks before it.
  const std::string svg = XmrChartSvg(chart, {"c", "t", "percent", std::nullopt, false});
  const std::string values = Slice(svg, "<path class=\"values\" d=\"", "\"/>");
  CHECK(Count(values, "M") == 2);
  CHECK(values.find("M711.6 ") != std::string::npos);
  CHECK(svg.find("3 months with data, Jan 2025 to May 2025 (2 without data)") != std::string::npos);

  // The same through the API.
  FakeSource source;
  source.measures[0].main = series;
  source.measures[0].parts.clear();
  const auto j = nlohmann::json::parse(Get(source, "/api/measures/SATOD").body);
  REQUIRE(j["main"]["points"].size() == 5);
  CHECK(j["main"]["points"][2]["period"] == "2025-03");
  CHECK(j["main"]["points"][2]["gap"] == true);
  CHECK(j["main"]["points"][2]["denominator"] == 0);
  CHECK(j["main"]["points"][4]["value"] == 11.0);

  SECTION("periods that are not increasing YYYY-MM are kept as they are") {
    Series odd = series;
    odd.cells[1].period = "2025-13";
    CHECK(ChartSeries(odd, measure, std::nullopt).points.size() == 3);
    odd = series;
    odd.cells[2].period = "2024-12";
    CHECK(ChartSeries(odd, measure, std::nullopt).points.size() == 3);
    odd = series;
    odd.cells[0].period = "1900-01";  // more than kMaxFilledMonths to fill
    CHECK(ChartSeries(odd, measure, std::nullopt).points.size() == 3);
  }
}
