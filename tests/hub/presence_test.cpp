// Presence (hub/presence.h): last_seen is written at once for a new member, then at most once
// per minute; the subscriber count when it changes, at most once per second; "connected"
// needs a running hub and a frame within two minutes; a clean stop clears both.
#include <catch2/catch.hpp>

#include <memory>

#include "hub/presence.h"
#include "tests/hub/test_util.h"

namespace lls::hub {
namespace {

using namespace test;

TEST_CASE("presence: last_seen and subscribers reach hub.db at a bounded rate", "[hub][presence]") {
  TempDir dir;
  HubStore store = OpenStore(dir / "hub.db");
  crypto::Identity trust = NewIdentity("trust");
  const Member member = MustEnrol(store, trust, Role::kTrust, "RXA");
  auto opened = Presence::Open(store);
  REQUIRE(opened.ok());
  Presence& presence = **opened;
  auto view = [&](int64_t now) {
    auto v = ReadPresence(store.database(), now);
    REQUIRE(v.ok());
    return *v;
  };

  presence.Seen(member.id, kNow);
  REQUIRE(presence.Flush(kNow).ok());
  CHECK(view(kNow).last_seen.at(member.id) == kNow);
  CHECK(view(kNow).Connected(member.id, kNow + 1000));
  CHECK(*view(kNow).subscribers == 0);

  presence.Seen(member.id, kNow + 30'000);  // within the minute: not written yet
  REQUIRE(presence.Flush(kNow + 30'000).ok());
  CHECK(view(kNow).last_seen.at(member.id) == kNow);
  presence.Seen(member.id, kNow + 61'000);
  REQUIRE(presence.Flush(kNow + 61'000).ok());
  CHECK(view(kNow).last_seen.at(member.id) == kNow + 61'000);
  CHECK_FALSE(view(kNow + 61'000).Connected(member.id, kNow + 61'000 + kConnectedWindowMs + 1));

  presence.SetSubscribers(3);  // changed: written, but not twice within a second
  REQUIRE(presence.Flush(kNow + 61'500).ok());
  CHECK(*view(kNow + 61'500).subscribers == 0);
  REQUIRE(presence.Flush(kNow + 62'100).ok());
  CHECK(*view(kNow + 62'100).subscribers == 3);

  REQUIRE(presence.Stop(kNow + 63'000).ok());
  PresenceView stopped = view(kNow + 63'000);
  CHECK_FALSE(stopped.hub_running);
  CHECK_FALSE(stopped.Connected(member.id, kNow + 63'000));
  CHECK(*stopped.subscribers == 0);
}

TEST_CASE("presence: a database without the tables reads as empty", "[hub][presence]") {
  TempDir dir;
  HubStore store = OpenStore(dir / "hub.db");
  auto v = ReadPresence(store.database(), kNow);
  REQUIRE(v.ok());
  CHECK(v->last_seen.empty());
  CHECK_FALSE(v->subscribers.has_value());
  CHECK_FALSE(v->hub_running);
}

}  // namespace
}  // namespace lls::hub
