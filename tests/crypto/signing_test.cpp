// Envelope signatures: the signed byte layout, known answers, and tamper resistance.
#include <catch2/catch.hpp>

#include <cstring>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "crypto/crypto.h"
#include "crypto/testing.h"
#include "schema/codec.h"
#include "tests/crypto/test_util.h"

namespace lls::crypto {
namespace {

using test::Hex;
using test::HexArray;

Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

// The object representation of an integer or enum field, to flip its bytes in place.
template <typename T>
std::span<uint8_t> ObjectBytes(T& value) {
  return {reinterpret_cast<uint8_t*>(&value), sizeof(T)};
}

Bytes Text(std::string_view text) { return Bytes(text.begin(), text.end()); }

Identity MustGenerate(const std::string& name) {
  Result<Identity> identity = Identity::Generate(name);
  REQUIRE(identity.ok());
  return std::move(identity).value();
}

LearningItem SampleItem() {
  LearningItem item;
  item.item_id = "LI-2026-0042";
  item.organisation = "Royal Example NHS Foundation Trust";
  item.title = "Carbon monoxide screening at booking";
  item.kind = LearningKind::kChangeIdea;
  item.area = ClinicalArea::kSmokeFreePregnancy;
  item.tags = {"CO-monitoring", "booking"};
  item.text = "Offer CO testing to every woman at booking and at 36 weeks.";
  item.project_id = "P-17";
  return item;
}

// The envelope whose payload and signature are given below as known answers: every integer
// has distinct bytes so that a byte-order mistake shows, and created_at_ms is negative so that
// its two's-complement encoding shows.
Envelope KatEnvelope() {
  Envelope envelope;
  envelope.version = 0x0102;
  envelope.message_id = HexArray<16>("000102030405060708090a0b0c0d0e0f");
  envelope.signer = HexArray<32>(test::kRfc8032Public);
  envelope.sequence = 0x0102030405060708;
  envelope.created_at_ms = -0x0102030405060709;  // 0xfefdfcfbfaf9f8f7
  envelope.kind = Kind::kLearningItem;
  envelope.body = {0x61, 0x62, 0x63, 0x00, 0xff};
  return envelope;
}

TEST_CASE("SigningPayload lays out the documented bytes", "[signing][kat]") {
  const Bytes expected = Concat({
      Text("lls/v1/learning-item"), Bytes{0x00},  // domain tag
      Hex("0102"),                                // version, u16 BE
      Hex("000102030405060708090a0b0c0d0e0f"),    // message_id
      Hex(test::kRfc8032Public),                  // signer
      Hex("0102030405060708"),                    // sequence, u64 BE
      Hex("fefdfcfbfaf9f8f7"),                    // created_at_ms, i64 BE two's complement
      Hex("00000005"),                            // len(body), u32 BE
      Hex("61626300ff"),                          // body
  });
  CHECK(SigningPayload(KatEnvelope()) == expected);

  // The signature itself is not covered.
  Envelope signed_copy = KatEnvelope();
  signed_copy.signature.fill(0xaa);
  CHECK(SigningPayload(signed_copy) == expected);

  // An empty body still carries its (zero) length.
  Envelope empty = KatEnvelope();
  empty.body.clear();
  const Bytes payload = SigningPayload(empty);
  REQUIRE(payload.size() == expected.size() - 5);
  CHECK(Bytes(payload.end() - 4, payload.end()) == Hex("00000000"));
}

TEST_CASE("SigningPayload's domain tag names the kind", "[signing][kat]") {
  const std::pair<Kind, const char*> kinds[] = {
      {Kind::kProjectSummary, "project-summary"},
      {Kind::kLearningItem, "learning-item"},
      {Kind::kCuration, "curation"},
      {Kind::kAggregate, "aggregate"},
      {Kind::kRetraction, "retraction"},
      {Kind::kMeasureCatalogue, "measure-catalogue"},
      {Kind::kBulletin, "bulletin"},
      {Kind::kRelay, "relay"},
  };
  for (const auto& [kind, name] : kinds) {
    INFO(name);
    Envelope envelope = KatEnvelope();
    envelope.kind = kind;
    const Bytes tag = Concat({Text("lls/v1/"), Text(name), Bytes{0x00}});
    const Bytes payload = SigningPayload(envelope);
    REQUIRE(payload.size() > tag.size());
    CHECK(Bytes(payload.begin(), payload.begin() + tag.size()) == tag);
  }
}

TEST_CASE("Ed25519 matches RFC 8032 TEST 1", "[signing][kat]") {
  const auto seed = HexArray<32>(test::kRfc8032Seed);
  const SignPublicKey pub = HexArray<32>(test::kRfc8032Public);
  const Signature expected = HexArray<64>(test::kRfc8032EmptySignature);

  CHECK(testing::SignPublicFromSeed(seed) == pub);
  CHECK(testing::SignDetachedWithSeed(seed, Bytes{}) == expected);
  CHECK(testing::VerifyDetached(pub, Bytes{}, expected));
  Signature flipped = expected;
  flipped[0] ^= 0x01;
  CHECK_FALSE(testing::VerifyDetached(pub, Bytes{}, flipped));
  CHECK_FALSE(testing::VerifyDetached(pub, Bytes{0x00}, expected));
}

// The signature over KatEnvelope's payload with the RFC 8032 TEST 1 key, computed outside this
// code base (OpenSSL 3, through Python's `cryptography`), so it checks the whole Sign path:
// key-file seed -> libsodium secret key -> payload -> signature.
TEST_CASE("Sign with a loaded key gives the independently computed signature",
          "[signing][kat]") {
  test::TempDir dir;
  const Identity identity = test::LoadRfc8032Identity(dir.path());
  Envelope envelope = KatEnvelope();
  envelope.signer = {};  // Sign fills it in
  Sign(envelope, identity);
  CHECK(envelope.signer == HexArray<32>(test::kRfc8032Public));
  CHECK(envelope.signature ==
        HexArray<64>("24b8fb7078bd12f2cfd7c1175f394a4ce4c447385986bb38019069c4a3ed3fad"
                     "bccccd1227a99c7344eed3758fd5ac8e308b77c8ce98c24592a207b5c33e690d"));
  CHECK(Verify(envelope));
}

TEST_CASE("Seal builds a complete, verifiable envelope", "[signing]") {
  const Identity identity = MustGenerate("trust-a");
  const Body body = SampleItem();
  const Envelope a = Seal(identity, 42, 1767225600000, body);
  const Envelope b = Seal(identity, 42, 1767225600000, body);

  CHECK(a.version == kProtocolVersion);
  CHECK(a.kind == Kind::kLearningItem);
  CHECK(a.signer == identity.sign_public());
  CHECK(a.sequence == 42);
  CHECK(a.created_at_ms == 1767225600000);
  CHECK(a.body == EncodeBody(body));
  const WireResult<Body> decoded = DecodeBody(a.body);
  REQUIRE(decoded.ok());
  CHECK(*decoded == body);
  CHECK(a.message_id != b.message_id);  // fresh random id each time
  CHECK(a.message_id != MessageId{});
  CHECK(Verify(a));
  CHECK(Verify(b));
}

// Every way of changing one byte of what the signature covers must break it.
TEST_CASE("every single-byte change to a signed envelope fails to verify", "[signing]") {
  const Identity identity = MustGenerate("trust-a");
  const Envelope sealed = Seal(identity, 0x1122334455667788, 1767225600123, SampleItem());
  REQUIRE(Verify(sealed));

  // Each field as its object bytes: flipping any of them changes the field's value.
  using Field = std::pair<const char*, std::span<uint8_t> (*)(Envelope&)>;
  const Field fields[] = {
      {"version", [](Envelope& e) { return ObjectBytes(e.version); }},
      {"message_id", [](Envelope& e) { return std::span<uint8_t>(e.message_id); }},
      {"signer", [](Envelope& e) { return std::span<uint8_t>(e.signer); }},
      {"sequence", [](Envelope& e) { return ObjectBytes(e.sequence); }},
      {"created_at_ms",
       [](Envelope& e) { return ObjectBytes(e.created_at_ms); }},
      {"kind", [](Envelope& e) { return ObjectBytes(e.kind); }},
      {"body", [](Envelope& e) { return std::span<uint8_t>(e.body); }},
      {"signature", [](Envelope& e) { return std::span<uint8_t>(e.signature); }},
  };
  std::vector<std::string> accepted;
  size_t tried = 0;
  for (const auto& [name, bytes_of] : fields) {
    Envelope probe = sealed;
    const size_t size = bytes_of(probe).size();
    for (size_t i = 0; i < size; ++i) {
      for (const uint8_t mask : {0x01, 0x80, 0xff}) {
        Envelope copy = sealed;
        bytes_of(copy)[i] ^= mask;
        ++tried;
        if (Verify(copy)) {
          std::ostringstream where;
          where << name << "[" << i << "] ^ " << int{mask};
          accepted.push_back(where.str());
        }
      }
    }
  }
  INFO("tried " << tried << " changes");
  CHECK(tried > 3 * (2 + 16 + 32 + 8 + 8 + 2 + 64 + 50));
  CHECK(accepted == std::vector<std::string>{});

  // Changing the body's length, not just its bytes.
  Envelope longer = sealed;
  longer.body.push_back(0);
  Envelope shorter = sealed;
  shorter.body.pop_back();
  Envelope empty = sealed;
  empty.body.clear();
  CHECK_FALSE(Verify(longer));
  CHECK_FALSE(Verify(shorter));
  CHECK_FALSE(Verify(empty));
}

// The same on the wire: flip bytes of the encoded envelope and decode. A flip that the decoder
// refuses is fine; one that decodes to different values must not verify. A flip in bytes that
// carry no value (Cap'n Proto padding, unused data-section bits) decodes to the identical
// envelope, which rightly still verifies: the signature covers values, not encodings.
TEST_CASE("every single-byte change to an encoded envelope is refused", "[signing]") {
  const Identity identity = MustGenerate("trust-a");
  const Envelope sealed = Seal(identity, 9, 1767225600123, SampleItem());
  const Bytes wire = EncodeEnvelope(sealed);
  const WireResult<Envelope> round_trip = DecodeEnvelope(wire);
  REQUIRE(round_trip.ok());
  REQUIRE(*round_trip == sealed);
  REQUIRE(Verify(*round_trip));

  size_t refused = 0, unchanged = 0, changed = 0;
  std::vector<std::string> accepted;
  for (size_t i = 0; i < wire.size(); ++i) {
    for (const uint8_t mask : {0x01, 0x80, 0xff}) {
      Bytes copy = wire;
      copy[i] ^= mask;
      const WireResult<Envelope> decoded = DecodeEnvelope(copy);
      if (!decoded.ok()) {
        ++refused;
      } else if (*decoded == sealed) {
        ++unchanged;
        CHECK(Verify(*decoded));
      } else {
        ++changed;
        if (Verify(*decoded)) {
          accepted.push_back("byte " + std::to_string(i) + " ^ " + std::to_string(mask));
        }
      }
    }
  }
  INFO("refused " << refused << ", unchanged " << unchanged << ", changed " << changed);
  CHECK(accepted == std::vector<std::string>{});
  // Most flips land in the body, signature, keys and ids and decode to different values.
  CHECK(changed > 3 * (sealed.body.size() + 64 + 32 + 16));
}

TEST_CASE("a signature for one kind fails as another", "[signing]") {
  const Identity identity = MustGenerate("trust-a");
  const Envelope sealed = Seal(identity, 1, 1767225600000, SampleItem());
  REQUIRE(Verify(sealed));
  for (uint16_t kind = 0; kind <= kMaxKind + 1; ++kind) {
    if (static_cast<Kind>(kind) == sealed.kind) continue;
    INFO("kind " << kind);
    Envelope copy = sealed;
    copy.kind = static_cast<Kind>(kind);
    CHECK_FALSE(Verify(copy));
  }
}

TEST_CASE("Verify refuses kinds outside the enum even when signed", "[signing]") {
  // KindName calls them all "unknown", so their payloads share one domain tag.
  const Identity identity = MustGenerate("trust-a");
  for (const uint16_t kind : {uint16_t{0}, uint16_t{kMaxKind + 1}, uint16_t{0xffff}}) {
    INFO("kind " << kind);
    Envelope envelope = KatEnvelope();
    envelope.kind = static_cast<Kind>(kind);
    Sign(envelope, identity);
    CHECK_FALSE(Verify(envelope));
    // The signature is valid over its payload, so the refusal above is the kind check.
    CHECK(testing::VerifyDetached(envelope.signer, SigningPayload(envelope),
                                  envelope.signature));
  }
}

TEST_CASE("Verify refuses other signers and degenerate keys", "[signing]") {
  const Identity a = MustGenerate("a");
  const Identity b = MustGenerate("b");
  Envelope envelope = Seal(a, 1, 1767225600000, SampleItem());
  REQUIRE(Verify(envelope));

  Envelope claimed_by_b = envelope;
  claimed_by_b.signer = b.sign_public();
  CHECK_FALSE(Verify(claimed_by_b));

  // The neutral point (encoded 01 00 .. 00) with R = neutral, S = 0 satisfies the bare
  // Ed25519 equation for every message; libsodium refuses small-order keys, so it must fail.
  Envelope forged = envelope;
  forged.signer = {};
  forged.signer[0] = 0x01;
  forged.signature = {};
  forged.signature[0] = 0x01;
  CHECK_FALSE(Verify(forged));

  Envelope zero = envelope;
  zero.signer = {};
  zero.signature = {};
  CHECK_FALSE(Verify(zero));
}

}  // namespace
}  // namespace lls::crypto
