// HubDashboardSource's Version(): the key under which the dashboard keeps a measure's JSON
// (dashboard/answer_cache.h). It must move with everything a measure shows — new messages in
// the log, the member registry — and must not move with the hub's presence records, which
// it commits up to once a second on a live hub (else nothing would be kept for long).
#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <string>

#include "hub/aggregates.h"
#include "hub/dashboard_source.h"
#include "hub/hub_config.h"
#include "hub/hub_metrics.h"
#include "hub/ingest.h"
#include "hub/presence.h"
#include "tests/hub/test_util.h"

namespace lls::hub {
namespace {

using namespace test;

struct SourceFixture {
  TempDir dir;
  FakeClock clock;
  HubStore store = OpenStore(dir / "hub.db");
  MemberDirectory members;
  crypto::Identity trust = NewIdentity("trust-a");
  Aggregates aggregates;
  std::unique_ptr<Ingest> ingest;
  HubMetrics metrics;
  std::unique_ptr<HubDashboardSource> source;
  uint64_t next_seq = 1;

  SourceFixture() {
    MustEnrol(store, trust, Role::kTrust, "RXA");
    REQUIRE(members.Reload(store).ok());
    REQUIRE(Aggregates::RegisterSchema(store).ok());
    ingest = std::make_unique<Ingest>(store, members, clock, IngestOptions{});
    ingest->AddApplier(&aggregates);
    HubConfig config;
    config.name = "north";
    config.data_dir = dir.path();
    auto opened = HubDashboardSource::Open(config, metrics, clock);
    INFO(opened.status().ToString());
    REQUIRE(opened.ok());
    source = std::move(opened).value();
  }

  void Send(const Body& body) {
    Envelope e = crypto::Seal(trust, next_seq++, kNow, body);
    std::optional<std::string> user = members.Admit(trust.curve_public());
    REQUIRE(user.has_value());
    auto replies = ingest->Handle({transport::InboundFrame{"peer", *user, EncodeEnvelope(e)}});
    REQUIRE(replies.size() == 1);
    REQUIRE(std::holds_alternative<Ack>(replies[0].reply));
  }

  int64_t Version() {
    auto version = source->Version();
    INFO(version.status().ToString());
    REQUIRE(version.ok());
    REQUIRE(version->has_value());
    return **version;
  }

  int64_t LastNumerator() {
    auto data = source->Measure("SATOD");
    REQUIRE(data.ok());
    REQUIRE(data->has_value());
    REQUIRE(!(*data)->main.cells.empty());
    return (*data)->main.cells.back().numerator;
  }
};

ProjectSummary SummaryWith(uint32_t numerator) {
  ProjectSummary s = Summary();
  s.measures = {{"SATOD", {{"2026-01", numerator, 140, false, false}}}};
  return s;
}

TEST_CASE("the dashboard's version moves with the log and the registry, not with presence") {
  SourceFixture f;
  f.Send(SummaryWith(10));
  const int64_t first = f.Version();
  CHECK(f.Version() == first);
  CHECK(f.LastNumerator() == 10);

  // Presence records (last_seen, the subscriber count): commits that change no figure.
  auto presence = Presence::Open(f.store);
  REQUIRE(presence.ok());
  const Member* member = f.members.ActiveById(*f.members.Admit(f.trust.curve_public()));
  REQUIRE(member != nullptr);
  (*presence)->Seen(member->id, kNow);
  (*presence)->SetSubscribers(3);
  REQUIRE((*presence)->Flush(kNow).ok());
  (*presence)->SetSubscribers(5);
  REQUIRE((*presence)->Flush(kNow + 2'000).ok());
  CHECK(f.Version() == first);

  // A new message: the version moves, and the measure read under it is the new one.
  f.Send(SummaryWith(12));
  const int64_t second = f.Version();
  CHECK(second != first);
  CHECK(f.LastNumerator() == 12);

  // A member enrolled (a name the parts may show, a hub that makes this hub national).
  MustEnrol(f.store, NewIdentity("trust-b"), Role::kTrust, "RXB");
  CHECK(f.Version() != second);
}

}  // namespace
}  // namespace lls::hub
