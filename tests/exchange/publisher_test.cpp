// Publisher against a tiny hub: a real ServerTransport on its own thread that decodes each
// envelope and answers by a per-sequence policy (Ack, duplicate Ack, Nack, or silence).
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
#include "tests/exchange/test_util.h"

namespace lls {
namespace {

using namespace std::chrono_literals;
using test::NewIdentity;
using test::SampleSummary;
using test::TempDir;

enum class Answer {
  kAck,
  kDuplicateAck,
  kNackInternal,
  kNackBadSignature,
  kSilent,
  kSilentOnce,
};

class OneKeyAuthority final : public transport::ZapAuthority {
 public:
  explicit OneKeyAuthority(std::optional<crypto::CurveKey> key) : key_(key) {}
  std::optional<std::string> Admit(const crypto::CurveKey& client_key) override {
    if (key_ && client_key == *key_) return "node-1";
    return std::nullopt;
  }

 private:
  std::optional<crypto::CurveKey> key_;
};

// The hub thread owns its ServerTransport (sockets belong to the thread that made them).
class TinyHub {
 public:
  TinyHub(std::optional<crypto::CurveKey> admitted, std::map<uint64_t, Answer> policy)
      : hub_(NewIdentity("tiny-hub")), authority_(admitted), policy_(std::move(policy)) {
    std::promise<std::string> bound;
    std::future<std::string> endpoint = bound.get_future();
    thread_ = std::thread([this, &bound] { Run(bound); });
    endpoint_ = endpoint.get();
  }
  ~TinyHub() {
    stop_ = true;
    thread_.join();
  }
  TinyHub(const TinyHub&) = delete;
  TinyHub& operator=(const TinyHub&) = delete;

  const std::string& endpoint() const { return endpoint_; }
  const crypto::CurveKey& key() const { return hub_.curve_public(); }
  // Frames received per sequence number (resends included).
  int Received(uint64_t sequence) {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_[sequence];
  }
  std::vector<Bytes> Frames() {
    std::lock_guard<std::mutex> lock(mutex_);
    return frames_;
  }
  bool failed() const { return failed_; }

 private:
  void Run(std::promise<std::string>& bound) {
    transport::ServerOptions options;
    options.endpoint = "tcp://127.0.0.1:*";
    auto server = transport::ServerTransport::Start(hub_, authority_, options);
    if (!server.ok()) {
      failed_ = true;
      bound.set_value("");
      return;
    }
    bound.set_value((*server)->endpoint());
    uint64_t hub_seq = 100;
    while (!stop_) {
      auto frames = (*server)->Poll(20ms, 16);
      if (!frames.ok()) {
        failed_ = true;
        return;
      }
      for (const transport::InboundFrame& frame : *frames) {
        auto envelope = DecodeEnvelope(frame.payload);
        if (!envelope.ok() || frame.user_id != "node-1") {
          failed_ = true;
          continue;
        }
        Answer answer = Answer::kAck;
        int count = 0;
        {
          std::lock_guard<std::mutex> lock(mutex_);
          count = ++received_[envelope->sequence];
          frames_.push_back(frame.payload);
          if (auto it = policy_.find(envelope->sequence); it != policy_.end()) answer = it->second;
        }
        std::optional<Reply> reply;
        const MessageId& id = envelope->message_id;
        switch (answer) {
          case Answer::kAck:
            reply = Ack{id, ++hub_seq, false};
            break;
          case Answer::kDuplicateAck:
            reply = Ack{id, 7, true};
            break;
          case Answer::kNackInternal:
            reply = Nack{id, NackCode::kInternal, "disk busy"};
            break;
          case Answer::kNackBadSignature:
            reply = Nack{id, NackCode::kBadSignature, "signature does not verify"};
            break;
          case Answer::kSilent:
            break;
          case Answer::kSilentOnce:
            if (count > 1) reply = Ack{id, ++hub_seq, false};
            break;
        }
        if (reply && !(*server)->Send(frame.peer, EncodeReply(*reply)).ok()) failed_ = true;
      }
    }
  }

  crypto::Identity hub_;
  OneKeyAuthority authority_;
  std::map<uint64_t, Answer> policy_;
  std::thread thread_;
  std::string endpoint_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> failed_{false};
  std::mutex mutex_;
  std::map<uint64_t, int> received_;
  std::vector<Bytes> frames_;
};

struct NodeSide {
  TempDir dir;
  crypto::Identity me = NewIdentity("trust-a");
  db::Database db = Open(dir / "node.db");
  Outbox outbox{db};
  SystemClock clock;

  static db::Database Open(const std::filesystem::path& path) {
    auto db = db::Database::Open(path);
    REQUIRE(db.ok());
    REQUIRE(db->Migrate({Outbox::kSchemaV1}).ok());
    return std::move(db).value();
  }
  std::vector<Envelope> Enqueue(int n) {
    std::vector<Envelope> out;
    for (int i = 0; i < n; ++i) {
      auto e = outbox.Enqueue(me, SampleSummary("s" + std::to_string(i)), clock.NowMs());
      REQUIRE(e.ok());
      out.push_back(*e);
    }
    return out;
  }
  std::unique_ptr<transport::ClientTransport> Connect(const TinyHub& hub) {
    transport::ClientOptions options;
    options.endpoint = hub.endpoint();
    options.server_key = hub.key();
    auto client = transport::ClientTransport::Connect(me, options);
    REQUIRE(client.ok());
    return std::move(client).value();
  }
  OutboxStats Stats() {
    auto stats = outbox.Stats();
    REQUIRE(stats.ok());
    return *stats;
  }
};

bool AnyContains(const std::vector<std::string>& lines, std::string_view text) {
  for (const std::string& line : lines) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST_CASE("PublishAll: acks leave the queue, transient nacks stay, permanent ones are rejected",
          "[publisher]") {
  NodeSide node;
  std::vector<Envelope> sent = node.Enqueue(3);
  TinyHub hub(node.me.curve_public(),
              {{1, Answer::kAck}, {2, Answer::kNackInternal}, {3, Answer::kNackBadSignature}});
  REQUIRE(!hub.endpoint().empty());
  auto client = node.Connect(hub);
  Publisher publisher(node.outbox, *client, node.clock, {64, std::chrono::milliseconds(5000)});

  auto report = publisher.PublishAll(1500ms);
  INFO(report.status().ToString());
  REQUIRE(report.ok());
  CHECK(report->acked == 1);
  CHECK(report->duplicates == 0);
  CHECK(report->rejected == 1);
  CHECK(report->remaining == 1);
  REQUIRE(report->rejections.size() == 1);
  CHECK(AnyContains(report->rejections, "bad-signature"));
  CHECK(AnyContains(report->rejections, crypto::ToHex(sent[2].message_id)));

  OutboxStats stats = node.Stats();
  CHECK(stats.queued == 1);
  CHECK(stats.acked == 1);
  CHECK(stats.rejected == 1);
  CHECK(stats.last_hub_seq == 101);
  CHECK(stats.last_ack_ms > 0);
  auto due = node.outbox.Due(0, 10, true);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 1);
  CHECK((*due)[0].sequence == 2);  // the transiently refused one is still queued

  auto rejections = node.outbox.Rejections(10);
  REQUIRE(rejections.ok());
  REQUIRE(rejections->size() == 1);
  CHECK((*rejections)[0].sequence == 3);
  CHECK((*rejections)[0].reason.find("bad-signature") != std::string::npos);
  CHECK((*rejections)[0].reason.find("signature does not verify") != std::string::npos);

  // What went over the wire is exactly what the outbox holds.
  std::vector<Bytes> frames = hub.Frames();
  CHECK(std::find(frames.begin(), frames.end(), (*due)[0].envelope) != frames.end());
  CHECK_FALSE(hub.failed());
}

TEST_CASE("a rejection line names the message, the Nack code and its text", "[publisher]") {
  // publisher.h: "message <hex id> refused: <nack code>: <text>".
  NodeSide node;
  std::vector<Envelope> sent = node.Enqueue(3);
  TinyHub hub(node.me.curve_public(), {{3, Answer::kNackBadSignature}});
  auto client = node.Connect(hub);
  Publisher publisher(node.outbox, *client, node.clock);
  auto report = publisher.PublishAll(3000ms);
  REQUIRE(report.ok());
  REQUIRE(report->rejections.size() == 1);
  CHECK(report->rejections[0] == "message " + crypto::ToHex(sent[2].message_id) +
                                     " refused: bad-signature: signature does not verify");
}

TEST_CASE("PublishAll counts duplicate acks and returns as soon as all are answered",
          "[publisher]") {
  NodeSide node;
  node.Enqueue(4);
  TinyHub hub(node.me.curve_public(), {{2, Answer::kDuplicateAck}});
  auto client = node.Connect(hub);
  Publisher publisher(node.outbox, *client, node.clock);
  const auto started = std::chrono::steady_clock::now();
  auto report = publisher.PublishAll(5000ms);
  REQUIRE(report.ok());
  CHECK(std::chrono::steady_clock::now() - started < 4000ms);
  CHECK(report->acked == 4);
  CHECK(report->duplicates == 1);
  CHECK(report->rejected == 0);
  CHECK(report->remaining == 0);
  CHECK(node.Stats().queued == 0);
  CHECK(node.Stats().acked == 4);
  for (uint64_t seq = 1; seq <= 4; ++seq) CHECK(hub.Received(seq) == 1);
}

TEST_CASE("PublishAll with an empty outbox returns at once", "[publisher]") {
  NodeSide node;
  TinyHub hub(node.me.curve_public(), {});
  auto client = node.Connect(hub);
  Publisher publisher(node.outbox, *client, node.clock);
  const auto started = std::chrono::steady_clock::now();
  auto report = publisher.PublishAll(5000ms);
  REQUIRE(report.ok());
  CHECK(std::chrono::steady_clock::now() - started < 1000ms);
  CHECK(report->acked == 0);
  CHECK(report->remaining == 0);
}

TEST_CASE("PublishAll reports what remains when the hub never answers", "[publisher]") {
  NodeSide node;
  node.Enqueue(3);
  TinyHub hub(node.me.curve_public(),
              {{1, Answer::kSilent}, {2, Answer::kSilent}, {3, Answer::kSilent}});
  auto client = node.Connect(hub);
  Publisher publisher(node.outbox, *client, node.clock);
  const auto started = std::chrono::steady_clock::now();
  auto report = publisher.PublishAll(700ms);
  const auto took = std::chrono::steady_clock::now() - started;
  REQUIRE(report.ok());  // a timeout is not an error
  CHECK(took >= 600ms);
  CHECK(took < 3000ms);
  CHECK(report->acked == 0);
  CHECK(report->rejected == 0);
  CHECK(report->remaining == 3);
  OutboxStats stats = node.Stats();
  CHECK(stats.queued == 3);
  CHECK(stats.last_error.find("3 message(s) not acknowledged") != std::string::npos);
}

TEST_CASE("PublishAll resends an unanswered message, byte for byte", "[publisher]") {
  NodeSide node;
  node.Enqueue(1);
  TinyHub hub(node.me.curve_public(), {{1, Answer::kSilentOnce}});
  auto client = node.Connect(hub);
  Publisher publisher(node.outbox, *client, node.clock, {64, std::chrono::milliseconds(300)});
  auto report = publisher.PublishAll(4000ms);
  REQUIRE(report.ok());
  CHECK(report->acked == 1);
  CHECK(report->remaining == 0);
  CHECK(hub.Received(1) == 2);
  std::vector<Bytes> frames = hub.Frames();
  REQUIRE(frames.size() == 2);
  CHECK(frames[0] == frames[1]);
}

TEST_CASE("PublishAll stops with kUnauthenticated when the hub refuses the node's key",
          "[publisher]") {
  NodeSide node;
  node.Enqueue(2);
  TinyHub hub(std::nullopt, {});  // admits nobody
  auto client = node.Connect(hub);
  Publisher publisher(node.outbox, *client, node.clock);
  const auto started = std::chrono::steady_clock::now();
  auto report = publisher.PublishAll(6000ms);
  REQUIRE_FALSE(report.ok());
  CHECK(report.status().code() == Code::kUnauthenticated);
  CHECK(std::chrono::steady_clock::now() - started < 3000ms);  // at once, not after the wait
  OutboxStats stats = node.Stats();
  CHECK(stats.queued == 2);
  CHECK(stats.last_error.find("refused") != std::string::npos);
  CHECK(hub.Received(1) == 0);
}

}  // namespace
}  // namespace lls
