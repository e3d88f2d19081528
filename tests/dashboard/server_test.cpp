// The real DashboardServer on a loopback ephemeral port, fetched with an HTTP client.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "dashboard/host_check.h"
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

  // With a version the JSON is kept and written from the kept bytes: the same answer, the
  // same headers, the measure read once.
  source.set_version(1);
  const int reads = source.measure_calls();
  for (int i = 0; i < 3; ++i) {
    auto kept = client.Get("/api/measures/SATOD");
    REQUIRE(kept);
    CHECK(kept->status == 200);
    CHECK(kept->body == api->body);
    CHECK(kept->get_header_value("Content-Type") == "application/json");
    CHECK(kept->get_header_value("Content-Length") == std::to_string(api->body.size()));
    CHECK(kept->get_header_value("Cache-Control") == "no-store");
    CHECK(!kept->get_header_value("Content-Security-Policy").empty());
  }
  CHECK(source.measure_calls() == reads + 1);
  auto head_kept = client.Head("/api/measures/SATOD");
  REQUIRE(head_kept);
  CHECK(head_kept->status == 200);
  CHECK(head_kept->body.empty());
  CHECK(head_kept->get_header_value("Content-Length") == std::to_string(api->body.size()));
  source.set_version(std::nullopt);

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

TEST_CASE("The destructor stops a running server, concurrent clients are served") {
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

namespace {

// A raw TCP connection to the server on loopback, so that a test can send what no HTTP client
// would (no Host, a forged Host, half a request line). Reads time out after 3 s.
class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    REQUIRE(fd_ >= 0);
    timeval tv{3, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~RawConnection() { close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void Send(const std::string& text) {
    REQUIRE(send(fd_, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size()));
  }
  // Everything until the server closes the connection (or the read times out).
  std::string ReadAll() {
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = recv(fd_, buf, sizeof buf, 0)) > 0;)
      out.append(buf, static_cast<size_t>(n));
    return out;
  }

 private:
  int fd_;
};

// The response to one request sent as `head` (request line and headers, without the blank
// line), on a connection the server closes after it.
std::string Exchange(int port, const std::string& head) {
  RawConnection c(port);
  c.Send(head + "Connection: close\r\n\r\n");
  return c.ReadAll();
}

std::string StatusLine(const std::string& response) {
  return response.substr(0, response.find("\r\n"));
}

}  // namespace

TEST_CASE("HostAllowed: loopback names and the bind address, with or without the port") {
  for (const char* host :
       {"127.0.0.1", "127.0.0.1:7480", "localhost", "LocalHost:7480", "[::1]", "[::1]:7480"}) {
    INFO(host);
    CHECK(HostAllowed(std::string_view(host), "127.0.0.1", "127.0.0.1", 7480));
    CHECK(HostAllowed(std::string_view(host), "192.0.2.9", "0.0.0.0", 7480));
  }
  for (const char* host :
       {"evil.example", "evil.example:7480", "127.0.0.1:7481", "127.0.0.1.evil.example",
        "localhost.evil.example:7480", "127.0.0.1:7480x", "::1", "0.0.0.0:7480", "[::]:7480",
        "192.0.2.1:7480", " 127.0.0.1"}) {
    INFO(host);
    CHECK(!HostAllowed(std::string_view(host), "127.0.0.1", "127.0.0.1", 7480));
    CHECK(!HostAllowed(std::string_view(host), "127.0.0.1", "0.0.0.0", 7480));
  }
  // A configured address is allowed by its own name; a wildcard bind adds nothing.
  CHECK(HostAllowed(std::string_view("192.0.2.1:7480"), "192.0.2.9", "192.0.2.1", 7480));
  CHECK(HostAllowed(std::string_view("192.0.2.1"), "192.0.2.9", "192.0.2.1", 7480));
  CHECK(HostAllowed(std::string_view("[2001:db8::1]:7480"), "2001:db8::9", "2001:DB8::1", 7480));
  CHECK(!HostAllowed(std::string_view("::"), "::1", "::", 7480));
  CHECK(!HostAllowed(std::string_view("[::]:7480"), "::1", "::", 7480));
  // No Host (HTTP/1.0), or an empty one: loopback peers only.
  for (const char* peer : {"127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"}) {
    INFO(peer);
    CHECK(HostAllowed(std::nullopt, peer, "0.0.0.0", 7480));
    CHECK(HostAllowed(std::string_view(""), peer, "0.0.0.0", 7480));
  }
  for (const char* peer : {"192.0.2.9", "::ffff:192.0.2.9", "2001:db8::9", "128.0.0.1"}) {
    INFO(peer);
    CHECK(!HostAllowed(std::nullopt, peer, "0.0.0.0", 7480));
  }
}

TEST_CASE("A request naming another host is refused with 421 (DNS rebinding)") {
  FakeSource source;
  auto server = StartOn(source);
  const int port = server->port();
  const std::string p = ":" + std::to_string(port);

  for (const std::string& host :
       std::vector<std::string>{"evil.example", "evil.example" + p, "127.0.0.1.nip.io" + p,
                                "127.0.0.1:1", "0.0.0.0" + p}) {
    INFO(host);
    const std::string r = Exchange(port, "GET /api/overview HTTP/1.1\r\nHost: " + host + "\r\n");
    CHECK(StatusLine(r) == "HTTP/1.1 421 Misdirected Request");
    CHECK(r.find("misdirected request") != std::string::npos);
    CHECK(r.find("Test & Learn") == std::string::npos);  // no data
    CHECK(r.find("\"measures\"") == std::string::npos);
  }
  CHECK(StatusLine(Exchange(port, "GET /healthz HTTP/1.1\r\nHost: evil.example\r\n")) ==
        "HTTP/1.1 421 Misdirected Request");
  CHECK(StatusLine(Exchange(port, "POST / HTTP/1.1\r\nHost: evil.example\r\nContent-Length: 0\r\n"))
            .find(" 421 ") != std::string::npos);

  for (const std::string& host : std::vector<std::string>{
           "127.0.0.1" + p, "127.0.0.1", "localhost" + p, "LOCALHOST", "[::1]" + p}) {
    INFO(host);
    const std::string r = Exchange(port, "GET /api/overview HTTP/1.1\r\nHost: " + host + "\r\n");
    CHECK(StatusLine(r) == "HTTP/1.1 200 OK");
    CHECK(r.find("Test & Learn") != std::string::npos);
  }
  // HTTP/1.0 without a Host, from this (loopback) peer: answered.
  const std::string old = Exchange(port, "GET /healthz HTTP/1.0\r\n");
  CHECK(old.find(" 200 ") != std::string::npos);
  CHECK(old.substr(old.size() - 3) == "ok\n");

  // An HTTP client sends Host 127.0.0.1:PORT itself; one told to send another is refused.
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(5, 0);
  auto ok = client.Get("/api/members");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  auto refused = client.Get("/api/members", httplib::Headers{{"Host", "attacker.example"}});
  REQUIRE(refused);
  CHECK(refused->status == 421);
  CHECK(refused->body.find("north") == std::string::npos);
}

TEST_CASE("Three stalled clients do not keep /healthz from answering") {
  FakeSource source;
  auto server = StartOn(source);
  {
    // Each sends half a request line and then nothing: each holds a worker until the read
    // timeout (5 s).
    std::vector<std::unique_ptr<RawConnection>> stalled;
    for (int i = 0; i < 3; ++i) {
      stalled.push_back(std::make_unique<RawConnection>(server->port()));
      stalled.back()->Send("GET /hea");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the workers take them

    httplib::Client client("127.0.0.1", server->port());
    client.set_connection_timeout(1, 0);
    client.set_read_timeout(1, 0);
    const auto start = std::chrono::steady_clock::now();
    auto health = client.Get("/healthz");
    const auto took = std::chrono::steady_clock::now() - start;
    REQUIRE(health);
    CHECK(health->status == 200);
    CHECK(took < std::chrono::seconds(1));
    // And a page too, on a second connection.
    httplib::Client second("127.0.0.1", server->port());
    second.set_read_timeout(1, 0);
    auto page = second.Get("/api/overview");
    REQUIRE(page);
    CHECK(page->status == 200);
  }  // the stalled connections close here, freeing their workers at once
  server->Stop();
}
