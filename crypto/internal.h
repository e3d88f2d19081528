// Internal to crypto/: the layout of Identity's secrets and the encoders that write secret
// bytes straight into caller-owned buffers. Nothing outside crypto/*.cpp includes this file.
//
// Why the "Into"/"Append" forms exist: the public ToHex/FromHex/Z85 functions return fresh
// strings and vectors, and every such temporary holding a secret is one more heap copy that
// must be found and wiped. Key-file code decodes directly into the sodium_malloc'd Secrets and
// encodes into one pre-reserved string that it wipes afterwards.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <string>
#include <string_view>

#include "crypto/crypto.h"

namespace lls::crypto {

// Sizes fixed by the algorithms; crypto.cpp static_asserts them against libsodium's constants.
inline constexpr size_t kSignSecretBytes = 64;  // Ed25519 secret key: seed || public key
inline constexpr size_t kSignSeedBytes = 32;
inline constexpr size_t kCurveSecretBytes = 32;
inline constexpr size_t kPseudonymKeyBytes = 32;

// Lives only in sodium_malloc'd memory (guard pages, mlock'ed, wiped by sodium_free).
struct Identity::Secrets {
  std::array<uint8_t, kSignSecretBytes> sign_secret;
  std::array<uint8_t, kCurveSecretBytes> curve_secret;
  std::array<uint8_t, kPseudonymKeyBytes> pseudonym_key;
};

// Key names become file names (NAME.secret) and TOML strings: [A-Za-z0-9._-]{1,64}.
bool IsValidKeyName(std::string_view name);
// OK, or kInvalidArgument naming the rule.
Status CheckKeyName(std::string_view name);

// sodium_malloc wrapper (sodium.h stays in .cpp files); nullptr when the OS refuses.
void* AllocateSecretMemory(size_t size);

// Zeroed Secrets in guarded memory, or nullptr. A template only so that the callers (members
// and friends of Identity) can name the private SecretsPtr type.
template <typename SecretsPtr>
SecretsPtr NewSecrets() {
  using Secrets = typename SecretsPtr::element_type;
  void* raw = AllocateSecretMemory(sizeof(Secrets));
  if (raw == nullptr) return SecretsPtr();
  return SecretsPtr(::new (raw) Secrets{});
}

// Using a moved-from Identity's secrets is a bug in the caller, not an expected outcome: this
// fails loudly rather than sign with, or derive pseudonyms from, memory that holds no key.
[[noreturn]] void DieUsedAfterMove(const char* what);

// Wipes memory in a way the compiler may not optimise away (sodium_memzero).
void Wipe(void* data, size_t size);
inline void Wipe(std::string& text) { Wipe(text.data(), text.size()); }

// Appends lowercase hex / Z85 of `bytes` to `out`. Callers reserve first so that `out` never
// reallocates and leaves an unwiped copy of secret text behind.
void AppendHex(std::string& out, std::span<const uint8_t> bytes);
void AppendZ85(std::string& out, std::span<const uint8_t, 32> bytes);

// Decode exactly out.size() bytes; false (and `out` wiped) on any malformed input. Hex accepts
// either case. Z85 refuses 5-character groups above 2^32 - 1, so every key has one spelling.
bool DecodeHexInto(std::string_view hex, std::span<uint8_t> out);
bool DecodeZ85Into(std::string_view text, std::span<uint8_t, 32> out);

}  // namespace lls::crypto
