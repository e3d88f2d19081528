// Re-enrolment of a revoked member (docs/security.md 5.1: "a revoked key can never be
// re-enrolled"), through the real `lls-hub members enrol` while the hub runs: the same file, the
// same keys under another name, either key paired with a fresh one, a fresh key under the old
// name. Each is refused with a line that names the revoked member and what to do instead;
// nothing is written; the running hub still refuses the revoked key at the handshake. A new key
// under a new name is the way back, and works at once.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/hostile/hostile_region.h"
#include "tests/hostile/stream_client.h"
#include "tests/support/support.h"

namespace lls::hostile {
namespace {

using namespace std::chrono_literals;

// Writes a .public file for `keys` (under keys.name) at `path`.
void WritePublic(const std::filesystem::path& path, const crypto::PublicIdentity& keys) {
  test::WriteText(path, crypto::FormatPublicKey(keys));
}

Status Publish(const Region& region, const crypto::Identity& identity, uint64_t sequence) {
  auto transport = transport::ClientTransport::Connect(identity, region.IngestClient());
  if (!transport.ok()) return transport.status();
  auto reply = SendAndWait(**transport, SealSummary(identity, sequence, "RXX"), 3s);
  if (!reply.ok()) return reply.status();
  if (!std::holds_alternative<Ack>(*reply)) return Status(Code::kInternal, "not acked");
  return Status::Ok();
}

TEST_CASE(
    "a revoked member's name, signing key or CURVE key is never enrolled again, each "
    "refusal says why - a new key under a new name is admitted at once",
    "[hostile][members]") {
  auto created = Region::Create();
  REQUIRE(created.ok());
  std::unique_ptr<Region> region = std::move(created).value();
  REQUIRE(region->AddMember("trust-x", "RXX").ok());
  REQUIRE(region->AddMember("trust-y", "RXY").ok());
  REQUIRE(region->StartHub().ok());
  auto x = region->LoadIdentity("trust-x");
  auto x_public = region->LoadPublic("trust-x");
  REQUIRE(x.ok());
  REQUIRE(x_public.ok());
  REQUIRE(Publish(*region, *x, 1).ok());
  test::RunResult revoked = region->HubCommand({"members", "revoke", "trust-x"});
  REQUIRE(revoked.exit_code == 0);

  crypto::Identity fresh = test::NewIdentity("trust-x-2");
  auto enrol = [&](const std::filesystem::path& file) {
    return region->HubCommand(
        {"members", "enrol", "--key", file.string(), "--org", "RXX", "--role", "trust"});
  };
  auto refused_as_revoked = [&](const test::RunResult& r, const std::string& what) {
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("the " + what) != std::string::npos);
    CHECK(r.err.find("belongs to member 'trust-x', revoked at") != std::string::npos);
    CHECK(r.err.find("never enrolled again") != std::string::npos);
    CHECK(r.err.find("lls keygen") != std::string::npos);
  };

  SECTION("the same .public file") {
    refused_as_revoked(enrol(region->key("trust-x.public")), "CURVE key");
  }
  SECTION("the same keys under another name") {
    crypto::PublicIdentity renamed = *x_public;
    renamed.name = "trust-x-again";
    WritePublic(region->dir() / "renamed.public", renamed);
    refused_as_revoked(enrol(region->dir() / "renamed.public"), "CURVE key");
  }
  SECTION("the revoked CURVE key with a fresh signing key") {
    crypto::PublicIdentity mixed = fresh.public_identity();
    mixed.curve = x_public->curve;
    WritePublic(region->dir() / "mixed.public", mixed);
    refused_as_revoked(enrol(region->dir() / "mixed.public"), "CURVE key");
  }
  SECTION("the revoked signing key with a fresh CURVE key") {
    crypto::PublicIdentity mixed = fresh.public_identity();
    mixed.sign = x_public->sign;
    WritePublic(region->dir() / "mixed.public", mixed);
    refused_as_revoked(enrol(region->dir() / "mixed.public"), "signing key");
  }
  SECTION("a fresh key pair under the revoked name") {
    crypto::PublicIdentity renamed = fresh.public_identity();
    renamed.name = "trust-x";
    WritePublic(region->dir() / "same-name.public", renamed);
    refused_as_revoked(enrol(region->dir() / "same-name.public"), "name");
  }
  SECTION("an active member's key: refused, and said to be active") {
    test::RunResult r = enrol(region->key("trust-y.public"));
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("belongs to member 'trust-y', enrolled and active") != std::string::npos);
  }

  // Nothing was written: two members, trust-x still revoked, one enrolment each.
  test::RunResult list = region->HubCommand({"members", "list", "--json"});
  REQUIRE(list.exit_code == 0);
  nlohmann::json members = nlohmann::json::parse(list.out);
  REQUIRE(members.size() == 2);
  CHECK(members[0]["name"] == "trust-x");
  CHECK(members[0]["active"] == false);
  test::RunResult history = region->HubCommand({"members", "history", "--json"});
  REQUIRE(history.exit_code == 0);
  CHECK(nlohmann::json::parse(history.out).size() == 3);  // two enrolments, one revocation

  // The running hub still refuses the revoked key at the handshake.
  CHECK(Publish(*region, *x, 2).code() == Code::kUnauthenticated);

  // The way back: a new key under a new name, admitted by the running hub at once.
  REQUIRE(crypto::WriteKeyFiles(fresh, region->dir() / "keys").ok());
  test::RunResult back = enrol(region->key("trust-x-2.public"));
  INFO(back.err);
  REQUIRE(back.exit_code == 0);
  CHECK(Publish(*region, fresh, 1).ok());
}

}  // namespace
}  // namespace lls::hostile
