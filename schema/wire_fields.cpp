#include "schema/wire_fields_internal.h"

#include <cstddef>

namespace lls::codec_internal {
namespace {

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsUtf8(const unsigned char* s, size_t n) {
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // bounds of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
      return false;
    }
    if (n - i < len) return false;
    if (s[i + 1] < lo || s[i + 1] > hi) return false;
    for (size_t k = 2; k < len; ++k) {
      if (s[i + k] < 0x80 || s[i + k] > 0xBF) return false;
    }
    i += len;
  }
  return true;
}

}  // namespace

std::string DecodeContext::Text(capnp::Text::Reader text, const char* field) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.begin());
  if (!IsUtf8(bytes, text.size())) {
    Fail(NackCode::kMalformed, std::string(field) + " is not valid UTF-8");
    return {};
  }
  return std::string(text.begin(), text.size());
}

std::vector<std::string> DecodeContext::Texts(capnp::List<capnp::Text>::Reader list,
                                              const char* field) {
  std::vector<std::string> out;
  out.reserve(list.size());
  for (capnp::Text::Reader text : list) out.push_back(Text(text, field));
  return out;
}

Bytes DecodeContext::Data(capnp::Data::Reader data) const {
  return Bytes(data.begin(), data.end());
}

void DecodeContext::Fail(NackCode code, std::string text) {
  if (!error_) error_ = WireError{code, std::move(text)};
}

void DecodeContext::WrongSize(const char* field, size_t want, size_t got) {
  Fail(NackCode::kMalformed, std::string(field) + " must be " + std::to_string(want) +
                                 " bytes, got " + std::to_string(got));
}

void SetTexts(capnp::List<capnp::Text>::Builder out, const std::vector<std::string>& in) {
  for (size_t i = 0; i < in.size(); ++i) out.set(i, TextOf(in[i]));
}

}  // namespace lls::codec_internal
