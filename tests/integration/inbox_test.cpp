// Redistribution end to end: a real hub with its subscribe endpoint, trust B's `lls-node run`
// keeping its inbox current, `lls-node inbox`, `lls subscribe`, and a refused subscriber.
#include <signal.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/integration/region.h"

namespace lls::test {
namespace {

TEST_CASE("a summary from trust A reaches trust B's inbox through the hub, verified",
          "[integration][inbox]") {
  Region region;
  region.Enrol("trust-a", "RXA");
  region.Enrol("trust-b", "RXB");
  region.StartHub();
  const std::string subscribe = region.subscribe_endpoint();
  REQUIRE(subscribe.starts_with("tcp://127.0.0.1:"));
  region.SubscribeNode("b", subscribe);
  Process& node_b = region.StartNode("b");

  WriteText(region.path("projects.csv"),
            "project,title,area\nSF-01,Smoke-free pathway,smoke-free-pregnancy\n");
  REQUIRE(region.Node("a", {"import", region.path("projects.csv").string()}).exit_code == 0);
  RunResult published = region.Node("a", {"publish", "--wait", "10"});
  INFO(published.err);
  REQUIRE(published.exit_code == 0);

  // B's daemon long-polls: the hub answers as soon as the summary is committed.
  nlohmann::json inbox;
  CHECK(WaitUntil(5s, [&] {
    inbox = region.Inbox("b");
    return inbox["messages"].size() == 1;
  }, 100ms));
  INFO(inbox.dump());
  REQUIRE(inbox["messages"].size() == 1);
  const nlohmann::json& m = inbox["messages"][0];
  CHECK(m["hub_seq"] == 1);
  CHECK(m["kind"] == "project-summary");
  CHECK(m["from"] == "RXA");
  CHECK(m["body"]["title"] == "Smoke-free pathway");
  CHECK(m["summary"] == "Smoke-free pathway");
  CHECK(inbox["inbox"]["next_seq"] == 2);
  CHECK(inbox["inbox"]["head_seq"] == 1);
  CHECK(inbox["inbox"]["up_to_date"] == true);
  CHECK(inbox["inbox"]["rejected"] == 0);

  RunResult listed = region.Node("b", {"inbox", "--kind", "project-summary"});
  CHECK(listed.exit_code == 0);
  CHECK_THAT(listed.out, Catch::Contains("RXA") && Catch::Contains("Smoke-free pathway"));
  CHECK(region.Node("b", {"inbox", "--kind", "no-such-kind"}).exit_code == 2);

  // `lls subscribe` reads the same from the hub, with B's config, without touching its inbox.
  RunResult sub = region.Call(
      {kLls, "subscribe", "--config", region.node_config("b").string(), "--from", "1",
       "--count", "1"},
      15s);
  INFO(sub.err);
  REQUIRE(sub.exit_code == 0);
  REQUIRE(CountLines(sub.out) == 1);
  nlohmann::json line = nlohmann::json::parse(sub.out);
  CHECK(line["hub_seq"] == 1);
  CHECK(line["verified"] == true);
  CHECK(line["kind"] == "project-summary");
  CHECK(line["from"] == "RXA");
  CHECK(line["body"]["title"] == "Smoke-free pathway");

  // Without --count it prints what exists and exits once caught up.
  RunResult caught_up = region.Call(
      {kLls, "subscribe", "--config", region.node_config("b").string()}, 15s);
  CHECK(caught_up.exit_code == 0);
  CHECK(CountLines(caught_up.out) == 1);

  auto start = std::chrono::steady_clock::now();
  node_b.Signal(SIGTERM);
  std::optional<int> code = node_b.Wait(5s);
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  CHECK(std::chrono::steady_clock::now() - start < 1500ms);
}

TEST_CASE("an unenrolled node's subscription is refused at the handshake, in one line",
          "[integration][inbox]") {
  Region region;
  region.Enrol("trust-a", "RXA");  // trust-b is not enrolled
  region.StartHub();
  region.SubscribeNode("b", region.subscribe_endpoint());
  RunResult sub = region.Call(
      {kLls, "subscribe", "--config", region.node_config("b").string(), "--count", "1"}, 20s);
  CHECK(sub.exit_code == 1);
  CHECK(sub.out.empty());
  CHECK(CountLines(sub.err) == 1);
  CHECK_THAT(sub.err, Catch::Contains("refused this node's key"));

  RunResult synced = region.Node("b", {"inbox", "--sync"});
  CHECK(synced.exit_code == 1);
  CHECK_THAT(synced.err, Catch::Contains("refused this node's key"));
}

}  // namespace
}  // namespace lls::test
