// A key revoked mid-stream, under load (issue 7 item 5), against the real lls-hub: a member
// streams summaries at 200 a second while the operator runs `lls-hub members revoke`; another
// member streams throughout. What was in flight, acked, refused and stored is counted and held
// to the documented promise (docs/protocol.md section 2, docs/security.md 5.1):
//   - a frame the member sends after `members revoke` has returned is never acked nor stored:
//     the hub reads it after the revocation's commit and re-reads the registry before each
//     batch, so it is refused `unknown-signer`, or dropped unanswered when the hub cuts every
//     connection, after which the member's handshake is refused (ZAP 400);
//   - every refusal of the revoked member's frames is `unknown-signer` (no other code);
//   - every Ack the member received is in hub.db, once, at the acked hub sequence;
//   - the other member loses nothing: all its messages acked and stored once.
#include <catch2/catch.hpp>

#include <cstdio>
#include <map>
#include <set>
#include <thread>

#include "tests/hostile/hostile_region.h"
#include "tests/hostile/stream_client.h"
#include "tests/support/support.h"

namespace lls::hostile {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using State = StreamRecord::State;

std::unique_ptr<Region> NewRegion() {
  auto region = Region::Create();
  INFO(region.status().ToString());
  REQUIRE(region.ok());
  return std::move(region).value();
}

double MsBetween(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

TEST_CASE(
    "revocation under load: nothing sent after `members revoke` returns is acked or "
    "stored, every Ack is in hub.db, the rest is refused unknown-signer or at the "
    "handshake",
    "[hostile][revocation]") {
  std::unique_ptr<Region> region = NewRegion();
  REQUIRE(region->AddMember("trust-m", "RXM").ok());
  REQUIRE(region->AddMember("trust-l", "RXL").ok());
  REQUIRE(region->StartHub().ok());

  auto m_identity = region->LoadIdentity("trust-m");
  auto l_identity = region->LoadIdentity("trust-l");
  REQUIRE(m_identity.ok());
  REQUIRE(l_identity.ok());
  StreamOptions m_options;
  m_options.rate_per_second = 200;
  m_options.window = 64;  // up to 64 frames in flight at the moment of revocation
  StreamOptions l_options;
  l_options.rate_per_second = 50;
  // The revocation cuts every connection, the other member's too: like a node's outbox, it
  // resends what went unanswered (the hub acks a resend of a stored message as a duplicate).
  l_options.resend_after = 1000ms;
  StreamClient m(std::move(*m_identity), "RXM", region->IngestClient(), m_options);
  StreamClient l(std::move(*l_identity), "RXL", region->IngestClient(), l_options);
  m.Start();
  l.Start();
  std::this_thread::sleep_for(1500ms);

  const auto revoke_from = Clock::now();
  test::RunResult revoked =
      region->HubCommand({"members", "revoke", "trust-m", "--reason", "hostile test"});
  const auto revoke_until = Clock::now();
  INFO(revoked.err);
  REQUIRE(revoked.exit_code == 0);

  // The revoked member's connection is cut and its reconnection refused at the handshake.
  REQUIRE(test::WaitUntil(5s, [&] { return m.refused_at().has_value(); }));
  CHECK(m.refusal().find("ZAP status 400") != std::string::npos);
  std::this_thread::sleep_for(1000ms);  // the other member carries on meanwhile
  m.Finish(500ms);
  CHECK(l.Finish(10s));

  auto log = region->ReadLog();
  REQUIRE(log.ok());
  std::map<MessageId, const LogRow*> stored;
  int64_t l_rows = 0;
  for (const LogRow& row : *log) {
    CHECK(stored.emplace(row.id, &row).second);  // stored once
    l_rows += row.member == "trust-l" ? 1 : 0;
  }

  // The revoked member, message by message, by when it was first sent.
  struct Phase {
    int64_t sent = 0, acked = 0, refused = 0, unanswered = 0, stored = 0;
  } before, during, after;
  int64_t acked_after_return = 0, stored_unanswered = 0;
  std::map<std::string, int64_t> refusal_codes;
  for (const StreamRecord& r : m.records()) {
    Phase& p = r.first_sent < revoke_from ? before : r.first_sent < revoke_until ? during : after;
    ++p.sent;
    auto row = stored.find(r.id);
    const bool in_log = row != stored.end();
    if (in_log) {
      ++p.stored;
      CHECK(row->second->member == "trust-m");
    }
    switch (r.state) {
      case State::kAcked:
        ++p.acked;
        if (r.answered >= revoke_until) ++acked_after_return;
        // Nothing acked is missing: the Ack's message is in the log at the Ack's hub sequence.
        CHECK(in_log);
        if (in_log) CHECK(row->second->hub_seq == r.hub_seq);
        CHECK_FALSE(r.duplicate);
        break;
      case State::kNacked:
        ++p.refused;
        ++refusal_codes[NackCodeName(r.code)];
        CHECK_FALSE(in_log);
        break;
      case State::kInFlight:
        ++p.unanswered;
        if (in_log) ++stored_unanswered;  // committed, its Ack lost with the cut connection
        break;
    }
  }
  const double refused_ms = MsBetween(revoke_until, *m.refused_at());
  std::printf(
      "revocation under load: trust-m sent %lld before `members revoke`, %lld while it ran "
      "(%.0f ms), %lld after it returned\n"
      "  before: %lld acked, %lld refused, %lld unanswered (%lld stored)\n"
      "  while:  %lld acked, %lld refused, %lld unanswered (%lld stored)\n"
      "  after:  %lld acked, %lld refused, %lld unanswered (%lld stored)\n"
      "  Acks received after the command returned (for frames sent before): %lld; stored but "
      "unanswered (Ack lost in the cut): %lld; refusal codes:",
      static_cast<long long>(before.sent), static_cast<long long>(during.sent),
      MsBetween(revoke_from, revoke_until), static_cast<long long>(after.sent),
      static_cast<long long>(before.acked), static_cast<long long>(before.refused),
      static_cast<long long>(before.unanswered), static_cast<long long>(before.stored),
      static_cast<long long>(during.acked), static_cast<long long>(during.refused),
      static_cast<long long>(during.unanswered), static_cast<long long>(during.stored),
      static_cast<long long>(after.acked), static_cast<long long>(after.refused),
      static_cast<long long>(after.unanswered), static_cast<long long>(after.stored),
      static_cast<long long>(acked_after_return), static_cast<long long>(stored_unanswered));
  for (const auto& [code, n] : refusal_codes)
    std::printf(" %s x%lld", code.c_str(), static_cast<long long>(n));
  std::printf("\n  handshake refused (ZAP 400) %.0f ms after the command returned\n", refused_ms);

  // The stream was really under way when the revocation came.
  CHECK(before.acked > 100);
  // Nothing sent after the revocation returned was acked or stored.
  CHECK(after.acked == 0);
  CHECK(after.stored == 0);
  // Every refusal names the revocation, precisely.
  for (const auto& [code, n] : refusal_codes) CHECK(code == "unknown-signer");
  // The hub cut the connections, as documented, and refused the key afterwards.
  const std::string hub_log = region->HubStderr();
  CHECK(hub_log.find("a member was revoked: dropping all connections") != std::string::npos);
  // Every refusal the hub made reached the member before the cut (the hub logs one line each).
  int64_t hub_refusals = 0;
  for (size_t at = hub_log.find("refused unknown-signer"); at != std::string::npos;
       at = hub_log.find("refused unknown-signer", at + 1)) {
    ++hub_refusals;
  }
  CHECK(hub_refusals == refusal_codes["unknown-signer"]);
  std::printf("  unknown-signer: the hub refused %lld frame(s), the member received %lld\n",
              static_cast<long long>(hub_refusals),
              static_cast<long long>(refusal_codes["unknown-signer"]));
  CHECK(refused_ms < 2000);  // the documented promise is "within a second"; slack for CI

  // The other member: everything acked and stored once, nothing refused.
  int64_t l_acked = 0;
  for (const StreamRecord& r : l.records()) {
    CHECK(r.state == State::kAcked);
    if (r.state != State::kAcked) continue;
    ++l_acked;
    auto row = stored.find(r.id);
    REQUIRE(row != stored.end());
    CHECK(row->second->hub_seq == r.hub_seq);
  }
  CHECK(l_acked > 50);
  CHECK(l_rows == l_acked);

  // A new connection with the revoked key is refused at the handshake, not by ingest.
  auto again = region->LoadIdentity("trust-m");
  REQUIRE(again.ok());
  auto transport = transport::ClientTransport::Connect(*again, region->IngestClient());
  REQUIRE(transport.ok());
  auto reply = SendAndWait(**transport, SealSummary(*again, 100000, "RXM"), 3s);
  CHECK(reply.status().code() == Code::kUnauthenticated);
  auto log_after = region->ReadLog();
  REQUIRE(log_after.ok());
  CHECK(log_after->size() == log->size());
}

}  // namespace
}  // namespace lls::hostile
