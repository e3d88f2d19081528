// The inbox's storage and verification, without a hub: batches are built here and applied
// with ApplyBatch, as InboxClient applies what the hub sends.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "node/inbox.h"
#include "node/node_store.h"
#include "tests/support/support.h"

namespace lls::node {
namespace {

using lls::test::NewIdentity;
using lls::test::TempDir;

constexpr int64_t kNow = 1'772'323'200'000;

std::unique_ptr<NodeStore> Open(const std::filesystem::path& path) {
  auto store = NodeStore::Open(path);
  INFO(store.status().ToString());
  REQUIRE(store.ok());
  return std::move(store).value();
}

ProjectSummary Summary(const std::string& title) {
  ProjectSummary s;
  s.project_id = "p";
  s.organisation = "RXA";
  s.title = title;
  return s;
}

LogEntry Entry(const crypto::Identity& id, uint64_t hub_seq, uint64_t sequence, const Body& body) {
  return {hub_seq, EncodeEnvelope(crypto::Seal(id, sequence, kNow, body)), "RXA"};
}

struct InboxFixture {
  TempDir dir;
  std::unique_ptr<NodeStore> store = Open(dir / "node.db");
  crypto::Identity author = NewIdentity("trust-a");

  InboxReport Apply(const SubscribeBatch& batch) {
    InboxReport report;
    Status applied = ApplyBatch(*store, batch, kNow + 5, report);
    INFO(applied.ToString());
    REQUIRE(applied.ok());
    return report;
  }
  InboxState State() {
    auto state = store->Inbox();
    REQUIRE(state.ok());
    return *state;
  }
};

TEST_CASE("verified entries are stored with the cursor, the hub's view of the state is kept",
          "[inbox]") {
  InboxFixture f;
  CHECK(f.State().next_seq == 1);
  SubscribeBatch batch{{Entry(f.author, 2, 1, Summary("one")), Entry(f.author, 5, 2, Summary("two"))},
                       9, 1, 6};
  InboxReport report = f.Apply(batch);
  CHECK(report.stored == 2);
  CHECK(report.rejected == 0);
  CHECK(report.next_seq == 6);
  CHECK_FALSE(report.caught_up());  // the hub is at 9
  InboxState state = f.State();
  CHECK(state.next_seq == 6);
  CHECK(state.head_seq == 9);
  CHECK(state.messages == 2);
  auto stored = f.store->InboxMessages();
  REQUIRE(stored.ok());
  REQUIRE(stored->size() == 2);
  CHECK((*stored)[0].hub_seq == 2);
  CHECK((*stored)[0].kind == Kind::kProjectSummary);
  CHECK((*stored)[0].organisation == "RXA");
  CHECK((*stored)[0].signer == f.author.sign_public());
  CHECK((*stored)[0].received_at_ms == kNow + 5);
  CHECK((*stored)[1].envelope == batch.entries[1].envelope);  // exactly as received
}

TEST_CASE("a tampered entry is not stored, is counted, and the cursor moves past it",
          "[inbox][verify]") {
  InboxFixture f;
  LogEntry good = Entry(f.author, 1, 1, Summary("good"));
  LogEntry tampered = Entry(f.author, 2, 2, Summary("honest title"));
  {
    // Change the body after signing: same sizes, so it still decodes.
    auto e = DecodeEnvelope(tampered.envelope);
    REQUIRE(e.ok());
    Envelope changed = *e;
    Bytes body = EncodeBody(Summary("forged title"));
    REQUIRE(body.size() == changed.body.size());
    changed.body = body;
    tampered.envelope = EncodeEnvelope(changed);
  }
  LogEntry garbage{3, Bytes(40, 0x41), "RXA"};
  LogEntry wrong_kind = Entry(f.author, 4, 3, Summary("x"));
  {
    auto e = DecodeEnvelope(wrong_kind.envelope);
    REQUIRE(e.ok());
    Envelope changed = *e;
    changed.kind = Kind::kBulletin;  // signed as a bulletin, body a summary
    crypto::Sign(changed, f.author);
    wrong_kind.envelope = EncodeEnvelope(changed);
  }
  InboxReport report = f.Apply({{good, tampered, garbage, wrong_kind}, 4, 1, 5});
  CHECK(report.stored == 1);
  CHECK(report.rejected == 3);
  REQUIRE(report.problems.size() == 3);
  CHECK_THAT(report.problems[0], Catch::Contains("hub sequence 2") &&
                                     Catch::Contains("signature does not verify"));
  CHECK_THAT(report.problems[1], Catch::Contains("hub sequence 3") &&
                                     Catch::Contains("not a valid envelope"));
  CHECK_THAT(report.problems[2], Catch::Contains("does not match its body"));
  InboxState state = f.State();
  CHECK(state.next_seq == 5);  // past the bad ones: they cannot wedge the inbox
  CHECK(state.messages == 1);
  CHECK(state.rejected == 3);
  auto stored = f.store->InboxMessages();
  REQUIRE(stored.ok());
  REQUIRE(stored->size() == 1);
  CHECK((*stored)[0].hub_seq == 1);
}

TEST_CASE("duplicates are ignored: the same entry twice, or a late reply from behind the cursor",
          "[inbox]") {
  InboxFixture f;
  LogEntry one = Entry(f.author, 1, 1, Summary("one"));
  LogEntry two = Entry(f.author, 2, 2, Summary("two"));
  CHECK(f.Apply({{one, two}, 2, 1, 3}).stored == 2);
  // The same message under another hub sequence (a confused hub): ignored by message id.
  LogEntry again = one;
  again.hub_seq = 3;
  InboxReport report = f.Apply({{again}, 3, 3, 4});
  CHECK(report.stored == 0);
  CHECK(report.duplicates == 1);
  // A late answer to an earlier request: entries behind the cursor are skipped, not stored.
  InboxReport late = f.Apply({{one, two}, 2, 1, 3});
  CHECK(late.stored == 0);
  CHECK(f.State().next_seq == 4);  // never moves backwards
  CHECK(f.State().messages == 2);
}

TEST_CASE("a batch answering a request from beyond the cursor is ignored", "[inbox]") {
  InboxFixture f;
  InboxReport report = f.Apply({{Entry(f.author, 7, 1, Summary("far"))}, 7, 5, 8});
  CHECK(report.stored == 0);
  CHECK(f.State().next_seq == 1);  // messages 1..4 must still be asked for
}

TEST_CASE("the inbox and its cursor survive reopening node.db", "[inbox]") {
  TempDir dir;
  crypto::Identity author = NewIdentity("trust-a");
  {
    auto store = Open(dir / "node.db");
    InboxReport report;
    REQUIRE(ApplyBatch(*store, {{Entry(author, 1, 1, Summary("kept"))}, 10, 1, 11}, kNow, report)
                .ok());
  }
  auto store = Open(dir / "node.db");
  auto state = store->Inbox();
  REQUIRE(state.ok());
  CHECK(state->next_seq == 11);
  CHECK(state->head_seq == 10);
  CHECK(state->messages == 1);
  auto stored = store->InboxMessages(Kind::kProjectSummary);
  REQUIRE(stored.ok());
  CHECK(stored->size() == 1);
  auto none = store->InboxMessages(Kind::kLearningItem);
  REQUIRE(none.ok());
  CHECK(none->empty());
}

TEST_CASE("VerifyEntry returns the decoded, verified message", "[inbox][verify]") {
  crypto::Identity author = NewIdentity("trust-a");
  LogEntry entry = Entry(author, 42, 1, Summary("verified"));
  auto verified = VerifyEntry(entry);
  REQUIRE(verified.ok());
  CHECK(verified->hub_seq == 42);
  CHECK(std::get<ProjectSummary>(verified->body).title == "verified");
  CHECK(verified->envelope.signer == author.sign_public());
}

}  // namespace
}  // namespace lls::node

namespace lls::node {
namespace {

TEST_CASE("with the hub's key pinned, only the hub's own relays are stored", "[inbox][verify]") {
  InboxFixture f;
  crypto::Identity hub = NewIdentity("lls-north");
  crypto::Identity other = NewIdentity("rogue-hub");  // another member with role hub, say
  const Bytes original = EncodeEnvelope(crypto::Seal(f.author, 1, kNow, Summary("original")));
  const Body relay = Relay{original, {}};
  SubscribeBatch batch{{Entry(hub, 1, 1, relay), Entry(other, 2, 1, relay),
                        Entry(f.author, 3, 2, Summary("a summary"))},
                       3, 1, 4};  // head 3, asked from 1, next 4
  InboxReport report;
  REQUIRE(ApplyBatch(*f.store, batch, kNow + 5, report, hub.sign_public()).ok());
  CHECK(report.stored == 2);    // the hub's relay and the trust's own summary
  CHECK(report.rejected == 1);  // the relay someone else signed
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0].find("a relay not signed by this node's hub") != std::string::npos);
  auto kept = f.store->InboxMessages(Kind::kRelay);
  REQUIRE(kept.ok());
  REQUIRE(kept->size() == 1);
  CHECK((*kept)[0].signer == hub.sign_public());
}

}  // namespace
}  // namespace lls::node
