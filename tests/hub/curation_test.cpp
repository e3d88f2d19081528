// Learning curation driven through Ingest, as the hub does: state transitions, auto-approval,
// revisions, the ingest-time checks (unknown-target, wrong-role for another LLS, reject without
// a reason), withdrawal, and the relay the hub appends on approval — signed by the hub, origin
// signature intact, readable by trusts while the pending item is not.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "hub/curation.h"
#include "hub/ingest.h"
#include "hub/subscriptions.h"
#include "tests/hub/test_util.h"

namespace lls::hub {
namespace {

using namespace test;
using transport::Channel;
using transport::InboundFrame;

struct CurationFixture {
  TempDir dir;
  FakeClock clock;
  HubStore store = OpenStore(dir / "hub.db");
  MemberDirectory members;
  crypto::Identity hub = NewIdentity("hub");
  crypto::Identity trust_a = NewIdentity("trust-a");
  crypto::Identity trust_b = NewIdentity("trust-b");
  crypto::Identity facilitator = NewIdentity("facilitator");
  crypto::Identity south = NewIdentity("facilitator-south");
  std::unique_ptr<LearningCuration> curation;
  std::unique_ptr<Ingest> ingest;
  std::unique_ptr<Subscriptions> subs;
  std::map<const crypto::Identity*, uint64_t> seqs;

  explicit CurationFixture(CurationOptions options = {}) {
    MustEnrol(store, trust_a, Role::kTrust, "RXA");
    MustEnrol(store, trust_b, Role::kTrust, "RXB");
    MustEnrol(store, facilitator, Role::kFacilitator, "LLS-N");
    EnrolRequest other = RequestFor(south, Role::kFacilitator, "LLS-S");
    other.lls = "south";
    REQUIRE(store.Enrol(other, kNow).ok());
    REQUIRE(members.Reload(store).ok());
    auto opened = LearningCuration::Open(store, hub, options);
    INFO(opened.status().ToString());
    REQUIRE(opened.ok());
    curation = std::move(opened).value();
    ingest = std::make_unique<Ingest>(store, members, clock, IngestOptions{});
    ingest->AddApplier(curation.get());
    ingest->SetCuration(curation.get());
    subs = std::make_unique<Subscriptions>(store, members, SubscribeOptions{});
  }

  // Sends one message through ingest and returns the reply.
  Reply Send(const crypto::Identity& id, const Body& body, Envelope* sent = nullptr) {
    Envelope e = crypto::Seal(id, ++seqs[&id], clock.NowMs(), body);
    if (sent) *sent = e;
    std::optional<std::string> user = members.Admit(id.curve_public());
    REQUIRE(user.has_value());
    auto replies = ingest->Handle({InboundFrame{"peer", *user, EncodeEnvelope(e)}});
    REQUIRE(replies.size() == 1);
    return replies[0].reply;
  }
  uint64_t MustSend(const crypto::Identity& id, const Body& body, Envelope* sent = nullptr) {
    Reply reply = Send(id, body, sent);
    if (const Nack* nack = std::get_if<Nack>(&reply)) FAIL(NackCodeName(nack->code) << ": " << nack->text);
    return std::get<Ack>(reply).hub_seq;
  }
  Nack MustRefuse(const crypto::Identity& id, const Body& body) {
    Reply reply = Send(id, body);
    REQUIRE(std::holds_alternative<Nack>(reply));
    return std::get<Nack>(reply);
  }
  LearningItemRow Row(const MessageId& id) {
    auto row = curation->Find(id);
    REQUIRE(row.ok());
    REQUIRE(row->has_value());
    return **row;
  }
  // What `reader` reads from the start, as (hub_seq, kind).
  std::vector<std::pair<uint64_t, Kind>> Read(const crypto::Identity& reader) {
    std::optional<std::string> user = members.Admit(reader.curve_public());
    REQUIRE(user.has_value());
    InboundFrame frame{"sub", *user, EncodeSubscribeRequest({1, 0, 0})};
    frame.channel = Channel::kSubscribe;
    auto out = subs->Handle({frame}, 0);
    REQUIRE(out.size() == 1);
    DecodeLimits limits;
    limits.max_frame_bytes = 64 << 20;
    auto reply = DecodeSubscribeReply(*out[0].payload, limits);
    REQUIRE(reply.ok());
    REQUIRE(std::holds_alternative<SubscribeBatch>(*reply));
    std::vector<std::pair<uint64_t, Kind>> read;
    for (const LogEntry& e : std::get<SubscribeBatch>(*reply).entries) {
      auto envelope = DecodeEnvelope(e.envelope, limits);
      REQUIRE(envelope.ok());
      read.emplace_back(e.hub_seq, envelope->kind);
    }
    return read;
  }
};

lls::Curation Decide(const MessageId& target, CurationAction action, std::string reason = "",
                     std::vector<std::string> tags = {}) {
  lls::Curation c;
  c.target = target;
  c.action = action;
  c.reason = std::move(reason);
  c.tags = std::move(tags);
  return c;
}

// The relay at `seq`, verified: signed by the hub, its original by `author`.
lls::Relay VerifiedRelay(HubStore& store, uint64_t seq, const crypto::Identity& hub,
                         const crypto::Identity& author, Envelope* original_out = nullptr) {
  auto slice = store.ReadLog(seq, {Kind::kRelay}, 1, 1 << 20, 1);
  REQUIRE(slice.ok());
  REQUIRE(slice->entries.size() == 1);
  CHECK(slice->entries[0].organisation.empty());  // the hub authored it
  auto envelope = DecodeEnvelope(slice->entries[0].envelope);
  REQUIRE(envelope.ok());
  CHECK(envelope->signer == hub.sign_public());
  CHECK(crypto::Verify(*envelope));
  auto body = DecodeBody(envelope->body);
  REQUIRE(body.ok());
  REQUIRE(std::holds_alternative<lls::Relay>(*body));
  lls::Relay relay = std::get<lls::Relay>(*body);
  auto original = DecodeEnvelope(relay.original);
  REQUIRE(original.ok());
  CHECK(original->signer == author.sign_public());
  CHECK(crypto::Verify(*original));  // the origin signature, intact
  if (original_out) *original_out = *original;
  return relay;
}

TEST_CASE("a learning item waits pending, approval relays it, signed by the hub",
          "[curation]") {
  CurationFixture f;
  Envelope item;
  const uint64_t item_seq = f.MustSend(f.trust_a, Learning(), &item);  // 1
  LearningItemRow row = f.Row(item.message_id);
  CHECK(row.state == ItemState::kPending);
  CHECK(row.hub_seq == item_seq);
  CHECK(row.lls == "north");
  CHECK(row.item_id == "item-1");
  CHECK(*f.curation->CountPending() == 1);

  // Trust B does not read the pending item; the facilitator does.
  CHECK(f.Read(f.trust_b).empty());
  CHECK(f.Read(f.facilitator) == std::vector<std::pair<uint64_t, Kind>>{{1, Kind::kLearningItem}});

  Envelope decision;
  const uint64_t curation_seq =
      f.MustSend(f.facilitator, Decide(item.message_id, CurationAction::kApprove), &decision);  // 2
  row = f.Row(item.message_id);
  CHECK(row.state == ItemState::kApproved);
  REQUIRE(row.relay_seq.has_value());
  CHECK(*row.relay_seq == curation_seq + 1);  // appended in the same transaction
  CHECK(row.curated_at_ms == kNow);
  CHECK(*f.curation->CountPending() == 0);

  Envelope original;
  lls::Relay relay = VerifiedRelay(f.store, *row.relay_seq, f.hub, f.trust_a, &original);
  CHECK(original == item);
  auto approving = DecodeEnvelope(relay.curation);
  REQUIRE(approving.ok());
  CHECK(*approving == decision);
  CHECK(crypto::Verify(*approving));

  // The relay woke readers like any commit, and trusts read it (and only it).
  CHECK(f.ingest->appended().size() == 2);
  CHECK(f.Read(f.trust_b) == std::vector<std::pair<uint64_t, Kind>>{{3, Kind::kRelay}});
  CHECK(f.Read(f.facilitator) == std::vector<std::pair<uint64_t, Kind>>{
                                     {1, Kind::kLearningItem}, {2, Kind::kCuration}, {3, Kind::kRelay}});

  // A second approval changes nothing readers see: no second relay.
  f.MustSend(f.facilitator, Decide(item.message_id, CurationAction::kApprove));  // 4
  CHECK(f.Row(item.message_id).relay_seq == row.relay_seq);
  CHECK(f.store.CountByKind(Kind::kRelay).value() == 1);
}

TEST_CASE("reject needs a reason, reject, feature and tag change the state", "[curation]") {
  CurationFixture f;
  Envelope item;
  f.MustSend(f.trust_a, Learning(), &item);

  Nack no_reason = f.MustRefuse(f.facilitator, Decide(item.message_id, CurationAction::kReject));
  CHECK(no_reason.code == NackCode::kMalformed);
  CHECK_THAT(no_reason.text, Catch::Contains("reason"));
  CHECK(f.MustRefuse(f.facilitator, Decide(item.message_id, CurationAction::kReject, "  "))
            .code == NackCode::kMalformed);
  CHECK(f.MustRefuse(f.facilitator, Decide(item.message_id, CurationAction::kUnspecified))
            .code == NackCode::kMalformed);
  CHECK(f.MustRefuse(f.facilitator, Decide(item.message_id, CurationAction::kTag)).code ==
        NackCode::kMalformed);

  f.MustSend(f.facilitator, Decide(item.message_id, CurationAction::kReject, "duplicate of 12"));
  LearningItemRow row = f.Row(item.message_id);
  CHECK(row.state == ItemState::kRejected);
  CHECK(row.reason == "duplicate of 12");
  CHECK_FALSE(row.relay_seq.has_value());
  CHECK(f.store.CountByKind(Kind::kRelay).value() == 0);

  f.MustSend(f.facilitator, Decide(item.message_id, CurationAction::kTag, "", {"feeding", "nicu"}));
  f.MustSend(f.facilitator, Decide(item.message_id, CurationAction::kTag, "", {"feeding", "audit"}));
  row = f.Row(item.message_id);
  CHECK(row.state == ItemState::kRejected);  // tagging does not approve
  CHECK(row.tags == std::vector<std::string>{"audit", "feeding", "nicu"});

  // Featuring shows the item: it approves it (and relays it) too.
  f.MustSend(f.facilitator, Decide(item.message_id, CurationAction::kFeature));
  row = f.Row(item.message_id);
  CHECK(row.state == ItemState::kApproved);
  CHECK(row.featured);
  CHECK(row.reason.empty());
  REQUIRE(row.relay_seq.has_value());
  VerifiedRelay(f.store, *row.relay_seq, f.hub, f.trust_a);
  CHECK(f.curation->Items(ItemState::kApproved)->size() == 1);
  CHECK(f.curation->Items(ItemState::kRejected)->empty());
}

TEST_CASE("curation targets: unknown, another LLS's item, a withdrawn item", "[curation]") {
  CurationFixture f;
  Envelope item;
  f.MustSend(f.trust_a, Learning(), &item);

  Nack unknown = f.MustRefuse(
      f.facilitator, Decide(crypto::RandomMessageId(), CurationAction::kApprove));
  CHECK(unknown.code == NackCode::kUnknownTarget);
  CHECK_THAT(unknown.text, Catch::Contains("not a current learning item"));

  // A summary is in the log, but it is not a learning item.
  Envelope summary;
  f.MustSend(f.trust_a, Summary(), &summary);
  CHECK(f.MustRefuse(f.facilitator, Decide(summary.message_id, CurationAction::kApprove)).code ==
        NackCode::kUnknownTarget);

  Nack other_lls = f.MustRefuse(f.south, Decide(item.message_id, CurationAction::kApprove));
  CHECK(other_lls.code == NackCode::kWrongRole);
  CHECK_THAT(other_lls.text, Catch::Contains("'south'") && Catch::Contains("'north'"));
  CHECK(f.Row(item.message_id).state == ItemState::kPending);

  // Trusts may not curate at all (the role table).
  CHECK(f.MustRefuse(f.trust_b, Decide(item.message_id, CurationAction::kApprove)).code ==
        NackCode::kWrongRole);

  // The author withdraws it: it can no longer be curated.
  Retraction retraction;
  retraction.target = item.message_id;
  retraction.reason = "posted too early";
  f.MustSend(f.trust_a, retraction);
  CHECK(f.Row(item.message_id).state == ItemState::kWithdrawn);
  Nack withdrawn = f.MustRefuse(f.facilitator, Decide(item.message_id, CurationAction::kApprove));
  CHECK(withdrawn.code == NackCode::kUnknownTarget);
  CHECK_THAT(withdrawn.text, Catch::Contains("withdrawn"));
}

TEST_CASE("a revised item replaces the earlier one and is pending again", "[curation]") {
  CurationFixture f;
  Envelope first, second;
  f.MustSend(f.trust_a, Learning("first"), &first);
  f.MustSend(f.facilitator, Decide(first.message_id, CurationAction::kApprove));
  f.MustSend(f.facilitator, Decide(first.message_id, CurationAction::kTag, "", {"x"}));
  f.MustSend(f.trust_a, Learning("second"), &second);  // same item id, same author

  auto all = f.curation->Items();
  REQUIRE(all.ok());
  REQUIRE(all->size() == 1);
  const LearningItemRow& row = all->front();
  CHECK(row.message_id == second.message_id);
  CHECK(row.title == "second");
  CHECK(row.state == ItemState::kPending);
  CHECK(row.tags.empty());
  CHECK_FALSE(row.relay_seq.has_value());
  // The earlier revision is no longer a target.
  CHECK(f.MustRefuse(f.facilitator, Decide(first.message_id, CurationAction::kApprove)).code ==
        NackCode::kUnknownTarget);

  // Another author's item with the same item id is a different item.
  LearningItem b = Learning("b's");
  b.organisation = "RXB";
  f.MustSend(f.trust_b, b);
  CHECK(f.curation->Items()->size() == 2);
}

TEST_CASE("auto-approval approves and relays each item on arrival", "[curation]") {
  CurationFixture f(CurationOptions{true});
  Envelope item;
  f.MustSend(f.trust_a, Learning(), &item);  // 1, relay 2
  LearningItemRow row = f.Row(item.message_id);
  CHECK(row.state == ItemState::kApproved);
  REQUIRE(row.relay_seq == 2u);
  lls::Relay relay = VerifiedRelay(f.store, 2, f.hub, f.trust_a);
  CHECK(relay.curation.empty());  // no curator decided
  CHECK(f.Read(f.trust_b) == std::vector<std::pair<uint64_t, Kind>>{{2, Kind::kRelay}});

  // The hub's signer sequence is persisted: a second relay takes the next one.
  LearningItem other = Learning("other");
  other.item_id = "item-2";
  f.MustSend(f.trust_a, other);  // 3, relay 4
  auto slice = f.store.ReadLog(1, {Kind::kRelay}, 10, 1 << 20, 100);
  REQUIRE(slice.ok());
  REQUIRE(slice->entries.size() == 2);
  CHECK(DecodeEnvelope(slice->entries[0].envelope)->sequence == 1);
  CHECK(DecodeEnvelope(slice->entries[1].envelope)->sequence == 2);
}

TEST_CASE("the hub's signer sequence survives a restart", "[curation]") {
  TempDir dir;
  crypto::Identity hub = NewIdentity("hub");
  crypto::Identity trust = NewIdentity("trust-a");
  FakeClock clock;
  for (uint64_t round = 1; round <= 2; ++round) {
    HubStore store = OpenStore(dir / "hub.db");
    if (round == 1) MustEnrol(store, trust, Role::kTrust, "RXA");
    MemberDirectory members;
    REQUIRE(members.Reload(store).ok());
    auto curation = LearningCuration::Open(store, hub, CurationOptions{true});
    REQUIRE(curation.ok());
    Ingest ingest(store, members, clock, IngestOptions{});
    ingest.AddApplier(curation->get());
    LearningItem item = Learning();
    item.item_id = "item-" + std::to_string(round);
    Envelope e = crypto::Seal(trust, round, kNow, item);
    auto replies = ingest.Handle(
        {InboundFrame{"peer", *members.Admit(trust.curve_public()), EncodeEnvelope(e)}});
    REQUIRE(std::holds_alternative<Ack>(replies[0].reply));
    auto slice = store.ReadLog(1, {Kind::kRelay}, 10, 1 << 20, 100);
    REQUIRE(slice.ok());
    REQUIRE(slice->entries.size() == round);
    CHECK(DecodeEnvelope(slice->entries.back().envelope)->sequence == round);
  }
}

}  // namespace
}  // namespace lls::hub
