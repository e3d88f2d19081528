// Identity: generation, names, ownership (moves), and pseudonyms.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "crypto/crypto.h"
#include "tests/crypto/test_util.h"

namespace lls::crypto {
namespace {

bool IsLowerHex(const std::string& text) {
  return text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

Identity MustGenerate(const std::string& name) {
  Result<Identity> identity = Identity::Generate(name);
  REQUIRE(identity.ok());
  return std::move(identity).value();
}

// A signed envelope that verifies shows the identity's secret and public halves still match.
bool CanSign(const Identity& identity) {
  return Verify(Seal(identity, 1, 1700000000000, Bulletin{"title", "text", {}}));
}

TEST_CASE("Generate makes fresh, independent key pairs", "[identity]") {
  const Identity a = MustGenerate("trust-a");
  const Identity b = MustGenerate("trust-a");
  CHECK(a.name() == "trust-a");
  CHECK(a.public_identity().name == "trust-a");
  CHECK(a.sign_public() != b.sign_public());
  CHECK(a.curve_public() != b.curve_public());
  // The two pairs are separate keys, not one key in two encodings.
  CHECK(a.sign_public() != a.curve_public());
  CHECK(!std::equal(a.curve_secret().begin(), a.curve_secret().end(),
                    b.curve_secret().begin()));
  CHECK(a.public_identity() == PublicIdentity{"trust-a", a.sign_public(), a.curve_public()});
  CHECK(CanSign(a));
}

TEST_CASE("Generate accepts only [A-Za-z0-9._-]{1,64} names", "[identity]") {
  const std::vector<std::string> good = {"a", "Trust_01.hub-east", std::string(64, 'x'), "..",
                                         "-"};
  for (const std::string& name : good) {
    INFO(name);
    CHECK(Identity::Generate(name).ok());
  }
  const std::vector<std::string> bad = {"",    std::string(65, 'x'), "a/b",  "../x",
                                        "a b", "a\"b",                "a\\b", "\xc3\xa9",
                                        "a\nb", std::string("a\0b", 3)};
  for (const std::string& name : bad) {
    INFO(name);
    const Result<Identity> result = Identity::Generate(name);
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == Code::kInvalidArgument);
  }
}

TEST_CASE("a moved-from Identity is safe to destroy and to assign to", "[identity]") {
  Identity a = MustGenerate("a");
  const SignPublicKey a_key = a.sign_public();
  const std::string a_pseudonym = Pseudonym(a, "ward 3");

  Identity b = std::move(a);  // a now holds no secrets
  CHECK(b.sign_public() == a_key);
  CHECK(Pseudonym(b, "ward 3") == a_pseudonym);
  CHECK(CanSign(b));

  // Assigning over a moved-from object gives it the new secrets.
  a = MustGenerate("c");
  CHECK(a.name() == "c");
  CHECK(a.sign_public() != a_key);
  CHECK(CanSign(a));

  // Assigning over a live object releases its old secrets; the new ones work.
  Identity d = MustGenerate("d");
  d = std::move(b);
  CHECK(d.sign_public() == a_key);
  CHECK(Pseudonym(d, "ward 3") == a_pseudonym);
  CHECK(CanSign(d));

  // Moved-from objects (b here) and Results holding identities are destroyed at scope end;
  // a double free in sodium_free would abort the test binary.
  {
    Result<Identity> held = Identity::Generate("held");
    REQUIRE(held.ok());
    Identity taken = std::move(held).value();
    CHECK(CanSign(taken));
  }
}

TEST_CASE("pseudonyms are stable, keyed and 32 hex characters", "[identity][pseudonym]") {
  const Identity a = MustGenerate("a");
  const Identity b = MustGenerate("b");

  const std::string p = Pseudonym(a, "PROJ-0042");
  CHECK(p.size() == 32);
  CHECK(IsLowerHex(p));
  CHECK(Pseudonym(a, "PROJ-0042") == p);
  CHECK(Pseudonym(b, "PROJ-0042") != p);  // another identity's key
  CHECK(Pseudonym(a, "PROJ-0043") != p);  // another input
  CHECK(Pseudonym(a, "proj-0042") != p);  // case matters: inputs are not normalised

  // Inputs that are prefixes of each other, or differ only by a NUL, stay distinct.
  std::set<std::string> seen;
  const std::vector<std::string> inputs = {"", "a", std::string("a\0", 2), "aa",
                                           std::string("\0a", 2)};
  for (const std::string& input : inputs) {
    const std::string pseudonym = Pseudonym(a, input);
    CHECK(pseudonym.size() == 32);
    seen.insert(pseudonym);
  }
  CHECK(seen.size() == 5);
}

// Stored pseudonyms must never change meaning, so the construction is pinned: keyed BLAKE2b,
// 16 bytes, over "lls/pseudonym/v1" NUL input. Expected values computed with Python's hashlib.
TEST_CASE("Pseudonym matches an independently computed keyed BLAKE2b", "[identity][kat]") {
  test::TempDir dir;
  const Identity identity = test::LoadRfc8032Identity(dir.path());  // pseudonym key 00..1f
  CHECK(Pseudonym(identity, "PROJ-0042") == "40b749c6fa26216506b8d2cb5b66034c");
  CHECK(Pseudonym(identity, "") == "1b7a7eb763e96548bf66ff8ef5c7f875");
}

TEST_CASE("RandomMessageId does not repeat", "[identity]") {
  std::set<MessageId> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(RandomMessageId());
  CHECK(ids.size() == 1000);
  CHECK(ids.count(MessageId{}) == 0);
}

}  // namespace
}  // namespace lls::crypto
