// The fault proxy on its own, with plain loopback sockets: each fault does what fault_proxy.h
// says (so that the harness's findings are about the product, not the proxy), and the CURVE
// handshake size the schedule relies on (kHandshakeBytes) is checked against the real transport.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "exchange/transport.h"
#include "tests/faults/fault_proxy.h"
#include "tests/faults/fault_schedule.h"
#include "tests/support/support.h"

namespace lls::faults {
namespace {

using namespace std::chrono_literals;
using test::WaitUntil;

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

// A server socket on a free loopback port.
struct Server {
  Fd listener{socket(AF_INET, SOCK_STREAM, 0)};
  int port = 0;
  Server() {
    sockaddr_in addr = Loopback(0);
    REQUIRE(bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(listener.get(), 16) == 0);
    socklen_t len = sizeof addr;
    getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  // The next connection, or an invalid Fd when none came within `limit`.
  Fd Accept(std::chrono::milliseconds limit) {
    pollfd p{listener.get(), POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(limit.count())) != 1) return Fd();
    return Fd(accept(listener.get(), nullptr, nullptr));
  }
};

// Connects to 127.0.0.1:port; an invalid Fd (errno set) when refused.
Fd Connect(int port) {
  Fd fd(socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in addr = Loopback(port);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return Fd();
  return fd;
}

void Send(const Fd& fd, const std::string& text) {
  REQUIRE(send(fd.get(), text.data(), text.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(text.size()));
}

// Reads until `want` bytes came, the peer closed or failed, or `limit` passed. *error: the
// errno of a failed read (ECONNRESET after a RST), 0 otherwise; *eof: the peer closed.
std::string Receive(const Fd& fd, size_t want, std::chrono::milliseconds limit,
                    int* error = nullptr, bool* eof = nullptr) {
  std::string got;
  if (error) *error = 0;
  if (eof) *eof = false;
  const auto until = std::chrono::steady_clock::now() + limit;
  while (got.size() < want) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd.get(), POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) != 1) break;
    char buf[4096];
    ssize_t n = recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0) {
      if (error) *error = errno;
      break;
    }
    if (n == 0) {
      if (eof) *eof = true;
      break;
    }
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

struct Link {
  Server server;
  std::unique_ptr<FaultProxy> proxy;
  Link() {
    auto started = FaultProxy::Start(server.port, 7);
    REQUIRE(started.ok());
    proxy = std::move(started).value();
  }
  // A connection through the proxy and the server's end of it.
  std::pair<Fd, Fd> Open() {
    Fd client = Connect(proxy->port());
    REQUIRE(client.get() >= 0);
    Fd server_end = server.Accept(2s);
    REQUIRE(server_end.get() >= 0);
    return {std::move(client), std::move(server_end)};
  }
};

TEST_CASE("the proxy passes bytes both ways when healthy", "[faults][proxy]") {
  Link link;
  auto [client, server] = link.Open();
  Send(client, "hello");
  CHECK(Receive(server, 5, 2s) == "hello");
  Send(server, "world!");
  CHECK(Receive(client, 6, 2s) == "world!");
  // The counters are published at the end of the proxy's turn: wait for them.
  CHECK(WaitUntil(1s, [&] {
    const ProxyCounters c = link.proxy->counters();
    return c.bytes_up == 5 && c.bytes_down == 6;
  }));
  CHECK(link.proxy->counters().open == 1);
}

TEST_CASE("the proxy adds latency in delay mode, in order", "[faults][proxy]") {
  Link link;
  auto [client, server] = link.Open();
  link.proxy->SetMode(DelayMode(300ms));
  const auto sent = std::chrono::steady_clock::now();
  Send(client, "ab");
  Send(client, "cd");
  CHECK(Receive(server, 4, 3s) == "abcd");
  CHECK(std::chrono::steady_clock::now() - sent >= 300ms);
}

TEST_CASE("a drop kills the open connections for good and parks new ones until it heals",
          "[faults][proxy]") {
  Link link;
  auto [client, server] = link.Open();
  link.proxy->SetMode(DropMode());
  Send(client, "lost");
  Send(server, "lost too");
  int error = 0;
  bool eof = false;
  CHECK(Receive(server, 1, 300ms, &error, &eof).empty());
  CHECK(Receive(client, 1, 300ms, &error, &eof).empty());
  CHECK_FALSE(eof);  // half-open: nothing tells either end
  // A new connection completes in the kernel but waits, unaccepted, with its first bytes.
  Fd late = Connect(link.proxy->port());
  REQUIRE(late.get() >= 0);
  Send(late, "parked");
  CHECK(link.server.Accept(300ms).get() < 0);

  link.proxy->SetMode(HealthyMode());
  Fd late_server = link.server.Accept(2s);
  REQUIRE(late_server.get() >= 0);
  CHECK(Receive(late_server, 6, 2s) == "parked");
  // The dropped connection stays dead after the heal: bytes were lost, the stream is gone.
  Send(client, "again");
  CHECK(Receive(server, 1, 300ms).empty());
  CHECK(link.proxy->counters().discarded_up >= 4);
  CHECK(link.proxy->counters().discarded_down >= 8);
}

TEST_CASE("a stall holds the bytes and delivers them intact when it heals", "[faults][proxy]") {
  Link link;
  auto [client, server] = link.Open();
  link.proxy->SetMode(StallMode());
  Send(client, "held");
  CHECK(Receive(server, 1, 300ms).empty());
  link.proxy->SetMode(HealthyMode());
  CHECK(Receive(server, 4, 2s) == "held");
}

TEST_CASE("a half-open connection loses one direction only, for good", "[faults][proxy]") {
  Link link;
  auto [client, server] = link.Open();
  link.proxy->SetMode(HalfOpenAcksMode());
  Send(client, "request");
  CHECK(Receive(server, 7, 2s) == "request");
  Send(server, "reply");
  CHECK(Receive(client, 1, 300ms).empty());
  link.proxy->SetMode(HealthyMode());
  Send(server, "reply");
  CHECK(Receive(client, 1, 300ms).empty());
  // New connections are healthy.
  auto [client2, server2] = link.Open();
  Send(server2, "fine");
  CHECK(Receive(client2, 4, 2s) == "fine");
}

TEST_CASE("ResetAll resets both ends of every connection", "[faults][proxy]") {
  Link link;
  auto [client, server] = link.Open();
  link.proxy->ResetAll();
  int client_error = 0, server_error = 0;
  Receive(client, 1, 2s, &client_error);
  Receive(server, 1, 2s, &server_error);
  CHECK(client_error == ECONNRESET);
  CHECK(server_error == ECONNRESET);
  CHECK(link.proxy->counters().resets == 1);
}

TEST_CASE("a handshake reset passes at most N bytes of a new connection, then resets it",
          "[faults][proxy]") {
  Link link;
  link.proxy->SetMode(HandshakeResetMode(10));
  auto [client, server] = link.Open();
  Send(client, std::string(100, 'x'));
  int error = 0;
  const std::string got = Receive(server, 100, 2s, &error);
  CHECK(got.size() >= 1);
  CHECK(got.size() <= 10);
  CHECK(error == ECONNRESET);
  CHECK(WaitUntil(1s, [&] { return link.proxy->counters().mid_handshake_resets == 1; }));
}

TEST_CASE("a partition refuses new connections until it heals", "[faults][proxy]") {
  Link link;
  auto [client, server] = link.Open();
  link.proxy->SetMode(PartitionMode());
  link.proxy->ResetAll();
  errno = 0;
  CHECK(Connect(link.proxy->port()).get() < 0);
  CHECK(errno == ECONNREFUSED);
  link.proxy->SetMode(HealthyMode());
  auto [client2, server2] = link.Open();
  Send(client2, "back");
  CHECK(Receive(server2, 4, 2s) == "back");
  CHECK(link.proxy->counters().refusals == 1);
}

// Admits every CURVE key: this test is about byte counts, not about who may connect.
class AdmitAll : public transport::ZapAuthority {
 public:
  std::optional<std::string> Admit(const crypto::CurveKey&) override { return "member"; }
};

TEST_CASE(
    "the CURVE handshake of a client is kHandshakeBytes long, and resets inside it keep "
    "a client out without finishing its transport",
    "[faults][proxy][transport]") {
  crypto::Identity hub = test::NewIdentity("hub");
  crypto::Identity node = test::NewIdentity("node");
  AdmitAll authority;
  transport::ServerOptions server_options;
  server_options.endpoint = "tcp://127.0.0.1:*";
  auto server = transport::ServerTransport::Start(hub, authority, server_options);
  REQUIRE(server.ok());
  const std::string& bound = (*server)->endpoint();
  const int port = std::stoi(bound.substr(bound.rfind(':') + 1));
  auto proxy = FaultProxy::Start(port, 11);
  REQUIRE(proxy.ok());
  // The server must service ZAP requests while the client connects.
  std::atomic<bool> stop{false};
  std::thread serve([&] {
    while (!stop.load()) (void)(*server)->Poll(20ms, 16);
  });

  transport::ClientOptions options;
  options.endpoint = (*proxy)->endpoint();
  options.server_key = hub.curve_public();
  auto client = transport::ClientTransport::Connect(node, options);
  REQUIRE(client.ok());
  REQUIRE((*client)->WaitConnected(5s).ok());
  CHECK((*client)->handshakes() == 1);
  // Handshake only (no message sent yet; the first heartbeat comes later): greeting, HELLO,
  // INITIATE.
  INFO("client -> server bytes of the handshake: " << (*proxy)->counters().bytes_up);
  CHECK(WaitUntil(
      1s, [&] { return (*proxy)->counters().bytes_up == static_cast<int64_t>(kHandshakeBytes); }));

  SECTION("a transport that has connected once rides out handshake resets and reconnects") {
    (*proxy)->SetMode(HandshakeResetMode(kHandshakeBytes - 1));
    (*proxy)->ResetAll();
    CHECK(WaitUntil(2s, [&] { return (*proxy)->counters().mid_handshake_resets >= 3; }));
    auto received = (*client)->Receive(300ms);
    CHECK(received.ok());  // no refusal: the key was right, the network is at fault
    CHECK_FALSE((*client)->connected());
    (*proxy)->SetMode(HealthyMode());
    CHECK((*client)->WaitConnected(3s).ok());
    CHECK((*client)->handshakes() == 2);
  }
  SECTION("a fresh transport whose every handshake is reset reports an uncertain refusal") {
    (*proxy)->SetMode(HandshakeResetMode(kHandshakeBytes - 1));
    auto fresh = transport::ClientTransport::Connect(node, options);
    REQUIRE(fresh.ok());
    Status waited = (*fresh)->WaitConnected(3s);
    CHECK(waited.code() == Code::kUnauthenticated);
    CHECK_FALSE((*fresh)->refusal_certain());
    CHECK((*proxy)->counters().mid_handshake_resets >= 3);
  }
  stop.store(true);
  serve.join();
}

TEST_CASE("heartbeats find a half-open connection and the transport connects again",
          "[faults][proxy][transport]") {
  crypto::Identity hub = test::NewIdentity("hub");
  crypto::Identity node = test::NewIdentity("node");
  AdmitAll authority;
  transport::ServerOptions server_options;
  server_options.endpoint = "tcp://127.0.0.1:*";
  auto server = transport::ServerTransport::Start(hub, authority, server_options);
  REQUIRE(server.ok());
  const std::string& bound = (*server)->endpoint();
  auto proxy = FaultProxy::Start(std::stoi(bound.substr(bound.rfind(':') + 1)), 13);
  REQUIRE(proxy.ok());
  std::atomic<bool> stop{false};
  std::thread serve([&] {
    while (!stop.load()) (void)(*server)->Poll(20ms, 16);
  });
  transport::ClientOptions options;
  options.endpoint = (*proxy)->endpoint();
  options.server_key = hub.curve_public();
  auto client = transport::ClientTransport::Connect(node, options);
  REQUIRE(client.ok());
  REQUIRE((*client)->WaitConnected(5s).ok());

  // The open connection loses its replies for good; nothing tells the client (no RST, no FIN).
  (*proxy)->SetMode(HalfOpenAcksMode());
  const auto started = std::chrono::steady_clock::now();
  // Receive returns early when the new connection is up.
  while ((*client)->handshakes() < 2 && std::chrono::steady_clock::now() - started < 10s) {
    REQUIRE((*client)->Receive(100ms).ok());
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  INFO("reconnected after " << took.count() << " ms");
  CHECK((*client)->handshakes() == 2);
  // The default heartbeat: a PING every 500 ms, dead after 2 s of silence (the bound is loose:
  // this asserts detection, not its timing).
  CHECK(took <
        std::chrono::milliseconds(options.heartbeat_interval + options.heartbeat_timeout + 5s));
  stop.store(true);
  serve.join();
}

}  // namespace
}  // namespace lls::faults
