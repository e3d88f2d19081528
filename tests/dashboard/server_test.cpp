// The real DashboardServer on a loopback ephemeral port, fetched with an HTTP client.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <atomic>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "dashboard/server.h"
#include "fake_source.h"

using namespace lls;
using namespace lls::dashboard;
using lls::dashboard::test::FakeSource;

namespace {

std::unique_ptr<DashboardServer> StartOn(Source& source, int port = 0) {
  auto server = DashboardServer::Start(ServerOptions{"127.0.0.1", port}, source);
  REQUIRE(server.ok());
  return std::move(server).value();
}

}  // namespace

TEST_CASE("The server serves pages, JSON, metrics and health over HTTP") {
  FakeSource source;
  auto server = StartOn(source);
  REQUIRE(server->port() > 0);
  CHECK(server->url() == "http://127.0.0.1:" + std::to_string(server->port()) + "/");
  httplib::Client client("127.0.0.1", server->port());
  client.set_read_timeout(10, 0);

  auto page = client.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK(page->body.find("<html lang=\"en\">") != std::string::npos);

  auto measure = client.Get("/measure/SATOD");
  REQUIRE(measure);
  CHECK(measure->status == 200);
  CHECK(measure->body.find("id=\"main-chart\"") != std::string::npos);

  auto api = client.Get("/api/measures/SATOD?unused=1");
  REQUIRE(api);
  CHECK(api->status == 200);
  CHECK(api->get_header_value("Content-Type") == "application/json");
  CHECK(nlohmann::json::parse(api->body)["main"]["points"].size() == 24);

  for (const char* path :
       {"/api/overview", "/api/learning", "/api/members", "/learning", "/members"}) {
    auto r = client.Get(path);
    REQUIRE(r);
    CHECK(r->status == 200);
  }

  auto metrics = client.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
  CHECK(metrics->get_header_value("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");

  auto health = client.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(health->body == "ok\n");
  source.set_unhealthy(true);
  health = client.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 503);
  CHECK(health->body.find("has not turned") != std::string::npos);
  source.set_unhealthy(false);

  auto missing = client.Get("/no/such/page");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(missing->get_header_value("Content-Type") == "text/html; charset=utf-8");
  auto no_measure = client.Get("/api/measures/NOPE");
  REQUIRE(no_measure);
  CHECK(no_measure->status == 404);

  auto post = client.Post("/", "x", "text/plain");
  REQUIRE(post);
  CHECK(post->status == 405);
  CHECK(post->get_header_value("Allow") == "GET, HEAD");

  auto head = client.Head("/members");
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->body.empty());

  source.set_fail(true);
  auto failed = client.Get("/measure/SATOD");
  REQUIRE(failed);
  CHECK(failed->status == 500);
  CHECK(failed->body.find("disk I/O error") != std::string::npos);
  source.set_fail(false);
  auto again = client.Get("/");
  REQUIRE(again);
  CHECK(again->status == 200);  // still serving after an error

  server->Stop();
  server->Stop();  // idempotent
  httplib::Client after("127.0.0.1", server->port());
  after.set_connection_timeout(1, 0);
  CHECK(!after.Get("/"));
}

TEST_CASE("A port in use is kUnavailable with a clear message") {
  FakeSource source;
  auto first = StartOn(source);
  auto second = DashboardServer::Start(ServerOptions{"127.0.0.1", first->port()}, source);
  REQUIRE(!second.ok());
  CHECK(second.status().code() == Code::kUnavailable);
  CHECK(second.status().message().find(std::to_string(first->port())) != std::string::npos);
  auto bad = DashboardServer::Start(ServerOptions{"203.0.113.7", 0}, source);  // not local
  CHECK(!bad.ok());
  auto out_of_range = DashboardServer::Start(ServerOptions{"127.0.0.1", 70000}, source);
  CHECK(!out_of_range.ok());
}

TEST_CASE("The destructor stops a running server; concurrent clients are served") {
  FakeSource source;
  int port = 0;
  {
    auto server = StartOn(source);
    port = server->port();
    std::vector<std::thread> clients;
    std::atomic<int> ok{0};
    for (int i = 0; i < 6; ++i) {
      clients.emplace_back([&] {
        httplib::Client c("127.0.0.1", port);
        for (int k = 0; k < 5; ++k) {
          auto r = c.Get("/api/measures/SATOD");
          if (r && r->status == 200) ++ok;
        }
      });
    }
    for (auto& t : clients) t.join();
    CHECK(ok == 30);
  }
  httplib::Client after("127.0.0.1", port);
  after.set_connection_timeout(1, 0);
  CHECK(!after.Get("/healthz"));
}
