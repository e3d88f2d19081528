// Private to schema/: field-level helpers shared by the codec's converters. Includes the
// generated lls.capnp.h, so only the codec's .cpp files may include this header.
//
// Reading rule: Cap'n Proto itself reports broken framing, pointers and limits by throwing
// kj::Exception, which codec.cpp catches once per decode. Problems that are ours to find (a
// field of the wrong size, text that is not UTF-8) are collected in a DecodeContext instead, so
// the converters read straight through and the caller checks once at the end.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <capnp/blob.h>
#include <capnp/list.h>

#include "lls.capnp.h"
#include "schema/codec.h"
#include "schema/messages.h"

namespace lls::codec_internal {

// Collects the first error found while converting a reader into plain values.
class DecodeContext {
 public:
  // Text must be UTF-8 (Cap'n Proto defines Text so); anything else is refused here so no
  // later stage (JSON output, the store) meets an invalid string.
  std::string Text(capnp::Text::Reader text, const char* field);
  std::vector<std::string> Texts(capnp::List<capnp::Text>::Reader list, const char* field);
  Bytes Data(capnp::Data::Reader data) const;

  // A fixed-size field (ids, keys, signatures): exactly N bytes, else kMalformed.
  template <size_t N>
  void Fixed(capnp::Data::Reader data, std::array<uint8_t, N>& out, const char* field) {
    if (data.size() != N) return WrongSize(field, N, data.size());
    for (size_t i = 0; i < N; ++i) out[i] = data[i];
  }
  // Like Fixed, but an empty field reads as all zero (Nack.messageId may be absent).
  template <size_t N>
  void FixedOrEmpty(capnp::Data::Reader data, std::array<uint8_t, N>& out, const char* field) {
    if (data.size() == 0) {
      out.fill(0);
      return;
    }
    Fixed(data, out, field);
  }

  // Records `error` unless an earlier one is already recorded.
  void Fail(NackCode code, std::string text);

  bool ok() const { return !error_.has_value(); }
  const WireError& error() const { return *error_; }

 private:
  void WrongSize(const char* field, size_t want, size_t got);

  std::optional<WireError> error_;
};

// Enums travel as their numbers. A number this build does not know decodes as the enum's zero
// value (unspecified / neutral / lls) rather than refusing the message: lls.capnp only ever
// adds enumerants, so an older reader meets newer values, and every zero value is the
// cautious reading (Scope::kLls keeps an item local). Envelope.kind is the exception: a kind
// outside the known range is refused with kUnsupportedKind (see codec.h).
template <typename E, typename W>
E EnumFromWire(W wire_value, E last) {
  const auto raw = static_cast<uint16_t>(wire_value);
  return raw <= static_cast<uint16_t>(last) ? static_cast<E>(raw) : E{};
}

template <typename W, typename E>
W EnumToWire(E value) {
  return static_cast<W>(static_cast<uint16_t>(value));
}

// std::string may hold NUL bytes; these keep the whole string (kj::StringPtr's implicit
// conversion from std::string would stop at the first NUL).
inline capnp::Text::Reader TextOf(const std::string& s) {
  return capnp::Text::Reader(s.data(), s.size());
}
template <typename Container>
capnp::Data::Reader DataOf(const Container& bytes) {
  return capnp::Data::Reader(bytes.data(), bytes.size());
}
void SetTexts(capnp::List<capnp::Text>::Builder out, const std::vector<std::string>& in);

}  // namespace lls::codec_internal
