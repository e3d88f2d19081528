// Outbox: the durable queue, on a real SQLite file in a temporary directory.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "exchange/outbox.h"
#include "exchange/sqlite.h"
#include "schema/codec.h"
#include "tests/exchange/test_util.h"

namespace lls {
namespace {

using test::NewIdentity;
using test::SampleSummary;
using test::TempDir;

db::Database OpenOutboxDb(const std::filesystem::path& path) {
  auto db = db::Database::Open(path);
  INFO(db.status().ToString());
  REQUIRE(db.ok());
  REQUIRE(db->Migrate({Outbox::kSchemaV1}).ok());
  return std::move(db).value();
}

Envelope MustEnqueue(Outbox& outbox, const crypto::Identity& id, const Body& body, int64_t now) {
  auto envelope = outbox.Enqueue(id, body, now);
  INFO(envelope.status().ToString());
  REQUIRE(envelope.ok());
  return std::move(envelope).value();
}

std::vector<OutboxEntry> MustDue(Outbox& outbox, int64_t now, bool ignore_backoff = false) {
  auto due = outbox.Due(now, 100, ignore_backoff);
  INFO(due.status().ToString());
  REQUIRE(due.ok());
  return std::move(due).value();
}

OutboxStats MustStats(Outbox& outbox) {
  auto stats = outbox.Stats();
  REQUIRE(stats.ok());
  return std::move(stats).value();
}

// The time of the entry's next attempt, found from Due() alone (binary search on `now`):
// the smallest t >= from at which the entry is due.
int64_t NextAttemptAt(Outbox& outbox, const MessageId& id, int64_t from, int64_t to) {
  auto due_at = [&](int64_t t) {
    for (const OutboxEntry& e : MustDue(outbox, t)) {
      if (e.message_id == id) return true;
    }
    return false;
  };
  REQUIRE(due_at(to));
  if (due_at(from)) return from;
  int64_t lo = from, hi = to;  // not due at lo, due at hi
  while (hi - lo > 1) {
    int64_t mid = lo + (hi - lo) / 2;
    (due_at(mid) ? hi : lo) = mid;
  }
  return hi;
}

TEST_CASE("Enqueue assigns sequences 1, 2, 3 that survive closing and reopening", "[outbox]") {
  TempDir dir;
  crypto::Identity me = NewIdentity("trust-a");
  std::vector<MessageId> ids;
  {
    db::Database db = OpenOutboxDb(dir / "node.db");
    Outbox outbox(db);
    CHECK(MustStats(outbox).next_sequence == 1);
    for (int i = 0; i < 3; ++i) {
      Envelope e = MustEnqueue(outbox, me, SampleSummary("t" + std::to_string(i)), 1000 + i);
      CHECK(e.sequence == static_cast<uint64_t>(i + 1));
      CHECK(e.created_at_ms == 1000 + i);
      CHECK(e.signer == me.sign_public());
      ids.push_back(e.message_id);
    }
    CHECK(MustStats(outbox).next_sequence == 4);
    CHECK(MustStats(outbox).queued == 3);
  }
  CHECK(std::set<MessageId>(ids.begin(), ids.end()).size() == 3);

  db::Database db = OpenOutboxDb(dir / "node.db");  // Migrate again: a no-op
  Outbox outbox(db);
  std::vector<OutboxEntry> due = MustDue(outbox, 0, /*ignore_backoff=*/true);
  REQUIRE(due.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(due[i].sequence == i + 1);
    CHECK(due[i].message_id == ids[i]);
    CHECK(due[i].kind == Kind::kProjectSummary);
    CHECK(due[i].attempts == 0);
    if (i > 0) CHECK(due[i].local_id > due[i - 1].local_id);
  }
  CHECK(MustStats(outbox).next_sequence == 4);
  CHECK(MustEnqueue(outbox, me, SampleSummary(), 2000).sequence == 4);
}

TEST_CASE("the stored envelope is the returned one, decodes and verifies", "[outbox]") {
  TempDir dir;
  crypto::Identity me = NewIdentity("trust-a");
  db::Database db = OpenOutboxDb(dir / "node.db");
  Outbox outbox(db);
  const ProjectSummary body = SampleSummary("stored");
  Envelope sealed = MustEnqueue(outbox, me, body, 123456);

  std::vector<OutboxEntry> due = MustDue(outbox, 0, true);
  REQUIRE(due.size() == 1);
  auto decoded = DecodeEnvelope(due[0].envelope);
  REQUIRE(decoded.ok());
  CHECK(*decoded == sealed);
  CHECK(decoded->kind == Kind::kProjectSummary);
  CHECK(decoded->version == kProtocolVersion);
  CHECK(crypto::Verify(*decoded));
  auto decoded_body = DecodeBody(decoded->body);
  REQUIRE(decoded_body.ok());
  REQUIRE(std::holds_alternative<ProjectSummary>(*decoded_body));
  CHECK(std::get<ProjectSummary>(*decoded_body) == body);

  // The stored bytes really are what is checked: one flipped byte no longer verifies.
  Envelope tampered = *decoded;
  tampered.body.back() ^= 0x01;
  CHECK_FALSE(crypto::Verify(tampered));
}

TEST_CASE("Due honours backoff unless told to ignore it", "[outbox]") {
  TempDir dir;
  crypto::Identity me = NewIdentity("trust-a");
  db::Database db = OpenOutboxDb(dir / "node.db");
  Outbox outbox(db, Backoff{1000, 60000});
  Envelope first = MustEnqueue(outbox, me, SampleSummary("1"), 10'000);
  Envelope second = MustEnqueue(outbox, me, SampleSummary("2"), 10'000);

  // Fresh entries are due at once.
  REQUIRE(MustDue(outbox, 10'000).size() == 2);

  REQUIRE(outbox.MarkSent(first.message_id, 10'000).ok());
  // First attempt's delay is within [base/2, base] = [500, 1000] ms.
  std::vector<OutboxEntry> due = MustDue(outbox, 10'499);
  REQUIRE(due.size() == 1);
  CHECK(due[0].message_id == second.message_id);
  CHECK(MustDue(outbox, 11'000).size() == 2);

  std::vector<OutboxEntry> all = MustDue(outbox, 10'000, /*ignore_backoff=*/true);
  REQUIRE(all.size() == 2);
  CHECK(all[0].message_id == first.message_id);  // oldest first
  CHECK(all[0].attempts == 1);
  CHECK(all[1].attempts == 0);

  // The limit is honoured, oldest first.
  auto limited = outbox.Due(10'000, 1, true);
  REQUIRE(limited.ok());
  REQUIRE(limited->size() == 1);
  CHECK((*limited)[0].message_id == first.message_id);
}

TEST_CASE("MarkSent pushes the next attempt into the future, jittered within [cap/2, cap]",
          "[outbox]") {
  TempDir dir;
  crypto::Identity me = NewIdentity("trust-a");
  db::Database db = OpenOutboxDb(dir / "node.db");
  const Backoff backoff{1000, 8000};
  Outbox outbox(db, backoff);

  SECTION("the cap doubles with each attempt up to max_ms") {
    Envelope e = MustEnqueue(outbox, me, SampleSummary(), 0);
    int64_t now = 100'000;
    const int64_t expected_caps[] = {1000, 2000, 4000, 8000, 8000, 8000};
    for (int64_t cap : expected_caps) {
      REQUIRE(outbox.MarkSent(e.message_id, now).ok());
      int64_t at = NextAttemptAt(outbox, e.message_id, now, now + 4 * cap);
      INFO("cap " << cap << ", delay " << at - now);
      CHECK(at - now >= cap / 2);
      CHECK(at - now <= cap);
      now = at;
    }
    CHECK(MustDue(outbox, now, true).at(0).attempts == 6);
  }

  SECTION("delays are jittered, not all the same") {
    std::set<int64_t> delays;
    for (int i = 0; i < 12; ++i) {
      Envelope e = MustEnqueue(outbox, me, SampleSummary(), 0);
      REQUIRE(outbox.MarkSent(e.message_id, 50'000).ok());
      int64_t delay = NextAttemptAt(outbox, e.message_id, 50'000, 60'000) - 50'000;
      CHECK(delay >= 500);
      CHECK(delay <= 1000);
      delays.insert(delay);
    }
    CHECK(delays.size() > 1);
  }

  SECTION("an unknown id is kNotFound") {
    Status status = outbox.MarkSent(MessageId{}, 0);
    CHECK(status.code() == Code::kNotFound);
  }
}

TEST_CASE("MarkAcked and MarkRejected take entries out of Due and into Stats", "[outbox]") {
  TempDir dir;
  crypto::Identity me = NewIdentity("trust-a");
  db::Database db = OpenOutboxDb(dir / "node.db");
  Outbox outbox(db);
  Envelope a = MustEnqueue(outbox, me, SampleSummary("a"), 1);
  Envelope b = MustEnqueue(outbox, me, SampleSummary("b"), 2);
  Envelope c = MustEnqueue(outbox, me, SampleSummary("c"), 3);

  OutboxStats before = MustStats(outbox);
  CHECK(before.queued == 3);
  CHECK(before.acked == 0);
  CHECK(before.rejected == 0);
  CHECK(before.last_ack_ms == 0);
  CHECK(before.last_error.empty());

  REQUIRE(outbox.MarkAcked(a.message_id, 77, 5000).ok());
  REQUIRE(outbox.MarkRejected(b.message_id, "bad-signature: does not verify", 6000).ok());

  std::vector<OutboxEntry> due = MustDue(outbox, 1'000'000, true);
  REQUIRE(due.size() == 1);
  CHECK(due[0].message_id == c.message_id);

  OutboxStats after = MustStats(outbox);
  CHECK(after.queued == 1);
  CHECK(after.acked == 1);
  CHECK(after.rejected == 1);
  CHECK(after.last_ack_ms == 5000);
  CHECK(after.last_hub_seq == 77);
  CHECK(after.last_error == "bad-signature: does not verify");
  CHECK(after.last_error_ms == 6000);
  CHECK(after.next_sequence == 4);

  // An ack for an entry already rejected does not resurrect or recount it.
  REQUIRE(outbox.MarkAcked(b.message_id, 99, 7000).ok());
  OutboxStats again = MustStats(outbox);
  CHECK(again.acked == 1);
  CHECK(again.rejected == 1);
  CHECK(again.last_hub_seq == 77);
}

TEST_CASE("Rejections lists reasons, newest first, with kind and sequence", "[outbox]") {
  TempDir dir;
  crypto::Identity me = NewIdentity("trust-a");
  db::Database db = OpenOutboxDb(dir / "node.db");
  Outbox outbox(db);
  Envelope a = MustEnqueue(outbox, me, SampleSummary("a"), 1);
  Envelope b = MustEnqueue(outbox, me, Retraction{a.message_id, "withdrawn"}, 2);
  MustEnqueue(outbox, me, SampleSummary("c"), 3);
  REQUIRE(outbox.MarkRejected(a.message_id, "stale: clock", 10).ok());
  REQUIRE(outbox.MarkRejected(b.message_id, "not-owner: target", 11).ok());

  auto rejections = outbox.Rejections(10);
  REQUIRE(rejections.ok());
  REQUIRE(rejections->size() == 2);
  CHECK((*rejections)[0].message_id == b.message_id);
  CHECK((*rejections)[0].kind == Kind::kRetraction);
  CHECK((*rejections)[0].sequence == 2);
  CHECK((*rejections)[0].reason == "not-owner: target");
  CHECK((*rejections)[1].message_id == a.message_id);
  CHECK((*rejections)[1].kind == Kind::kProjectSummary);
  CHECK((*rejections)[1].sequence == 1);
  CHECK((*rejections)[1].reason == "stale: clock");

  auto one = outbox.Rejections(1);
  REQUIRE(one.ok());
  CHECK(one->size() == 1);
}

TEST_CASE("RecordError is shown in Stats", "[outbox]") {
  TempDir dir;
  db::Database db = OpenOutboxDb(dir / "node.db");
  Outbox outbox(db);
  REQUIRE(outbox.RecordError("hub unreachable", 4242).ok());
  OutboxStats stats = MustStats(outbox);
  CHECK(stats.last_error == "hub unreachable");
  CHECK(stats.last_error_ms == 4242);
}

}  // namespace
}  // namespace lls
