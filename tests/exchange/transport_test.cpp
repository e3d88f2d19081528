// Transport: real CURVE over loopback (wildcard ports), with a test ZapAuthority.
//
// The server services ZAP requests only inside Poll(), so every wait below interleaves server
// polls with client receives on this one thread; each wait is bounded by a deadline.
#include <catch2/catch.hpp>

#include <zmq.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "exchange/transport.h"
#include "tests/exchange/test_util.h"

namespace lls::transport {
namespace {

using namespace std::chrono_literals;
using test::BytesOf;
using test::NewIdentity;
using test::WaitUntil;

// Admits the keys it holds, with the user id given for each.
class TestAuthority final : public ZapAuthority {
 public:
  void Allow(const crypto::CurveKey& key, std::string user_id) { keys_[key] = std::move(user_id); }
  void Forget(const crypto::CurveKey& key) { keys_.erase(key); }
  std::optional<std::string> Admit(const crypto::CurveKey& client_key) override {
    ++calls;
    auto it = keys_.find(client_key);
    if (it == keys_.end()) return std::nullopt;
    return it->second;
  }
  int calls = 0;

 private:
  std::map<crypto::CurveKey, std::string> keys_;
};

ServerOptions LoopbackOptions() {
  ServerOptions options;
  options.endpoint = "tcp://127.0.0.1:*";
  return options;
}

std::unique_ptr<ServerTransport> StartServer(const crypto::Identity& id, ZapAuthority& authority) {
  auto server = ServerTransport::Start(id, authority, LoopbackOptions());
  INFO(server.status().ToString());
  REQUIRE(server.ok());
  REQUIRE((*server)->endpoint().rfind("tcp://127.0.0.1:", 0) == 0);
  REQUIRE((*server)->endpoint() != "tcp://127.0.0.1:*");
  return std::move(server).value();
}

std::unique_ptr<ClientTransport> ConnectClient(const crypto::Identity& me,
                                               const std::string& endpoint,
                                               const crypto::CurveKey& server_key) {
  ClientOptions options;
  options.endpoint = endpoint;
  options.server_key = server_key;
  auto client = ClientTransport::Connect(me, options);
  INFO(client.status().ToString());
  REQUIRE(client.ok());
  return std::move(client).value();
}

// Polls the server until at least one frame arrived (true) or `limit` passed (false).
bool PollFrames(ServerTransport& server, std::vector<InboundFrame>& out,
                std::chrono::milliseconds limit) {
  return WaitUntil(limit, [&] {
    auto frames = server.Poll(20ms, 16);
    REQUIRE(frames.ok());
    for (auto& frame : *frames) out.push_back(std::move(frame));
    return !out.empty();
  });
}

// Interleaves server polls (which answer ZAP) and client receives until the client gets a
// reply or an error, or `limit` passes. Frames the server sees meanwhile go to `seen`.
Result<std::optional<std::vector<uint8_t>>> ClientReceive(ServerTransport& server,
                                                          ClientTransport& client,
                                                          std::vector<InboundFrame>& seen,
                                                          std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    auto frames = server.Poll(10ms, 16);
    REQUIRE(frames.ok());
    for (auto& frame : *frames) seen.push_back(std::move(frame));
    auto got = client.Receive(10ms);
    if (!got.ok() || got->has_value()) return got;
  }
  return std::optional<std::vector<uint8_t>>();
}

TEST_CASE("an admitted client's frame arrives with its user id and the reply gets back",
          "[transport]") {
  crypto::Identity hub = NewIdentity("hub");
  crypto::Identity node = NewIdentity("node");
  TestAuthority authority;
  authority.Allow(node.curve_public(), "member-17");
  auto server = StartServer(hub, authority);
  auto client = ConnectClient(node, server->endpoint(), hub.curve_public());

  REQUIRE(client->Send(BytesOf("hello hub")).ok());
  std::vector<InboundFrame> frames;
  REQUIRE(PollFrames(*server, frames, 3s));
  REQUIRE(frames.size() == 1);
  CHECK(frames[0].user_id == "member-17");
  CHECK(frames[0].payload == BytesOf("hello hub"));
  CHECK_FALSE(frames[0].multipart);
  CHECK_FALSE(frames[0].peer.empty());
  CHECK(server->zap_admitted() == 1);
  CHECK(server->zap_refused() == 0);

  REQUIRE(server->Send(frames[0].peer, BytesOf("hello node")).ok());
  std::vector<InboundFrame> more;
  auto reply = ClientReceive(*server, *client, more, 3s);
  INFO(reply.status().ToString());
  REQUIRE(reply.ok());
  REQUIRE(reply->has_value());
  CHECK(**reply == BytesOf("hello node"));
  CHECK(more.empty());
  CHECK(client->connected());
}

TEST_CASE("a reply to a peer that has gone is dropped without an error", "[transport]") {
  crypto::Identity hub = NewIdentity("hub");
  TestAuthority authority;
  auto server = StartServer(hub, authority);
  CHECK(server->Send("no-such-peer", BytesOf("lost")).ok());
}

TEST_CASE("Receive times out with nothing when the hub does not answer", "[transport]") {
  crypto::Identity hub = NewIdentity("hub");
  crypto::Identity node = NewIdentity("node");
  TestAuthority authority;
  authority.Allow(node.curve_public(), "1");
  auto server = StartServer(hub, authority);
  auto client = ConnectClient(node, server->endpoint(), hub.curve_public());
  std::vector<InboundFrame> seen;
  auto got = ClientReceive(*server, *client, seen, 300ms);
  REQUIRE(got.ok());
  CHECK_FALSE(got->has_value());
}

TEST_CASE("an unknown key is refused: the client learns it within 2 s, the server sees nothing",
          "[transport]") {
  crypto::Identity hub = NewIdentity("hub");
  crypto::Identity stranger = NewIdentity("stranger");
  TestAuthority authority;
  authority.Allow(NewIdentity("someone-else").curve_public(), "1");
  auto server = StartServer(hub, authority);
  auto client = ConnectClient(stranger, server->endpoint(), hub.curve_public());
  REQUIRE(client->Send(BytesOf("let me in")).ok());

  std::vector<InboundFrame> seen;
  const auto started = std::chrono::steady_clock::now();
  auto got = ClientReceive(*server, *client, seen, 2s);
  const auto took = std::chrono::steady_clock::now() - started;
  INFO(got.status().ToString());
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == Code::kUnauthenticated);
  CHECK(got.status().message().find("refused this node's key") != std::string::npos);
  CHECK(took < 2s);
  CHECK(server->zap_refused() >= 1);
  CHECK(server->zap_admitted() == 0);
  CHECK(authority.calls >= 1);
  CHECK_FALSE(client->connected());

  // And nothing leaks through afterwards, not even on the client's reconnects.
  CHECK_FALSE(PollFrames(*server, seen, 500ms));
  CHECK(seen.empty());
}

TEST_CASE("revoking a key and dropping connections cuts a live client off", "[transport]") {
  crypto::Identity hub = NewIdentity("hub");
  crypto::Identity node = NewIdentity("node");
  TestAuthority authority;
  authority.Allow(node.curve_public(), "7");
  auto server = StartServer(hub, authority);
  const std::string endpoint = server->endpoint();
  auto client = ConnectClient(node, endpoint, hub.curve_public());

  // A live, authenticated exchange first.
  REQUIRE(client->Send(BytesOf("before")).ok());
  std::vector<InboundFrame> frames;
  REQUIRE(PollFrames(*server, frames, 3s));
  REQUIRE(frames.size() == 1);
  CHECK(frames[0].user_id == "7");
  REQUIRE(server->Send(frames[0].peer, BytesOf("ack")).ok());
  std::vector<InboundFrame> seen;
  auto reply = ClientReceive(*server, *client, seen, 3s);
  REQUIRE(reply.ok());
  REQUIRE(reply->has_value());
  REQUIRE(client->connected());

  authority.Forget(node.curve_public());
  REQUIRE(server->DropConnections().ok());
  CHECK(server->endpoint() == endpoint);  // same port, so nodes reconnect to it

  // The client reconnects by itself, is checked again, and is refused.
  CHECK(client->Send(BytesOf("after")).ok());
  const auto started = std::chrono::steady_clock::now();
  auto got = ClientReceive(*server, *client, seen, 3s);
  INFO(got.status().ToString());
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == Code::kUnauthenticated);
  CHECK(std::chrono::steady_clock::now() - started < 3s);
  CHECK(server->zap_refused() >= 1);
  CHECK_FALSE(PollFrames(*server, seen, 300ms));
  CHECK(seen.empty());
}

TEST_CASE("DropConnections makes an admitted client pass the ZAP handler again", "[transport]") {
  crypto::Identity hub = NewIdentity("hub");
  crypto::Identity node = NewIdentity("node");
  TestAuthority authority;
  authority.Allow(node.curve_public(), "first");
  auto server = StartServer(hub, authority);
  auto client = ConnectClient(node, server->endpoint(), hub.curve_public());
  REQUIRE(client->Send(BytesOf("one")).ok());
  std::vector<InboundFrame> frames;
  REQUIRE(PollFrames(*server, frames, 3s));
  CHECK(frames.at(0).user_id == "first");
  CHECK(server->zap_admitted() == 1);

  // Still admitted, under a new user id: a fresh ZAP check must be what labels the frame.
  authority.Allow(node.curve_public(), "second");
  REQUIRE(server->DropConnections().ok());
  frames.clear();
  // ZeroMQ may drop a frame sent while it notices the old connection is gone; resend until
  // one arrives on the new connection.
  const bool arrived = WaitUntil(4s, [&] {
    REQUIRE(client->Send(BytesOf("two")).ok());
    return PollFrames(*server, frames, 300ms);
  });
  REQUIRE(arrived);
  CHECK(frames.at(0).user_id == "second");
  CHECK(frames.at(0).payload == BytesOf("two"));
  CHECK(server->zap_admitted() == 2);
}

TEST_CASE("a client pinned to the wrong hub key fails with a message about the hub key",
          "[transport]") {
  crypto::Identity hub = NewIdentity("hub");
  crypto::Identity impostor_key = NewIdentity("not-the-hub");
  crypto::Identity node = NewIdentity("node");
  TestAuthority authority;
  authority.Allow(node.curve_public(), "1");
  auto server = StartServer(hub, authority);
  auto client = ConnectClient(node, server->endpoint(), impostor_key.curve_public());
  REQUIRE(client->Send(BytesOf("hello?")).ok());

  std::vector<InboundFrame> seen;
  auto got = ClientReceive(*server, *client, seen, 3s);
  INFO(got.status().ToString());
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == Code::kUnauthenticated);
  CHECK(got.status().message().find("hub.public_key") != std::string::npos);
  CHECK(got.status().message().find(server->endpoint()) != std::string::npos);
  CHECK(seen.empty());
  CHECK(server->zap_admitted() == 0);
  CHECK_FALSE(client->connected());
}

TEST_CASE("a multi-part frame is delivered flagged multipart, first part as payload",
          "[transport]") {
  crypto::Identity hub = NewIdentity("hub");
  crypto::Identity node = NewIdentity("node");
  TestAuthority authority;
  authority.Allow(node.curve_public(), "42");
  auto server = StartServer(hub, authority);

  // ClientTransport only sends single frames; a raw CURVE DEALER plays a misbehaving node.
  zmq::context_t context;
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  const crypto::CurveKey& hub_key = hub.curve_public();
  const crypto::CurveKey& pub = node.curve_public();
  std::span<const uint8_t, 32> secret = node.curve_secret();
  dealer.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(hub_key.data(), hub_key.size()));
  dealer.set(zmq::sockopt::curve_publickey, zmq::const_buffer(pub.data(), pub.size()));
  dealer.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(secret.data(), secret.size()));
  dealer.connect(server->endpoint());
  REQUIRE(dealer.send(zmq::str_buffer("part-one"), zmq::send_flags::sndmore));
  REQUIRE(dealer.send(zmq::str_buffer("part-two"), zmq::send_flags::sndmore));
  REQUIRE(dealer.send(zmq::str_buffer("part-three"), zmq::send_flags::none));

  std::vector<InboundFrame> frames;
  REQUIRE(PollFrames(*server, frames, 3s));
  REQUIRE(frames.size() == 1);
  CHECK(frames[0].multipart);
  CHECK(frames[0].payload == BytesOf("part-one"));
  CHECK(frames[0].user_id == "42");

  // A single-part frame on the same connection afterwards is not flagged.
  REQUIRE(dealer.send(zmq::str_buffer("single"), zmq::send_flags::none));
  frames.clear();
  REQUIRE(PollFrames(*server, frames, 3s));
  REQUIRE(frames.size() == 1);
  CHECK_FALSE(frames[0].multipart);
  CHECK(frames[0].payload == BytesOf("single"));
}

TEST_CASE("Poll returns several waiting frames at once, at most max_frames", "[transport]") {
  crypto::Identity hub = NewIdentity("hub");
  crypto::Identity node = NewIdentity("node");
  TestAuthority authority;
  authority.Allow(node.curve_public(), "1");
  auto server = StartServer(hub, authority);
  auto client = ConnectClient(node, server->endpoint(), hub.curve_public());
  for (int i = 0; i < 5; ++i) REQUIRE(client->Send(BytesOf("m" + std::to_string(i))).ok());

  std::vector<InboundFrame> frames;
  REQUIRE(WaitUntil(3s, [&] {
    auto got = server->Poll(20ms, 2);
    REQUIRE(got.ok());
    CHECK(got->size() <= 2);
    for (auto& frame : *got) frames.push_back(std::move(frame));
    return frames.size() >= 5;
  }));
  REQUIRE(frames.size() == 5);
  for (int i = 0; i < 5; ++i) CHECK(frames[i].payload == BytesOf("m" + std::to_string(i)));
}

TEST_CASE("a second server cannot bind a port already in use", "[transport]") {
  crypto::Identity hub = NewIdentity("hub");
  TestAuthority authority;
  auto first = StartServer(hub, authority);
  ServerOptions options;
  options.endpoint = first->endpoint();
  auto second = ServerTransport::Start(hub, authority, options);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == Code::kUnavailable);
}

TEST_CASE("a server refuses to start without a ZAP domain", "[transport]") {
  crypto::Identity hub = NewIdentity("hub");
  TestAuthority authority;
  ServerOptions options = LoopbackOptions();
  options.zap_domain = "";
  auto server = ServerTransport::Start(hub, authority, options);
  REQUIRE_FALSE(server.ok());
  CHECK(server.status().code() == Code::kInvalidArgument);
}

TEST_CASE("frames above max_message_bytes still arrive, above the socket limit they do not",
          "[transport]") {
  crypto::Identity hub = NewIdentity("hub");
  crypto::Identity node = NewIdentity("node");
  TestAuthority authority;
  authority.Allow(node.curve_public(), "1");
  ServerOptions options = LoopbackOptions();
  options.max_message_bytes = 1024;
  options.socket_limit_bytes = 8192;
  auto started = ServerTransport::Start(hub, authority, options);
  REQUIRE(started.ok());
  auto& server = *started;
  auto client = ConnectClient(node, server->endpoint(), hub.curve_public());

  // Over max_message_bytes but under the socket limit: read, so the hub can Nack too-large.
  REQUIRE(client->Send(std::vector<uint8_t>(4000, 0x55)).ok());
  std::vector<InboundFrame> frames;
  REQUIRE(PollFrames(*server, frames, 3s));
  REQUIRE(frames.size() == 1);
  CHECK(frames[0].payload.size() == 4000);

  // Over the socket limit: ZeroMQ drops the connection without delivering the frame.
  REQUIRE(client->Send(std::vector<uint8_t>(9000, 0x66)).ok());
  frames.clear();
  CHECK_FALSE(PollFrames(*server, frames, 500ms));
  CHECK(frames.empty());
}

}  // namespace
}  // namespace lls::transport
