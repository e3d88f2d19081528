// Envelope signatures: the signed byte layout, Ed25519 signing and verification, Seal.
#include <sodium.h>

#include <cassert>
#include <cstring>
#include <limits>

#include "crypto/crypto.h"
#include "crypto/internal.h"
#include "schema/codec.h"

namespace lls::crypto {

namespace {

constexpr char kDomainPrefix[] = "lls/v1/";

// Writes into a buffer sized up front (one allocation, no reallocation).
class PayloadWriter {
 public:
  explicit PayloadWriter(Bytes& out) : out_(out) {}
  void Put(const void* data, size_t size) {
    if (size == 0) return;  // data may be null (an empty body); memcpy must not see it
    std::memcpy(out_.data() + at_, data, size);
    at_ += size;
  }
  template <typename T>
  void PutBigEndian(T value) {
    for (int shift = (sizeof(T) - 1) * 8; shift >= 0; shift -= 8) {
      out_[at_++] = static_cast<uint8_t>(value >> shift);
    }
  }
  size_t written() const { return at_; }

 private:
  Bytes& out_;
  size_t at_ = 0;
};

bool IsKnownKind(Kind kind) {
  const auto n = static_cast<uint16_t>(kind);
  return n >= 1 && n <= kMaxKind;
}

}  // namespace

Bytes SigningPayload(const Envelope& envelope) {
  // The domain tag makes a signature for one kind (or for anything that is not an LLS v1
  // envelope) useless as a signature for another, even over identical bytes.
  const char* kind_name = KindName(envelope.kind);
  const size_t prefix_size = std::strlen(kDomainPrefix);
  const size_t name_size = std::strlen(kind_name);
  Bytes out(prefix_size + name_size + 1 + 2 + envelope.message_id.size() +
            envelope.signer.size() + 8 + 8 + 4 + envelope.body.size());
  PayloadWriter writer(out);
  writer.Put(kDomainPrefix, prefix_size);
  writer.Put(kind_name, name_size + 1);  // with its terminating NUL
  writer.PutBigEndian<uint16_t>(envelope.version);
  writer.Put(envelope.message_id.data(), envelope.message_id.size());
  writer.Put(envelope.signer.data(), envelope.signer.size());
  writer.PutBigEndian<uint64_t>(envelope.sequence);
  writer.PutBigEndian<uint64_t>(static_cast<uint64_t>(envelope.created_at_ms));
  // Bodies never approach 4 GiB (frames are bounded far below); Verify refuses any that do,
  // because the truncated length would no longer bind the body's size.
  writer.PutBigEndian<uint32_t>(static_cast<uint32_t>(envelope.body.size()));
  writer.Put(envelope.body.data(), envelope.body.size());
  assert(writer.written() == out.size());
  return out;
}

void Sign(Envelope& envelope, const Identity& identity) {
  if (!identity.secrets_) DieUsedAfterMove("Sign");
  envelope.signer = identity.sign_public();
  const Bytes payload = SigningPayload(envelope);
  crypto_sign_detached(envelope.signature.data(), nullptr, payload.data(), payload.size(),
                       identity.secrets_->sign_secret.data());
}

bool Verify(const Envelope& envelope) {
  // KindName maps every out-of-range kind to "unknown", so such kinds would share one domain
  // tag; no honest signer produces them, so they never verify.
  if (!IsKnownKind(envelope.kind)) return false;
  if (envelope.body.size() > std::numeric_limits<uint32_t>::max()) return false;
  const Bytes payload = SigningPayload(envelope);
  // libsodium 1.0.18 also refuses non-canonical signatures and small-order or non-canonical
  // public keys here, so a third party cannot rewrite a valid signature into another valid one.
  return crypto_sign_verify_detached(envelope.signature.data(), payload.data(), payload.size(),
                                     envelope.signer.data()) == 0;
}

Envelope Seal(const Identity& identity, uint64_t sequence, int64_t created_at_ms,
              const Body& body) {
  Envelope envelope;
  envelope.version = kProtocolVersion;
  envelope.message_id = RandomMessageId();
  envelope.sequence = sequence;
  envelope.created_at_ms = created_at_ms;
  envelope.kind = KindOf(body);
  envelope.body = EncodeBody(body);
  Sign(envelope, identity);
  return envelope;
}

}  // namespace lls::crypto
