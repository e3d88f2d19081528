// Who may not even finish a handshake with the real lls-hub (docs/security.md section 4):
// NULL and PLAIN clients, a CURVE client pinned to the right hub key but holding a key nobody
// enrolled (the hub's own key too), and a connection that stalls mid-handshake. Then the ZAP
// handler itself, fed malformed requests directly: its inproc endpoint lives inside the hub's
// process, so nothing outside can send it one (code reading: exchange/server_transport.cpp binds
// it on the hub's own context), but it must still fail closed if libzmq ever did.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include <zmq.hpp>

#include "exchange/zap_handler.h"
#include "tests/hostile/hostile_region.h"
#include "tests/hostile/stream_client.h"
#include "tests/support/support.h"

namespace lls::hostile {
namespace {

using namespace std::chrono_literals;

// What a client socket's monitor reported about its handshake within `limit`.
struct Verdict {
  bool succeeded = false;
  int failed_auth_status = 0;  // ZAP status of HANDSHAKE_FAILED_AUTH, 0 if none
  bool failed_other = false;   // HANDSHAKE_FAILED_PROTOCOL or _NO_DETAIL
  bool replied = false;        // a frame came back from the hub
};

// A raw DEALER (no ClientTransport: these are the clients it refuses to be), configured by
// `setup`, connected to the hub; sends one valid signed frame and watches for `limit`.
template <typename Setup>
Verdict TryClient(const Region& region, const Bytes& frame, Setup&& setup,
                  std::chrono::milliseconds limit = 2000ms) {
  zmq::context_t context;
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  setup(dealer);
  static int counter = 0;
  const std::string monitor_endpoint = "inproc://mechanism-test-" + std::to_string(counter++);
  REQUIRE(zmq_socket_monitor(dealer.handle(), monitor_endpoint.c_str(), ZMQ_EVENT_ALL) == 0);
  zmq::socket_t monitor(context, zmq::socket_type::pair);
  monitor.connect(monitor_endpoint);
  dealer.connect(region.endpoint());
  (void)dealer.send(zmq::buffer(frame), zmq::send_flags::dontwait);
  Verdict v;
  // Until a verdict: a failed handshake, or a successful one and its reply.
  for (auto until = std::chrono::steady_clock::now() + limit;
       std::chrono::steady_clock::now() < until && v.failed_auth_status == 0 && !v.failed_other &&
       !(v.succeeded && v.replied);) {
    std::vector<zmq::pollitem_t> items = {{monitor.handle(), 0, ZMQ_POLLIN, 0},
                                          {dealer.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 50ms);
    zmq::message_t message;
    if ((items[1].revents & ZMQ_POLLIN) && dealer.recv(message, zmq::recv_flags::dontwait)) {
      v.replied = true;
    }
    while (monitor.recv(message, zmq::recv_flags::dontwait)) {
      zmq::message_t address;
      if (message.more()) (void)monitor.recv(address, zmq::recv_flags::none);
      uint16_t id = 0;
      uint32_t value = 0;
      std::memcpy(&id, message.data(), sizeof id);
      std::memcpy(&value, static_cast<const uint8_t*>(message.data()) + 2, sizeof value);
      if (id == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) v.succeeded = true;
      if (id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) v.failed_auth_status = static_cast<int>(value);
      if (id == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL || id == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
        v.failed_other = true;
      }
    }
  }
  zmq_socket_monitor(dealer.handle(), nullptr, 0);
  return v;
}

void Curve(zmq::socket_t& s, const crypto::CurveKey& server, const crypto::Identity& me) {
  s.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(server.data(), server.size()));
  s.set(zmq::sockopt::curve_publickey,
        zmq::const_buffer(me.curve_public().data(), me.curve_public().size()));
  s.set(zmq::sockopt::curve_secretkey,
        zmq::const_buffer(me.curve_secret().data(), me.curve_secret().size()));
}

TEST_CASE(
    "NULL, PLAIN, unenrolled CURVE keys (the hub's own too) and a wrong server key never "
    "get a frame to ingest - an enrolled member still does",
    "[hostile][mechanism]") {
  auto created = Region::Create();
  REQUIRE(created.ok());
  std::unique_ptr<Region> region = std::move(created).value();
  REQUIRE(region->AddMember("trust-ok", "RXO").ok());
  REQUIRE(region->Keygen("stranger").ok());  // keys made, never enrolled
  REQUIRE(region->StartHub().ok());
  auto ok = region->LoadIdentity("trust-ok");
  auto stranger = region->LoadIdentity("stranger");
  auto hub_itself = region->LoadIdentity("hub");
  REQUIRE(ok.ok());
  REQUIRE(stranger.ok());
  REQUIRE(hub_itself.ok());
  // Each sends a frame the hub would accept from trust-ok: only the handshake stops it.
  const Bytes frame = SealSummary(*ok, 1, "RXO", "Smuggled");

  SECTION("a NULL client (no security): mechanism mismatch, never admitted") {
    Verdict v = TryClient(*region, frame, [](zmq::socket_t&) {});
    CHECK_FALSE(v.succeeded);
    CHECK_FALSE(v.replied);
    CHECK(v.failed_auth_status == 0);  // refused before ZAP: the mechanisms differ
  }
  SECTION("a PLAIN client with a user name and password: never admitted") {
    Verdict v = TryClient(*region, frame, [](zmq::socket_t& s) {
      s.set(zmq::sockopt::plain_username, "trust-ok");
      s.set(zmq::sockopt::plain_password, "letmein");
    });
    CHECK_FALSE(v.succeeded);
    CHECK_FALSE(v.replied);
  }
  SECTION("a CURVE client with the right hub key and an unenrolled key: ZAP 400") {
    Verdict v = TryClient(*region, frame,
                          [&](zmq::socket_t& s) { Curve(s, region->hub_curve_key(), *stranger); });
    CHECK_FALSE(v.succeeded);
    CHECK_FALSE(v.replied);
    CHECK(v.failed_auth_status == 400);
  }
  SECTION("a client presenting the hub's own CURVE key pair: not a member, ZAP 400") {
    Verdict v = TryClient(
        *region, frame, [&](zmq::socket_t& s) { Curve(s, region->hub_curve_key(), *hub_itself); });
    CHECK_FALSE(v.succeeded);
    CHECK(v.failed_auth_status == 400);
  }
  SECTION("an enrolled key pinned to the wrong server key: the handshake fails") {
    Verdict v = TryClient(*region, frame,
                          [&](zmq::socket_t& s) { Curve(s, stranger->curve_public(), *ok); });
    CHECK_FALSE(v.succeeded);
    CHECK_FALSE(v.replied);
  }
  SECTION("control: the enrolled key with the right server key gets in and is acked") {
    Verdict v = TryClient(*region, frame,
                          [&](zmq::socket_t& s) { Curve(s, region->hub_curve_key(), *ok); });
    CHECK(v.succeeded);
    CHECK(v.replied);
  }
  // Nothing but the control reached ingest: the hub refused no frame and stored at most one.
  auto log = region->ReadLog();
  REQUIRE(log.ok());
  CHECK(log->size() <= 1);
  auto stopped = region->StopHub();
  REQUIRE(stopped.ok());
  CHECK(*stopped == 0);
  CHECK(region->HubStderr().find(" 0 refused this run") != std::string::npos);
}

TEST_CASE(
    "a connection that stalls mid-handshake is closed by the hub within its handshake "
    "timeout (10 s), and the hub serves meanwhile",
    "[hostile][mechanism]") {
  auto created = Region::Create();
  REQUIRE(created.ok());
  std::unique_ptr<Region> region = std::move(created).value();
  REQUIRE(region->AddMember("trust-ok", "RXO").ok());
  REQUIRE(region->StartHub().ok());

  // Open TCP, send the ZMTP signature only (10 of the greeting's 64 bytes), then nothing.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(region->port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const uint8_t signature[10] = {0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0x7F};
  REQUIRE(send(fd, signature, sizeof signature, MSG_NOSIGNAL) == sizeof signature);
  const auto opened = std::chrono::steady_clock::now();

  // Meanwhile a member is served as usual.
  auto ok = region->LoadIdentity("trust-ok");
  REQUIRE(ok.ok());
  auto transport = transport::ClientTransport::Connect(*ok, region->IngestClient());
  REQUIRE(transport.ok());
  auto reply = SendAndWait(**transport, SealSummary(*ok, 1, "RXO"), 5s);
  REQUIRE(reply.ok());
  CHECK(std::holds_alternative<Ack>(*reply));

  // The hub hangs up: recv returns 0 (or a reset) once it gives up on the handshake.
  bool closed = false;
  while (!closed && std::chrono::steady_clock::now() - opened < 15s) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buffer[256];
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);  // the hub's own greeting comes first
    closed = n == 0 || (n < 0 && errno != EAGAIN);
  }
  const auto held = std::chrono::steady_clock::now() - opened;
  close(fd);
  std::printf(
      "stalled handshake: closed by the hub after %lld ms\n",
      static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(held).count()));
  CHECK(closed);
  CHECK(held >= 9s);  // not before the timeout: a slow member on a slow link gets its 10 s
  CHECK(held < 13s);
}

// --- the ZAP handler, fed directly -------------------------------------------------------------

class OneKey final : public transport::ZapAuthority {
 public:
  explicit OneKey(crypto::CurveKey key) : key_(key) {}
  std::optional<std::string> Admit(const crypto::CurveKey& key) override {
    ++asked;
    if (key == key_) return std::string("42");
    return std::nullopt;
  }
  int asked = 0;

 private:
  crypto::CurveKey key_;
};

struct ZapReply {
  std::string version, request_id, status, text, user;
  size_t parts = 0;
};

// Sends `parts` as one ZAP request through a REQ socket and reads the reply while the handler
// services its socket.
ZapReply Ask(zmq::context_t& context, transport::ZapHandler& handler,
             const std::vector<std::string>& parts) {
  zmq::socket_t req(context, zmq::socket_type::req);
  req.set(zmq::sockopt::linger, 0);
  req.connect("inproc://zeromq.zap.01");
  for (size_t i = 0; i < parts.size(); ++i) {
    req.send(zmq::buffer(parts[i]),
             i + 1 < parts.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
  ZapReply reply;
  std::vector<std::string> got;
  for (auto until = std::chrono::steady_clock::now() + 2s;
       got.empty() && std::chrono::steady_clock::now() < until;) {
    handler.HandlePending();
    zmq::message_t part;
    if (!req.recv(part, zmq::recv_flags::dontwait)) {
      std::this_thread::sleep_for(1ms);
      continue;
    }
    got.push_back(part.to_string());
    while (part.more()) {
      REQUIRE(req.recv(part, zmq::recv_flags::none));
      got.push_back(part.to_string());
    }
  }
  reply.parts = got.size();
  if (got.size() >= 5) {
    reply.version = got[0];
    reply.request_id = got[1];
    reply.status = got[2];
    reply.text = got[3];
    reply.user = got[4];
  }
  return reply;
}

TEST_CASE(
    "ZAP handler: malformed requests get 500, other mechanisms, domains and key sizes "
    "400, and it keeps answering",
    "[hostile][mechanism][zap]") {
  zmq::context_t context;
  crypto::Identity member = test::NewIdentity("member");
  OneKey authority(member.curve_public());
  auto handler = transport::ZapHandler::Bind(context, "lls", authority);
  REQUIRE(handler.ok());
  const std::string key(reinterpret_cast<const char*>(member.curve_public().data()), 32);
  auto request = [&](std::string version, std::string domain, std::string mechanism,
                     std::vector<std::string> credentials) {
    std::vector<std::string> parts = {version, "id-1", domain, "127.0.0.1", "", mechanism};
    parts.insert(parts.end(), credentials.begin(), credentials.end());
    return parts;
  };

  SECTION("too few frames") {
    ZapReply r = Ask(context, **handler, {"1.0", "id-1", "lls"});
    CHECK(r.status == "500");
    CHECK(r.request_id == "id-1");
  }
  SECTION("one frame only: answered with an empty request id") {
    ZapReply r = Ask(context, **handler, {"1.0"});
    CHECK(r.status == "500");
    CHECK(r.request_id.empty());
  }
  SECTION("another ZAP version") {
    CHECK(Ask(context, **handler, request("2.0", "lls", "CURVE", {key})).status == "500");
  }
  SECTION("another domain") {
    CHECK(Ask(context, **handler, request("1.0", "other", "CURVE", {key})).status == "400");
  }
  SECTION("NULL and PLAIN mechanisms") {
    CHECK(Ask(context, **handler, request("1.0", "lls", "NULL", {})).status == "400");
    CHECK(Ask(context, **handler, request("1.0", "lls", "PLAIN", {"user", "pass"})).status ==
          "400");
  }
  SECTION("a CURVE key of 31 or 33 bytes, or two credentials") {
    CHECK(Ask(context, **handler, request("1.0", "lls", "CURVE", {key.substr(0, 31)})).status ==
          "400");
    CHECK(Ask(context, **handler, request("1.0", "lls", "CURVE", {key + "x"})).status == "400");
    CHECK(Ask(context, **handler, request("1.0", "lls", "CURVE", {key, key})).status == "400");
  }
  int asked_before = 0;  // well-formed CURVE requests sent in the section
  SECTION("an unknown key") {
    std::string other(32, '\x07');
    CHECK(Ask(context, **handler, request("1.0", "lls", "CURVE", {other})).status == "400");
    asked_before = 1;
  }
  // Whatever came before, a well-formed request for the enrolled key is admitted as its member,
  // and only well-formed CURVE requests ever reached the authority.
  ZapReply admitted = Ask(context, **handler, request("1.0", "lls", "CURVE", {key}));
  CHECK(admitted.status == "200");
  CHECK(admitted.user == "42");
  CHECK(authority.asked == asked_before + 1);
  CHECK((*handler)->admitted() == 1);
}

}  // namespace
}  // namespace lls::hostile
