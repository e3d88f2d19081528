// Key files: modes, refusal to overwrite, round trips, published key material, and refusal of
// files that are tampered with, malformed, or readable by others.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <toml++/toml.h>

#include <string>
#include <utility>

#include "crypto/crypto.h"
#include "tests/crypto/test_util.h"

namespace lls::crypto {
namespace {

namespace fs = std::filesystem;
using test::HexArray;
using test::ModeOf;
using test::ReadText;
using test::ReplaceOnce;
using test::TempDir;
using test::WriteText;

Identity MustGenerate(const std::string& name) {
  Result<Identity> identity = Identity::Generate(name);
  REQUIRE(identity.ok());
  return std::move(identity).value();
}

Identity MustLoad(const fs::path& path) {
  Result<Identity> identity = LoadSecretKeyFile(path);
  INFO(identity.status().ToString());
  REQUIRE(identity.ok());
  return std::move(identity).value();
}

// The value of `key = "value"` in key-file text.
std::string ValueOf(const std::string& text, const std::string& key) {
  const std::string start = "\n" + key + " = \"";
  const size_t at = text.find(start);
  REQUIRE(at != std::string::npos);
  const size_t from = at + start.size();
  return text.substr(from, text.find('"', from) - from);
}

// A fixed envelope; its signature depends only on the signing key.
Envelope FixedEnvelope() {
  Envelope envelope;
  envelope.message_id = HexArray<16>("00112233445566778899aabbccddeeff");
  envelope.sequence = 7;
  envelope.created_at_ms = 1700000000000;
  envelope.kind = Kind::kBulletin;
  envelope.body = {1, 2, 3};
  return envelope;
}

TEST_CASE("WriteKeyFiles sets the secret file to 0600 and the public file to 0644",
          "[key_file]") {
  // Whatever the umask: 0 would leave 0666-style modes, 077 would hide the public file.
  const mode_t umask_value = GENERATE(mode_t{0}, mode_t{022}, mode_t{077});
  INFO("umask " << umask_value);
  TempDir dir;
  const Identity identity = MustGenerate("node-1");
  {
    test::ScopedUmask mask(umask_value);
    REQUIRE(WriteKeyFiles(identity, dir.path()).ok());
  }
  CHECK(ModeOf(dir.path() / "node-1.secret") == 0600);
  CHECK(ModeOf(dir.path() / "node-1.public") == 0644);
}

TEST_CASE("WriteKeyFiles creates missing directories with mode 0700", "[key_file]") {
  TempDir dir;
  const fs::path nested = dir.path() / "a" / "keys";
  const Identity identity = MustGenerate("hub");
  {
    test::ScopedUmask mask(0);
    REQUIRE(WriteKeyFiles(identity, nested).ok());
  }
  CHECK(ModeOf(dir.path() / "a") == 0700);
  CHECK(ModeOf(nested) == 0700);
  CHECK(fs::is_regular_file(nested / "hub.secret"));
  CHECK(fs::is_regular_file(nested / "hub.public"));
}

TEST_CASE("key files round-trip every key", "[key_file]") {
  TempDir dir;
  const Identity original = MustGenerate("trust.rx1");
  REQUIRE(WriteKeyFiles(original, dir.path()).ok());

  const Identity loaded = MustLoad(dir.path() / "trust.rx1.secret");
  CHECK(loaded.name() == "trust.rx1");
  CHECK(loaded.public_identity() == original.public_identity());
  CHECK(std::equal(loaded.curve_secret().begin(), loaded.curve_secret().end(),
                   original.curve_secret().begin()));
  // Same pseudonym key.
  CHECK(Pseudonym(loaded, "PROJ-1") == Pseudonym(original, "PROJ-1"));
  // Same signing secret: Ed25519 is deterministic, so equal keys give equal signatures.
  Envelope by_original = FixedEnvelope();
  Envelope by_loaded = FixedEnvelope();
  Sign(by_original, original);
  Sign(by_loaded, loaded);
  CHECK(by_loaded.signature == by_original.signature);

  const Result<PublicIdentity> pub = LoadPublicKeyFile(dir.path() / "trust.rx1.public");
  REQUIRE(pub.ok());
  CHECK(*pub == original.public_identity());

  // What the hub will do: check a node's envelope against the key from its public file.
  const Envelope sealed = Seal(loaded, 1, 1700000000000, Bulletin{"t", "x", {}});
  CHECK(sealed.signer == pub->sign);
  CHECK(Verify(sealed));
}

TEST_CASE("WriteKeyFiles never overwrites", "[key_file]") {
  TempDir dir;
  const Identity first = MustGenerate("node");
  REQUIRE(WriteKeyFiles(first, dir.path()).ok());
  const std::string secret_before = ReadText(dir.path() / "node.secret");
  const std::string public_before = ReadText(dir.path() / "node.public");

  SECTION("a second write of a key with the same name") {
    const Identity second = MustGenerate("node");
    const Status status = WriteKeyFiles(second, dir.path());
    CHECK(status.code() == Code::kAlreadyExists);
    CHECK(status.message().find((dir.path() / "node.secret").string()) != std::string::npos);
    CHECK(ReadText(dir.path() / "node.secret") == secret_before);
    CHECK(ReadText(dir.path() / "node.public") == public_before);
  }
  SECTION("a stray public file") {
    fs::remove(dir.path() / "node.secret");
    const Identity second = MustGenerate("node");
    CHECK(WriteKeyFiles(second, dir.path()).code() == Code::kAlreadyExists);
    CHECK(ReadText(dir.path() / "node.public") == public_before);
    CHECK_FALSE(fs::exists(dir.path() / "node.secret"));  // no half-written pair left behind
  }
  SECTION("a symlink where the secret file would go") {
    fs::remove(dir.path() / "node.secret");
    fs::remove(dir.path() / "node.public");
    fs::create_symlink(dir.path() / "elsewhere", dir.path() / "node.secret");
    CHECK(WriteKeyFiles(first, dir.path()).code() == Code::kAlreadyExists);
    CHECK_FALSE(fs::exists(dir.path() / "elsewhere"));
  }
}

TEST_CASE("WriteKeyFiles reports a directory it cannot use", "[key_file]") {
  TempDir dir;
  WriteText(dir.path() / "plain", "not a directory", 0600);
  const Status status = WriteKeyFiles(MustGenerate("node"), dir.path() / "plain");
  CHECK_FALSE(status.ok());
  CHECK(status.message().find((dir.path() / "plain").string()) != std::string::npos);
  CHECK(ReadText(dir.path() / "plain") == "not a directory");
}

TEST_CASE("LoadSecretKeyFile refuses a file that group or others can access", "[key_file]") {
  TempDir dir;
  REQUIRE(WriteKeyFiles(MustGenerate("node"), dir.path()).ok());
  const fs::path path = dir.path() / "node.secret";
  REQUIRE(LoadSecretKeyFile(path).ok());

  const auto [mode, spelled] = GENERATE(table<mode_t, std::string>({
      {0640, "0640"}, {0604, "0604"}, {0620, "0620"}, {0602, "0602"},
      {0660, "0660"}, {0644, "0644"}, {0610, "0610"}, {0601, "0601"},
  }));
  INFO("mode " << spelled);
  REQUIRE(::chmod(path.c_str(), mode) == 0);
  const Result<Identity> result = LoadSecretKeyFile(path);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == Code::kPermissionDenied);
  const std::string& message = result.status().message();
  INFO(message);
  CHECK(message.find(path.string()) != std::string::npos);
  CHECK(message.find("mode " + spelled) != std::string::npos);
  CHECK(message.find("chmod 600 " + path.string()) != std::string::npos);
}

TEST_CASE("LoadSecretKeyFile accepts owner-only modes", "[key_file]") {
  TempDir dir;
  REQUIRE(WriteKeyFiles(MustGenerate("node"), dir.path()).ok());
  const fs::path path = dir.path() / "node.secret";
  const mode_t mode = GENERATE(mode_t{0600}, mode_t{0400}, mode_t{0700});
  REQUIRE(::chmod(path.c_str(), mode) == 0);
  CHECK(LoadSecretKeyFile(path).ok());
}

TEST_CASE("missing key files are kNotFound", "[key_file]") {
  TempDir dir;
  CHECK(LoadSecretKeyFile(dir.path() / "none.secret").status().code() == Code::kNotFound);
  CHECK(LoadPublicKeyFile(dir.path() / "none.public").status().code() == Code::kNotFound);
}

TEST_CASE("key files are valid TOML with the documented keys", "[key_file]") {
  TempDir dir;
  const Identity identity = MustGenerate("node");
  REQUIRE(WriteKeyFiles(identity, dir.path()).ok());

  const toml::table secret = toml::parse_file((dir.path() / "node.secret").string());
  CHECK(secret.size() == 6);
  CHECK(secret["name"].value<std::string>() == "node");
  CHECK(secret["sign-public"].value<std::string>() == ToHex(identity.sign_public()));
  CHECK(secret["sign-seed"].value<std::string>()->size() == 64);
  CHECK(secret["curve-public"].value<std::string>() == Z85Encode(identity.curve_public()));
  CurveKey curve_secret;
  std::copy(identity.curve_secret().begin(), identity.curve_secret().end(),
            curve_secret.begin());
  CHECK(secret["curve-secret"].value<std::string>() == Z85Encode(curve_secret));
  CHECK(secret["pseudonym-key"].value<std::string>()->size() == 64);

  const toml::table pub = toml::parse_file((dir.path() / "node.public").string());
  CHECK(pub.size() == 3);
  CHECK(pub["name"].value<std::string>() == "node");
  CHECK(pub["sign"].value<std::string>() == ToHex(identity.sign_public()));
  CHECK(pub["curve"].value<std::string>() == Z85Encode(identity.curve_public()));

  // The first line tells a reader what the file is and how to treat it.
  CHECK(ReadText(dir.path() / "node.secret").rfind("# LLS Exchange SECRET key for node.", 0) ==
        0);
  CHECK(ReadText(dir.path() / "node.public").find("Safe to share") != std::string::npos);
}

TEST_CASE("published key material loads and re-derives its public keys", "[key_file][kat]") {
  TempDir dir;
  SECTION("RFC 8032 Ed25519 seed and RFC 7748 X25519 pair") {
    const Identity identity = test::LoadRfc8032Identity(dir.path());
    CHECK(identity.sign_public() == HexArray<32>(test::kRfc8032Public));
    CHECK(identity.curve_public() == HexArray<32>(test::kRfc7748AlicePublic));
    const CurveKey secret = HexArray<32>(test::kRfc7748AliceSecret);
    CHECK(std::equal(secret.begin(), secret.end(), identity.curve_secret().begin()));
  }
  SECTION("libzmq's CURVE test key pair, as Z85 text") {
    std::string text = test::Rfc8032SecretFileText();
    text = ReplaceOnce(text, ValueOf(text, "curve-public"),
                       "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7");
    text = ReplaceOnce(text, ValueOf(text, "curve-secret"),
                       "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6");
    WriteText(dir.path() / "zmq.secret", text, 0600);
    const Identity identity = MustLoad(dir.path() / "zmq.secret");
    CHECK(Z85Encode(identity.curve_public()) == "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7");
  }
}

TEST_CASE("a secret file whose halves disagree is kCorrupt", "[key_file]") {
  TempDir dir;
  const std::string text = test::Rfc8032SecretFileText();
  // Another valid key in each public or secret slot: every field parses, only the pairing fails.
  const Identity other = MustGenerate("other");
  REQUIRE(WriteKeyFiles(other, dir.path()).ok());
  const std::string other_text = ReadText(dir.path() / "other.secret");

  const std::string key = GENERATE(as<std::string>{}, "sign-public", "sign-seed",
                                   "curve-public", "curve-secret");
  INFO(key);
  const fs::path path = dir.path() / "mixed.secret";
  WriteText(path, ReplaceOnce(text, ValueOf(text, key), ValueOf(other_text, key)), 0600);
  const Result<Identity> result = LoadSecretKeyFile(path);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == Code::kCorrupt);
  INFO(result.status().message());
  CHECK(result.status().message().find(path.string()) != std::string::npos);
  CHECK(result.status().message().find("does not match") != std::string::npos);
  // The line named is the public key's line (2 for sign-public, 4 for curve-public).
  const bool sign = key.rfind("sign", 0) == 0;
  CHECK(result.status().message().find(sign ? "line 2:" : "line 4:") != std::string::npos);
}

TEST_CASE("malformed secret files are kCorrupt and name the line", "[key_file]") {
  TempDir dir;
  const std::string good = test::Rfc8032SecretFileText();
  const std::string seed = test::kRfc8032Seed;
  const fs::path path = dir.path() / "bad.secret";
  WriteText(path, good, 0600);
  REQUIRE(LoadSecretKeyFile(path).ok());

  struct Case {
    std::string what;
    std::string text;
    std::string expected;  // a substring of the error message
  };
  const Case cases[] = {
      {"unknown key", good + "colour = \"blue\"\n", "line 7: unknown key \"colour\""},
      {"repeated key", good + "name = \"again\"\n", "line 7: \"name\" repeated (first on line 1)"},
      {"missing key", ReplaceOnce(good, "pseudonym-key", "# pseudonym-key"),
       "missing \"pseudonym-key\""},
      {"no '='", ReplaceOnce(good, "name = ", "name "), "line 1: expected key = \"value\""},
      {"no key", ReplaceOnce(good, "name = ", " = "), "line 1: expected a key name"},
      {"unquoted value", ReplaceOnce(good, "\"" + seed + "\"", seed),
       "line 3: sign-seed: expected a double-quoted value"},
      {"single quotes", ReplaceOnce(good, "\"" + seed + "\"", "'" + seed + "'"),
       "line 3: sign-seed: expected a double-quoted value"},
      {"unterminated", ReplaceOnce(good, seed + "\"", seed), "line 3: sign-seed: missing closing"},
      {"text after value", ReplaceOnce(good, seed + "\"", seed + "\" x"),
       "line 3: sign-seed: unexpected text"},
      {"escape", ReplaceOnce(good, seed, "\\u" + seed.substr(2)), "line 3: sign-seed: escapes"},
      {"short hex", ReplaceOnce(good, seed, seed.substr(2)),
       "line 3: sign-seed is not 64 hex characters"},
      {"non-hex", ReplaceOnce(good, seed, "zz" + seed.substr(2)),
       "line 3: sign-seed is not 64 hex characters"},
      {"bad Z85", ReplaceOnce(good, "curve-secret = \"", "curve-secret = \"~"),
       "line 5: curve-secret is not a 40-character Z85 key"},
      {"bad name", ReplaceOnce(good, "\"rfc8032\"", "\"rfc/8032\""), "line 1: name is not"},
      {"small-order sign-public", ReplaceOnce(good, test::kRfc8032Public, std::string(64, '0')),
       "line 2: sign-public is not a valid Ed25519 public key"},
      {"empty file", "", "missing \"name\""},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    WriteText(path, c.text, 0600);
    const Result<Identity> result = LoadSecretKeyFile(path);
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == Code::kCorrupt);
    const std::string& message = result.status().message();
    INFO(message);
    CHECK(message.find(path.string()) != std::string::npos);
    CHECK(message.find(c.expected) != std::string::npos);
    // Errors are logged: they must never quote secret values.
    CHECK(message.find(seed.substr(2, 16)) == std::string::npos);
  }
}

TEST_CASE("secret files tolerate comments, blank lines, CRLF and spacing", "[key_file]") {
  TempDir dir;
  std::string text = "# comment\n\n" + test::Rfc8032SecretFileText() + "\n# end\n";
  text = ReplaceOnce(text, "name = \"rfc8032\"", "  name\t=  \"rfc8032\"   # trailing comment");
  std::string crlf;
  for (char c : text) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  const fs::path path = dir.path() / "loose.secret";
  WriteText(path, crlf, 0600);
  const Identity identity = MustLoad(path);
  CHECK(identity.name() == "rfc8032");
  CHECK(identity.sign_public() == HexArray<32>(test::kRfc8032Public));
}

TEST_CASE("LoadSecretKeyFile refuses things that are not key files", "[key_file]") {
  TempDir dir;
  SECTION("a directory") {
    fs::create_directory(dir.path() / "d.secret");
    REQUIRE(::chmod((dir.path() / "d.secret").c_str(), 0700) == 0);
    CHECK_FALSE(LoadSecretKeyFile(dir.path() / "d.secret").ok());
  }
  SECTION("a huge file") {
    WriteText(dir.path() / "big.secret",
              test::Rfc8032SecretFileText() + "#" + std::string(100000, 'x') + "\n", 0600);
    CHECK(LoadSecretKeyFile(dir.path() / "big.secret").status().code() == Code::kCorrupt);
  }
}

TEST_CASE("FormatPublicKey and ParsePublicKey round-trip", "[key_file]") {
  const Identity identity = MustGenerate("hub.lls-east");
  const std::string text = FormatPublicKey(identity.public_identity());
  const Result<PublicIdentity> parsed = ParsePublicKey(text);
  REQUIRE(parsed.ok());
  CHECK(*parsed == identity.public_identity());
  CHECK(FormatPublicKey(*parsed) == text);
}

TEST_CASE("malformed public key text is kCorrupt", "[key_file]") {
  const Identity identity = MustGenerate("node");
  const std::string good = FormatPublicKey(identity.public_identity());
  const std::string sign = ToHex(identity.sign_public());
  const std::string curve = Z85Encode(identity.curve_public());
  REQUIRE(ParsePublicKey(good).ok());

  struct Case {
    std::string what;
    std::string text;
    std::string expected;
  };
  const Case cases[] = {
      {"unknown key", good + "role = \"hub\"\n", "unknown key \"role\""},
      {"secret key in a public file", good + "sign-seed = \"" + sign + "\"\n",
       "unknown key \"sign-seed\""},
      {"missing curve", ReplaceOnce(good, "curve = \"" + curve + "\"\n", ""),
       "missing \"curve\""},
      {"missing sign", ReplaceOnce(good, "sign = ", "# sign = "), "missing \"sign\""},
      {"repeated sign", good + "sign = \"" + sign + "\"\n", "\"sign\" repeated"},
      {"sign too long", ReplaceOnce(good, sign, sign + "00"), "sign is not 64 hex characters"},
      {"curve too short", ReplaceOnce(good, curve, curve.substr(1)),
       "curve is not a 40-character Z85 key"},
      {"all-zero sign key", ReplaceOnce(good, sign, std::string(64, '0')),
       "sign is not a valid Ed25519 public key"},
      {"bad name", ReplaceOnce(good, "\"node\"", "\"no de\""), "name is not"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    const Result<PublicIdentity> result = ParsePublicKey(c.text);
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == Code::kCorrupt);
    INFO(result.status().message());
    CHECK(result.status().message().find(c.expected) != std::string::npos);
  }
}

TEST_CASE("LoadPublicKeyFile names the file in errors", "[key_file]") {
  TempDir dir;
  const fs::path path = dir.path() / "x.public";
  WriteText(path, "name = \"x\"\n", 0644);
  const Result<PublicIdentity> result = LoadPublicKeyFile(path);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == Code::kCorrupt);
  CHECK(result.status().message().find(path.string()) != std::string::npos);
}

}  // namespace
}  // namespace lls::crypto
