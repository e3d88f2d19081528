// Helpers shared by the crypto tests: hex literals, umask control, files with modes.
#pragma once

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "crypto/crypto.h"
#include "tests/support/support.h"

namespace lls::crypto::test {

// Bytes from a hex literal; fails the test on malformed hex.
inline Bytes Hex(std::string_view hex) {
  Result<Bytes> bytes = FromHex(hex);
  REQUIRE(bytes.ok());
  return *bytes;
}

template <size_t N>
std::array<uint8_t, N> HexArray(std::string_view hex) {
  const Bytes bytes = Hex(hex);
  REQUIRE(bytes.size() == N);
  std::array<uint8_t, N> out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

using lls::test::TempDir;

// Sets the process umask for a scope.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }
  ScopedUmask(const ScopedUmask&) = delete;
  ScopedUmask& operator=(const ScopedUmask&) = delete;

 private:
  mode_t old_;
};

inline mode_t ModeOf(const std::filesystem::path& path) {
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

inline std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes `text` to `path` with `mode` (replacing any existing file).
inline void WriteText(const std::filesystem::path& path, std::string_view text, mode_t mode) {
  std::filesystem::remove(path);
  {
    std::ofstream out(path, std::ios::binary);
    out << text;
    REQUIRE(out.good());
  }
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

// Replaces the first occurrence of `from` in `text`; fails the test if there is none.
inline std::string ReplaceOnce(std::string text, std::string_view from, std::string_view to) {
  const size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  return text;
}

}  // namespace lls::crypto::test

namespace lls::crypto::test {

// RFC 8032 section 7.1, TEST 1: the Ed25519 seed ("SECRET KEY"), its public key, and the
// signature of the empty message.
inline constexpr char kRfc8032Seed[] =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
inline constexpr char kRfc8032Public[] =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
inline constexpr char kRfc8032EmptySignature[] =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701c"
    "f9b46bd25bf5f0595bbe24655141438e7a100b";

// RFC 7748 section 6.1: Alice's X25519 secret and public keys, and Bob's public key.
inline constexpr char kRfc7748AliceSecret[] =
    "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
inline constexpr char kRfc7748AlicePublic[] =
    "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
inline constexpr char kRfc7748BobPublic[] =
    "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";

// Secret-file text with the published key material above and a fixed pseudonym key.
inline std::string Rfc8032SecretFileText(const std::string& name = "rfc8032") {
  return "name = \"" + name + "\"\n" +
         "sign-public = \"" + kRfc8032Public + "\"\n" +
         "sign-seed = \"" + kRfc8032Seed + "\"\n" +
         "curve-public = \"" + Z85Encode(HexArray<32>(kRfc7748AlicePublic)) + "\"\n" +
         "curve-secret = \"" + Z85Encode(HexArray<32>(kRfc7748AliceSecret)) + "\"\n" +
         "pseudonym-key = \"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"\n";
}

// Loads an Identity holding the RFC key material, through a secret file in `dir`.
inline Identity LoadRfc8032Identity(const std::filesystem::path& dir) {
  const std::filesystem::path path = dir / "rfc8032.secret";
  WriteText(path, Rfc8032SecretFileText(), 0600);
  Result<Identity> identity = LoadSecretKeyFile(path);
  INFO(identity.status().ToString());
  REQUIRE(identity.ok());
  return std::move(identity).value();
}

}  // namespace lls::crypto::test
