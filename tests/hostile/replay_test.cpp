// Replay over a real second ZeroMQ connection (issue 7 item 5), against the real lls-hub: the
// ingest tests feed frames with made-up peer ids; here the same member opens a new socket (a
// new TCP connection that passes ZAP again) and replays what it sent on the first.
#include <catch2/catch.hpp>

#include <map>
#include <thread>

#include "schema/codec.h"
#include "tests/hostile/hostile_region.h"
#include "tests/hostile/stream_client.h"

namespace lls::hostile {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<transport::ClientTransport> Connect(const Region& region,
                                                    const crypto::Identity& identity) {
  auto transport = transport::ClientTransport::Connect(identity, region.IngestClient());
  REQUIRE(transport.ok());
  REQUIRE((*transport)->WaitConnected(5s).ok());
  return std::move(transport).value();
}

Reply Exchange(transport::ClientTransport& transport, const Bytes& frame) {
  auto reply = SendAndWait(transport, frame, 5s);
  INFO(reply.status().ToString());
  REQUIRE(reply.ok());
  return *reply;
}

Ack ExpectAck(const Reply& reply) {
  if (const Nack* nack = std::get_if<Nack>(&reply)) {
    FAIL("expected an Ack, got " << NackCodeName(nack->code) << ": " << nack->text);
  }
  return std::get<Ack>(reply);
}

void ExpectNack(const Reply& reply, NackCode code) {
  const Nack* nack = std::get_if<Nack>(&reply);
  REQUIRE(nack != nullptr);
  INFO(nack->text);
  CHECK(std::string(NackCodeName(nack->code)) == NackCodeName(code));
}

TEST_CASE(
    "replay over a second real connection: the identical message is a duplicate - the "
    "same id or sequence with other content is replay",
    "[hostile][replay]") {
  auto created = Region::Create();
  REQUIRE(created.ok());
  std::unique_ptr<Region> region = std::move(created).value();
  REQUIRE(region->AddMember("trust-r", "RXR").ok());
  REQUIRE(region->StartHub().ok());
  auto identity = region->LoadIdentity("trust-r");
  REQUIRE(identity.ok());

  const Envelope original = *DecodeEnvelope(SealSummary(*identity, 1, "RXR", "Original"));
  const Bytes original_bytes = EncodeEnvelope(original);
  uint64_t original_seq = 0;
  {
    auto first = Connect(*region, *identity);
    Ack ack = ExpectAck(Exchange(*first, original_bytes));
    CHECK_FALSE(ack.duplicate);
    original_seq = ack.hub_seq;
  }  // the first socket is closed: its TCP connection is gone

  auto second = Connect(*region, *identity);
  SECTION("the identical bytes again: acked as a duplicate with the original hub sequence") {
    Ack ack = ExpectAck(Exchange(*second, original_bytes));
    CHECK(ack.duplicate);
    CHECK(ack.hub_seq == original_seq);
  }
  SECTION("the same message id over other content, validly signed: replay") {
    Envelope reused = *DecodeEnvelope(SealSummary(*identity, 2, "RXR", "Changed"));
    reused.message_id = original.message_id;
    crypto::Sign(reused, *identity);
    REQUIRE(crypto::Verify(reused));
    ExpectNack(Exchange(*second, EncodeEnvelope(reused)), NackCode::kReplay);
  }
  SECTION("the same sequence under a new id and other content: replay") {
    ExpectNack(Exchange(*second, SealSummary(*identity, 1, "RXR", "Changed")), NackCode::kReplay);
  }
  SECTION(
      "the same new message on two connections at once: stored once, both acked with its "
      "hub sequence") {
    auto third = Connect(*region, *identity);
    const Bytes fresh = SealSummary(*identity, 7, "RXR", "Twice");
    REQUIRE(second->Send(fresh).ok());
    REQUIRE(third->Send(fresh).ok());
    const MessageId id = DecodeEnvelope(fresh)->message_id;
    auto reply_on = [&](transport::ClientTransport& t) {
      for (auto until = std::chrono::steady_clock::now() + 5s;
           std::chrono::steady_clock::now() < until;) {
        auto got = t.Receive(100ms);
        REQUIRE(got.ok());
        if (!*got) continue;
        auto reply = DecodeReply(**got);
        REQUIRE(reply.ok());
        if (std::visit([](const auto& r) { return r.message_id; }, *reply) == id) return *reply;
      }
      FAIL("no reply within 5 s");
      return Reply{};
    };
    Ack a = ExpectAck(reply_on(*second));
    Ack b = ExpectAck(reply_on(*third));
    CHECK(a.hub_seq == b.hub_seq);
    CHECK(a.duplicate != b.duplicate);  // exactly one of them stored it
  }

  // Whatever was replayed, the connection still works and the log holds each message once.
  Ack next = ExpectAck(Exchange(*second, SealSummary(*identity, 3, "RXR", "Next")));
  CHECK_FALSE(next.duplicate);
  auto log = region->ReadLog();
  REQUIRE(log.ok());
  std::map<MessageId, int> times;
  for (const LogRow& row : *log) ++times[row.id];
  for (const auto& [id, n] : times) CHECK(n == 1);
  CHECK(times.count(original.message_id) == 1);
  CHECK(log->size() <= 3);  // the original, "Twice" (one section), "Next"
}

}  // namespace
}  // namespace lls::hostile
