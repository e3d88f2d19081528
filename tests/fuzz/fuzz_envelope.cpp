// Envelope decode and verify: arbitrary bytes as a frame from the network.
//
// Properties (schema/codec.h, crypto/crypto.h):
//  - DecodeEnvelope, DecodeBody, DecodeReply and the subscribe decoders never crash, hang or
//    trip ASan/UBSan, whatever the bytes;
//  - what decodes is stable: decode -> encode -> decode gives the same value, and encoding
//    that value again gives the same bytes (bodies are compared by their encodings, since an
//    SpcSignal may hold a NaN, which == would call different);
//  - Verify never crashes on a decoded envelope; re-signed with a fuzz key it verifies exactly
//    when its kind is a known one (1..kMaxKind), and not after one signature bit flips.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "crypto/crypto.h"
#include "schema/codec.h"
#include "tests/fuzz/fuzz_util.h"

namespace lls::fuzz {
namespace {

void CheckBody(std::span<const uint8_t> bytes) {
  auto body = DecodeBody(bytes);
  if (!body.ok()) return;
  const Bytes first = EncodeBody(*body);
  auto again = DecodeBody(first);
  if (!again.ok()) Fail("a re-encoded body does not decode: " + again.error().text);
  if (EncodeBody(*again) != first) Fail("body decode -> encode -> decode is not stable");
  if (KindOf(*again) != KindOf(*body)) Fail("body kind changed on re-encoding");
}

template <typename Decode, typename Encode>
void CheckRoundTrip(std::span<const uint8_t> bytes, Decode decode, Encode encode,
                    const char* what) {
  auto value = decode(bytes, DecodeLimits{});
  if (!value.ok()) return;
  const Bytes first = encode(*value);
  auto again = decode(first, DecodeLimits{});
  if (!again.ok()) Fail(std::string("a re-encoded ") + what + " does not decode");
  if (!(*again == *value)) Fail(std::string(what) + " decode -> encode -> decode changed it");
  if (encode(*again) != first) Fail(std::string(what) + " encoding is not deterministic");
}

void CheckEnvelope(std::span<const uint8_t> bytes) {
  static const crypto::Identity signer = LoadIdentity(FuzzKey::kOther);
  auto envelope = DecodeEnvelope(bytes);
  if (!envelope.ok()) return;
  (void)crypto::Verify(*envelope);  // must not crash; almost always false here

  const Bytes first = EncodeEnvelope(*envelope);
  auto again = DecodeEnvelope(first);
  if (!again.ok()) Fail("a re-encoded envelope does not decode: " + again.error().text);
  if (!(*again == *envelope)) Fail("envelope decode -> encode -> decode changed it");
  if (EncodeEnvelope(*again) != first) Fail("envelope encoding is not deterministic");

  CheckBody(envelope->body);

  Envelope signed_copy = *envelope;
  crypto::Sign(signed_copy, signer);
  const bool known_kind = static_cast<uint16_t>(signed_copy.kind) >= 1 &&
                          static_cast<uint16_t>(signed_copy.kind) <= kMaxKind;
  if (crypto::Verify(signed_copy) != known_kind) {
    Fail("a freshly signed envelope verifies iff its kind is known: broken");
  }
  signed_copy.signature[bytes.size() % signed_copy.signature.size()] ^= 0x01;
  if (crypto::Verify(signed_copy)) Fail("an envelope with a flipped signature bit verifies");
}

}  // namespace
}  // namespace lls::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lls;
  fuzz::InitCrypto();
  const std::span<const uint8_t> bytes(data, size);
  fuzz::CheckEnvelope(bytes);
  // The same bytes as a bare body, and as the other frames a node or subscriber decodes.
  fuzz::CheckBody(bytes);
  fuzz::CheckRoundTrip(bytes, DecodeReply, EncodeReply, "reply");
  fuzz::CheckRoundTrip(bytes, DecodeSubscribeRequest, EncodeSubscribeRequest,
                                         "subscribe request");
  fuzz::CheckRoundTrip(bytes, DecodeSubscribeReply, EncodeSubscribeReply,
                                       "subscribe reply");
  return 0;
}
