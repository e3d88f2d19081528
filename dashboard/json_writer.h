// A streaming JSON writer for answers too big to build as nlohmann::json values first (a
// measure with a chart per trust is megabytes). It appends to one std::string the exact bytes
// that nlohmann::json::dump(2, ' ', false, error_handler_t::replace) gives for the same values:
// two-space indent, "{}" / "[]" when empty, doubles in nlohmann's shortest round-trip form
// (NaN and infinities as null), integers plainly, strings escaped by nlohmann's own serializer
// (bytes that are not UTF-8 replaced, not thrown). So a caller can swap a json tree for this
// writer without changing one byte of an answer, provided it writes each object's keys in the
// order dump() does: nlohmann's object is a std::map, so sorted by bytes.
//
// The caller is trusted to nest Begin/End pairs properly and to write a Key before each value
// in an object (debug builds assert). Not thread-safe: one writer per answer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lls::dashboard {

class JsonWriter {
 public:
  // Appends to `out`, which must outlive the writer.
  explicit JsonWriter(std::string& out) : out_(out) {}

  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  // The next value's key (in an object).
  void Key(std::string_view key);

  void String(std::string_view value);
  void Int(int64_t value);
  void Double(double value);
  void Bool(bool value);
  void Null();
  void OptionalDouble(const std::optional<double>& value) {
    if (value) {
      Double(*value);
    } else {
      Null();
    }
  }
  // An empty array: "[]".
  void EmptyArray() { BeginArray(), EndArray(); }

 private:
  // Before a value: the separator and indent an array element needs (none after a Key).
  void BeforeValue();
  void NewLineIndent(size_t depth);
  void WriteEscaped(std::string_view text);

  // The text of recently written doubles, by bit pattern: a chart's centre and limits repeat
  // on every point of a segment, and formatting a double is the writer's dearest step.
  struct CachedDouble {
    uint64_t bits = 0;
    uint8_t size = 0;  // 0: empty slot
    char text[31];
  };
  static constexpr size_t kDoubleCacheSlots = 16;

  std::string& out_;
  CachedDouble double_cache_[kDoubleCacheSlots];
  std::vector<bool> has_elements_;  // per open container: written any element yet?
  bool after_key_ = false;
};

}  // namespace lls::dashboard
