// MemberDirectory: the ZAP authority and "who is on this connection", reloaded from the store.
#include <catch2/catch.hpp>

#include "hub/member_directory.h"
#include "tests/hub/test_util.h"

namespace lls::hub {
namespace {

using namespace test;

TEST_CASE("only active members' CURVE keys are admitted, as their member id", "[directory]") {
  TempDir dir;
  HubStore store = OpenStore(dir / "hub.db");
  crypto::Identity a = NewIdentity("trust-a");
  crypto::Identity b = NewIdentity("trust-b");
  Member ma = MustEnrol(store, a, Role::kTrust, "RA");
  MustEnrol(store, b, Role::kTrust, "RB");
  REQUIRE(store.Revoke("trust-b", "op", "", kNow).ok());

  MemberDirectory members;
  CHECK_FALSE(members.Admit(a.curve_public()).has_value());  // empty before Reload
  REQUIRE(members.Reload(store).ok());
  CHECK(members.active_count() == 1);

  auto user = members.Admit(a.curve_public());
  REQUIRE(user.has_value());
  CHECK(*user == std::to_string(ma.id));
  CHECK_FALSE(members.Admit(b.curve_public()).has_value());                 // revoked
  CHECK_FALSE(members.Admit(NewIdentity("x").curve_public()).has_value());  // unknown
  // The signing key is not a CURVE key: it must not be admitted as one.
  CHECK_FALSE(members.Admit(a.sign_public()).has_value());

  const Member* found = members.ActiveById(*user);
  REQUIRE(found != nullptr);
  CHECK(found->name == "trust-a");
  CHECK(members.ActiveById("") == nullptr);
  CHECK(members.ActiveById(*user + "0") == nullptr);
  CHECK(members.ActiveById(" " + *user) == nullptr);
}

TEST_CASE("BySignKey finds active and revoked members", "[directory]") {
  TempDir dir;
  HubStore store = OpenStore(dir / "hub.db");
  crypto::Identity a = NewIdentity("trust-a");
  crypto::Identity b = NewIdentity("trust-b");
  MustEnrol(store, a, Role::kTrust, "RA");
  MustEnrol(store, b, Role::kTrust, "RB");
  REQUIRE(store.Revoke("trust-b", "op", "", kNow).ok());
  MemberDirectory members;
  REQUIRE(members.Reload(store).ok());
  REQUIRE(members.BySignKey(a.sign_public()) != nullptr);
  CHECK(members.BySignKey(a.sign_public())->name == "trust-a");
  REQUIRE(members.BySignKey(b.sign_public()) != nullptr);
  CHECK_FALSE(members.BySignKey(b.sign_public())->active());
  CHECK(members.BySignKey(NewIdentity("x").sign_public()) == nullptr);
}

TEST_CASE("Reload reports whether a member admitted before was revoked", "[directory]") {
  TempDir dir;
  HubStore store = OpenStore(dir / "hub.db");
  crypto::Identity a = NewIdentity("trust-a");
  MustEnrol(store, a, Role::kTrust, "RA");
  MemberDirectory members;
  bool revoked = true;
  REQUIRE(members.Reload(store, &revoked).ok());
  CHECK_FALSE(revoked);

  MustEnrol(store, NewIdentity("trust-b"), Role::kTrust, "RB");
  REQUIRE(members.Reload(store, &revoked).ok());
  CHECK_FALSE(revoked);  // an enrolment is not a revocation
  CHECK(members.active_count() == 2);

  REQUIRE(store.Revoke("trust-a", "op", "", kNow).ok());
  REQUIRE(members.Reload(store, &revoked).ok());
  CHECK(revoked);
  CHECK(members.active_count() == 1);
  CHECK_FALSE(members.Admit(a.curve_public()).has_value());

  REQUIRE(members.Reload(store, &revoked).ok());
  CHECK_FALSE(revoked);  // already known to be revoked
}

}  // namespace
}  // namespace lls::hub
