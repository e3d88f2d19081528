// Hex and Z85: published vectors, round trips, and refusal of malformed text.
#include <catch2/catch.hpp>

#include <string>

#include "crypto/crypto.h"
#include "tests/crypto/test_util.h"

namespace lls::crypto {
namespace {

using test::Hex;
using test::HexArray;

TEST_CASE("ToHex writes lowercase pairs, most significant nibble first", "[encoding]") {
  const Bytes bytes = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
  CHECK(ToHex(bytes) == "00017f80abff");
  CHECK(ToHex(Bytes{}).empty());
}

TEST_CASE("FromHex reads either case and refuses malformed text", "[encoding]") {
  CHECK(*FromHex("00017f80abff") == Bytes{0x00, 0x01, 0x7f, 0x80, 0xab, 0xff});
  CHECK(*FromHex("ABcdEF") == Bytes{0xab, 0xcd, 0xef});
  CHECK(FromHex("")->empty());

  for (const char* bad : {"0", "abc", "0g", "g0", "00 ", " 00", "0x00", "zz", "+1"}) {
    INFO(bad);
    const Result<Bytes> result = FromHex(bad);
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == Code::kInvalidArgument);
  }
  // An embedded NUL must not end the text early.
  CHECK_FALSE(FromHex(std::string_view("00\0" "0", 4)).ok());
}

TEST_CASE("hex round-trips every byte value", "[encoding]") {
  Bytes all(256);
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint8_t>(i);
  const std::string hex = ToHex(all);
  CHECK(hex.size() == 512);
  CHECK(*FromHex(hex) == all);
}

// RFC 32 gives one vector, 86 4F D2 6F B5 59 F7 5B <-> "HelloWorld". Z85 works in independent
// groups of 4 bytes, so a key made of that vector four times encodes as the text four times.
TEST_CASE("Z85 matches the RFC 32 vector", "[encoding]") {
  const CurveKey key = HexArray<32>(
      "864fd26fb559f75b864fd26fb559f75b864fd26fb559f75b864fd26fb559f75b");
  CHECK(Z85Encode(key) == "HelloWorldHelloWorldHelloWorldHelloWorld");
  const Result<CurveKey> decoded = Z85Decode("HelloWorldHelloWorldHelloWorldHelloWorld");
  REQUIRE(decoded.ok());
  CHECK(*decoded == key);
}

// The CURVE key pairs used in libzmq's own tests (tests/testutil_security). Each public key is
// X25519 of its secret key, which key_file_test checks through libsodium, so these hex values
// are confirmed independently of this Z85 implementation.
TEST_CASE("Z85 matches libzmq's published CURVE test keys", "[encoding]") {
  struct Vector {
    const char* z85;
    const char* hex;
  };
  const Vector vectors[] = {
      {"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
       "54fcba24e93249969316fb617c872bb0c1d1ff14800427c594cbfacf1bc2d652"},
      {"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6",
       "8e0bdd697628b91d8f245587ee95c5b04d48963f79259877b49cd9063aead3b7"},
      {"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID",
       "bb88471d65e2659b30c55a5321cebb5aab2b70a398645c26dca2b2fcb43fc518"},
      {"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs",
       "7bb864b489afa3671fbe69101f94b38972f24816dfb01b51656b3fec8dfd0888"},
  };
  for (const Vector& v : vectors) {
    INFO(v.z85);
    const CurveKey key = HexArray<32>(v.hex);
    CHECK(Z85Encode(key) == v.z85);
    const Result<CurveKey> decoded = Z85Decode(v.z85);
    REQUIRE(decoded.ok());
    CHECK(*decoded == key);
  }
}

TEST_CASE("Z85 round-trips the extremes", "[encoding]") {
  CurveKey zeros{};
  CurveKey ones;
  ones.fill(0xff);
  CHECK(Z85Encode(zeros) == std::string(40, '0'));
  // 2^32 - 1 is "%nSc0" in Z85, the largest group value.
  CHECK(Z85Encode(ones) == "%nSc0%nSc0%nSc0%nSc0%nSc0%nSc0%nSc0%nSc0");
  CHECK(*Z85Decode(Z85Encode(zeros)) == zeros);
  CHECK(*Z85Decode(Z85Encode(ones)) == ones);
}

TEST_CASE("Z85Decode refuses wrong lengths, foreign characters and overflowing groups",
          "[encoding]") {
  const std::string good = "HelloWorldHelloWorldHelloWorldHelloWorld";
  REQUIRE(Z85Decode(good).ok());
  std::vector<std::string> bad = {
      "",
      good.substr(0, 39),
      good + "0",
      "HelloWorld",
      // Characters outside the alphabet, in first, middle and last positions.
      "\"" + good.substr(1),
      good.substr(0, 20) + "\\" + good.substr(21),
      good.substr(0, 39) + "'",
      good.substr(0, 39) + " ",
      good.substr(0, 10) + "," + good.substr(11),
      good.substr(0, 10) + "~" + good.substr(11),
      good.substr(0, 10) + "_" + good.substr(11),
      good.substr(0, 10) + "|" + good.substr(11),
      good.substr(0, 10) + "`" + good.substr(11),
      good.substr(0, 10) + "\x80" + good.substr(11),
      good.substr(0, 10) + std::string(1, '\0') + good.substr(11),
      // "%nSc1" is 2^32, and "#####" is 85^5 - 1: both exceed one 4-byte group.
      "%nSc1" + good.substr(5),
      good.substr(0, 35) + "#####",
  };
  for (const std::string& text : bad) {
    INFO("text: " << text);
    const Result<CurveKey> result = Z85Decode(text);
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == Code::kInvalidArgument);
  }
}

}  // namespace
}  // namespace lls::crypto
