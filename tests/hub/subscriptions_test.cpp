// Subscriptions driven directly: what a member may read, reading from a sequence, the caps,
// long-poll answered on commit and at the deadline, and parked requests of revoked members.
// The store is a real SQLite file; messages are stored through Ingest, as the hub does.
#include <catch2/catch.hpp>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "hub/ingest.h"
#include "hub/subscriptions.h"
#include "tests/hub/test_util.h"

namespace lls::hub {
namespace {

using namespace test;
using transport::Channel;
using transport::InboundFrame;

struct SubFixture {
  TempDir dir;
  FakeClock clock;
  HubStore store = OpenStore(dir / "hub.db");
  MemberDirectory members;
  crypto::Identity trust_a = NewIdentity("trust-a");
  crypto::Identity trust_b = NewIdentity("trust-b");
  crypto::Identity facilitator = NewIdentity("facilitator");
  std::unique_ptr<Ingest> ingest;
  std::unique_ptr<Subscriptions> subs;
  uint64_t seq_a = 0, seq_f = 0;

  explicit SubFixture(SubscribeOptions options = {}) {
    MustEnrol(store, trust_a, Role::kTrust, "RXA");
    MustEnrol(store, trust_b, Role::kTrust, "RXB");
    MustEnrol(store, facilitator, Role::kFacilitator, "LLS-N");
    REQUIRE(members.Reload(store).ok());
    ingest = std::make_unique<Ingest>(store, members, clock, IngestOptions{});
    subs = std::make_unique<Subscriptions>(store, members, options);
  }

  std::string UserId(const crypto::Identity& id) {
    std::optional<std::string> user = members.Admit(id.curve_public());
    REQUIRE(user.has_value());
    return *user;
  }

  // Stores one message through ingest; returns its hub sequence. Tells the subscriptions.
  uint64_t Publish(const crypto::Identity& id, const Body& body,
                   std::vector<SubscribeOut>* woken = nullptr) {
    uint64_t& seq = &id == &facilitator ? seq_f : seq_a;
    Envelope e = crypto::Seal(id, ++seq, kNow, body);
    InboundFrame frame{"ingest-peer", UserId(id), EncodeEnvelope(e)};
    auto replies = ingest->Handle({frame});
    REQUIRE(replies.size() == 1);
    const Ack* ack = std::get_if<Ack>(&replies[0].reply);
    REQUIRE(ack != nullptr);
    auto out = subs->OnAppended(ingest->appended());
    if (woken) *woken = std::move(out);
    return ack->hub_seq;
  }

  InboundFrame Request(const crypto::Identity& id, SubscribeRequest request,
                       std::string peer = "sub-peer") {
    InboundFrame frame{std::move(peer), UserId(id), EncodeSubscribeRequest(request)};
    frame.channel = Channel::kSubscribe;
    return frame;
  }
};

SubscribeReply Decode(const SubscribeOut& out) {
  DecodeLimits limits;
  limits.max_frame_bytes = 64 << 20;
  REQUIRE(out.payload != nullptr);
  auto reply = DecodeSubscribeReply(*out.payload, limits);
  REQUIRE(reply.ok());
  return *reply;
}

SubscribeBatch Batch(const SubscribeOut& out) {
  SubscribeReply reply = Decode(out);
  REQUIRE(std::holds_alternative<SubscribeBatch>(reply));
  return std::get<SubscribeBatch>(reply);
}

std::vector<uint64_t> Seqs(const SubscribeBatch& batch) {
  std::vector<uint64_t> seqs;
  for (const LogEntry& e : batch.entries) seqs.push_back(e.hub_seq);
  return seqs;
}

Curation SomeCuration() {
  Curation c;
  c.target = crypto::RandomMessageId();
  c.action = CurationAction::kApprove;
  return c;
}

TEST_CASE("members read summaries from everyone, learning and curation only facilitators",
          "[subscribe]") {
  SubFixture f;
  f.Publish(f.trust_a, Summary());            // 1
  f.Publish(f.trust_a, Learning());           // 2
  f.Publish(f.facilitator, SomeCuration());   // 3 (no curation component here: stored as is)
  f.Publish(f.trust_a, Summary("second"));    // 4

  auto out = f.subs->Handle({f.Request(f.trust_b, {1, 0, 0})}, 0);
  REQUIRE(out.size() == 1);
  CHECK(out[0].peer == "sub-peer");
  SubscribeBatch batch = Batch(out[0]);
  CHECK(batch.head_seq == 4);
  CHECK(batch.from_seq == 1);
  CHECK(batch.next_seq == 5);
  // A trust reads learning only once approved, as the hub's relay (tests/hub/curation_test.cpp).
  CHECK(Seqs(batch) == std::vector<uint64_t>{1, 4});
  CHECK(batch.entries[0].organisation == "RXA");  // the hub's word for the sender
  auto envelope = DecodeEnvelope(batch.entries[0].envelope);
  REQUIRE(envelope.ok());
  CHECK(crypto::Verify(*envelope));  // stored and sent as signed

  // The facilitator reads the curation queue: pending learning and the decisions too.
  SubscribeBatch curator = Batch(f.subs->Handle({f.Request(f.facilitator, {1, 0, 0})}, 0)[0]);
  CHECK(Seqs(curator) == std::vector<uint64_t>{1, 2, 3, 4});
}

TEST_CASE("reading starts at fromSeq and maxMessages caps the batch", "[subscribe]") {
  SubscribeOptions options;
  options.max_messages = 3;  // the hub's cap
  SubFixture f(options);
  for (int i = 0; i < 6; ++i) f.Publish(f.trust_a, Summary("s" + std::to_string(i)));

  SubscribeBatch from4 = Batch(f.subs->Handle({f.Request(f.trust_b, {4, 0, 0})}, 0)[0]);
  CHECK(Seqs(from4) == std::vector<uint64_t>{4, 5, 6});
  CHECK(from4.next_seq == 7);

  SubscribeBatch two = Batch(f.subs->Handle({f.Request(f.trust_b, {1, 2, 0})}, 0)[0]);
  CHECK(Seqs(two) == std::vector<uint64_t>{1, 2});
  CHECK(two.next_seq == 3);  // not caught up: next_seq <= head_seq

  SubscribeBatch capped = Batch(f.subs->Handle({f.Request(f.trust_b, {0, 500, 0})}, 0)[0]);
  CHECK(Seqs(capped) == std::vector<uint64_t>{1, 2, 3});  // 0 reads as 1; 500 capped at 3
  CHECK(capped.head_seq == 6);
}

TEST_CASE("the batch byte cap splits batches, always sending at least one entry",
          "[subscribe]") {
  SubscribeOptions options;
  options.max_batch_bytes = 10;  // smaller than any envelope
  SubFixture f(options);
  f.Publish(f.trust_a, Summary());
  f.Publish(f.trust_a, Summary("two"));
  SubscribeBatch batch = Batch(f.subs->Handle({f.Request(f.trust_b, {1, 0, 0})}, 0)[0]);
  CHECK(Seqs(batch) == std::vector<uint64_t>{1});
  CHECK(batch.next_seq == 2);
}

TEST_CASE("a long-poll is answered by the commit that makes something readable", "[subscribe]") {
  SubFixture f;
  f.Publish(f.trust_a, Summary());  // 1
  // Caught up at 2: parked, no answer yet.
  CHECK(f.subs->Handle({f.Request(f.trust_b, {2, 0, 5000})}, 1000).empty());
  CHECK(f.subs->parked() == 1);
  // A curation (unreadable) does not wake it; a summary does, with just that entry.
  std::vector<SubscribeOut> woken;
  f.Publish(f.facilitator, SomeCuration(), &woken);  // 2
  CHECK(woken.empty());
  CHECK(f.subs->parked() == 1);
  f.Publish(f.trust_a, Summary("new"), &woken);  // 3
  REQUIRE(woken.size() == 1);
  CHECK(woken[0].peer == "sub-peer");
  SubscribeBatch batch = Batch(woken[0]);
  CHECK(Seqs(batch) == std::vector<uint64_t>{3});
  CHECK(batch.from_seq == 2);
  CHECK(batch.next_seq == 4);
  CHECK(f.subs->parked() == 0);
}

TEST_CASE("followers parked at the same place share one read, never across what they may read",
          "[subscribe]") {
  SubFixture f;
  f.Publish(f.trust_a, Summary());  // 1
  // Many trusts' connections and two facilitators' wait at the head (2), and one trust
  // further back (1).
  std::vector<InboundFrame> asks;
  for (int i = 0; i < 20; ++i) {
    asks.push_back(f.Request(f.trust_b, {2, 0, 5000}, "trust-" + std::to_string(i)));
  }
  asks.push_back(f.Request(f.facilitator, {2, 0, 5000}, "facilitator-1"));
  asks.push_back(f.Request(f.facilitator, {2, 0, 5000}, "facilitator-2"));
  // The per-member cap (4) answers the trust's oldest at once, with nothing: they are empty.
  for (const SubscribeOut& out : f.subs->Handle(asks, 0)) CHECK(Batch(out).entries.empty());
  CHECK(f.subs->Handle({f.Request(f.trust_a, {1, 0, 5000}, "behind")}, 0).size() == 1);

  // One commit of a learning item (pending: facilitators only) and a summary wakes both
  // groups in one call; each gets what it may read from 2, read once per group.
  Envelope item = crypto::Seal(f.trust_a, ++f.seq_a, kNow, Learning());
  Envelope summary = crypto::Seal(f.trust_a, ++f.seq_a, kNow, Summary("new"));
  const std::string user = f.UserId(f.trust_a);
  auto acks = f.ingest->Handle({InboundFrame{"p", user, EncodeEnvelope(item)},
                                InboundFrame{"p", user, EncodeEnvelope(summary)}});
  REQUIRE(acks.size() == 2);
  REQUIRE(std::holds_alternative<Ack>(acks[0].reply));
  REQUIRE(std::holds_alternative<Ack>(acks[1].reply));
  std::vector<SubscribeOut> woken = f.subs->OnAppended(f.ingest->appended());
  REQUIRE(woken.size() == 2 + 4);  // the facilitators, and the trust's 4 (the cap)
  size_t trusts = 0;
  std::set<const Bytes*> trust_replies, facilitator_replies;
  for (const SubscribeOut& out : woken) {
    SubscribeBatch batch = Batch(out);
    CHECK(batch.from_seq == 2);
    if (out.peer.rfind("facilitator-", 0) == 0) {
      CHECK(Seqs(batch) == std::vector<uint64_t>{2, 3});
      facilitator_replies.insert(out.payload.get());
    } else {
      ++trusts;
      CHECK(Seqs(batch) == std::vector<uint64_t>{3});  // never the learning item
      trust_replies.insert(out.payload.get());
    }
  }
  CHECK(trusts == 4);
  // One read per group, shared within it (the same bytes), never across groups.
  CHECK(trust_replies.size() == 1);
  CHECK(facilitator_replies.size() == 1);
  CHECK(*trust_replies.begin() != *facilitator_replies.begin());
  CHECK(f.subs->counters().entries == 1 + 2 * 2 + 4);  // "behind", facilitators, trusts
}

TEST_CASE("a long-poll with nothing new is answered empty at its deadline", "[subscribe]") {
  SubscribeOptions options;
  options.max_wait_ms = 3000;
  SubFixture f(options);
  f.Publish(f.trust_a, Summary());  // 1
  CHECK(f.subs->Handle({f.Request(f.trust_b, {2, 0, 60000})}, 1000).empty());
  CHECK(f.subs->Expire(3999).empty());  // waitMs capped at 3000: deadline 4000
  auto out = f.subs->Expire(4000);
  REQUIRE(out.size() == 1);
  SubscribeBatch batch = Batch(out[0]);
  CHECK(batch.entries.empty());
  CHECK(batch.head_seq == 1);
  CHECK(batch.next_seq == 2);  // up to date: next_seq > head_seq
  CHECK(f.subs->parked() == 0);
}

TEST_CASE("waitMs 0, or something to read, answers at once", "[subscribe]") {
  SubFixture f;
  auto empty = f.subs->Handle({f.Request(f.trust_b, {1, 0, 0})}, 0);
  REQUIRE(empty.size() == 1);
  CHECK(Batch(empty[0]).entries.empty());
  CHECK(Batch(empty[0]).head_seq == 0);
  f.Publish(f.trust_a, Summary());
  auto some = f.subs->Handle({f.Request(f.trust_b, {1, 0, 5000})}, 0);
  REQUIRE(some.size() == 1);
  CHECK(Seqs(Batch(some[0])) == std::vector<uint64_t>{1});
  CHECK(f.subs->parked() == 0);
}

TEST_CASE("a parked request of a member revoked meanwhile is dropped unanswered",
          "[subscribe][revoke]") {
  SubFixture f;
  CHECK(f.subs->Handle({f.Request(f.trust_b, {1, 0, 5000})}, 0).empty());
  CHECK(f.subs->Handle({f.Request(f.trust_a, {1, 0, 5000}, "peer-a")}, 0).empty());
  CHECK(f.subs->parked() == 2);
  REQUIRE(f.store.Revoke("trust-b", "operator", "left", kNow).ok());
  REQUIRE(f.members.Reload(f.store).ok());
  std::vector<SubscribeOut> woken;
  f.Publish(f.trust_a, Summary(), &woken);
  REQUIRE(woken.size() == 1);  // trust-a's only
  CHECK(woken[0].peer == "peer-a");
  CHECK(f.subs->parked() == 0);
  CHECK(f.subs->counters().dropped == 1);
}

TEST_CASE("parked requests are capped per member, a repeat from one peer replaces its old one",
          "[subscribe]") {
  SubscribeOptions options;
  options.max_parked_per_member = 2;
  SubFixture f(options);
  CHECK(f.subs->Handle({f.Request(f.trust_b, {1, 0, 5000}, "p1")}, 0).empty());
  // The same peer asks again: its earlier request is answered (empty) now.
  auto replaced = f.subs->Handle({f.Request(f.trust_b, {1, 0, 5000}, "p1")}, 0);
  REQUIRE(replaced.size() == 1);
  CHECK(replaced[0].peer == "p1");
  CHECK(f.subs->parked() == 1);
  CHECK(f.subs->Handle({f.Request(f.trust_b, {1, 0, 5000}, "p2")}, 0).empty());
  auto over = f.subs->Handle({f.Request(f.trust_b, {1, 0, 5000}, "p3")}, 0);
  REQUIRE(over.size() == 1);
  CHECK(over[0].peer == "p1");  // the oldest makes room
  CHECK(f.subs->parked() == 2);
}

TEST_CASE("malformed, oversized and multi-part requests get a SubscribeError", "[subscribe]") {
  SubFixture f;
  InboundFrame garbage = f.Request(f.trust_b, {});
  garbage.payload = Bytes(64, 0x41);
  InboundFrame big = f.Request(f.trust_b, {});
  big.payload = Bytes(4096, 0);
  InboundFrame multi = f.Request(f.trust_b, {});
  multi.multipart = true;
  InboundFrame revoked = f.Request(f.trust_b, {});
  revoked.user_id = "999";  // no active member
  auto out = f.subs->Handle({garbage, big, multi, revoked}, 0);
  REQUIRE(out.size() == 4);
  std::vector<NackCode> codes;
  for (const SubscribeOut& o : out) {
    SubscribeReply reply = Decode(o);
    REQUIRE(std::holds_alternative<SubscribeError>(reply));
    codes.push_back(std::get<SubscribeError>(reply).code);
  }
  CHECK(codes == std::vector<NackCode>{NackCode::kMalformed, NackCode::kTooLarge,
                                       NackCode::kMalformed, NackCode::kUnknownSigner});
  CHECK(f.subs->counters().errors == 4);
}

}  // namespace
}  // namespace lls::hub
