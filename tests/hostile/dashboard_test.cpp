// The real hub's dashboard, over HTTP on loopback (docs/security.md section 8): the
// Content-Security-Policy, X-Content-Type-Options and Cache-Control headers on every kind of
// answer, and what happens to request bodies — the dashboard takes none, so one is read within
// the 8 KiB limit and thrown away (413 above it), never read as a request of its own on a
// kept-alive connection.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>
#include <thread>

#include <httplib.h>

#include "tests/hostile/hostile_region.h"
#include "tests/support/support.h"

namespace lls::hostile {
namespace {

using namespace std::chrono_literals;

const char* kCsp =
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

int PortOf(const std::string& url) {
  std::smatch m;
  static const std::regex kUrl("http://127\\.0\\.0\\.1:([0-9]+)/");
  REQUIRE(std::regex_search(url, m, kUrl));
  return std::stoi(m.str(1));
}

// Sends `parts` on a fresh connection, reading what comes back for 200 ms after each (so a
// body arrives apart from its headers), then until the server closes it (*closed) or 3 s
// pass. Stops sending once the server has hung up.
std::string Raw(int port, const std::vector<std::string>& parts, bool* closed) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  std::string text;
  *closed = false;
  auto read_for = [&](std::chrono::milliseconds limit) {
    for (auto until = std::chrono::steady_clock::now() + limit;
         !*closed && std::chrono::steady_clock::now() < until;) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      char buffer[4096];
      ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) *closed = true;
      if (n > 0) text.append(buffer, static_cast<size_t>(n));
    }
  };
  for (const std::string& part : parts) {
    if (*closed || send(fd, part.data(), part.size(), MSG_NOSIGNAL) < 0) break;
    read_for(200ms);
  }
  read_for(3s);
  close(fd);
  return text;
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST_CASE(
    "dashboard: CSP, nosniff and no-store on every answer - a body over 8 KiB is 413 - a "
    "body is never read as a request of its own",
    "[hostile][dashboard]") {
  RegionOptions options;
  options.dashboard = true;
  auto created = Region::Create(options);
  REQUIRE(created.ok());
  std::unique_ptr<Region> region = std::move(created).value();
  REQUIRE(region->StartHub().ok());
  REQUIRE(test::WaitUntil(5s, [&] { return !region->dashboard_url().empty(); }));
  const int port = PortOf(region->dashboard_url());
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(5, 0);

  auto check_headers = [](const httplib::Result& r) {
    REQUIRE(r);
    CHECK(r->get_header_value("Content-Security-Policy") == kCsp);
    CHECK(r->get_header_value("X-Content-Type-Options") == "nosniff");
    CHECK(r->get_header_value("Cache-Control") == "no-store");
  };
  SECTION("a page, the API, metrics, health, an unknown page, a foreign Host, a POST") {
    for (const char* path : {"/", "/api/overview", "/metrics", "/healthz", "/no-such-page"}) {
      INFO(path);
      check_headers(client.Get(path));
    }
    auto foreign = client.Get("/", httplib::Headers{{"Host", "evil.example"}});
    check_headers(foreign);
    CHECK(foreign->status == 421);
    auto post = client.Post("/", "x", "text/plain");
    check_headers(post);
    CHECK(post->status == 405);
  }
  SECTION("a body over 8 KiB: refused, with the headers") {
    auto big = client.Post("/", std::string(9 * 1024, 'x'), "text/plain");
    REQUIRE(big);
    CHECK(big->status == 413);
    check_headers(big);
  }
  // A body that is itself a request, sent after its headers, then a real request on the same
  // connection. Were the body read as a request, /healthz's "ok" would come back. The server
  // answers once and closes: one request per connection.
  const std::string inner = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  const std::string next = "GET /api/overview HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  auto one_answer_then_closed = [&](const std::vector<std::string>& parts,
                                    const std::string& status) {
    bool closed = false;
    const std::string text = Raw(port, parts, &closed);
    INFO(text);
    CHECK(Count(text, "HTTP/1.1 ") == 1);
    CHECK(text.find("HTTP/1.1 " + status) == 0);
    CHECK(text.find("\r\n\r\nok\n") == std::string::npos);  // /healthz's answer
    CHECK(text.find("Connection: close") != std::string::npos);
    CHECK(closed);
  };
  SECTION("a POST whose body is a request") {
    one_answer_then_closed({"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
                                std::to_string(inner.size()) + "\r\n\r\n",
                            inner, next},
                           "405");
  }
  SECTION("the same in a chunked body") {
    one_answer_then_closed(
        {"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n",
         "2a\r\n" + inner + "\r\n0\r\n\r\n", next},
        "405");
  }
  SECTION("a GET with a body (httplib never reads one)") {
    one_answer_then_closed({"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
                                std::to_string(inner.size()) + "\r\n\r\n",
                            inner, next},
                           "400");
  }
  SECTION("two plain GETs on one connection: the first is answered, then it is closed") {
    one_answer_then_closed({next, inner}, "200");
  }
  // The hub went on serving its members' port and its dashboard throughout.
  auto health = client.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(region->hub_running());
}

}  // namespace
}  // namespace lls::hostile
