// The trust node end to end with a real hub: CSV import, preview, the scrubber's refusal and
// --redact, the daemon's durable outbox across SIGKILL and a hub outage, retraction, and the
// drop folder.
#include <signal.h>

#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "exchange/sqlite.h"
#include "schema/codec.h"
#include "tests/integration/region.h"

namespace lls::test {
namespace {

// A synthetic NHS number with a valid Modulus 11 check digit (test data, not a person).
constexpr const char* kNhsNumber = "943 476 5919";

const char* kProjectsCsv =
    "project,title,area,aim,change_ideas,pdsa_cycles,stage,start_month\r\n"
    "SF-01,\"Smoke-free pathway, \"\"opt-out\"\" referral\",smoke-free-pregnancy,"
    "Halve SATOD by 2027,CO at booking;Opt-out referral,3,testing,2026-01\r\n";

const char* kCountsCsv =
    "project,measure,period,numerator,denominator\r\n"
    "SF-01,SATOD,2026-01,23,212\r\n"
    "SF-01,SATOD,2026-02,5,198\r\n"
    "SF-01,CO_BOOKING,2026-02,196,198\r\n";

std::string LearningNote(const std::string& body) {
  return "---\nid: L-01\ntitle: Huddle learning\nkind: error\narea: smoke-free-pregnancy\n"
         "tags: [huddle, referral]\n---\n" + body + "\n";
}

// Every envelope the hub stored, as JSON through `lls inspect`.
std::vector<nlohmann::json> StoredMessages(Region& region) {
  std::vector<nlohmann::json> out;
  auto db = db::Database::Open(region.path("hub/hub.db"));
  REQUIRE(db.ok());
  auto select = db->Prepare("SELECT hub_seq, envelope FROM log ORDER BY hub_seq");
  REQUIRE(select.ok());
  while (select->Step().value()) {
    Bytes envelope = select->ColumnBlob(1);
    fs::path file = region.path("stored-" + std::to_string(select->ColumnInt(0)) + ".env");
    WriteText(file, std::string(envelope.begin(), envelope.end()));
    RunResult r = region.Call({kLls, "inspect", file.string()});
    REQUIRE(r.exit_code == 0);
    out.push_back(nlohmann::json::parse(r.out));
  }
  return out;
}

std::string AllStoredBytes(Region& region) {
  auto db = db::Database::Open(region.path("hub/hub.db"));
  REQUIRE(db.ok());
  auto select = db->Prepare("SELECT envelope FROM log");
  REQUIRE(select.ok());
  std::string all;
  while (select->Step().value()) {
    Bytes e = select->ColumnBlob(0);
    all.append(e.begin(), e.end());
  }
  return all;
}

nlohmann::json NodeStatus(Region& region, const std::string& t) {
  RunResult r = region.Node(t, {"status", "--json", "--no-probe"});
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}

TEST_CASE("an identifier in a note refuses publishing, --redact publishes without it",
          "[integration][node]") {
  Region region;
  region.Enrol("trust-a", "RXA");
  region.StartHub();
  WriteText(region.path("projects.csv"), kProjectsCsv);
  WriteText(region.path("counts.csv"), kCountsCsv);
  WriteText(region.path("note.md"),
            LearningNote(std::string("Mrs Jones (NHS number ") + kNhsNumber +
                         ") was not referred at booking; the huddle now checks CO readings."));
  RunResult imported = region.Node("a", {"import", region.path("projects.csv").string(),
                                         region.path("counts.csv").string(),
                                         region.path("note.md").string()});
  INFO(imported.err);
  REQUIRE(imported.exit_code == 0);

  // Preview shows the suppressed and rounded counts and the findings.
  RunResult preview = region.Node("a", {"preview", "--json"});
  REQUIRE(preview.exit_code == 0);
  nlohmann::json p = nlohmann::json::parse(preview.out);
  CHECK(p["messages"].size() == 2);
  CHECK(p["would_publish"] == false);
  CHECK(p["findings"].get<int>() >= 2);  // the NHS number and the name after "Mrs"
  nlohmann::json summary = p["messages"][0]["body"];
  CHECK(summary["title"] == "Smoke-free pathway, \"opt-out\" referral");
  CHECK(summary["measures"][1]["code"] == "SATOD");
  CHECK(summary["measures"][1]["points"][0]["numerator"] == 25);   // 23 -> 25
  CHECK(summary["measures"][1]["points"][0]["denominator"] == 210);  // 212 -> 210
  CHECK(summary["measures"][1]["points"][1]["numerator"].is_null());  // 5: suppressed
  CHECK(summary["measures"][0]["points"][0]["numerator"].is_null());  // complement 2: suppressed

  RunResult refused = region.Node("a", {"publish", "--wait", "10"});
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.err, Catch::Contains("nhs-number"));
  CHECK_THAT(refused.err, Catch::Contains("publishing refused"));
  CHECK_THAT(refused.err, Catch::Contains("L-01 text:"));
  CHECK(refused.err.find(kNhsNumber) == std::string::npos);  // findings are masked
  CHECK(region.HubStatus()["log"]["messages"] == 0);

  RunResult redacted = region.Node("a", {"publish", "--redact", "--wait", "10", "--json"});
  INFO(redacted.err);
  REQUIRE(redacted.exit_code == 0);
  CHECK(nlohmann::json::parse(redacted.out.substr(redacted.out.find('{')))["acked"] == 2);
  CHECK(region.HubStatus()["log"]["messages"] == 2);
  std::string stored = AllStoredBytes(region);
  CHECK(stored.find(kNhsNumber) == std::string::npos);
  CHECK(stored.find("9434765919") == std::string::npos);
  CHECK(stored.find("Jones") == std::string::npos);
  CHECK(stored.find("SF-01") == std::string::npos);  // local ids travel as pseudonyms
  std::vector<nlohmann::json> messages = StoredMessages(region);
  REQUIRE(messages.size() == 2);
  CHECK_THAT(messages[1]["body"]["text"].get<std::string>(), Catch::Contains("[NHS NUMBER]"));

  // Nothing is pending any more; a retraction withdraws the project.
  CHECK(NodeStatus(region, "a")["pending"]["projects"] == 0);
  RunResult retracted = region.Node("a", {"retract", "SF-01", "--reason", "wrong month"});
  INFO(retracted.err);
  CHECK(retracted.exit_code == 0);
  CHECK(region.HubStatus()["messages_by_kind"]["retraction"] == 1);
}

TEST_CASE("a file with a bad row is refused whole, each problem as file:line", "[integration][node]") {
  Region region;
  WriteText(region.path("projects.csv"), kProjectsCsv);
  WriteText(region.path("bad.csv"),
            "project,measure,period,numerator,denominator\n"
            "SF-01,SATOD,2026-01,23,212\n"
            "SF-01,NOT_A_CODE,2026-02,5,198\n"
            "SF-01,SATOD,2026-13,5,198\n");
  REQUIRE(region.Node("a", {"import", region.path("projects.csv").string()}).exit_code == 0);
  RunResult bad = region.Node("a", {"import", region.path("bad.csv").string()});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("bad.csv:3:"));
  CHECK_THAT(bad.err, Catch::Contains("NOT_A_CODE"));
  CHECK_THAT(bad.err, Catch::Contains("bad.csv:4:"));
  RunResult preview = region.Node("a", {"preview", "--json"});
  nlohmann::json p = nlohmann::json::parse(preview.out);
  REQUIRE(p["messages"].size() == 1);
  CHECK(p["messages"][0]["body"]["measures"].empty());  // nothing from bad.csv was kept

  WriteText(region.path("patients.csv"), "NHS Number,measure,period\n9434765919,SATOD,2026-01\n");
  RunResult patients = region.Node("a", {"import", region.path("patients.csv").string()});
  CHECK(patients.exit_code == 2);
  CHECK_THAT(patients.err, Catch::Contains("patient-level"));
}

TEST_CASE("queued messages survive SIGKILL and a hub outage, and arrive exactly once",
          "[integration][node]") {
  Region region;
  region.Enrol("trust-a", "RXA");
  // The hub is down: the node queues and keeps trying.
  constexpr int kProjects = 12;
  std::string projects = "project,title,area\n";
  for (int i = 0; i < kProjects; ++i) {
    projects += "P-" + std::to_string(i) + ",Project " + std::to_string(i) + ",deterioration\n";
  }
  WriteText(region.path("many.csv"), projects);
  REQUIRE(region.Node("a", {"import", region.path("many.csv").string()}).exit_code == 0);
  RunResult queued = region.Node("a", {"publish", "--wait", "1"});
  CHECK(queued.exit_code == 1);  // nothing acknowledged: the hub is down
  CHECK(NodeStatus(region, "a")["outbox"]["queued"] == kProjects);

  // The daemon runs, is killed while the hub is still down, and runs again.
  Process& first = region.StartNode("a");
  std::this_thread::sleep_for(700ms);
  first.Signal(SIGKILL);
  REQUIRE(first.Wait(5s).has_value());
  CHECK(NodeStatus(region, "a")["outbox"]["queued"] == kProjects);

  region.StartNode("a");
  std::this_thread::sleep_for(300ms);
  region.StartHub();  // the hub comes back; the outbox drains by itself
  CHECK(WaitUntil(30s, [&] { return NodeStatus(region, "a")["outbox"]["queued"] == 0; },
                  200ms));
  CHECK(NodeStatus(region, "a")["outbox"]["acked"] == kProjects);
  nlohmann::json hub = region.HubStatus();
  CHECK(hub["log"]["messages"] == kProjects);  // exactly once, however often each was sent
  CHECK(hub["messages_by_kind"]["project-summary"] == kProjects);
}

TEST_CASE("the daemon imports and publishes what lands in its drop folder, and stops on SIGTERM",
          "[integration][node]") {
  Region region;
  region.Enrol("trust-a", "RXA");
  region.StartHub();
  region.AppendNodeConfig("a", "[drop]\nfolder = \"drop-a\"\npoll_seconds = 1\n");
  fs::create_directories(region.path("drop-a"));
  Process& node = region.StartNode("a");
  WriteText(region.path("drop-a/projects.csv.part"), kProjectsCsv);
  fs::rename(region.path("drop-a/projects.csv.part"), region.path("drop-a/projects.csv"));
  WriteText(region.path("drop-a/broken.csv"), "project,title\n\"unterminated\n");
  CHECK(WaitUntil(20s, [&] { return region.HubStatus()["log"]["messages"] == 1; }, 200ms));
  CHECK(fs::exists(region.path("drop-a/processed")));
  CHECK_FALSE(fs::exists(region.path("drop-a/projects.csv")));
  bool failed_report = false;
  for (const auto& entry : fs::directory_iterator(region.path("drop-a/failed"))) {
    failed_report = failed_report || entry.path().string().ends_with(".error.txt");
  }
  CHECK(failed_report);

  auto start = std::chrono::steady_clock::now();
  node.Signal(SIGTERM);
  std::optional<int> code = node.Wait(5s);
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  CHECK(std::chrono::steady_clock::now() - start < 1500ms);
}

}  // namespace
}  // namespace lls::test
