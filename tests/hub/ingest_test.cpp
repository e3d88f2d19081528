// Ingest::Handle driven directly with frames built here: one test per Nack code it can
// produce, replay and duplicate handling, and acks only after the batch's commit.
//
// The store is a real SQLite file; the member directory is reloaded from it; the clock is fake.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "exchange/sqlite.h"
#include "hub/ingest.h"
#include "tests/hub/test_util.h"

namespace lls::hub {
namespace {

using namespace test;
using transport::InboundFrame;

struct IngestFixture {
  TempDir dir;
  FakeClock clock;
  HubStore store = OpenStore(dir / "hub.db");
  MemberDirectory members;
  crypto::Identity trust_a = NewIdentity("trust-a");
  crypto::Identity trust_b = NewIdentity("trust-b");
  crypto::Identity facilitator = NewIdentity("facilitator");
  crypto::Identity gone = NewIdentity("gone");          // enrolled, then revoked
  crypto::Identity stranger = NewIdentity("stranger");  // never enrolled
  Member member_a, member_b, member_f, member_gone;
  IngestOptions options;
  std::unique_ptr<Ingest> ingest;

  explicit IngestFixture(IngestOptions opts = {}) : options(opts) {
    member_a = MustEnrol(store, trust_a, Role::kTrust, "RXA");
    member_b = MustEnrol(store, trust_b, Role::kTrust, "RXB");
    member_f = MustEnrol(store, facilitator, Role::kFacilitator, "LLS-N");
    member_gone = MustEnrol(store, gone, Role::kTrust, "RXG");
    REQUIRE(store.Revoke("gone", "operator", "left the LLS", kNow).ok());
    Reload();
    ingest = std::make_unique<Ingest>(store, members, clock, options);
  }

  void Reload() { REQUIRE(members.Reload(store).ok()); }

  // The user id the ZAP handler would attach to a connection of `id` (it must be admitted).
  std::string UserId(const crypto::Identity& id) {
    std::optional<std::string> user = members.Admit(id.curve_public());
    REQUIRE(user.has_value());
    return *user;
  }

  InboundFrame Frame(const std::string& user_id, Bytes payload, std::string peer = "peer-1") {
    InboundFrame frame;
    frame.peer = std::move(peer);
    frame.user_id = user_id;
    frame.payload = std::move(payload);
    return frame;
  }
  InboundFrame From(const crypto::Identity& connection, Bytes payload,
                    std::string peer = "peer-1") {
    return Frame(UserId(connection), std::move(payload), std::move(peer));
  }

  Reply HandleOne(const InboundFrame& frame) {
    std::vector<OutboundReply> replies = ingest->Handle({frame});
    REQUIRE(replies.size() == 1);
    CHECK(replies[0].peer == frame.peer);
    return replies[0].reply;
  }

  int64_t StoredMessages() {
    auto stats = store.Stats();
    REQUIRE(stats.ok());
    return stats->messages;
  }
  uint64_t NackCount(NackCode code) const {
    return ingest->counters().nacks[static_cast<size_t>(code)];
  }
};

Bytes Sealed(const crypto::Identity& id, uint64_t sequence, const Body& body,
             int64_t created_at = kNow) {
  return EncodeEnvelope(crypto::Seal(id, sequence, created_at, body));
}

MessageId IdOf(const Bytes& encoded) {
  auto e = DecodeEnvelope(encoded);
  REQUIRE(e.ok());
  return e->message_id;
}

Ack ExpectAck(const Reply& reply) {
  if (const Nack* nack = std::get_if<Nack>(&reply)) {
    FAIL("expected an Ack, got Nack " << NackCodeName(nack->code) << ": " << nack->text);
  }
  return std::get<Ack>(reply);
}

Nack ExpectNack(const Reply& reply, NackCode code) {
  const Nack* nack = std::get_if<Nack>(&reply);
  if (nack == nullptr) FAIL("expected Nack " << NackCodeName(code) << ", got an Ack");
  INFO("nack text: " << nack->text);
  CHECK(std::string(NackCodeName(nack->code)) == NackCodeName(code));
  CHECK_FALSE(nack->text.empty());
  return *nack;
}

// --- the happy path ---------------------------------------------------------------------------

TEST_CASE("a valid summary from a trust is stored and acked with its hub sequence", "[ingest]") {
  IngestFixture f;
  Bytes bytes = Sealed(f.trust_a, 1, Summary());
  Ack ack = ExpectAck(f.HandleOne(f.From(f.trust_a, bytes)));
  CHECK(ack.message_id == IdOf(bytes));
  CHECK(ack.hub_seq == 1);
  CHECK_FALSE(ack.duplicate);
  CHECK(f.StoredMessages() == 1);
  CHECK(f.ingest->counters().accepted == 1);

  auto stored = f.store.FindMessage(ack.message_id);
  REQUIRE(stored.ok());
  REQUIRE(stored->has_value());
  CHECK((*stored)->envelope == bytes);
  CHECK((*stored)->signer == f.trust_a.sign_public());

  Ack second = ExpectAck(f.HandleOne(f.From(f.trust_a, Sealed(f.trust_a, 2, Learning()))));
  CHECK(second.hub_seq == 2);
}

// --- one test per Nack code -------------------------------------------------------------------

TEST_CASE("too-large: a frame over the limit is refused before decoding", "[ingest][nack]") {
  IngestOptions options;
  options.limits.max_frame_bytes = 4096;
  IngestFixture f(options);

  SECTION("garbage over the limit") {
    Nack nack = ExpectNack(f.HandleOne(f.From(f.trust_a, Bytes(4097, 0xAB))), NackCode::kTooLarge);
    CHECK(nack.message_id == MessageId{});
  }
  SECTION("a valid, signed envelope over the limit") {
    Bytes big = Sealed(f.trust_a, 1, Summary(std::string(5000, 'x')));
    REQUIRE(big.size() > 4096);
    Nack nack = ExpectNack(f.HandleOne(f.From(f.trust_a, big)), NackCode::kTooLarge);
    // The id is readable, so the Nack names it and the sender's outbox can retire it.
    CHECK(nack.message_id == IdOf(big));
  }
  SECTION("the default limit is 1 MiB") {
    IngestFixture d;
    ExpectNack(d.HandleOne(d.From(d.trust_a, Bytes((1 << 20) + 8, 0))), NackCode::kTooLarge);
    CHECK(d.NackCount(NackCode::kTooLarge) == 1);
  }
  CHECK(f.StoredMessages() == 0);
}

TEST_CASE("malformed: garbage bytes, an empty frame, a multi-part frame", "[ingest][nack]") {
  IngestFixture f;
  SECTION("text") {
    Nack nack = ExpectNack(f.HandleOne(f.From(f.trust_a, Bytes{'h', 'e', 'l', 'l', 'o'})),
                           NackCode::kMalformed);
    CHECK(nack.message_id == MessageId{});
  }
  SECTION("word-aligned garbage") {
    Bytes garbage(64);
    for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<uint8_t>(i * 37 + 11);
    ExpectNack(f.HandleOne(f.From(f.trust_a, garbage)), NackCode::kMalformed);
  }
  SECTION("empty") { ExpectNack(f.HandleOne(f.From(f.trust_a, Bytes{})), NackCode::kMalformed); }
  SECTION("a valid envelope truncated by one word") {
    Bytes bytes = Sealed(f.trust_a, 1, Summary());
    bytes.resize(bytes.size() - 8);
    ExpectNack(f.HandleOne(f.From(f.trust_a, bytes)), NackCode::kMalformed);
  }
  SECTION("a valid envelope in a multi-part frame") {
    InboundFrame frame = f.From(f.trust_a, Sealed(f.trust_a, 1, Summary()));
    frame.multipart = true;
    Nack nack = ExpectNack(f.HandleOne(frame), NackCode::kMalformed);
    CHECK(nack.message_id == MessageId{});
  }
  SECTION("a valid envelope whose body bytes are garbage") {
    Envelope e = SignedEnvelope(f.trust_a, 1, kNow, Kind::kProjectSummary, Summary());
    e.body = Bytes(24, 0xEE);
    crypto::Sign(e, f.trust_a);
    Nack nack = ExpectNack(f.HandleOne(f.From(f.trust_a, EncodeEnvelope(e))), NackCode::kMalformed);
    CHECK(nack.message_id == e.message_id);
  }
  CHECK(f.StoredMessages() == 0);
  CHECK(f.ingest->counters().accepted == 0);
}

TEST_CASE("schema-version: an envelope from a newer (or zero) protocol version", "[ingest][nack]") {
  IngestFixture f;
  const uint16_t version = GENERATE(uint16_t{0}, uint16_t{kProtocolVersion + 1}, uint16_t{999});
  Envelope e = SignedEnvelope(f.trust_a, 1, kNow, Kind::kProjectSummary, Summary(), version);
  REQUIRE(crypto::Verify(e));  // properly signed: only the version is wrong
  Nack nack =
      ExpectNack(f.HandleOne(f.From(f.trust_a, EncodeEnvelope(e))), NackCode::kSchemaVersion);
  // The id was readable, so the Nack names it and the sender's outbox can retire the message.
  CHECK(nack.message_id == e.message_id);
  CHECK(f.StoredMessages() == 0);
  CHECK(f.NackCount(NackCode::kSchemaVersion) == 1);
}

TEST_CASE("unsupported-kind: an envelope kind this build does not know", "[ingest][nack]") {
  IngestFixture f;
  Envelope e = SignedEnvelope(f.trust_a, 1, kNow, static_cast<Kind>(kMaxKind + 1), Summary());
  Nack nack =
      ExpectNack(f.HandleOne(f.From(f.trust_a, EncodeEnvelope(e))), NackCode::kUnsupportedKind);
  CHECK(nack.message_id == e.message_id);
  CHECK(f.StoredMessages() == 0);
}

TEST_CASE("bad-signature: any change to the signed bytes", "[ingest][nack]") {
  IngestFixture f;
  Envelope e = crypto::Seal(f.trust_a, 1, kNow, Summary());
  SECTION("a flipped signature byte") { e.signature[17] ^= 0x01; }
  SECTION("a flipped body byte") { e.body[e.body.size() / 2] ^= 0x01; }
  SECTION("a changed createdAt") { e.created_at_ms += 1; }
  SECTION("a changed sequence") { e.sequence = 2; }
  SECTION("a changed kind (the domain tag)") { e.kind = Kind::kLearningItem; }
  Nack nack =
      ExpectNack(f.HandleOne(f.From(f.trust_a, EncodeEnvelope(e))), NackCode::kBadSignature);
  CHECK(nack.message_id == e.message_id);
  CHECK(f.StoredMessages() == 0);
  CHECK(f.NackCount(NackCode::kBadSignature) == 1);
}

TEST_CASE("unknown-signer: a revoked member's connection, or a signer never enrolled",
          "[ingest][nack]") {
  IngestFixture f;
  SECTION("the connection's member was revoked") {
    REQUIRE_FALSE(f.members.Admit(f.gone.curve_public()).has_value());
    Bytes bytes = Sealed(f.gone, 1, Summary());
    Nack nack = ExpectNack(f.HandleOne(f.Frame(std::to_string(f.member_gone.id), bytes)),
                           NackCode::kUnknownSigner);
    CHECK(nack.message_id == IdOf(bytes));
  }
  SECTION("the member is revoked while connected") {
    const std::string user_id = f.UserId(f.trust_a);
    ExpectAck(f.HandleOne(f.Frame(user_id, Sealed(f.trust_a, 1, Summary()))));
    REQUIRE(f.store.Revoke("trust-a", "operator", "compromised key", kNow).ok());
    f.Reload();
    ExpectNack(f.HandleOne(f.Frame(user_id, Sealed(f.trust_a, 2, Summary()))),
               NackCode::kUnknownSigner);
    CHECK(f.StoredMessages() == 1);
  }
  SECTION("a connection with no or a nonsense user id") {
    const std::string user_id =
        GENERATE(std::string(""), std::string("999"), std::string("1x"), std::string("-1"));
    ExpectNack(f.HandleOne(f.Frame(user_id, Sealed(f.trust_a, 1, Summary()))),
               NackCode::kUnknownSigner);
  }
  SECTION("an enrolled connection carrying a message signed by an unenrolled key") {
    Bytes bytes = Sealed(f.stranger, 1, Summary());
    ExpectNack(f.HandleOne(f.From(f.trust_a, bytes)), NackCode::kUnknownSigner);
  }
  CHECK(f.StoredMessages() <= 1);
}

TEST_CASE("signer-mismatch: signed by member B, sent on member A's connection", "[ingest][nack]") {
  IngestFixture f;
  Bytes bytes = Sealed(f.trust_b, 1, Summary());
  Nack nack = ExpectNack(f.HandleOne(f.From(f.trust_a, bytes)), NackCode::kSignerMismatch);
  CHECK(nack.message_id == IdOf(bytes));
  CHECK(nack.text.find("trust-b") != std::string::npos);
  CHECK(nack.text.find("trust-a") != std::string::npos);

  // Also when B has since been revoked: it is still B's signature, not A's.
  Bytes from_gone = Sealed(f.gone, 1, Summary());
  ExpectNack(f.HandleOne(f.From(f.trust_a, from_gone)), NackCode::kSignerMismatch);
  CHECK(f.StoredMessages() == 0);
}

TEST_CASE("wrong-role: a kind the member's role may not send", "[ingest][nack]") {
  IngestFixture f;
  SECTION("a trust sending a curation") {
    Bytes bytes = Sealed(f.trust_a, 1, Curation{MessageId{}, CurationAction::kApprove, "ok", {}});
    Nack nack = ExpectNack(f.HandleOne(f.From(f.trust_a, bytes)), NackCode::kWrongRole);
    CHECK(nack.text.find("trust") != std::string::npos);
    CHECK(nack.text.find("curation") != std::string::npos);
  }
  SECTION("a trust sending an aggregate") {
    Aggregate aggregate;
    aggregate.scope = "north";
    aggregate.measure_code = "SATOD";
    aggregate.period = "2026-01";
    ExpectNack(f.HandleOne(f.From(f.trust_a, Sealed(f.trust_a, 1, aggregate))),
               NackCode::kWrongRole);
  }
  SECTION("a facilitator sending a project summary") {
    ExpectNack(f.HandleOne(f.From(f.facilitator, Sealed(f.facilitator, 1, Summary()))),
               NackCode::kWrongRole);
  }
  CHECK(f.StoredMessages() == 0);
  CHECK(f.NackCount(NackCode::kWrongRole) == 1);
}

TEST_CASE("a facilitator's curation is accepted", "[ingest]") {
  IngestFixture f;
  Bytes item = Sealed(f.trust_a, 1, Learning());
  ExpectAck(f.HandleOne(f.From(f.trust_a, item)));
  Curation curation{IdOf(item), CurationAction::kApprove, "useful", {}};
  ExpectAck(f.HandleOne(f.From(f.facilitator, Sealed(f.facilitator, 1, curation))));
  CHECK(f.StoredMessages() == 2);
}

TEST_CASE("stale: createdAt outside the window around the hub's clock", "[ingest][nack]") {
  IngestFixture f;
  const int64_t skew = f.options.max_future_skew_ms;
  const int64_t age = f.options.max_age_ms;
  SECTION("too far in the future") {
    Bytes bytes = Sealed(f.trust_a, 1, Summary(), kNow + skew + 1);
    Nack nack = ExpectNack(f.HandleOne(f.From(f.trust_a, bytes)), NackCode::kStale);
    CHECK(nack.message_id == IdOf(bytes));
  }
  SECTION("too far in the past") {
    ExpectNack(f.HandleOne(f.From(f.trust_a, Sealed(f.trust_a, 1, Summary(), kNow - age - 1))),
               NackCode::kStale);
  }
  SECTION("years in the past, or at the epoch") {
    ExpectNack(f.HandleOne(f.From(f.trust_a, Sealed(f.trust_a, 1, Summary(), 0))),
               NackCode::kStale);
  }
  SECTION("the same message is accepted once the hub's clock catches up") {
    Bytes bytes = Sealed(f.trust_a, 1, Summary(), kNow + skew + 60'000);
    ExpectNack(f.HandleOne(f.From(f.trust_a, bytes)), NackCode::kStale);
    f.clock.now += 60'000;
    ExpectAck(f.HandleOne(f.From(f.trust_a, bytes)));
  }
  SECTION("the edges of the window are inside it") {
    ExpectAck(f.HandleOne(f.From(f.trust_a, Sealed(f.trust_a, 1, Summary(), kNow + skew))));
    ExpectAck(f.HandleOne(f.From(f.trust_a, Sealed(f.trust_a, 2, Summary(), kNow - age))));
    CHECK(f.StoredMessages() == 2);
  }
}

TEST_CASE("kind-mismatch: the envelope's kind differs from its body, signature valid",
          "[ingest][nack]") {
  IngestFixture f;
  // A trust may send both kinds, and the signature covers the claimed kind: only the
  // disagreement between envelope and body is wrong.
  Envelope e = SignedEnvelope(f.trust_a, 1, kNow, Kind::kLearningItem, Summary());
  REQUIRE(crypto::Verify(e));
  Nack nack =
      ExpectNack(f.HandleOne(f.From(f.trust_a, EncodeEnvelope(e))), NackCode::kKindMismatch);
  CHECK(nack.message_id == e.message_id);
  CHECK(nack.text.find("learning-item") != std::string::npos);
  CHECK(nack.text.find("project-summary") != std::string::npos);
  CHECK(f.StoredMessages() == 0);
}

TEST_CASE("unknown-measure: a summary with a code outside the hub's catalogue", "[ingest][nack]") {
  IngestFixture f;
  ProjectSummary summary = Summary();
  summary.measures.push_back({"NOT_A_MEASURE", {{"2026-01", 10, 100, false, false}}});
  Bytes bytes = Sealed(f.trust_a, 1, summary);
  Nack nack = ExpectNack(f.HandleOne(f.From(f.trust_a, bytes)), NackCode::kUnknownMeasure);
  CHECK(nack.message_id == IdOf(bytes));
  CHECK(nack.text.find("NOT_A_MEASURE") != std::string::npos);
  CHECK(f.StoredMessages() == 0);
  CHECK(f.NackCount(NackCode::kUnknownMeasure) == 1);
}

TEST_CASE("malformed: a month that is not YYYY-MM, or more points than a summary may hold",
          "[ingest][nack]") {
  IngestFixture f;
  ProjectSummary bad_month = Summary();
  bad_month.measures = {{"SATOD", {{"a1", 10, 100, false, false}}}};
  Nack nack = ExpectNack(f.HandleOne(f.From(f.trust_a, Sealed(f.trust_a, 1, bad_month))),
                         NackCode::kMalformed);
  CHECK(nack.text.find("'a1'") != std::string::npos);

  ProjectSummary month_13 = Summary();
  month_13.measures = {{"SATOD", {{"2026-13", 10, 100, false, false}}}};
  ExpectNack(f.HandleOne(f.From(f.trust_a, Sealed(f.trust_a, 2, month_13))), NackCode::kMalformed);

  // 6,001 points: each month of 2000-2099 (1,200) for five measures, plus one.
  ProjectSummary huge = Summary();
  huge.measures.clear();
  for (const char* code : {"SATOD", "CO_BOOKING", "SMOKING_REFERRAL", "NORMOTHERMIA",
                           "TERM_ADMISSIONS"}) {
    MeasureSeries series{code, {}};
    for (int year = 2000; year < 2100; ++year) {
      for (int month = 1; month <= 12; ++month) {
        char period[8];
        std::snprintf(period, sizeof period, "%04d-%02d", year, month);
        series.points.push_back({period, 10, 100, false, false});
      }
    }
    huge.measures.push_back(std::move(series));
  }
  huge.measures.push_back({"ANTENATAL_STEROIDS", {{"2026-01", 1, 2, false, false}}});
  Nack too_many = ExpectNack(f.HandleOne(f.From(f.trust_a, Sealed(f.trust_a, 3, huge))),
                             NackCode::kMalformed);
  CHECK(too_many.text.find("6001 monthly points") != std::string::npos);
  huge.measures.pop_back();  // exactly 6,000: accepted
  ExpectAck(f.HandleOne(f.From(f.trust_a, Sealed(f.trust_a, 4, huge))));
  CHECK(f.StoredMessages() == 1);
}

TEST_CASE("malformed: a numerator larger than its denominator (unless one is suppressed)",
          "[ingest][nack]") {
  IngestFixture f;
  ProjectSummary over = Summary();
  over.measures = {{"SATOD", {{"2026-01", 101, 100, false, false}}}};
  Nack nack = ExpectNack(f.HandleOne(f.From(f.trust_a, Sealed(f.trust_a, 1, over))),
                         NackCode::kMalformed);
  CHECK(nack.text.find("numerator 101 is larger than its denominator 100") != std::string::npos);
  // Equal is fine (every woman counted); a suppressed denominator is sent as 0 and says nothing.
  ProjectSummary fine = Summary();
  fine.measures = {{"SATOD", {{"2026-01", 100, 100, false, false},
                              {"2026-02", 15, 0, false, true}}}};
  ExpectAck(f.HandleOne(f.From(f.trust_a, Sealed(f.trust_a, 2, fine))));
  CHECK(f.StoredMessages() == 1);
}

TEST_CASE("kind-mismatch cannot be used to slip a forbidden body past the role check",
          "[ingest][nack]") {
  IngestFixture f;
  // Claims learning-item (allowed for a trust) but carries a curation (not allowed).
  Envelope e = SignedEnvelope(f.trust_a, 1, kNow, Kind::kLearningItem,
                              Curation{MessageId{}, CurationAction::kApprove, "", {}});
  Reply reply = f.HandleOne(f.From(f.trust_a, EncodeEnvelope(e)));
  REQUIRE(std::holds_alternative<Nack>(reply));
  CHECK(f.StoredMessages() == 0);
}

TEST_CASE("not-owner: a retraction of someone else's message", "[ingest][nack]") {
  IngestFixture f;
  Bytes b_message = Sealed(f.trust_b, 1, Summary("B's"));
  ExpectAck(f.HandleOne(f.From(f.trust_b, b_message)));

  SECTION("A retracts B's message") {
    Bytes retraction = Sealed(f.trust_a, 1, Retraction{IdOf(b_message), "not mine"});
    Nack nack = ExpectNack(f.HandleOne(f.From(f.trust_a, retraction)), NackCode::kNotOwner);
    CHECK(nack.message_id == IdOf(retraction));
  }
  SECTION("A retracts a message that does not exist") {
    Bytes retraction = Sealed(f.trust_a, 1, Retraction{crypto::RandomMessageId(), "typo"});
    ExpectNack(f.HandleOne(f.From(f.trust_a, retraction)), NackCode::kNotOwner);
  }
  SECTION("B retracts its own message") {
    ExpectAck(
        f.HandleOne(f.From(f.trust_b, Sealed(f.trust_b, 2, Retraction{IdOf(b_message), "oops"}))));
  }
  auto retractions = f.store.CountByKind(Kind::kRetraction);
  REQUIRE(retractions.ok());
  CHECK(*retractions <= 1);
}

TEST_CASE(
    "a retraction is judged the same whether its target came in an earlier batch or "
    "the same one",
    "[ingest]") {
  // A node that enqueues a summary and then retracts it sends both in one window; the hub
  // may read them in one Poll. The retraction's target is then still pending in the batch,
  // not yet in the log, and FindMessage does not see it: the retraction is refused not-owner,
  // a permanent Nack, although the same two frames in two batches are both accepted.
  IngestFixture f;
  Bytes summary = Sealed(f.trust_a, 1, Summary());
  Bytes retraction = Sealed(f.trust_a, 2, Retraction{IdOf(summary), "entered in error"});
  auto replies = f.ingest->Handle({f.From(f.trust_a, summary), f.From(f.trust_a, retraction)});
  REQUIRE(replies.size() == 2);
  ExpectAck(replies[0].reply);
  ExpectAck(replies[1].reply);
}

TEST_CASE("replay: a message id reused for different content", "[ingest][nack]") {
  IngestFixture f;
  Envelope original = crypto::Seal(f.trust_a, 1, kNow, Summary("first"));
  Ack ack = ExpectAck(f.HandleOne(f.From(f.trust_a, EncodeEnvelope(original))));

  // Same id, new content, properly signed, even with a fresh sequence number.
  Envelope reused = crypto::Seal(f.trust_a, 2, kNow, Summary("second"));
  reused.message_id = original.message_id;
  crypto::Sign(reused, f.trust_a);
  Nack nack = ExpectNack(f.HandleOne(f.From(f.trust_a, EncodeEnvelope(reused))), NackCode::kReplay);
  CHECK(nack.message_id == original.message_id);
  CHECK(f.StoredMessages() == 1);

  // The stored message is untouched.
  auto stored = f.store.FindMessage(original.message_id);
  REQUIRE(stored.ok());
  REQUIRE(stored->has_value());
  CHECK((*stored)->hub_seq == ack.hub_seq);
  CHECK((*stored)->envelope == EncodeEnvelope(original));
}

TEST_CASE("replay: a per-signer sequence number used again", "[ingest][nack]") {
  IngestFixture f;
  ExpectAck(f.HandleOne(f.From(f.trust_a, Sealed(f.trust_a, 5, Summary("first")))));
  Bytes again = Sealed(f.trust_a, 5, Summary("different message, same sequence"));
  ExpectNack(f.HandleOne(f.From(f.trust_a, again)), NackCode::kReplay);
  // Another signer's sequence 5 is its own business.
  ExpectAck(f.HandleOne(f.From(f.trust_b, Sealed(f.trust_b, 5, Summary()))));
  CHECK(f.StoredMessages() == 2);
}

TEST_CASE("replay protection survives a hub restart", "[ingest][nack]") {
  TempDir dir;
  crypto::Identity trust = NewIdentity("trust-a");
  Bytes first = Sealed(trust, 1, Summary("first"));
  uint64_t first_seq = 0;
  FakeClock clock;
  {
    HubStore store = OpenStore(dir / "hub.db");
    MustEnrol(store, trust, Role::kTrust, "RXA");
    MemberDirectory members;
    REQUIRE(members.Reload(store).ok());
    Ingest ingest(store, members, clock, {});
    transport::InboundFrame frame{"p", *members.Admit(trust.curve_public()), first, false};
    first_seq = ExpectAck(ingest.Handle({frame}).at(0).reply).hub_seq;
  }
  HubStore store = OpenStore(dir / "hub.db");
  MemberDirectory members;
  REQUIRE(members.Reload(store).ok());
  Ingest ingest(store, members, clock, {});
  const std::string user = *members.Admit(trust.curve_public());

  Ack dup = ExpectAck(ingest.Handle({{"p", user, first, false}}).at(0).reply);
  CHECK(dup.duplicate);
  CHECK(dup.hub_seq == first_seq);
  ExpectNack(ingest.Handle({{"p", user, Sealed(trust, 1, Summary("x")), false}}).at(0).reply,
             NackCode::kReplay);
  auto stats = store.Stats();
  REQUIRE(stats.ok());
  CHECK(stats->messages == 1);
}

// --- duplicates and batches -------------------------------------------------------------------

TEST_CASE("an identical resend is acked as a duplicate with the original hub sequence",
          "[ingest]") {
  IngestFixture f;
  ExpectAck(f.HandleOne(f.From(f.trust_b, Sealed(f.trust_b, 1, Summary()))));  // hub_seq 1
  Bytes bytes = Sealed(f.trust_a, 1, Summary());
  Ack first = ExpectAck(f.HandleOne(f.From(f.trust_a, bytes, "conn-1")));
  CHECK(first.hub_seq == 2);
  CHECK_FALSE(first.duplicate);

  // Resent later, on a new connection (a new peer id).
  ExpectAck(f.HandleOne(f.From(f.trust_b, Sealed(f.trust_b, 2, Summary()))));  // hub_seq 3
  Ack again = ExpectAck(f.HandleOne(f.From(f.trust_a, bytes, "conn-2")));
  CHECK(again.duplicate);
  CHECK(again.hub_seq == 2);
  CHECK(again.message_id == first.message_id);

  auto stats = f.store.Stats();
  REQUIRE(stats.ok());
  CHECK(stats->messages == 3);
  CHECK(stats->last_hub_seq == 3);
  CHECK(f.ingest->counters().accepted == 3);
  CHECK(f.ingest->counters().duplicates == 1);
}

TEST_CASE("an identical resend is a duplicate even once it has aged out of the stale window",
          "[ingest]") {
  // A node whose Ack was lost may resend long after: the message is stored, so the answer
  // must be the duplicate Ack, not a permanent `stale` that would make the node record as
  // refused a message the hub counts.
  IngestFixture f;
  Bytes bytes = Sealed(f.trust_a, 1, Summary(), kNow);
  Ack first = ExpectAck(f.HandleOne(f.From(f.trust_a, bytes)));
  f.clock.now = kNow + f.options.max_age_ms + 1;
  Ack again = ExpectAck(f.HandleOne(f.From(f.trust_a, bytes)));
  CHECK(again.duplicate);
  CHECK(again.hub_seq == first.hub_seq);
}

// The same signed values in a different encoding: a non-zero byte in the unused bits of the
// envelope's first data word (version and kind are 16 bits each; the rest of the word is
// padding that readers ignore and the signature does not cover).
Bytes WithDirtyPadding(const Envelope& e) {
  Bytes bytes = EncodeEnvelope(e);
  REQUIRE(bytes.size() > 24);
  REQUIRE(bytes[0] == 0);  // one segment
  int32_t pointer_low = 0;
  std::memcpy(&pointer_low, bytes.data() + 8, 4);  // the root struct pointer
  REQUIRE((pointer_low & 3) == 0);
  const size_t data = 16 + 8 * static_cast<size_t>(pointer_low >> 2);
  REQUIRE(data + 8 <= bytes.size());
  REQUIRE(bytes[data] == (e.version & 0xff));
  REQUIRE(bytes[data + 2] == (static_cast<uint16_t>(e.kind) & 0xff));
  REQUIRE(bytes[data + 4] == 0);
  bytes[data + 4] = 0x5A;
  auto decoded = DecodeEnvelope(bytes);
  INFO((decoded.ok() ? std::string("decoded") : decoded.error().text));
  REQUIRE(decoded.ok());
  REQUIRE(*decoded == e);
  REQUIRE(crypto::Verify(*decoded));
  REQUIRE(bytes != EncodeEnvelope(e));
  return bytes;
}

TEST_CASE(
    "a resend of the same signed message in another encoding is a duplicate, and the "
    "log keeps the canonical encoding",
    "[ingest]") {
  IngestFixture f;
  Envelope e = crypto::Seal(f.trust_a, 1, kNow, Summary());
  const Bytes canonical = EncodeEnvelope(e);
  const Bytes dirty = WithDirtyPadding(e);

  SECTION("canonical first") {
    Ack first = ExpectAck(f.HandleOne(f.From(f.trust_a, canonical)));
    Ack again = ExpectAck(f.HandleOne(f.From(f.trust_a, dirty)));
    CHECK(again.duplicate);
    CHECK(again.hub_seq == first.hub_seq);
  }
  SECTION("the odd encoding first") {
    Ack first = ExpectAck(f.HandleOne(f.From(f.trust_a, dirty)));
    Ack again = ExpectAck(f.HandleOne(f.From(f.trust_a, canonical)));
    CHECK(again.duplicate);
    CHECK(again.hub_seq == first.hub_seq);
  }
  SECTION("both in one batch") {
    auto replies = f.ingest->Handle({f.From(f.trust_a, dirty), f.From(f.trust_a, canonical)});
    REQUIRE(replies.size() == 2);
    CHECK(ExpectAck(replies[1].reply).duplicate);
    CHECK(ExpectAck(replies[0].reply).hub_seq == ExpectAck(replies[1].reply).hub_seq);
  }
  CHECK(f.StoredMessages() == 1);
  auto stored = f.store.FindMessage(e.message_id);
  REQUIRE(stored.ok());
  REQUIRE(stored->has_value());
  CHECK((*stored)->envelope == canonical);
}

TEST_CASE("two identical frames in one batch: one stored, both acked", "[ingest]") {
  IngestFixture f;
  Bytes bytes = Sealed(f.trust_a, 1, Summary());
  std::vector<OutboundReply> replies =
      f.ingest->Handle({f.From(f.trust_a, bytes, "p1"), f.From(f.trust_a, bytes, "p2")});
  REQUIRE(replies.size() == 2);
  CHECK(replies[0].peer == "p1");
  CHECK(replies[1].peer == "p2");
  Ack a = ExpectAck(replies[0].reply);
  Ack b = ExpectAck(replies[1].reply);
  CHECK(a.hub_seq == b.hub_seq);
  CHECK(a.message_id == b.message_id);
  CHECK_FALSE(a.duplicate);
  CHECK(b.duplicate);
  CHECK(f.StoredMessages() == 1);
  CHECK(f.ingest->counters().accepted == 1);
  CHECK(f.ingest->counters().duplicates == 1);
}

TEST_CASE("within one batch, a reused id or sequence is a replay", "[ingest][nack]") {
  IngestFixture f;
  Envelope first = crypto::Seal(f.trust_a, 1, kNow, Summary("one"));
  SECTION("same id, different content") {
    Envelope reused = crypto::Seal(f.trust_a, 2, kNow, Summary("two"));
    reused.message_id = first.message_id;
    crypto::Sign(reused, f.trust_a);
    auto replies = f.ingest->Handle(
        {f.From(f.trust_a, EncodeEnvelope(first)), f.From(f.trust_a, EncodeEnvelope(reused))});
    REQUIRE(replies.size() == 2);
    ExpectAck(replies[0].reply);
    ExpectNack(replies[1].reply, NackCode::kReplay);
  }
  SECTION("same sequence, different ids") {
    auto replies = f.ingest->Handle({f.From(f.trust_a, EncodeEnvelope(first)),
                                     f.From(f.trust_a, Sealed(f.trust_a, 1, Summary("b")))});
    REQUIRE(replies.size() == 2);
    ExpectAck(replies[0].reply);
    ExpectNack(replies[1].reply, NackCode::kReplay);
  }
  CHECK(f.StoredMessages() == 1);
}

TEST_CASE("a mixed batch gets one reply per frame, in order, each to its peer", "[ingest]") {
  // The same with signatures checked on the hub thread alone and by a verify pool.
  IngestOptions options;
  options.verify_threads = GENERATE(1u, 3u);
  CAPTURE(options.verify_threads);
  IngestFixture f(options);
  Envelope bad = crypto::Seal(f.trust_a, 2, kNow, Summary());
  bad.signature[0] ^= 0x80;
  auto replies = f.ingest->Handle({
      f.From(f.trust_a, Sealed(f.trust_a, 1, Summary()), "a"),
      f.From(f.trust_a, EncodeEnvelope(bad), "b"),
      f.From(f.trust_b, Bytes{1, 2, 3}, "c"),
      f.From(f.trust_b, Sealed(f.trust_b, 1, Learning()), "d"),
  });
  REQUIRE(replies.size() == 4);
  CHECK(replies[0].peer == "a");
  CHECK(replies[1].peer == "b");
  CHECK(replies[2].peer == "c");
  CHECK(replies[3].peer == "d");
  Ack first = ExpectAck(replies[0].reply);
  ExpectNack(replies[1].reply, NackCode::kBadSignature);
  ExpectNack(replies[2].reply, NackCode::kMalformed);
  Ack last = ExpectAck(replies[3].reply);
  CHECK(last.hub_seq == first.hub_seq + 1);
  CHECK(f.StoredMessages() == 2);
  CHECK(f.ingest->Handle({}).empty());
}

// --- acks only after commit -------------------------------------------------------------------

TEST_CASE(
    "when the batch cannot be committed nothing is stored and every frame is Nacked "
    "internal, so nodes resend",
    "[ingest][nack]") {
  IngestFixture f;
  // A second connection (as another process would) makes inserts of sequence 2 fail, so the
  // first record of the batch is written and must be rolled back with the rest.
  {
    auto saboteur = db::Database::Open(f.dir / "hub.db");
    REQUIRE(saboteur.ok());
    REQUIRE(saboteur
                ->Exec("CREATE TRIGGER fail_insert BEFORE INSERT ON log WHEN NEW.sequence = 2 "
                       "BEGIN SELECT RAISE(ABORT, 'simulated storage failure'); END;")
                .ok());
  }
  Bytes one = Sealed(f.trust_a, 1, Summary("one"));
  Bytes two = Sealed(f.trust_a, 2, Summary("two"));
  auto replies = f.ingest->Handle(
      {f.From(f.trust_a, one, "p1"), f.From(f.trust_a, two, "p2"), f.From(f.trust_a, one, "p3")});
  REQUIRE(replies.size() == 3);
  for (const OutboundReply& r : replies) {
    Nack nack = ExpectNack(r.reply, NackCode::kInternal);
    CHECK(NackIsTransient(nack.code));
  }
  CHECK(std::get<Nack>(replies[0].reply).message_id == IdOf(one));
  CHECK(std::get<Nack>(replies[1].reply).message_id == IdOf(two));
  CHECK(f.StoredMessages() == 0);
  CHECK(f.ingest->counters().accepted == 0);
  CHECK(f.NackCount(NackCode::kInternal) == 3);

  // The storage recovers: the same bytes are accepted, not treated as replays.
  {
    auto fixer = db::Database::Open(f.dir / "hub.db");
    REQUIRE(fixer.ok());
    REQUIRE(fixer->Exec("DROP TRIGGER fail_insert").ok());
  }
  auto retried = f.ingest->Handle({f.From(f.trust_a, one), f.From(f.trust_a, two)});
  REQUIRE(retried.size() == 2);
  Ack a = ExpectAck(retried[0].reply);
  Ack b = ExpectAck(retried[1].reply);
  CHECK_FALSE(a.duplicate);
  CHECK_FALSE(b.duplicate);
  CHECK(f.StoredMessages() == 2);
}

TEST_CASE("frames refused before the commit keep their own codes when the commit fails",
          "[ingest][nack]") {
  IngestFixture f;
  {
    auto saboteur = db::Database::Open(f.dir / "hub.db");
    REQUIRE(saboteur.ok());
    REQUIRE(saboteur
                ->Exec("CREATE TRIGGER fail_insert BEFORE INSERT ON log "
                       "BEGIN SELECT RAISE(ABORT, 'simulated storage failure'); END;")
                .ok());
  }
  auto replies = f.ingest->Handle({f.From(f.trust_a, Sealed(f.trust_a, 1, Summary())),
                                   f.From(f.trust_a, Sealed(f.trust_b, 1, Summary()))});
  REQUIRE(replies.size() == 2);
  ExpectNack(replies[0].reply, NackCode::kInternal);
  ExpectNack(replies[1].reply, NackCode::kSignerMismatch);
}

}  // namespace
}  // namespace lls::hub
