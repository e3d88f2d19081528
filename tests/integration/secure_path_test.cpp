// The secure path from a trust to its hub, end to end, with the real programs: keys made by
// `lls keygen`, members enrolled with `lls-hub members`, a real `lls-hub run` on loopback with
// its SQLite file, and `lls-node import`/`publish` over CURVE.
#include <signal.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "crypto/crypto.h"
#include "exchange/sqlite.h"
#include "schema/codec.h"
#include "tests/support/process.h"
#include "tests/support/support.h"
#include "tests/integration/region.h"

namespace lls::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Copies a node's database files (the node is not running), to simulate a crash that lost
// the record of an ack: the restored outbox still holds the message as queued.
void CopyDatabase(const fs::path& from_dir, const fs::path& to_dir) {
  fs::create_directories(to_dir);
  for (const char* suffix : {"node.db", "node.db-wal", "node.db-shm"}) {
    if (fs::exists(from_dir / suffix)) {
      fs::copy_file(from_dir / suffix, to_dir / suffix, fs::copy_options::overwrite_existing);
    } else {
      fs::remove(to_dir / suffix);
    }
  }
}

TEST_CASE("a trust's signed summary travels over CURVE to its hub, durably and once", "[integration]") {
  REQUIRE(crypto::Init().ok());
  Region region;
  REQUIRE(region.Hub({"members", "enrol", "--key", region.path("keys/trust-a.public").string(),
                      "--org", "RXA", "--role", "trust"}).exit_code == 0);
  region.StartHub();

  REQUIRE(region.Node("a", {"import", region.path("summary.json").string()}).exit_code == 0);
  REQUIRE(region.Node("b", {"import", region.path("summary.json").string()}).exit_code == 0);
  // Seal and queue trust-a's summary without sending it (--wait 0), and keep a copy of its
  // outbox in that state: restored later, it is a node that sent but never recorded the ack.
  CHECK(region.Node("a", {"publish", "--wait", "0"}).exit_code == 1);
  CopyDatabase(region.path("node-a"), region.path("node-a-before"));

  SECTION("the enrolled trust is acked and its message stored") {
    RunResult a = region.Node("a", {"publish", "--wait", "10", "--json"});
    INFO(a.err);
    REQUIRE(a.exit_code == 0);
    nlohmann::json report = nlohmann::json::parse(a.out);
    CHECK(report["acked"] == 1);
    CHECK(report["remaining"] == 0);
    nlohmann::json status = region.HubStatus();
    CHECK(status["log"]["messages"] == 1);
    CHECK(status["messages_by_kind"]["project-summary"] == 1);

    // The node's status shows the ack.
    RunResult node_status = region.Node("a", {"status", "--json"});
    REQUIRE(node_status.exit_code == 0);
    nlohmann::json ns = nlohmann::json::parse(node_status.out);
    CHECK(ns["outbox"]["acked"] == 1);
    CHECK(ns["outbox"]["queued"] == 0);
    CHECK(ns["outbox"]["last_hub_seq"] == 1);

    // SIGKILL the hub, restart it: the stored message survived, and the same message sent
    // again (the node "forgot" the ack) is acked as a duplicate, not stored twice.
    region.hub().Signal(SIGKILL);
    REQUIRE(region.hub().Wait(5s).has_value());
    region.StartHub();
    CHECK(region.HubStatus()["log"]["messages"] == 1);
    CopyDatabase(region.path("node-a-before"), region.path("node-a"));
    RunResult again = region.Node("a", {"publish", "--wait", "10", "--json"});
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    nlohmann::json again_report = nlohmann::json::parse(again.out);
    CHECK(again_report["acked"] == 1);
    CHECK(again_report["duplicates"] == 1);
    CHECK(region.HubStatus()["log"]["messages"] == 1);

    // Revoked: the next publish is refused at the handshake, with one clear line.
    REQUIRE(region.Hub({"members", "revoke", "trust-a", "--reason", "test"}).exit_code == 0);
    REQUIRE(region.Node("a", {"import", region.path("summary.json").string()}).exit_code == 0);
    RunResult revoked = region.Node("a", {"publish", "--wait", "10"});
    CHECK(revoked.exit_code != 0);
    CHECK(revoked.elapsed < 5s);
    CHECK(CountLines(revoked.err) == 1);
    CHECK_THAT(revoked.err, Catch::Contains("refused this node's key"));
    CHECK(region.HubStatus()["log"]["messages"] == 1);
    // Its message stays queued, not lost: a revoked key is never re-admitted, but the
    // operator can see what was not delivered.
    nlohmann::json after = nlohmann::json::parse(region.Node("a", {"status", "--json"}).out);
    CHECK(after["outbox"]["queued"] == 1);
  }

  SECTION("the trust that is not enrolled is refused at the ZAP handshake, not left hanging") {
    RunResult b = region.Node("b", {"publish", "--wait", "20"});
    CHECK(b.exit_code != 0);
    CHECK_FALSE(b.timed_out);
    CHECK(b.elapsed < 5s);  // the socket monitor reported the refusal; no 20 s wait
    CHECK(CountLines(b.err) == 1);
    CHECK_THAT(b.err, Catch::Contains("refused this node's key"));
    CHECK_THAT(b.err, Catch::Contains(region.endpoint()));
    CHECK(region.HubStatus()["log"]["messages"] == 0);
    nlohmann::json status = nlohmann::json::parse(region.Node("b", {"status", "--json"}).out);
    CHECK(status["outbox"]["queued"] == 1);
    CHECK_THAT(status["outbox"]["last_error"].get<std::string>(),
               Catch::Contains("refused this node's key"));
  }

  // The hub stops cleanly on SIGTERM.
  region.hub().Signal(SIGTERM);
  std::optional<int> code = region.hub().Wait(5s);
  REQUIRE(code.has_value());
  CHECK(*code == 0);
}

TEST_CASE("a member enrolled while the hub runs is admitted at once", "[integration]") {
  Region region;
  region.StartHub();
  REQUIRE(region.Node("a", {"import", region.path("summary.json").string()}).exit_code == 0);
  REQUIRE(region.Hub({"members", "enrol", "--key", region.path("keys/trust-a.public").string(),
                      "--org", "RXA", "--role", "trust"}).exit_code == 0);
  RunResult a = region.Node("a", {"publish", "--wait", "10"});
  INFO(a.err);
  CHECK(a.exit_code == 0);
  CHECK(region.HubStatus()["log"]["messages"] == 1);
}

TEST_CASE("a secret key readable by others is refused with a clear line", "[integration]") {
  Region region;
  fs::path key = region.path("keys/trust-a.secret");
  struct stat st{};
  REQUIRE(stat(key.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(chmod(key.c_str(), 0644) == 0);
  RunResult r = region.Node("a", {"import", region.path("summary.json").string()});
  CHECK(r.exit_code != 0);
  CHECK(CountLines(r.err) == 1);
  CHECK_THAT(r.err, Catch::Contains(key.string()));
  CHECK_THAT(r.err, Catch::Contains("chmod 600"));
}

TEST_CASE("lls inspect verifies a stored envelope and refuses a tampered one", "[integration]") {
  REQUIRE(crypto::Init().ok());
  Region region;
  REQUIRE(region.Hub({"members", "enrol", "--key", region.path("keys/trust-a.public").string(),
                      "--org", "RXA", "--role", "trust"}).exit_code == 0);
  region.StartHub();
  REQUIRE(region.Node("a", {"import", region.path("summary.json").string()}).exit_code == 0);
  REQUIRE(region.Node("a", {"publish", "--wait", "10"}).exit_code == 0);
  region.StopHub();

  // Take the envelope exactly as the hub stored it.
  auto db = db::Database::Open(region.path("hub/hub.db"));
  REQUIRE(db.ok());
  auto select = db->Prepare("SELECT envelope FROM log WHERE hub_seq = 1");
  REQUIRE(select.ok());
  REQUIRE(select->Step().value());
  Bytes envelope = select->ColumnBlob(0);
  fs::path file = region.path("message.env");
  WriteText(file, std::string(envelope.begin(), envelope.end()));

  RunResult ok = region.Call({kLls, "inspect", file.string()});
  INFO(ok.err);
  REQUIRE(ok.exit_code == 0);
  nlohmann::json j = nlohmann::json::parse(ok.out);
  CHECK(j["verified"] == true);
  CHECK(j["kind"] == "project-summary");
  CHECK(j["sequence"] == 1);
  CHECK(j["body"]["organisation"] == "RXA");
  CHECK(j["body"]["title"] == "Smoke-free pathway");
  // Disclosure control: 12 -> 10, 140 -> 140; 5 is suppressed and sent as null.
  CHECK(j["body"]["measures"][0]["points"][0]["numerator"] == 10);
  CHECK(j["body"]["measures"][0]["points"][1]["numerator"].is_null());
  CHECK(j["body"]["measures"][0]["points"][1]["numerator_suppressed"] == true);
  // The local project id never leaves the trust: only its pseudonym does.
  CHECK(j["body"]["project_id"] != "SF-01");

  // Flip one byte inside the body: the signature no longer verifies.
  WireResult<Envelope> decoded = DecodeEnvelope(envelope);
  REQUIRE(decoded.ok());
  decoded->body[decoded->body.size() / 2] ^= 0x01;
  Bytes tampered = EncodeEnvelope(*decoded);
  WriteText(file, std::string(tampered.begin(), tampered.end()));
  RunResult bad = region.Call({kLls, "inspect", file.string()});
  CHECK(bad.exit_code != 0);
  CHECK(bad.out.empty());
  CHECK(CountLines(bad.err) == 1);
  CHECK_THAT(bad.err, Catch::Contains("signature does not verify"));

  // Garbage is refused with its code, not a crash.
  WriteText(file, "not an envelope at all");
  RunResult garbage = region.Call({kLls, "inspect", file.string()});
  CHECK(garbage.exit_code == 1);
  CHECK(CountLines(garbage.err) == 1);
  CHECK_THAT(garbage.err, Catch::Contains("malformed"));
}

}  // namespace
}  // namespace lls::test
