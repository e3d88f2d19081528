// Internal to crypto/: the line syntax shared by the secret and public key files, a subset of
// TOML that is easy to read without copying values.
//
// Reading accepts blank lines, '#' comment lines, trailing '# comments', spaces or tabs around
// '=', and CRLF line ends. Values are double-quoted with no escapes (no key encoding needs
// one). Unknown keys, repeated keys and missing keys are kCorrupt.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "schema/status.h"

namespace lls::crypto {

// One expected `key = "value"` entry. `value` points into the parsed text.
struct Field {
  std::string_view key;
  std::string_view value;
  int line = 0;  // 1-based line number once found; 0 until then
};

// Fills every Field in `fields` (whose keys the caller sets) from `text`: kCorrupt for a line
// that does not parse, an unknown or repeated key, or a missing one. Messages name lines and
// keys but never quote a value, which may be secret.
Status ParseFields(std::string_view text, std::span<Field> fields);

// kCorrupt "line N: <what>".
Status LineError(int line, const std::string& what);

}  // namespace lls::crypto
