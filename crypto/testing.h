// Test-only hooks: raw Ed25519 over arbitrary bytes, so tests can check the library against
// published vectors (RFC 8032) that are not LLS envelopes. Production code never links
// lls_crypto_testing: signing arbitrary bytes with a participant's key would defeat the domain
// tag that SigningPayload puts in front of everything an Identity signs.
#pragma once

#include <cstdint>
#include <span>

#include "crypto/crypto.h"

namespace lls::crypto::testing {

// Ed25519 key pair from a 32-byte seed (RFC 8032's "secret key"), then a detached signature.
SignPublicKey SignPublicFromSeed(std::span<const uint8_t, 32> seed);
Signature SignDetachedWithSeed(std::span<const uint8_t, 32> seed,
                               std::span<const uint8_t> message);
bool VerifyDetached(const SignPublicKey& key, std::span<const uint8_t> message,
                    const Signature& signature);

}  // namespace lls::crypto::testing
