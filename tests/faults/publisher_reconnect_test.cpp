// The Publisher across network faults, through a FaultProxy to a tiny hub that acks everything
// (a real CURVE ServerTransport on its own thread). The outbox's backoff is a minute, so a
// resend within seconds can only come from the Publisher noticing the new connection — the fix
// for nodes that waited for their backoff (up to 5 min) after a link healed.
#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "exchange/clock.h"
#include "exchange/outbox.h"
#include "exchange/publisher.h"
#include "exchange/sqlite.h"
#include "exchange/transport.h"
#include "schema/codec.h"
#include "tests/faults/fault_proxy.h"
#include "tests/support/support.h"

namespace lls::faults {
namespace {

using namespace std::chrono_literals;

class AdmitAll final : public transport::ZapAuthority {
 public:
  std::optional<std::string> Admit(const crypto::CurveKey&) override { return "node"; }
};

// Acks every envelope: a new message id at the next hub sequence, a known one as a duplicate at
// its first sequence (as lls-hub does). The thread owns its ServerTransport.
class AckingHub {
 public:
  AckingHub() : identity_(test::NewIdentity("hub")) {
    std::promise<std::string> bound;
    std::future<std::string> endpoint = bound.get_future();
    thread_ = std::thread([this, &bound] { Run(bound); });
    endpoint_ = endpoint.get();
  }
  ~AckingHub() {
    stop_ = true;
    thread_.join();
  }
  int port() const { return std::stoi(endpoint_.substr(endpoint_.rfind(':') + 1)); }
  const crypto::CurveKey& key() const { return identity_.curve_public(); }
  int received(const MessageId& id) {
    std::lock_guard<std::mutex> lock(mu_);
    return received_[id];
  }

 private:
  void Run(std::promise<std::string>& bound) {
    AdmitAll authority;
    transport::ServerOptions options;
    options.endpoint = "tcp://127.0.0.1:*";
    auto server = transport::ServerTransport::Start(identity_, authority, options);
    bound.set_value(server.ok() ? (*server)->endpoint() : "");
    if (!server.ok()) return;
    std::map<MessageId, uint64_t> stored;
    while (!stop_) {
      auto frames = (*server)->Poll(20ms, 16);
      if (!frames.ok()) return;
      for (const transport::InboundFrame& frame : *frames) {
        auto envelope = DecodeEnvelope(frame.payload);
        if (!envelope.ok()) continue;
        const MessageId& id = envelope->message_id;
        {
          std::lock_guard<std::mutex> lock(mu_);
          ++received_[id];
        }
        auto [it, fresh] = stored.emplace(id, stored.size() + 1);
        (void)(*server)->Send(frame.peer, EncodeReply(Ack{id, it->second, !fresh}));
      }
    }
  }

  crypto::Identity identity_;
  std::thread thread_;
  std::string endpoint_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<MessageId, int> received_;
};

ProjectSummary Summary(int i) {
  ProjectSummary s;
  s.project_id = "P-" + std::to_string(i);
  s.organisation = "RX1";
  s.title = "Smoke-free pathway";
  return s;
}

TEST_CASE(
    "a Publisher resends what was in flight as soon as a half-open connection is "
    "replaced, whatever the backoff",
    "[faults][publisher]") {
  AckingHub hub;
  auto proxy = FaultProxy::Start(hub.port(), 3);
  REQUIRE(proxy.ok());
  test::TempDir dir("lls-faults-publisher");
  auto db = db::Database::Open(dir / "node.db");
  REQUIRE(db.ok());
  REQUIRE(db->Migrate({Outbox::kSchemaV1}).ok());
  Outbox outbox(*db, Backoff{60000, 120000});  // a resend by backoff would come after 30-60 s
  crypto::Identity me = test::NewIdentity("trust");
  SystemClock clock;
  std::vector<MessageId> ids;
  for (int i = 0; i < 5; ++i) {
    auto e = outbox.Enqueue(me, Summary(i), clock.NowMs());
    REQUIRE(e.ok());
    ids.push_back(e->message_id);
  }
  transport::ClientOptions options;
  options.endpoint = (*proxy)->endpoint();
  options.server_key = hub.key();
  auto client = transport::ClientTransport::Connect(me, options);
  REQUIRE(client.ok());
  REQUIRE((*client)->WaitConnected(5s).ok());

  // The replies of the open connection are lost for good: the hub stores the five messages,
  // its Acks never arrive, and nothing tells the node.
  (*proxy)->SetMode(HalfOpenAcksMode());
  Publisher publisher(outbox, **client, clock);
  PublishReport report;
  const auto started = std::chrono::steady_clock::now();
  auto stats = outbox.Stats();
  while (stats.ok() && stats->queued > 0 && std::chrono::steady_clock::now() - started < 15s) {
    REQUIRE(publisher.Pump(200ms, /*ignore_backoff=*/false, report).ok());  // as lls-node run
    stats = outbox.Stats();
  }
  REQUIRE(stats.ok());
  INFO("all acked after " << std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now() - started)
                                 .count()
                          << " ms");
  CHECK(stats->queued == 0);
  CHECK(report.acked == 5);
  // Each message reached the hub twice (the lost first send, the resend on the new
  // connection) and was acked the second time as a duplicate, at its first hub sequence.
  CHECK(report.duplicates == 5);
  for (size_t i = 0; i < ids.size(); ++i) CHECK(hub.received(ids[i]) == 2);
  CHECK(stats->last_hub_seq == 5);
  CHECK((*client)->handshakes() >= 2);
}

TEST_CASE(
    "a Publisher sends nothing while the hub is unreachable and everything once it is "
    "back",
    "[faults][publisher]") {
  AckingHub hub;
  auto proxy = FaultProxy::Start(hub.port(), 5);
  REQUIRE(proxy.ok());
  (*proxy)->SetMode(PartitionMode());
  test::TempDir dir("lls-faults-publisher");
  auto db = db::Database::Open(dir / "node.db");
  REQUIRE(db.ok());
  REQUIRE(db->Migrate({Outbox::kSchemaV1}).ok());
  Outbox outbox(*db, Backoff{10, 1000});  // as short as configuration allows: many turns due
  crypto::Identity me = test::NewIdentity("trust");
  SystemClock clock;
  for (int i = 0; i < 3; ++i) REQUIRE(outbox.Enqueue(me, Summary(i), clock.NowMs()).ok());
  transport::ClientOptions options;
  options.endpoint = (*proxy)->endpoint();
  options.server_key = hub.key();
  auto client = transport::ClientTransport::Connect(me, options);
  REQUIRE(client.ok());
  Publisher publisher(outbox, **client, clock);
  PublishReport report;
  for (int turn = 0; turn < 10; ++turn) {
    REQUIRE(publisher.Pump(50ms, /*ignore_backoff=*/false, report).ok());
  }
  // Nothing went into ZeroMQ's queue while disconnected (each such send would have counted an
  // attempt, and reached the hub as one more duplicate once the link was back).
  auto due = outbox.Due(0, 10, /*ignore_backoff=*/true);
  REQUIRE(due.ok());
  for (const OutboxEntry& e : *due) CHECK(e.attempts == 0);

  (*proxy)->SetMode(HealthyMode());
  auto stats = outbox.Stats();
  const auto healed = std::chrono::steady_clock::now();
  while (stats.ok() && stats->queued > 0 && std::chrono::steady_clock::now() - healed < 10s) {
    REQUIRE(publisher.Pump(200ms, false, report).ok());
    stats = outbox.Stats();
  }
  REQUIRE(stats.ok());
  CHECK(stats->queued == 0);
  CHECK(report.acked == 3);
  CHECK(report.duplicates == 0);
}

}  // namespace
}  // namespace lls::faults
