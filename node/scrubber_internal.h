// Internal to node/scrubber.cpp and node/scrubber_detectors.cpp: byte helpers, the candidate
// spans detectors propose, masks, and the built-in detectors. Not part of the node's API.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace lls::node::scrub_internal {


// ---------------------------------------------------------------------------------------------
// Bytes. Detectors work on ASCII and treat every other byte as "not a digit, not a separator",
// so arbitrary bytes and invalid UTF-8 cannot trip them. At() returns '\0' outside the text,
// including for i = size_t(-1), so detectors can look around a position without bounds checks.

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
inline bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
inline bool IsAlpha(char c) { return IsUpper(c) || IsLower(c); }
inline bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }
inline bool IsNonAscii(char c) { return static_cast<unsigned char>(c) >= 0x80; }
inline bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }
inline char Lower(char c) { return IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c; }
inline char Upper(char c) { return IsLower(c) ? static_cast<char>(c - 'a' + 'A') : c; }

inline char At(std::string_view t, size_t i) { return i < t.size() ? t[i] : '\0'; }

inline size_t DigitsFrom(std::string_view t, size_t i) {
  size_t j = i;
  while (j < t.size() && IsDigit(t[j])) ++j;
  return j - i;
}

inline size_t LettersFrom(std::string_view t, size_t i) {
  size_t j = i;
  while (j < t.size() && IsAlpha(t[j])) ++j;
  return j - i;
}

// The value of the n digits at t[i]; a run of more than 9 digits (no date or count part
// the detectors want) reads as INT_MAX rather than overflowing (found by fuzz_scrubber).
inline int Number(std::string_view t, size_t i, size_t n) {
  if (n > 9) return std::numeric_limits<int>::max();
  int value = 0;
  for (size_t k = i; k < i + n; ++k) value = value * 10 + (t[k] - '0');
  return value;
}

inline bool EqualsLower(std::string_view t, size_t i, std::string_view word) {
  if (i + word.size() > t.size()) return false;
  for (size_t k = 0; k < word.size(); ++k) {
    if (Lower(t[i + k]) != word[k]) return false;
  }
  return true;
}

// A digit that starts a number: not inside a longer run, and not the fraction of a decimal or
// the tail of a thousands group ("0.1234567890", "1,234").
inline bool NumberStart(std::string_view t, size_t i) {
  if (!IsDigit(At(t, i)) || IsDigit(At(t, i - 1))) return false;
  char before = At(t, i - 1);
  return !((before == '.' || before == ',') && IsDigit(At(t, i - 2)));
}

// ---------------------------------------------------------------------------------------------
// Candidates. Every detector proposes spans; Select() keeps the longest of overlapping ones
// (so "+44 113 496 0123" is one phone number, not a phone number holding a ten-digit number),
// and on equal length the lower priority value (an NHS number beats a phone number).

enum Priority { kIdNumber, kTenDigit, kEmail, kPhone, kDate, kPostcode, kName, kLocal };

struct Candidate {
  size_t begin = 0;
  size_t end = 0;
  Priority priority = kLocal;
  std::string kind;
  std::string masked;
};
using Candidates = std::vector<Candidate>;

inline void Add(Candidates& out, size_t begin, size_t end, Priority priority, std::string kind,
         std::string masked) {
  out.push_back(Candidate{begin, end, priority, std::move(kind), std::move(masked)});
}

// Keeps the first `keep` digits; every later digit becomes '*'. For spans made of ASCII only.
inline std::string MaskDigits(std::string_view s, size_t keep) {
  std::string out(s);
  size_t digits = 0;
  for (char& c : out) {
    if (IsDigit(c) && digits++ >= keep) c = '*';
  }
  return out;
}

// Printable ASCII for any bytes: the first `keep` characters when they are ASCII letters or
// digits, '*' for every other letter, digit or non-ASCII character, ' ' for control bytes.
inline std::string MaskAny(std::string_view s, size_t keep) {
  std::string out;
  size_t chars = 0;
  for (char c : s) {
    if (IsContinuation(c)) continue;
    bool kept = chars++ < keep && IsAlnum(c);
    if (kept) {
      out += c;
    } else if (IsAlnum(c) || IsNonAscii(c)) {
      out += '*';
    } else {
      out += (c >= 0x20 && c < 0x7F) ? c : ' ';
    }
  }
  return out;
}

// The built-in detectors (scrubber_detectors.cpp): each appends its candidates to `out`.
void FindIdNumbers(std::string_view t, Candidates& out);
void FindPhones(std::string_view t, Candidates& out);
void FindEmails(std::string_view t, Candidates& out);
void FindDates(std::string_view t, Candidates& out);
void FindPostcodes(std::string_view t, Candidates& out);
void FindNames(std::string_view t, Candidates& out);

}  // namespace lls::node::scrub_internal
