#include "dashboard/json_writer.h"

#include <bit>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstring>

#include <nlohmann/json.hpp>

namespace lls::dashboard {

namespace {

constexpr std::string_view kSpaces = "                                                        ";

// True when nlohmann would write `text` as it is: printable ASCII with no quote or backslash.
bool Plain(std::string_view text) {
  for (char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b >= 0x80 || b == '"' || b == '\\') return false;
  }
  return true;
}

}  // namespace

void JsonWriter::NewLineIndent(size_t depth) {
  out_.push_back('\n');
  for (size_t n = depth * 2; n > 0;) {
    const size_t step = std::min(n, kSpaces.size());
    out_.append(kSpaces.data(), step);
    n -= step;
  }
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (has_elements_.empty()) return;  // the top-level value
  // An array element.
  if (has_elements_.back()) out_.push_back(',');
  has_elements_.back() = true;
  NewLineIndent(has_elements_.size());
}

void JsonWriter::Key(std::string_view key) {
  assert(!has_elements_.empty() && !after_key_);
  // The usual key, a short plain literal, in one append: [,]\n<indent>"key":<space>.
  const size_t indent = has_elements_.size() * 2;
  char buf[128];
  if (Plain(key) && key.size() + indent + 6 <= sizeof buf) {
    char* p = buf;
    if (has_elements_.back()) *p++ = ',';
    *p++ = '\n';
    std::memset(p, ' ', indent);
    p += indent;
    *p++ = '"';
    std::memcpy(p, key.data(), key.size());
    p += key.size();
    *p++ = '"';
    *p++ = ':';
    *p++ = ' ';
    out_.append(buf, static_cast<size_t>(p - buf));
  } else {
    if (has_elements_.back()) out_.push_back(',');
    NewLineIndent(has_elements_.size());
    WriteEscaped(key);
    out_.append(": ");
  }
  has_elements_.back() = true;
  after_key_ = true;
}

void JsonWriter::BeginObject() {
  BeforeValue();
  out_.push_back('{');
  has_elements_.push_back(false);
}

void JsonWriter::EndObject() {
  assert(!has_elements_.empty() && !after_key_);
  const bool any = has_elements_.back();
  has_elements_.pop_back();
  if (any) NewLineIndent(has_elements_.size());
  out_.push_back('}');
}

void JsonWriter::BeginArray() {
  BeforeValue();
  out_.push_back('[');
  has_elements_.push_back(false);
}

void JsonWriter::EndArray() {
  assert(!has_elements_.empty() && !after_key_);
  const bool any = has_elements_.back();
  has_elements_.pop_back();
  if (any) NewLineIndent(has_elements_.size());
  out_.push_back(']');
}

void JsonWriter::String(std::string_view value) {
  BeforeValue();
  WriteEscaped(value);
}

void JsonWriter::WriteEscaped(std::string_view text) {
  if (Plain(text)) {
    out_.push_back('"');
    out_.append(text);
    out_.push_back('"');
    return;
  }
  // Escapes, non-ASCII and invalid UTF-8: nlohmann's serializer, so the bytes match.
  out_.append(nlohmann::json(std::string(text))
                  .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void JsonWriter::Int(int64_t value) {
  BeforeValue();
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof buf, value);
  out_.append(buf, result.ptr);
}

void JsonWriter::Double(double value) {
  BeforeValue();
  if (!std::isfinite(value)) {
    out_.append("null");
    return;
  }
  const auto bits = std::bit_cast<uint64_t>(value);
  CachedDouble& slot = double_cache_[(bits * 0x9E3779B97F4A7C15ULL) >> 60];
  static_assert(kDoubleCacheSlots == 16, "the slot is the hash's top 4 bits");
  if (slot.size == 0 || slot.bits != bits) {
    // nlohmann's own float formatting (Grisu2, "%g"-like layout, ".0" on whole numbers): the
    // serializer calls exactly this for a finite double. At most 24 characters.
    char buf[64];
    char* end = nlohmann::detail::to_chars(buf, buf + sizeof buf, value);
    const auto size = static_cast<size_t>(end - buf);
    if (size > sizeof slot.text) {
      out_.append(buf, size);
      return;
    }
    std::memcpy(slot.text, buf, size);
    slot.size = static_cast<uint8_t>(size);
    slot.bits = bits;
  }
  out_.append(slot.text, slot.size);
}

void JsonWriter::Bool(bool value) {
  BeforeValue();
  out_.append(value ? "true" : "false");
}

void JsonWriter::Null() {
  BeforeValue();
  out_.append("null");
}

}  // namespace lls::dashboard
