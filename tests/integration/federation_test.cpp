// Upward federation end to end: a national hub and two LLS hubs (north, south) whose hub.toml
// names it as [parent], each enrolled there with --role hub. One trust per LLS publishes CSV
// counts; the national hub's `lls-hub aggregates --json` shows each LLS and the national sum
// to the count with 2 contributing LLSs, and follows a republish and a retraction. A facilitator in north
// approves a learning note; the relay reaches the national hub, a national subscriber reads
// it with `lls subscribe`, and its original (the trust's envelope) verifies with `lls inspect`.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>

#include "crypto/crypto.h"
#include "tests/integration/federation_region.h"

namespace lls::test {
namespace {

const char* kProjectCsv = "project,title,area\nSF-01,Smoke-free pathway,smoke-free-pregnancy\n";
// After disclosure control (suppress 1-7, round to 5): north 25/210, south 40/300.
const char* kCountsNorth =
    "project,measure,period,numerator,denominator\nSF-01,SATOD,2026-01,23,212\n";
const char* kCountsNorthRevised =  // 33 -> 35
    "project,measure,period,numerator,denominator\nSF-01,SATOD,2026-01,33,212\n";
const char* kCountsSouth =
    "project,measure,period,numerator,denominator\nSF-01,SATOD,2026-01,40,300\n";

void ImportAndPublish(FederationRegion& region, const std::string& node,
                      const std::string& counts) {
  WriteText(region.path("projects-" + node + ".csv"), kProjectCsv);
  WriteText(region.path("counts-" + node + ".csv"), counts);
  RunResult imported = region.Node(node, {"import", region.path("projects-" + node + ".csv").string(),
                                          region.path("counts-" + node + ".csv").string()});
  INFO(imported.err);
  REQUIRE(imported.exit_code == 0);
  RunResult published = region.Node(node, {"publish", "--wait", "10"});
  INFO(published.err);
  REQUIRE(published.exit_code == 0);
}

nlohmann::json Row(const std::string& lls, int trusts, int llss, int numerator, int denominator,
                   double rate) {
  return {{"lls", lls},
          {"measure", "SATOD"},
          {"period", "2026-01"},
          {"trusts", trusts},
          {"llss", llss},
          {"numerator", numerator},
          {"denominator", denominator},
          {"rate_percent", rate},
          {"suppressed_cells", 0}};
}

// Waits until the national hub's aggregates equal `expected` (forwarding is asynchronous).
void ExpectNational(FederationRegion& region, const nlohmann::json& expected) {
  nlohmann::json rows;
  WaitUntil(10s, [&] {
    rows = region.Json(region.Hub("national", {"aggregates", "--json"}));
    return rows == expected;
  }, 100ms);
  CHECK(rows == expected);
}

TEST_CASE("LLS hubs forward aggregates and approved learning to the national hub",
          "[integration][federation]") {
  FederationRegion region;
  region.StartHub("national");
  region.Keygen("reader");
  region.Enrol("national", "reader", "NAT", "national");
  region.StartHub("north", "national");
  region.StartHub("south", "national");
  region.AddNode("north", "trust-n", "RXN", "trust");
  region.AddNode("south", "trust-s", "RXS", "trust");
  const fs::path facilitator = region.AddNode("north", "facilitator", "LLS-N", "facilitator");

  ImportAndPublish(region, "trust-n", kCountsNorth);
  ImportAndPublish(region, "trust-s", kCountsSouth);
  ExpectNational(region, nlohmann::json::array({Row("national", 2, 2, 65, 510, 12.75),
                                                Row("north", 1, 1, 25, 210, 11.9),
                                                Row("south", 1, 1, 40, 300, 13.33)}));
  // The national report: national first, then each LLS; national = the LLSs' sum.
  nlohmann::json report =
      region.Json(region.Hub("national", {"report", "--json", "--measure", "SATOD"}));
  REQUIRE(report.size() == 3);
  CHECK(report[0]["scope"] == "national");
  CHECK(report[0]["llss"] == 2);
  CHECK(report[0]["numerator"] == report[1]["numerator"].get<int>() + report[2]["numerator"].get<int>());
  CHECK(report[0]["denominator"] ==
        report[1]["denominator"].get<int>() + report[2]["denominator"].get<int>());
  CHECK(report[1]["scope"] == "north");
  CHECK(report[2]["scope"] == "south");
  // Each LLS hub sent its SPC reading with its figure; the national dashboard's API shows it
  // beside the LLS's own series (one month: the value is its own centre, common cause).
  REQUIRE(WaitUntil(10s, [&] { return fs::exists(region.path("national/dashboard.url")); }));
  std::string url = region.path("national/dashboard.url").string();
  url = ReadText(url);
  while (!url.empty() && (url.back() == '\n' || url.back() == '/')) url.pop_back();
  httplib::Client web(url);
  auto api = web.Get("/api/measures/SATOD");
  REQUIRE(api);
  REQUIRE(api->status == 200);
  nlohmann::json measure = nlohmann::json::parse(api->body);
  CHECK(measure["main"]["kind"] == "national");
  REQUIRE(measure["parts"].size() == 2);
  for (const nlohmann::json& part : measure["parts"]) {
    INFO(part.dump());
    REQUIRE(part["points"].size() == 1);
    const nlohmann::json& received = part["points"][0]["received"];
    REQUIRE(received.is_object());
    CHECK(received["signal"] == "common-cause");
    CHECK(received["variation"] == "none");  // one point is too few to judge
    CHECK(received["centre"].get<double>() ==
          Approx(part["points"][0]["value"].get<double>()));
  }

  // North's trust republishes changed figures: the national figure follows, no double count.
  ImportAndPublish(region, "trust-n", kCountsNorthRevised);
  ExpectNational(region, nlohmann::json::array({Row("national", 2, 2, 75, 510, 14.71),
                                                Row("north", 1, 1, 35, 210, 16.67),
                                                Row("south", 1, 1, 40, 300, 13.33)}));
  // South's trust retracts its project: south's cell empties, and leaves the national sum.
  RunResult retracted = region.Node("trust-s", {"retract", "SF-01", "--reason", "wrong month"});
  INFO(retracted.err);
  REQUIRE(retracted.exit_code == 0);
  ExpectNational(region, nlohmann::json::array({Row("national", 1, 1, 35, 210, 16.67),
                                                Row("north", 1, 1, 35, 210, 16.67)}));
  nlohmann::json north = region.Json(region.Hub("north", {"status", "--json"}));
  CHECK(north["parent"]["endpoint"] == region.Endpoint("national"));
  CHECK(north["parent"]["rejected"] == 0);

  // Two learning notes from north's trust, both approved by north's facilitator: one its
  // author scoped to the LLS (approved first; it must stay in north), one scoped national.
  const fs::path note = region.path("note.json");
  WriteText(note, R"({"learning": [
      {"id": "L-00", "title": "Ward huddles", "kind": "change-idea", "area": "deterioration",
       "text": "A two-minute huddle at shift change.", "scope": "lls"},
      {"id": "L-01", "title": "Skin to skin", "kind": "excellence",
       "area": "neonatal-hypoglycaemia", "text": "Skin to skin in the first hour.",
       "scope": "national"}]})");
  REQUIRE(region.Node("trust-n", {"import", note.string()}).exit_code == 0);
  REQUIRE(region.Node("trust-n", {"publish", "--wait", "10"}).exit_code == 0);
  nlohmann::json pending = region.Json(
      region.Call({kLls, "curate", "--config", facilitator.string(), "list", "--json"}));
  REQUIRE(pending.size() == 2);
  std::string id;  // of the national-scoped item, approved last
  for (const char* title : {"Ward huddles", "Skin to skin"}) {  // in this order
    id.clear();
    for (const nlohmann::json& item : pending) {
      if (item["title"] == title) id = item["id"];
    }
    REQUIRE(!id.empty());
    RunResult approved =
        region.Call({kLls, "curate", "--config", facilitator.string(), "approve", id});
    INFO(approved.err);
    REQUIRE(approved.exit_code == 0);
  }

  nlohmann::json status;
  CHECK(WaitUntil(10s, [&] {
    status = region.Json(region.Hub("national", {"status", "--json"}));
    return status["messages_by_kind"]["relay"] == 1;
  }, 100ms));
  CHECK(status["messages_by_kind"]["relay"] == 1);  // the national-scoped one only
  CHECK(status["messages_by_kind"]["learning-item"] == 0);  // only the approved relay
  // Once north's outbox to the parent is empty, everything it forwarded has arrived: still
  // one relay at national, so the lls-scoped item (approved first) never left north.
  nlohmann::json north_status;
  CHECK(WaitUntil(10s, [&] {
    north_status = region.Json(region.Hub("north", {"status", "--json"}));
    return north_status["parent"]["queued"] == 0;
  }, 100ms));
  CHECK(north_status["messages_by_kind"]["relay"] == 2);  // both reached north's members
  status = region.Json(region.Hub("national", {"status", "--json"}));
  CHECK(status["messages_by_kind"]["relay"] == 1);

  // A national subscriber reads the relay; the trust's original inside still verifies.
  const fs::path reader = region.path("reader.toml");
  WriteText(reader, "[node]\norganisation = \"NAT\"\nkey = \"keys/reader.secret\"\n"
                    "data_dir = \"reader\"\n[hub]\nendpoint = \"" + region.Endpoint("national") +
                        "\"\npublic_key = \"keys/national.public\"\nsubscribe_endpoint = \"" +
                        region.SubscribeEndpoint("national") + "\"\n");
  RunResult sub = region.Call({kLls, "subscribe", "--config", reader.string()}, 15s);
  INFO(sub.err);
  REQUIRE(sub.exit_code == 0);
  std::optional<nlohmann::json> relay;
  size_t aggregates = 0;
  std::istringstream lines(sub.out);
  for (std::string line; std::getline(lines, line);) {
    nlohmann::json m = nlohmann::json::parse(line);
    CHECK(m["verified"] == true);
    if (m["kind"] == "relay") relay = m;
    if (m["kind"] == "aggregate") ++aggregates;
  }
  CHECK(aggregates >= 4);  // north twice (first figures, revision), south twice (and withdrawn)
  REQUIRE(relay.has_value());
  auto original = crypto::FromHex((*relay)["body"]["original"].get<std::string>());
  REQUIRE(original.ok());
  const fs::path file = region.path("original.env");
  {
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(original->data()),
              static_cast<std::streamsize>(original->size()));
  }
  nlohmann::json origin = region.Json(region.Call({kLls, "inspect", file.string()}));
  CHECK(origin["verified"] == true);
  CHECK(origin["message_id"] == id);
  CHECK(origin["kind"] == "learning-item");
  CHECK(origin["body"]["title"] == "Skin to skin");
}

}  // namespace
}  // namespace lls::test
