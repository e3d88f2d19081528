// Crypto: keys, key files, envelope signatures and pseudonyms. The only code that includes
// sodium.h.
//
// Every participant (trust node, hub, facilitator) holds two key pairs, as libsodium advises
// (never one key for two algorithms): an Ed25519 pair that signs envelopes, and an X25519 pair
// that CURVE (ZeroMQ's transport encryption) uses. The secret file holds both secrets and a
// 32-byte pseudonym key; it is created with mode 0600 and refused when group or others can
// read it. The public file is shareable text, given to the hub operator for enrolment.
//
// Thread-safety: call Init() once before anything else (main does); afterwards every function
// is thread-safe. Identity is move-only and wipes its secrets when destroyed.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "schema/messages.h"
#include "schema/status.h"

namespace lls::crypto {

using CurveKey = std::array<uint8_t, 32>;  // X25519 public or secret key

// Initialises libsodium. Idempotent. Fails only if the platform has no usable RNG.
Status Init();

// A participant's public half: what a hub enrols, what a node pins for its hub.
struct PublicIdentity {
  std::string name;
  SignPublicKey sign{};  // Ed25519
  CurveKey curve{};      // X25519, for CURVE
  bool operator==(const PublicIdentity&) const = default;
};

// A participant's secret half. Secrets live in memory locked by libsodium and are wiped when
// the Identity is destroyed.
class Identity {
 public:
  ~Identity();
  Identity(Identity&&) noexcept;
  Identity& operator=(Identity&&) noexcept;
  Identity(const Identity&) = delete;
  Identity& operator=(const Identity&) = delete;

  const std::string& name() const { return name_; }
  const PublicIdentity& public_identity() const { return public_; }
  const SignPublicKey& sign_public() const { return public_.sign; }
  const CurveKey& curve_public() const { return public_.curve; }
  // The X25519 secret, for the transport's CURVE options only.
  std::span<const uint8_t, 32> curve_secret() const;

  // Fresh random keys.
  static Result<Identity> Generate(std::string name);

 private:
  // sign secret (64), curve secret (32), pseudonym key (32), in sodium_malloc'd memory.
  struct Secrets;
  struct SecretsDeleter {
    void operator()(Secrets* secrets) const;  // sodium_free: wipes, then unmaps
  };
  using SecretsPtr = std::unique_ptr<Secrets, SecretsDeleter>;
  Identity(std::string name, PublicIdentity pub, SecretsPtr secrets);
  // The free functions below that need the secrets.
  friend Result<Identity> LoadSecretKeyFile(const std::filesystem::path& path);
  friend Status WriteKeyFiles(const Identity& identity, const std::filesystem::path& dir);
  friend void Sign(Envelope& envelope, const Identity& identity);
  friend std::string Pseudonym(const Identity& identity, std::string_view local_id);

  std::string name_;
  PublicIdentity public_;
  SecretsPtr secrets_;
};

// --- key files -------------------------------------------------------------------------------

// Writes DIR/NAME.secret (created 0600, never overwritten: kAlreadyExists) and DIR/NAME.public.
// Creates DIR (0700) if missing. NAME must be [A-Za-z0-9._-]{1,64}.
Status WriteKeyFiles(const Identity& identity, const std::filesystem::path& dir);

// Loads a secret file. Refuses (kPermissionDenied, with the fix in the message) a file that
// group or others can read or write; kCorrupt for a file that does not parse.
Result<Identity> LoadSecretKeyFile(const std::filesystem::path& path);

// Loads a public file (the text written by WriteKeyFiles).
Result<PublicIdentity> LoadPublicKeyFile(const std::filesystem::path& path);
// Parses public-file text, as LoadPublicKeyFile does after reading the file.
Result<PublicIdentity> ParsePublicKey(std::string_view text);
std::string FormatPublicKey(const PublicIdentity& identity);

// --- encodings ------------------------------------------------------------------------------

std::string ToHex(std::span<const uint8_t> bytes);
Result<Bytes> FromHex(std::string_view hex);
// ZeroMQ's Z85 (rfc.zeromq.org/spec/32) for 32-byte keys: 40 characters.
std::string Z85Encode(const CurveKey& key);
Result<CurveKey> Z85Decode(std::string_view text);

// --- signatures -----------------------------------------------------------------------------

// The exact bytes an envelope's signature covers (docs/protocol.md, "What is signed"):
//   "lls/v1/" + KindName(kind) + 0x00
//   + version (u16 BE) + message_id (16) + signer (32) + sequence (u64 BE)
//   + created_at_ms (i64 BE, two's complement) + len(body) (u32 BE) + body
Bytes SigningPayload(const Envelope& envelope);

// Fills signer and signature of `envelope` (all other fields must be set) with `identity`.
void Sign(Envelope& envelope, const Identity& identity);

// True when envelope.signature is a valid Ed25519 signature by envelope.signer over
// SigningPayload(envelope). Rejects non-canonical and small-order keys (libsodium's checks).
// False for a kind outside 1..kMaxKind: KindName calls them all "unknown", so their payloads
// would share one domain tag.
bool Verify(const Envelope& envelope);

// Builds a complete signed envelope: random message id, the encoded body, its kind.
Envelope Seal(const Identity& identity, uint64_t sequence, int64_t created_at_ms,
              const Body& body);

// --- randomness and pseudonyms --------------------------------------------------------------

MessageId RandomMessageId();

// A stable pseudonym for a local identifier (a local project code, a ward name): keyed BLAKE2b
// with the identity's pseudonym key, 16 bytes, hex. The same identity and input always give the
// same pseudonym; without the secret key it cannot be reversed or recomputed by a dictionary.
std::string Pseudonym(const Identity& identity, std::string_view local_id);

}  // namespace lls::crypto
