#include "crypto/testing.h"

#include <sodium.h>

namespace lls::crypto::testing {

namespace {

// Expands a seed into libsodium's key pair; the caller wipes `secret`.
void KeyPair(std::span<const uint8_t, 32> seed, SignPublicKey& pub,
             uint8_t (&secret)[crypto_sign_SECRETKEYBYTES]) {
  crypto_sign_seed_keypair(pub.data(), secret, seed.data());
}

}  // namespace

SignPublicKey SignPublicFromSeed(std::span<const uint8_t, 32> seed) {
  SignPublicKey pub;
  uint8_t secret[crypto_sign_SECRETKEYBYTES];
  KeyPair(seed, pub, secret);
  sodium_memzero(secret, sizeof(secret));
  return pub;
}

Signature SignDetachedWithSeed(std::span<const uint8_t, 32> seed,
                               std::span<const uint8_t> message) {
  SignPublicKey pub;
  uint8_t secret[crypto_sign_SECRETKEYBYTES];
  KeyPair(seed, pub, secret);
  Signature signature;
  crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(), secret);
  sodium_memzero(secret, sizeof(secret));
  return signature;
}

bool VerifyDetached(const SignPublicKey& key, std::span<const uint8_t> message,
                    const Signature& signature) {
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     key.data()) == 0;
}

}  // namespace lls::crypto::testing
