// Upward federation driven through the real Ingest at both tiers (frames built here, real
// SQLite files, a fake clock): an LLS hub's Forwarder queues one Aggregate per changed cell per
// batch and every approval relay; the parent's Aggregates keeps each hub's latest figure and
// sums them into national cells with the LLS count; relays and aggregates from one hub share
// one sequence counter, so the parent never refuses one as a replay.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "hub/aggregates.h"
#include "hub/curation.h"
#include "hub/federation.h"
#include "hub/ingest.h"
#include "tests/hub/test_util.h"

namespace lls::hub {
namespace {

using namespace test;
using transport::InboundFrame;

MeasurePoint Point(const std::string& period, uint32_t n, uint32_t d) {
  return {period, n, d, false, false};
}

ProjectSummary Project(const std::string& id, std::vector<MeasureSeries> measures) {
  ProjectSummary s = Summary();
  s.project_id = id;
  s.measures = std::move(measures);
  return s;
}

// One LLS hub: trusts, a facilitator, curation, aggregates and the forwarder, as HubServer
// wires them.
struct LlsHub {
  std::string name;
  TempDir dir;
  FakeClock clock;
  HubStore store = OpenStore(dir / "hub.db");
  MemberDirectory members;
  crypto::Identity hub;
  crypto::Identity trust_a = NewIdentity("trust-a");
  crypto::Identity trust_b = NewIdentity("trust-b");
  crypto::Identity facilitator = NewIdentity("facilitator");
  Aggregates aggregates;
  std::unique_ptr<LearningCuration> curation;
  std::unique_ptr<Forwarder> forwarder;
  std::unique_ptr<Ingest> ingest;
  std::map<const crypto::Identity*, uint64_t> seqs;

  explicit LlsHub(const std::string& lls) : name(lls), hub(NewIdentity(lls)) {
    for (auto [id, role, org] : {std::tuple{&trust_a, Role::kTrust, "RXA"},
                                 std::tuple{&trust_b, Role::kTrust, "RXB"},
                                 std::tuple{&facilitator, Role::kFacilitator, "FAC"}}) {
      EnrolRequest request = RequestFor(*id, role, org);
      request.lls = lls;
      REQUIRE(store.Enrol(request, kNow).ok());
    }
    REQUIRE(members.Reload(store).ok());
    auto opened = LearningCuration::Open(store, hub, {});
    REQUIRE(opened.ok());
    curation = std::move(opened).value();
    REQUIRE(Aggregates::RegisterSchema(store).ok());
    auto fwd = Forwarder::Open(store, hub, clock, aggregates);
    INFO(fwd.status().ToString());
    REQUIRE(fwd.ok());
    forwarder = std::move(fwd).value();
    ingest = std::make_unique<Ingest>(store, members, clock, IngestOptions{});
    ingest->AddApplier(curation.get());
    ingest->SetCuration(curation.get());
    ingest->AddApplier(&aggregates);
    ingest->AddApplier(forwarder.get());
  }

  InboundFrame Frame(const crypto::Identity& id, const Body& body, Envelope* sent = nullptr) {
    Envelope e = crypto::Seal(id, ++seqs[&id], clock.NowMs(), body);
    if (sent) *sent = e;
    std::optional<std::string> user = members.Admit(id.curve_public());
    REQUIRE(user.has_value());
    return InboundFrame{"peer", *user, EncodeEnvelope(e)};
  }
  // Handles `frames` as ONE batch (one group commit); every one must be acked.
  void Batch(const std::vector<InboundFrame>& frames) {
    for (const OutboundReply& out : ingest->Handle(frames)) {
      if (const Nack* nack = std::get_if<Nack>(&out.reply)) {
        FAIL("Nack " << NackCodeName(nack->code) << ": " << nack->text);
      }
    }
  }
  // What is queued for the parent, oldest first.
  std::vector<OutboxEntry> Queued() {
    auto due = forwarder->outbox().Due(kNow, 10000, true);
    REQUIRE(due.ok());
    return *due;
  }
};

// The forwarded Aggregates; their SPC readings are moved to `signals` (when given) so the
// figures compare on their own.
std::vector<Aggregate> Forwarded(const std::vector<OutboxEntry>& entries,
                                 std::vector<std::optional<SpcSignal>>* signals = nullptr) {
  std::vector<Aggregate> out;
  for (const OutboxEntry& entry : entries) {
    if (entry.kind != Kind::kAggregate) continue;
    auto e = DecodeEnvelope(entry.envelope);
    REQUIRE(e.ok());
    auto body = DecodeBody(e->body);
    REQUIRE(body.ok());
    out.push_back(std::get<Aggregate>(*body));
    if (signals) signals->push_back(out.back().spc);
    out.back().spc.reset();
  }
  return out;
}

Aggregate Agg(const std::string& scope, const std::string& period, uint32_t trusts, uint64_t n,
              uint64_t d) {
  return {scope, "SATOD", period, trusts, 1, n, d, 0, std::nullopt};
}

// The national hub: LLS hubs enrolled with role hub, the Aggregates applier.
struct National {
  TempDir dir;
  FakeClock clock;
  HubStore store = OpenStore(dir / "hub.db");
  MemberDirectory members;
  Aggregates aggregates;
  std::unique_ptr<Ingest> ingest;

  explicit National(const std::vector<const LlsHub*>& hubs) {
    for (const LlsHub* h : hubs) {
      EnrolRequest request = RequestFor(h->hub, Role::kHub, h->name);
      request.lls = h->name;
      REQUIRE(store.Enrol(request, kNow).ok());
    }
    REQUIRE(members.Reload(store).ok());
    REQUIRE(Aggregates::RegisterSchema(store).ok());
    ingest = std::make_unique<Ingest>(store, members, clock, IngestOptions{});
    ingest->AddApplier(&aggregates);
  }

  // Delivers `entries` from `from` as one batch, as the ParentLink would, and settles the
  // outbox; every one must be acked (a sequence used twice would be Nacked replay).
  void Deliver(LlsHub& from, const std::vector<OutboxEntry>& entries) {
    std::optional<std::string> user = members.Admit(from.hub.curve_public());
    REQUIRE(user.has_value());
    std::vector<InboundFrame> frames;
    for (const OutboxEntry& entry : entries) frames.push_back({"peer", *user, entry.envelope});
    std::vector<OutboundReply> replies = ingest->Handle(frames);
    REQUIRE(replies.size() == entries.size());
    for (size_t i = 0; i < replies.size(); ++i) {
      const Nack* nack = std::get_if<Nack>(&replies[i].reply);
      if (nack != nullptr) FAIL("Nack " << NackCodeName(nack->code) << ": " << nack->text);
      const Ack& ack = std::get<Ack>(replies[i].reply);
      REQUIRE(from.forwarder->outbox().MarkAcked(ack.message_id, ack.hub_seq, kNow).ok());
    }
  }
  std::vector<AggregateRow> Rows() {
    auto rows = ReadFederatedAggregates(store.database());
    REQUIRE(rows.ok());
    return *rows;
  }
};

AggregateRow Row(const std::string& lls, const std::string& period, int64_t trusts, int64_t n,
                 int64_t d, int64_t llss) {
  return {lls, "SATOD", period, trusts, n, d, 0, llss};
}

TEST_CASE("aggregate changes are forwarded once per cell per batch, with their SPC readings",
          "[federation]") {
  LlsHub north("north");
  // One batch: three summaries touch two cells (January three times, February once).
  north.Batch({north.Frame(north.trust_a, Project("pa", {{"SATOD", {Point("2026-01", 25, 210),
                                                                    Point("2026-02", 10, 200)}}})),
               north.Frame(north.trust_b, Project("pb", {{"SATOD", {Point("2026-01", 40, 300)}}})),
               north.Frame(north.trust_b, Project("pc", {{"SATOD", {Point("2026-01", 45, 310)}}}))});
  CHECK(Forwarded(north.Queued()) == std::vector<Aggregate>{Agg("north", "2026-01", 2, 70, 520),
                                                             Agg("north", "2026-02", 1, 10, 200)});

  // Trust A republishes with only January changed: January is forwarded, and February again
  // with the same figures, because its SPC reading (as of February) includes January.
  north.Batch({north.Frame(north.trust_a, Project("pa", {{"SATOD", {Point("2026-01", 35, 210),
                                                                    Point("2026-02", 10, 200)}}}))});
  std::vector<std::optional<SpcSignal>> signals;
  std::vector<Aggregate> all = Forwarded(north.Queued(), &signals);
  REQUIRE(all.size() == 4);
  CHECK(all[2] == Agg("north", "2026-01", 2, 80, 520));
  CHECK(all[3] == Agg("north", "2026-02", 1, 10, 200));
  // The readings, by hand: January 80/520 = 15.3846 %, February 10/200 = 5 %. As of January,
  // one point: its value is the centre. As of February: mean 10.1923, one moving range
  // 10.3846, limits mean -/+ 2.66 x 10.3846 (XmR, Making Data Count).
  REQUIRE(signals[2].has_value());
  CHECK(signals[2]->points == 1);
  CHECK(signals[2]->value == Approx(100.0 * 80 / 520));
  CHECK(signals[2]->centre == Approx(100.0 * 80 / 520));
  REQUIRE(signals[3].has_value());
  const double jan = 100.0 * 80 / 520, feb = 5.0, mean = (jan + feb) / 2;
  CHECK(signals[3]->points == 2);
  CHECK(signals[3]->value == Approx(feb));
  CHECK(signals[3]->centre == Approx(mean));
  CHECK(signals[3]->upper == Approx(mean + 2.66 * (jan - feb)));
  CHECK(signals[3]->lower == Approx(mean - 2.66 * (jan - feb)));
  CHECK(signals[3]->signal == 0);  // common cause: two points show nothing special

  // A batch that changes no cell (a learning item) forwards nothing.
  north.Batch({north.Frame(north.trust_a, Learning())});
  CHECK(north.Queued().size() == 4);

  // A cell emptied by a retraction is forwarded with zeros: the parent withdraws it.
  Envelope pb;
  north.Batch({north.Frame(north.trust_b, Project("pd", {{"SATOD", {Point("2026-03", 9, 90)}}}),
                           &pb)});
  north.Batch({north.Frame(north.trust_b, Retraction{pb.message_id, "wrong"})});
  signals.clear();
  all = Forwarded(north.Queued(), &signals);
  REQUIRE(all.size() == 6);
  CHECK(all[4] == Agg("north", "2026-03", 1, 9, 90));
  CHECK(signals[4].has_value());
  CHECK(all[5] == Agg("north", "2026-03", 0, 0, 0));
  CHECK_FALSE(signals[5].has_value());  // a withdrawn cell carries no reading
}

TEST_CASE("a later month is re-sent only when its SPC reading moved", "[federation]") {
  LlsHub north("north");
  north.Batch({north.Frame(north.trust_a, Project("pa", {{"SATOD", {Point("2026-01", 10, 100),
                                                                    Point("2026-02", 20, 100)}}}))});
  REQUIRE(Forwarded(north.Queued()).size() == 2);
  // January's counts change but not its rate (10 %): January is forwarded (its figures moved),
  // February is not (its reading, computed from the rates, is the same).
  north.Batch({north.Frame(north.trust_a, Project("pa", {{"SATOD", {Point("2026-01", 20, 200),
                                                                    Point("2026-02", 20, 100)}}}))});
  std::vector<Aggregate> all = Forwarded(north.Queued());
  REQUIRE(all.size() == 3);
  CHECK(all[2] == Agg("north", "2026-01", 1, 20, 200));
  // January's rate changes: February's reading moves with it and is sent again.
  north.Batch({north.Frame(north.trust_a, Project("pa", {{"SATOD", {Point("2026-01", 30, 100),
                                                                    Point("2026-02", 20, 100)}}}))});
  all = Forwarded(north.Queued());
  REQUIRE(all.size() == 5);
  CHECK(all[3] == Agg("north", "2026-01", 1, 30, 100));
  CHECK(all[4] == Agg("north", "2026-02", 1, 20, 100));
}

// Found by the crash harness with a parent (tests/crash/forwarding.h): under heavy ingest a
// batch often holds several revisions of one project, and a cell an early revision changed and
// a later one put back was forwarded again unchanged, one redundant Aggregate stored at the
// national under a new id (9 % of all forwards in a 300-cycle run).
TEST_CASE("a cell a batch touched but left as it was is not forwarded again", "[federation]") {
  LlsHub north("north");
  north.Batch({north.Frame(north.trust_a, Project("pa", {{"SATOD", {Point("2026-01", 10, 100),
                                                                    Point("2026-02", 20, 100)}}})),
               north.Frame(north.trust_b, Project("pb", {{"SATOD", {Point("2026-01", 20, 100)}}}))});
  REQUIRE(Forwarded(north.Queued()).size() == 2);
  // One batch: trust A changes January and puts it back (two revisions of its project).
  north.Batch({north.Frame(north.trust_a, Project("pa", {{"SATOD", {Point("2026-01", 30, 100),
                                                                    Point("2026-02", 20, 100)}}})),
               north.Frame(north.trust_a, Project("pa", {{"SATOD", {Point("2026-01", 10, 100),
                                                                    Point("2026-02", 20, 100)}}}))});
  CHECK(Forwarded(north.Queued()).size() == 2);
  // One batch: two trusts' changes to January cancel out in the sums.
  north.Batch({north.Frame(north.trust_a, Project("pa", {{"SATOD", {Point("2026-01", 20, 100),
                                                                    Point("2026-02", 20, 100)}}})),
               north.Frame(north.trust_b, Project("pb", {{"SATOD", {Point("2026-01", 10, 100)}}}))});
  CHECK(Forwarded(north.Queued()).size() == 2);
  // A real change is still forwarded, and a later month whose reading moved with it.
  north.Batch({north.Frame(north.trust_b, Project("pb", {{"SATOD", {Point("2026-01", 40, 100)}}}))});
  std::vector<Aggregate> all = Forwarded(north.Queued());
  REQUIRE(all.size() == 4);
  CHECK(all[2] == Agg("north", "2026-01", 2, 60, 200));
  CHECK(all[3] == Agg("north", "2026-02", 1, 20, 100));
}

TEST_CASE("the parent keeps each hub's latest figure and sums national cells with LLS counts",
          "[federation]") {
  LlsHub north("north");
  LlsHub south("south");
  National national({&north, &south});

  north.Batch({north.Frame(north.trust_a, Project("pa", {{"SATOD", {Point("2026-01", 25, 210)}}})),
               north.Frame(north.trust_b, Project("pb", {{"SATOD", {Point("2026-01", 40, 300),
                                                                    Point("2026-02", 5, 50)}}}))});
  south.Batch({south.Frame(south.trust_a, Project("ps", {{"SATOD", {Point("2026-01", 15, 100)}}}))});
  national.Deliver(north, north.Queued());
  national.Deliver(south, south.Queued());
  CHECK(national.Rows() == std::vector<AggregateRow>{
                               Row("national", "2026-01", 3, 80, 610, 2),
                               Row("north", "2026-01", 2, 65, 510, 1),
                               Row("south", "2026-01", 1, 15, 100, 1),
                               Row("national", "2026-02", 1, 5, 50, 1),
                               Row("north", "2026-02", 1, 5, 50, 1),
                           });

  // North's trust B republishes: its later Aggregate replaces the earlier one (no double count).
  size_t sent = north.Queued().size();
  REQUIRE(sent == 0);  // everything was acked
  north.Batch({north.Frame(north.trust_b, Project("pb", {{"SATOD", {Point("2026-01", 50, 300)}}}))});
  std::vector<OutboxEntry> update = north.Queued();
  REQUIRE(update.size() == 2);  // January changed, February emptied
  national.Deliver(north, update);
  CHECK(national.Rows() == std::vector<AggregateRow>{
                               Row("national", "2026-01", 3, 90, 610, 2),
                               Row("north", "2026-01", 2, 75, 510, 1),
                               Row("south", "2026-01", 1, 15, 100, 1),
                           });

  // An older figure arriving after a newer one (a resend overtaken) changes nothing.
  south.Batch({south.Frame(south.trust_a, Project("ps", {{"SATOD", {Point("2026-01", 20, 100)}}}))});
  south.Batch({south.Frame(south.trust_a, Project("ps", {{"SATOD", {Point("2026-01", 30, 100)}}}))});
  std::vector<OutboxEntry> two = south.Queued();
  REQUIRE(two.size() == 2);
  REQUIRE(two[0].sequence < two[1].sequence);
  national.Deliver(south, {two[1]});
  national.Deliver(south, {two[0]});
  CHECK(national.Rows()[0] == Row("national", "2026-01", 3, 105, 610, 2));
  CHECK(national.Rows()[2] == Row("south", "2026-01", 1, 30, 100, 1));
}

TEST_CASE("relays and aggregates from one hub never share a sequence", "[federation]") {
  LlsHub north("north");
  National national({&north});
  Envelope item;
  LearningItem first = Learning();
  first.scope = Scope::kNational;  // may go up once approved
  north.Batch({north.Frame(north.trust_a, first, &item)});
  Envelope second;
  LearningItem other = Learning("Second");
  other.item_id = "item-2";
  other.scope = Scope::kLls;  // stays in this LLS: relayed to its members, never forwarded
  north.Batch({north.Frame(north.trust_b, other, &second)});
  // Approvals and summaries interleaved, some in the same batch.
  north.Batch({north.Frame(north.facilitator, Curation{item.message_id, CurationAction::kApprove, "", {}}),
               north.Frame(north.trust_a, Project("pa", {{"SATOD", {Point("2026-01", 25, 210)}}}))});
  north.Batch({north.Frame(north.trust_b, Project("pb", {{"SATOD", {Point("2026-02", 40, 300)}}}))});
  north.Batch({north.Frame(north.facilitator, Curation{second.message_id, CurationAction::kFeature, "", {}}),
               north.Frame(north.trust_b, Project("pb", {{"SATOD", {Point("2026-02", 45, 300)}}}))});

  std::vector<OutboxEntry> queued = north.Queued();
  std::set<uint64_t> sequences;
  int relays = 0;
  for (const OutboxEntry& entry : queued) {
    CHECK(sequences.insert(entry.sequence).second);
    if (entry.kind != Kind::kRelay) continue;
    ++relays;
    // The relay forwarded is the one in the hub's log, bytes as stored; its original verifies.
    auto e = DecodeEnvelope(entry.envelope);
    REQUIRE(e.ok());
    auto stored = north.store.FindMessage(e->message_id);
    REQUIRE(stored.ok());
    REQUIRE(stored->has_value());
    CHECK((*stored)->envelope == entry.envelope);
    auto body = DecodeBody(e->body);
    REQUIRE(body.ok());
    auto original = DecodeEnvelope(std::get<Relay>(*body).original);
    REQUIRE(original.ok());
    CHECK(crypto::Verify(*original));
    CHECK((original->signer == north.trust_a.sign_public() ||
           original->signer == north.trust_b.sign_public()));
  }
  CHECK(relays == 1);          // the national-scoped item only
  CHECK(queued.size() == 4);  // 1 relay + 3 aggregate forwards
  // One counter for relays and forwards: the sequences are unique and run to 5, the one
  // missing being the lls-scoped relay's, which stayed in this hub's log (gaps are allowed:
  // protocol.md section 6).
  CHECK(*sequences.begin() == 1);
  CHECK(*sequences.rbegin() == 5);
  auto lls_relays = north.store.CountByKind(Kind::kRelay);
  REQUIRE(lls_relays.ok());
  CHECK(*lls_relays == 2);  // both approvals were relayed to north's own members
  // The outbox's own counter was never used.
  auto stats = north.forwarder->outbox().Stats();
  REQUIRE(stats.ok());
  CHECK(stats->next_sequence == 1);

  // The parent takes them all (a reused sequence would be Nacked replay), relays included.
  national.Deliver(north, queued);
  auto relayed = national.store.CountByKind(Kind::kRelay);
  REQUIRE(relayed.ok());
  CHECK(*relayed == 1);
}

}  // namespace
}  // namespace lls::hub
