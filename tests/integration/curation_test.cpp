// Curation end to end: trust A publishes a learning note; it waits in the facilitator's queue
// (`lls curate list`) and does not reach trust B until `lls curate approve`; then B's
// `lls-node run` receives the hub's relay, whose original (A's envelope) still verifies with
// `lls inspect`. A reject needs a reason and keeps the item from B.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <thread>

#include "crypto/crypto.h"
#include "tests/integration/region.h"

namespace lls::test {
namespace {

void PublishLearning(Region& region, const std::string& id, const std::string& title) {
  const fs::path file = region.path(id + ".json");
  WriteText(file, R"({"learning": [{"id": ")" + id + R"(", "title": ")" + title +
                      R"(", "kind": "excellence", "area": "neonatal-hypoglycaemia",
                      "text": "Skin to skin in the first hour."}]})");
  RunResult imported = region.Node("a", {"import", file.string()});
  INFO(imported.err);
  REQUIRE(imported.exit_code == 0);
  RunResult published = region.Node("a", {"publish", "--wait", "10"});
  INFO(published.err);
  REQUIRE(published.exit_code == 0);
}

struct CurationRegion {
  Region region;
  fs::path facilitator_config = region.path("node-f.toml");

  CurationRegion() {
    REQUIRE(region.Call({kLls, "keygen", "--name", "facilitator", "--out",
                         region.path("keys").string()}).exit_code == 0);
    region.Enrol("trust-a", "RXA", "trust");
    region.Enrol("trust-b", "RXB", "trust");
    region.Enrol("facilitator", "LLS-N", "facilitator");
    region.StartHub();
    const std::string subscribe = region.subscribe_endpoint();
    WriteText(facilitator_config,
              "[node]\norganisation = \"LLS-N\"\nkey = \"keys/facilitator.secret\"\n"
              "data_dir = \"node-f\"\n[hub]\nendpoint = \"" + region.endpoint() +
                  "\"\npublic_key = \"keys/hub.public\"\nsubscribe_endpoint = \"" + subscribe +
                  "\"\n");
    region.SubscribeNode("b", subscribe);
  }

  RunResult Curate(std::vector<std::string> args) {
    args.insert(args.begin(), {kLls, "curate", "--config", facilitator_config.string()});
    return region.Call(args, 30s);
  }
  nlohmann::json List(const std::string& state) {
    RunResult r = Curate({"list", "--state", state, "--json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out);
  }
};

TEST_CASE("a learning note reaches trust B only after the facilitator approves it",
          "[integration][curation]") {
  CurationRegion c;
  Region& region = c.region;
  region.StartNode("b");
  PublishLearning(region, "L-01", "Skin to skin");

  nlohmann::json pending = c.List("pending");
  REQUIRE(pending.size() == 1);
  CHECK(region.HubStatus()["pending_curation"] == 1);
  CHECK(pending[0]["title"] == "Skin to skin");
  CHECK(pending[0]["state"] == "pending");
  CHECK(pending[0]["from"] == "RXA");
  const std::string id = pending[0]["id"];
  REQUIRE(id.size() == 32);
  RunResult text = c.Curate({"list"});
  CHECK(text.exit_code == 0);
  CHECK_THAT(text.out, Catch::Contains(id) && Catch::Contains("pending") &&
                           Catch::Contains("Skin to skin"));

  // The item is at the hub, yet B (whose daemon long-polls) has nothing.
  std::this_thread::sleep_for(1s);
  CHECK(region.Inbox("b")["messages"].empty());

  RunResult approved = c.Curate({"approve", id.substr(0, 10)});
  INFO(approved.err);
  REQUIRE(approved.exit_code == 0);
  CHECK(CountLines(approved.out) == 1);
  CHECK_THAT(approved.out, Catch::Contains("approve " + id) && Catch::Contains("acknowledged"));

  nlohmann::json inbox;
  CHECK(WaitUntil(5s, [&] {
    inbox = region.Inbox("b");
    return inbox["messages"].size() == 1;
  }, 100ms));
  INFO(inbox.dump());
  REQUIRE(inbox["messages"].size() == 1);
  const nlohmann::json& m = inbox["messages"][0];
  CHECK(m["kind"] == "relay");
  // The original inside the relay is A's envelope, its signature intact.
  auto original = crypto::FromHex(m["body"]["original"].get<std::string>());
  REQUIRE(original.ok());
  const fs::path file = region.path("original.env");
  {
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(original->data()),
              static_cast<std::streamsize>(original->size()));
  }
  RunResult inspected = region.Call({kLls, "inspect", file.string()});
  INFO(inspected.err);
  REQUIRE(inspected.exit_code == 0);
  nlohmann::json origin = nlohmann::json::parse(inspected.out);
  CHECK(origin["verified"] == true);
  CHECK(origin["message_id"] == id);
  CHECK(origin["kind"] == "learning-item");
  CHECK(origin["body"]["title"] == "Skin to skin");
  CHECK_FALSE(m["body"]["curation"].get<std::string>().empty());
  CHECK(m["summary"] == "approved learning from RXA: Skin to skin (excellence)");

  // B's export unwraps the relay: the learning item, as its author signed it.
  const fs::path exported = region.path("learning.json");
  RunResult export_run =
      region.Node("b", {"inbox", "--export", "json", "--out", exported.string()});
  INFO(export_run.err);
  REQUIRE(export_run.exit_code == 0);
  nlohmann::json items = nlohmann::json::parse(ReadText(exported));
  REQUIRE(items.size() == 1);
  CHECK(items[0]["kind"] == "learning-item");
  CHECK(items[0]["message_id"] == id);
  CHECK(items[0]["from"] == "RXA");
  CHECK(items[0]["body"]["title"] == "Skin to skin");

  nlohmann::json now = c.List("approved");
  REQUIRE(now.size() == 1);
  CHECK(now[0]["id"] == id);
  CHECK(c.List("pending").empty());
}

TEST_CASE("a reject needs a reason, and keeps the item from the other trusts",
          "[integration][curation]") {
  CurationRegion c;
  Region& region = c.region;
  PublishLearning(region, "L-02", "Early warning chart");
  nlohmann::json pending = c.List("pending");
  REQUIRE(pending.size() == 1);
  const std::string id = pending[0]["id"];

  CHECK(c.Curate({"reject", id}).exit_code == 2);  // --reason is required
  RunResult blank = c.Curate({"reject", id, "--reason", " "});
  CHECK(blank.exit_code == 2);
  CHECK_THAT(blank.err, Catch::Contains("reason"));
  CHECK(c.Curate({"approve", "0123"}).exit_code == 2);             // prefix too short
  CHECK(c.Curate({"approve", "ffffffffffff"}).exit_code == 2);     // no such item
  // A full id the hub does not know is refused by the hub: unknown-target.
  RunResult unknown = c.Curate({"approve", std::string(32, 'e')});
  CHECK(unknown.exit_code == 1);
  CHECK_THAT(unknown.err, Catch::Contains("unknown-target"));

  RunResult rejected = c.Curate({"reject", id, "--reason", "names a member of staff"});
  INFO(rejected.err);
  REQUIRE(rejected.exit_code == 0);
  nlohmann::json list = c.List("rejected");
  REQUIRE(list.size() == 1);
  CHECK(list[0]["reason"] == "names a member of staff");

  RunResult tagged = c.Curate({"tag", id.substr(0, 8), "--tags", "deterioration,charts"});
  CHECK(tagged.exit_code == 0);
  CHECK(c.List("all")[0]["curator_tags"] == nlohmann::json::array({"charts", "deterioration"}));

  RunResult synced = region.Node("b", {"inbox", "--sync"});
  INFO(synced.err);
  REQUIRE(synced.exit_code == 0);
  CHECK(region.Inbox("b")["messages"].empty());
}

}  // namespace
}  // namespace lls::test
