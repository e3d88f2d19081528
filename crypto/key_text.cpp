// The `key = "value"` line syntax of key files; see key_text.h.
#include "crypto/key_text.h"

#include <algorithm>
#include <string>

namespace lls::crypto {

namespace {

std::string_view Trim(std::string_view s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

bool IsBareKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_';
}

}  // namespace

Status LineError(int line, const std::string& what) {
  return Status(Code::kCorrupt, "line " + std::to_string(line) + ": " + what);
}

Status ParseFields(std::string_view text, std::span<Field> fields) {
  int line_number = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = Trim(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++line_number;
    if (line.empty() || line.front() == '#') continue;

    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) return LineError(line_number, "expected key = \"value\"");
    const std::string_view key = Trim(line.substr(0, eq));
    if (key.empty() || !std::all_of(key.begin(), key.end(), IsBareKeyChar) || key.size() > 32) {
      return LineError(line_number, "expected a key name before '='");
    }
    std::string_view rest = Trim(line.substr(eq + 1));
    if (rest.size() < 2 || rest.front() != '"') {
      return LineError(line_number, std::string(key) + ": expected a double-quoted value");
    }
    const size_t close = rest.find('"', 1);
    if (close == std::string_view::npos) {
      return LineError(line_number, std::string(key) + ": missing closing quote");
    }
    const std::string_view value = rest.substr(1, close - 1);
    const std::string_view after = Trim(rest.substr(close + 1));
    if (!after.empty() && after.front() != '#') {
      return LineError(line_number, std::string(key) + ": unexpected text after the value");
    }
    if (std::any_of(value.begin(), value.end(), [](char c) {
          return c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
        })) {
      return LineError(line_number, std::string(key) + ": escapes and control characters are "
                                                       "not allowed in values");
    }

    const auto field = std::find_if(fields.begin(), fields.end(),
                                    [&](const Field& f) { return f.key == key; });
    if (field == fields.end()) {
      return LineError(line_number, "unknown key \"" + std::string(key) + "\"");
    }
    if (field->line != 0) {
      return LineError(line_number, "\"" + std::string(key) + "\" repeated (first on line " +
                                        std::to_string(field->line) + ")");
    }
    field->value = value;
    field->line = line_number;
  }
  for (const Field& field : fields) {
    if (field.line == 0) {
      return Status(Code::kCorrupt, "missing \"" + std::string(field.key) + "\"");
    }
  }
  return Status::Ok();
}

}  // namespace lls::crypto
