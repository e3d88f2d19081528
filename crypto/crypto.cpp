// Init, Identity (secret ownership and key generation), randomness and pseudonyms.
// Key files are in key_file.cpp, signatures in signing.cpp, hex and Z85 in encoding.cpp.
#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "crypto/crypto.h"
#include "crypto/internal.h"

namespace lls::crypto {

static_assert(kSignSecretBytes == crypto_sign_SECRETKEYBYTES);
static_assert(kSignSeedBytes == crypto_sign_SEEDBYTES);
static_assert(std::tuple_size_v<SignPublicKey> == crypto_sign_PUBLICKEYBYTES);
static_assert(std::tuple_size_v<Signature> == crypto_sign_BYTES);
static_assert(kCurveSecretBytes == crypto_box_SECRETKEYBYTES);
static_assert(std::tuple_size_v<CurveKey> == crypto_box_PUBLICKEYBYTES);
static_assert(kPseudonymKeyBytes >= crypto_generichash_KEYBYTES_MIN &&
              kPseudonymKeyBytes <= crypto_generichash_KEYBYTES_MAX);

Status Init() {
  // sodium_init returns 0 on first success, 1 when already initialised, -1 on failure.
  if (sodium_init() < 0) {
    return Status(Code::kInternal, "libsodium failed to initialise (no usable random source?)");
  }
  return Status::Ok();
}

void* AllocateSecretMemory(size_t size) { return sodium_malloc(size); }

void Wipe(void* data, size_t size) { sodium_memzero(data, size); }

// --- Identity --------------------------------------------------------------------------------

void Identity::SecretsDeleter::operator()(Secrets* secrets) const {
  // Secrets is trivially destructible; sodium_free wipes the bytes before unmapping them.
  sodium_free(secrets);
}

Identity::Identity(std::string name, PublicIdentity pub, SecretsPtr secrets)
    : name_(std::move(name)), public_(std::move(pub)), secrets_(std::move(secrets)) {}

Identity::~Identity() = default;
// A moved-from Identity holds no secrets (secrets_ is null); destroying it frees nothing.
Identity::Identity(Identity&&) noexcept = default;
Identity& Identity::operator=(Identity&&) noexcept = default;

void DieUsedAfterMove(const char* what) {
  std::fprintf(stderr, "lls::crypto: %s called on a moved-from Identity\n", what);
  std::abort();
}

std::span<const uint8_t, 32> Identity::curve_secret() const {
  if (!secrets_) DieUsedAfterMove("Identity::curve_secret");
  return std::span<const uint8_t, 32>(secrets_->curve_secret);
}

Result<Identity> Identity::Generate(std::string name) {
  LLS_RETURN_IF_ERROR(CheckKeyName(name));
  SecretsPtr secrets = NewSecrets<SecretsPtr>();
  if (!secrets) return Status(Code::kInternal, "cannot allocate guarded memory for secret keys");

  PublicIdentity pub;
  pub.name = name;
  // Two independent key pairs rather than one converted to the other: libsodium advises
  // against using one key with two algorithms, and a leak of one then says nothing of the other.
  if (crypto_sign_keypair(pub.sign.data(), secrets->sign_secret.data()) != 0 ||
      crypto_box_keypair(pub.curve.data(), secrets->curve_secret.data()) != 0) {
    return Status(Code::kInternal, "key generation failed");
  }
  randombytes_buf(secrets->pseudonym_key.data(), secrets->pseudonym_key.size());
  return Identity(std::move(name), std::move(pub), std::move(secrets));
}

// --- randomness and pseudonyms ---------------------------------------------------------------

MessageId RandomMessageId() {
  MessageId id;
  randombytes_buf(id.data(), id.size());
  return id;
}

namespace {

// Domain separation: the pseudonym key hashes nothing that does not start with this tag, so
// a pseudonym can never equal a MAC or hash computed with the same key for another purpose.
// The trailing NUL keeps the tag from running into the input.
constexpr char kPseudonymDomain[] = "lls/pseudonym/v1";  // sizeof includes the NUL
constexpr size_t kPseudonymBytes = 16;

}  // namespace

std::string Pseudonym(const Identity& identity, std::string_view local_id) {
  if (!identity.secrets_) DieUsedAfterMove("Pseudonym");
  const auto& key = identity.secrets_->pseudonym_key;
  crypto_generichash_state state;
  std::array<uint8_t, kPseudonymBytes> out;
  crypto_generichash_init(&state, key.data(), key.size(), out.size());
  crypto_generichash_update(&state, reinterpret_cast<const uint8_t*>(kPseudonymDomain),
                            sizeof(kPseudonymDomain));
  crypto_generichash_update(&state, reinterpret_cast<const uint8_t*>(local_id.data()),
                            local_id.size());
  crypto_generichash_final(&state, out.data(), out.size());
  // The state was initialised from the key; do not leave it on the stack.
  sodium_memzero(&state, sizeof(state));
  return ToHex(out);
}

}  // namespace lls::crypto
