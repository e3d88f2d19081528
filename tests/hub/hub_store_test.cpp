// HubStore: the member registry, its audit trail, and the message log.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "exchange/sqlite.h"
#include "hub/hub_store.h"
#include "tests/hub/test_util.h"

namespace lls::hub {
namespace {

using namespace test;

std::vector<Member> MustMembers(HubStore& store) {
  auto members = store.Members();
  INFO(members.status().ToString());
  REQUIRE(members.ok());
  return std::move(members).value();
}

std::vector<MemberEvent> MustEvents(HubStore& store, size_t limit = 100) {
  auto events = store.MemberEvents(limit);
  REQUIRE(events.ok());
  return std::move(events).value();
}

TEST_CASE("Enrol stores a member with every field", "[hub_store]") {
  TempDir dir;
  HubStore store = OpenStore(dir / "hub.db");
  crypto::Identity trust = NewIdentity("trust-a");
  EnrolRequest request = RequestFor(trust, Role::kFacilitator, "R0A");
  request.display_name = "Trust A maternity";
  request.lls = "north-east";
  auto enrolled = store.Enrol(request, 5000);
  REQUIRE(enrolled.ok());
  CHECK(enrolled->id > 0);
  CHECK(enrolled->active());

  std::vector<Member> members = MustMembers(store);
  REQUIRE(members.size() == 1);
  const Member& m = members[0];
  CHECK(m.id == enrolled->id);
  CHECK(m.name == "trust-a");
  CHECK(m.organisation == "R0A");
  CHECK(m.display_name == "Trust A maternity");
  CHECK(m.role == Role::kFacilitator);
  CHECK(m.lls == "north-east");
  CHECK(m.keys == trust.public_identity());
  CHECK(m.enrolled_at_ms == 5000);
  CHECK_FALSE(m.revoked_at_ms.has_value());
  CHECK(m.active());
}

TEST_CASE("Members lists every member in enrolment order, and survives reopening", "[hub_store]") {
  TempDir dir;
  crypto::Identity a = NewIdentity("a");
  crypto::Identity b = NewIdentity("b");
  crypto::Identity c = NewIdentity("c");
  {
    HubStore store = OpenStore(dir / "hub.db");
    MustEnrol(store, a, Role::kTrust, "RA");
    MustEnrol(store, b, Role::kHub, "HB");
    MustEnrol(store, c, Role::kNational, "NC");
  }
  HubStore store = OpenStore(dir / "hub.db");
  std::vector<Member> members = MustMembers(store);
  REQUIRE(members.size() == 3);
  CHECK(members[0].name == "a");
  CHECK(members[1].name == "b");
  CHECK(members[1].role == Role::kHub);
  CHECK(members[2].name == "c");
  CHECK(members[2].role == Role::kNational);
  CHECK(members[2].keys.curve == c.curve_public());
}

TEST_CASE("a duplicate enrolment is refused with kAlreadyExists", "[hub_store]") {
  TempDir dir;
  HubStore store = OpenStore(dir / "hub.db");
  crypto::Identity a = NewIdentity("trust-a");
  MustEnrol(store, a, Role::kTrust, "RA");

  SECTION("the same keys again") {
    auto again = store.Enrol(RequestFor(a, Role::kTrust, "RA"), kNow);
    REQUIRE_FALSE(again.ok());
    CHECK(again.status().code() == Code::kAlreadyExists);
    CHECK(again.status().message().find("trust-a") != std::string::npos);
  }
  SECTION("another key with the same name") {
    crypto::Identity impostor = NewIdentity("trust-a");
    auto again = store.Enrol(RequestFor(impostor, Role::kTrust, "RZ"), kNow);
    REQUIRE_FALSE(again.ok());
    CHECK(again.status().code() == Code::kAlreadyExists);
  }
  SECTION("the same signing key under another name") {
    EnrolRequest request = RequestFor(a, Role::kTrust, "RA");
    request.keys.name = "trust-a-2";
    request.keys.curve = NewIdentity("x").curve_public();
    CHECK(store.Enrol(request, kNow).status().code() == Code::kAlreadyExists);
  }
  SECTION("the same CURVE key under another name") {
    EnrolRequest request = RequestFor(a, Role::kTrust, "RA");
    request.keys.name = "trust-a-3";
    request.keys.sign = NewIdentity("y").sign_public();
    CHECK(store.Enrol(request, kNow).status().code() == Code::kAlreadyExists);
  }
  // Nothing half-written: still one member and one event.
  CHECK(MustMembers(store).size() == 1);
  CHECK(MustEvents(store).size() == 1);
}

TEST_CASE("Revoke marks the member revoked and records who and why", "[hub_store]") {
  TempDir dir;
  HubStore store = OpenStore(dir / "hub.db");
  crypto::Identity a = NewIdentity("trust-a");
  crypto::Identity b = NewIdentity("trust-b");
  MustEnrol(store, a, Role::kTrust, "RA", 1000);
  MustEnrol(store, b, Role::kTrust, "RB", 2000);

  auto revoked = store.Revoke("trust-a", "alice", "key lost", 3000);
  REQUIRE(revoked.ok());
  CHECK(revoked->name == "trust-a");
  REQUIRE(revoked->revoked_at_ms.has_value());
  CHECK(*revoked->revoked_at_ms == 3000);
  CHECK_FALSE(revoked->active());

  std::vector<Member> members = MustMembers(store);
  REQUIRE(members.size() == 2);  // a revoked member stays listed
  CHECK_FALSE(members[0].active());
  CHECK(members[0].revoked_at_ms == std::optional<int64_t>(3000));
  CHECK(members[1].active());

  std::vector<MemberEvent> events = MustEvents(store);
  REQUIRE(events.size() == 3);  // newest first
  CHECK(events[0].member == "trust-a");
  CHECK(events[0].action == "revoke");
  CHECK(events[0].actor == "alice");
  CHECK(events[0].detail == "key lost");
  CHECK(events[0].at_ms == 3000);
  CHECK(events[1].member == "trust-b");
  CHECK(events[1].action == "enrol");
  CHECK(events[1].at_ms == 2000);
  CHECK(events[2].member == "trust-a");
  CHECK(events[2].action == "enrol");
  CHECK(events[2].actor == "operator");
  CHECK(events[2].detail.find("role=trust") != std::string::npos);
  CHECK(events[2].detail.find("organisation=RA") != std::string::npos);
  CHECK(MustEvents(store, 1).size() == 1);
}

TEST_CASE("revoking an unknown member is kNotFound, revoking twice kAlreadyExists", "[hub_store]") {
  TempDir dir;
  HubStore store = OpenStore(dir / "hub.db");
  MustEnrol(store, NewIdentity("trust-a"), Role::kTrust, "RA");

  auto unknown = store.Revoke("trust-z", "alice", "", kNow);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().code() == Code::kNotFound);
  CHECK(unknown.status().message().find("trust-z") != std::string::npos);

  REQUIRE(store.Revoke("trust-a", "alice", "", kNow).ok());
  auto twice = store.Revoke("trust-a", "alice", "", kNow + 1);
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.status().code() == Code::kAlreadyExists);
  CHECK(MustMembers(store)[0].revoked_at_ms == std::optional<int64_t>(kNow));
  CHECK(MustEvents(store).size() == 2);  // the refused revocations left no trace

  // The store is still usable (no transaction left open by the refusals).
  MustEnrol(store, NewIdentity("trust-b"), Role::kTrust, "RB");
  CHECK(MustMembers(store).size() == 2);
}

TEST_CASE("the log appends in one batch and answers by id and by sequence", "[hub_store]") {
  TempDir dir;
  HubStore store = OpenStore(dir / "hub.db");
  crypto::Identity a = NewIdentity("trust-a");
  Member m = MustEnrol(store, a, Role::kTrust, "RA");

  Envelope e1 = crypto::Seal(a, 1, kNow, Summary());
  Envelope e2 = crypto::Seal(a, 2, kNow, Learning());
  Bytes b1 = EncodeEnvelope(e1);
  Bytes b2 = EncodeEnvelope(e2);
  auto seqs = store.AppendBatch({{&e1, &b1, m.id, kNow}, {&e2, &b2, m.id, kNow}});
  REQUIRE(seqs.ok());
  CHECK(*seqs == std::vector<uint64_t>{1, 2});

  auto found = store.FindMessage(e2.message_id);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->hub_seq == 2);
  CHECK((*found)->signer == a.sign_public());
  CHECK((*found)->envelope == b2);
  auto missing = store.FindMessage(crypto::RandomMessageId());
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());

  CHECK(*store.SequenceUsed(a.sign_public(), 1));
  CHECK(*store.SequenceUsed(a.sign_public(), 2));
  CHECK_FALSE(*store.SequenceUsed(a.sign_public(), 3));
  CHECK_FALSE(*store.SequenceUsed(NewIdentity("b").sign_public(), 1));

  auto stats = store.Stats();
  REQUIRE(stats.ok());
  CHECK(stats->messages == 2);
  CHECK(stats->last_hub_seq == 2);
  CHECK(*store.CountByKind(Kind::kProjectSummary) == 1);
  CHECK(*store.CountByKind(Kind::kLearningItem) == 1);
  CHECK(*store.CountByKind(Kind::kAggregate) == 0);

  auto empty = store.AppendBatch({});
  REQUIRE(empty.ok());
  CHECK(empty->empty());
}

TEST_CASE("a batch with a clash is not stored at all", "[hub_store]") {
  TempDir dir;
  HubStore store = OpenStore(dir / "hub.db");
  crypto::Identity a = NewIdentity("trust-a");
  Member m = MustEnrol(store, a, Role::kTrust, "RA");
  Envelope e1 = crypto::Seal(a, 1, kNow, Summary());
  Envelope e2 = crypto::Seal(a, 1, kNow, Summary("same sequence"));
  Bytes b1 = EncodeEnvelope(e1);
  Bytes b2 = EncodeEnvelope(e2);
  auto seqs = store.AppendBatch({{&e1, &b1, m.id, kNow}, {&e2, &b2, m.id, kNow}});
  REQUIRE_FALSE(seqs.ok());
  auto stats = store.Stats();
  REQUIRE(stats.ok());
  CHECK(stats->messages == 0);
  CHECK_FALSE(*store.SequenceUsed(a.sign_public(), 1));
}

TEST_CASE("DataVersion changes when another connection enrols or revokes", "[hub_store]") {
  TempDir dir;
  HubStore hub = OpenStore(dir / "hub.db");
  HubStore cli = OpenStore(dir / "hub.db");  // `lls-hub members ...` in another process
  auto v0 = hub.DataVersion();
  REQUIRE(v0.ok());
  MustEnrol(cli, NewIdentity("trust-a"), Role::kTrust, "RA");
  auto v1 = hub.DataVersion();
  REQUIRE(v1.ok());
  CHECK(*v1 != *v0);
  REQUIRE(cli.Revoke("trust-a", "op", "", kNow).ok());
  auto v2 = hub.DataVersion();
  REQUIRE(v2.ok());
  CHECK(*v2 != *v1);
  CHECK_FALSE(MustMembers(hub)[0].active());
}

TEST_CASE("a hub.db from a newer build is refused", "[hub_store]") {
  TempDir dir;
  {
    auto db = db::Database::Open(dir / "hub.db");
    REQUIRE(db.ok());
    REQUIRE(db->SetUserVersion(99).ok());
  }
  auto store = HubStore::Open(dir / "hub.db");
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == Code::kCorrupt);
  CHECK(store.status().message().find("hub.db") != std::string::npos);
}

}  // namespace
}  // namespace lls::hub
