// Hex and Z85 text encodings of keys.
//
// Hex goes through libsodium's sodium_bin2hex/sodium_hex2bin, whose running time does not depend
// on the bytes (secret keys are hex in the secret file). Z85 is ZeroMQ's RFC 32, written here
// so that crypto/ does not link libzmq; it is used for CURVE keys, as ZeroMQ tools print them.
#include <sodium.h>

#include <cstring>
#include <string>

#include "crypto/crypto.h"
#include "crypto/internal.h"

namespace lls::crypto {

namespace {

// rfc.zeromq.org/spec/32: digit values 0..84, most significant digit first.
constexpr char kZ85Alphabet[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
static_assert(sizeof(kZ85Alphabet) == 85 + 1);
constexpr size_t kZ85KeyChars = 40;  // 32 bytes = 8 groups of 4 bytes = 8 groups of 5 chars

// Digit value of a Z85 character, or -1.
int Z85Digit(char c) {
  const char* found = c == '\0' ? nullptr : std::strchr(kZ85Alphabet, c);
  return found == nullptr ? -1 : static_cast<int>(found - kZ85Alphabet);
}

}  // namespace

void AppendHex(std::string& out, std::span<const uint8_t> bytes) {
  const size_t start = out.size();
  out.resize(start + bytes.size() * 2 + 1);  // sodium_bin2hex writes a terminating NUL
  sodium_bin2hex(out.data() + start, bytes.size() * 2 + 1, bytes.data(), bytes.size());
  out.pop_back();
}

bool DecodeHexInto(std::string_view hex, std::span<uint8_t> out) {
  if (out.empty()) return hex.empty();  // out.data() may be null, which sodium_hex2bin forbids
  size_t decoded = 0;
  // With hex_end == nullptr, sodium_hex2bin fails unless it consumed every character.
  if (hex.size() != out.size() * 2 ||
      sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &decoded,
                     nullptr) != 0 ||
      decoded != out.size()) {
    sodium_memzero(out.data(), out.size());
    return false;
  }
  return true;
}

void AppendZ85(std::string& out, std::span<const uint8_t, 32> bytes) {
  for (size_t i = 0; i < bytes.size(); i += 4) {
    uint32_t value = (uint32_t{bytes[i]} << 24) | (uint32_t{bytes[i + 1]} << 16) |
                     (uint32_t{bytes[i + 2]} << 8) | uint32_t{bytes[i + 3]};
    char group[5];
    for (int d = 4; d >= 0; --d) {
      group[d] = kZ85Alphabet[value % 85];
      value /= 85;
    }
    out.append(group, sizeof(group));
    sodium_memzero(group, sizeof(group));
    sodium_memzero(&value, sizeof(value));
  }
}

bool DecodeZ85Into(std::string_view text, std::span<uint8_t, 32> out) {
  bool ok = text.size() == kZ85KeyChars;
  for (size_t g = 0; ok && g < kZ85KeyChars / 5; ++g) {
    uint64_t value = 0;
    for (size_t d = 0; d < 5; ++d) {
      const int digit = Z85Digit(text[g * 5 + d]);
      if (digit < 0) ok = false;
      value = value * 85 + static_cast<uint64_t>(digit < 0 ? 0 : digit);
    }
    // 85^5 > 2^32: refusing the excess keeps one spelling per key (no aliases that wrap).
    if (value > 0xFFFFFFFFu) ok = false;
    out[g * 4] = static_cast<uint8_t>(value >> 24);
    out[g * 4 + 1] = static_cast<uint8_t>(value >> 16);
    out[g * 4 + 2] = static_cast<uint8_t>(value >> 8);
    out[g * 4 + 3] = static_cast<uint8_t>(value);
    sodium_memzero(&value, sizeof(value));
  }
  if (!ok) sodium_memzero(out.data(), out.size());
  return ok;
}

// --- public API ------------------------------------------------------------------------------

std::string ToHex(std::span<const uint8_t> bytes) {
  std::string out;
  AppendHex(out, bytes);
  return out;
}

Result<Bytes> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return Status(Code::kInvalidArgument, "hex text has an odd number of characters");
  }
  Bytes bytes(hex.size() / 2);
  if (!DecodeHexInto(hex, bytes)) {
    return Status(Code::kInvalidArgument, "hex text contains a character other than 0-9 a-f A-F");
  }
  return bytes;
}

std::string Z85Encode(const CurveKey& key) {
  std::string out;
  out.reserve(kZ85KeyChars);
  AppendZ85(out, key);
  return out;
}

Result<CurveKey> Z85Decode(std::string_view text) {
  if (text.size() != kZ85KeyChars) {
    return Status(Code::kInvalidArgument, "a Z85 key is 40 characters, not " +
                                              std::to_string(text.size()));
  }
  CurveKey key;
  if (!DecodeZ85Into(text, key)) {
    return Status(Code::kInvalidArgument,
                  "Z85 key text has a character outside the Z85 alphabet or a 5-character group "
                  "above 2^32 - 1");
  }
  return key;
}

}  // namespace lls::crypto
