// Downward federation (hub/downward.h): which of the parent's entries an LLS hub relays to its
// members (bulletins, catalogues, the parent's own relays), which it skips (its own echoes,
// relays of other hubs, other kinds) and which it rejects (bad signatures, outer or inner);
// the relays it appends carry the parent's envelope intact and verify; the cursor is durable
// and moves past every entry, and a batch for another starting point is ignored.
#include <catch2/catch.hpp>

#include <memory>
#include <set>

#include "hub/curation.h"
#include "hub/downward.h"
#include "hub/subscriptions.h"
#include "tests/hub/test_util.h"

namespace lls::hub {
namespace {

using namespace test;

Bulletin News(const std::string& title) {
  Bulletin b;
  b.title = title;
  b.text = "Read this";
  b.area = ClinicalArea::kSmokeFreePregnancy;
  return b;
}

LogEntry Entry(uint64_t seq, const Envelope& e) { return {seq, EncodeEnvelope(e), "NAT"}; }

struct Fixture {
  TempDir dir;
  HubStore store = OpenStore(dir / "hub.db");
  crypto::Identity self = NewIdentity("north");
  crypto::Identity parent = NewIdentity("national");
  crypto::Identity other_hub = NewIdentity("south");
  crypto::Identity editor = NewIdentity("editor");  // a national-role member of the parent
  std::unique_ptr<LearningCuration> curation;
  std::unique_ptr<DownwardRelay> relay;

  Fixture() {
    auto c = LearningCuration::Open(store, self, {});
    REQUIRE(c.ok());
    curation = std::move(c).value();
    auto r = DownwardRelay::Open(store, self, parent.sign_public());
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    relay = std::move(r).value();
  }
};

TEST_CASE("downward: what an LLS hub relays, skips and rejects", "[hub][downward]") {
  Fixture f;
  const int64_t t = kNow;
  Envelope bulletin = crypto::Seal(f.editor, 1, t, News("Winter pressures"));
  MeasureCatalogue catalogue;
  catalogue.version = 7;
  Envelope cat = crypto::Seal(f.parent, 1, t, catalogue);
  Envelope learning = crypto::Seal(f.editor, 2, t, Learning("National note"));
  Envelope national_relay = crypto::Seal(f.parent, 2, t, Relay{EncodeEnvelope(learning), {}});
  Aggregate aggregate;
  aggregate.scope = "north";
  Envelope echo_aggregate = crypto::Seal(f.self, 1, t, aggregate);
  Envelope echo_relay = crypto::Seal(f.self, 2, t, Relay{EncodeEnvelope(learning), {}});
  Envelope own_inside = crypto::Seal(f.parent, 3, t, Relay{EncodeEnvelope(echo_relay), {}});
  Envelope other_relay = crypto::Seal(f.other_hub, 1, t, Relay{EncodeEnvelope(learning), {}});
  Envelope forged = crypto::Seal(f.editor, 3, t, News("Forged"));
  forged.body = EncodeBody(News("Changed after signing"));
  Envelope bad_inner = crypto::Seal(f.parent, 4, t, Relay{EncodeEnvelope(forged), {}});
  Envelope summary = crypto::Seal(f.editor, 4, t, Summary());

  const SignPublicKey& self = f.self.sign_public();
  const SignPublicKey& parent = f.parent.sign_public();
  CHECK(DecideDownward(Entry(1, bulletin), self, parent).decision == DownDecision::kRelay);
  CHECK(DecideDownward(Entry(2, cat), self, parent).decision == DownDecision::kRelay);
  CHECK(DecideDownward(Entry(3, national_relay), self, parent).decision == DownDecision::kRelay);
  CHECK(DecideDownward(Entry(4, echo_aggregate), self, parent).decision == DownDecision::kSkip);
  CHECK(DecideDownward(Entry(5, echo_relay), self, parent).decision == DownDecision::kSkip);
  CHECK(DecideDownward(Entry(6, own_inside), self, parent).decision == DownDecision::kSkip);
  CHECK(DecideDownward(Entry(7, other_relay), self, parent).decision == DownDecision::kSkip);
  CHECK(DecideDownward(Entry(8, forged), self, parent).decision == DownDecision::kReject);
  CHECK(DecideDownward(Entry(9, bad_inner), self, parent).decision == DownDecision::kReject);
  CHECK(DecideDownward(Entry(10, summary), self, parent).decision == DownDecision::kSkip);

  SubscribeBatch batch;
  batch.from_seq = 1;
  batch.entries = {Entry(1, bulletin), Entry(2, cat), Entry(3, national_relay),
                   Entry(4, echo_aggregate), Entry(5, echo_relay), Entry(6, own_inside),
                   Entry(7, other_relay), Entry(8, forged), Entry(9, bad_inner),
                   Entry(10, summary)};
  batch.head_seq = 12;
  batch.next_seq = 11;
  auto appended = f.relay->Apply(batch, t);
  INFO(appended.status().ToString());
  REQUIRE(appended.ok());
  REQUIRE(appended->size() == 3);
  CHECK(f.relay->counters().relayed == 3);
  CHECK(f.relay->counters().skipped == 5);
  CHECK(f.relay->counters().rejected == 2);
  auto next = f.relay->NextSeq();
  REQUIRE(next.ok());
  CHECK(*next == 11);

  // The relays are in this hub's log, signed by it, each carrying the parent's entry intact.
  auto slice = f.store.ReadLog(1, {Kind::kRelay}, 100, 1 << 20, 1000);
  REQUIRE(slice.ok());
  REQUIRE(slice->entries.size() == 3);
  const Envelope originals[] = {bulletin, cat, national_relay};
  std::set<uint64_t> sequences;
  for (size_t i = 0; i < 3; ++i) {
    auto e = DecodeEnvelope(slice->entries[i].envelope, DecodeLimits{});
    REQUIRE(e.ok());
    CHECK(crypto::Verify(*e));
    CHECK(e->signer == self);
    CHECK(e->kind == Kind::kRelay);
    sequences.insert(e->sequence);
    auto body = DecodeBody(e->body, DecodeLimits{});
    REQUIRE(body.ok());
    const Relay& r = std::get<Relay>(*body);
    CHECK(r.original == EncodeEnvelope(originals[i]));
    CHECK(r.curation.empty());
    auto inner = DecodeEnvelope(r.original, DecodeLimits{});
    REQUIRE(inner.ok());
    CHECK(crypto::Verify(*inner));
  }
  CHECK(sequences.size() == 3);
  // One counter per key: the next number the hub draws follows the relays'.
  auto tx = db::Transaction::Begin(f.store.database());
  REQUIRE(tx.ok());
  auto seq = NextSignerSequence(f.store.database(), self);
  REQUIRE(seq.ok());
  CHECK(*seq == *sequences.rbegin() + 1);
}

TEST_CASE("downward: the cursor is durable and a stray batch is ignored", "[hub][downward]") {
  Fixture f;
  Envelope bulletin = crypto::Seal(f.editor, 1, kNow, News("One"));
  SubscribeBatch stray;
  stray.from_seq = 5;  // not where this hub stands
  stray.entries = {Entry(5, bulletin)};
  stray.next_seq = 6;
  auto ignored = f.relay->Apply(stray, kNow);
  REQUIRE(ignored.ok());
  CHECK(ignored->empty());
  CHECK(*f.relay->NextSeq() == 1);

  SubscribeBatch batch;
  batch.from_seq = 1;
  batch.entries = {Entry(2, bulletin)};
  batch.next_seq = 3;
  batch.head_seq = 2;
  REQUIRE(f.relay->Apply(batch, kNow)->size() == 1);
  // Asked again from the old cursor (a late duplicate answer): nothing is relayed twice.
  REQUIRE(f.relay->Apply(batch, kNow)->empty());

  // A new DownwardRelay on the same database (a restart) asks from where the last one stood.
  auto reopened = DownwardRelay::Open(f.store, f.self, f.parent.sign_public());
  REQUIRE(reopened.ok());
  CHECK(*(*reopened)->NextSeq() == 3);
  auto count = f.store.CountByKind(Kind::kRelay);
  REQUIRE(count.ok());
  CHECK(*count == 1);
}

}  // namespace
}  // namespace lls::hub

namespace lls::hub {
namespace {

TEST_CASE("a child hub reads at its parent only what it relays down", "[hub][downward]") {
  Member child;
  child.role = Role::kHub;
  Member national;
  national.role = Role::kNational;
  const SubscribeOptions options;
  for (Kind kind : {Kind::kBulletin, Kind::kMeasureCatalogue, Kind::kRelay}) {
    CHECK(MayRead(child, kind, options));
    CHECK(MayRead(national, kind, options));
  }
  for (Kind kind : {Kind::kProjectSummary, Kind::kAggregate, Kind::kRetraction,
                    Kind::kLearningItem, Kind::kCuration}) {
    CHECK_FALSE(MayRead(child, kind, options));
  }
  CHECK(MayRead(national, Kind::kAggregate, options));
}

}  // namespace
}  // namespace lls::hub
