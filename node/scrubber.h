// Scrubber: finds what could identify a patient in free text before it leaves a trust (DESIGN §6).
//
// Scan() returns every finding, in text order, never overlapping; Redact() replaces each one
// with a placeholder. Kinds (stable names, used in `lls scrub` output and by tests):
//
//   nhs-number        10 digits, unbroken or 3-3-4 with spaces or hyphens, valid Modulus 11
//                     check digit (NHS Data Dictionary). "[NHS NUMBER]"
//   chi-number        Scottish CHI: the same 10 digits and check, first six a valid DDMMYY date,
//                     also written 6-4. A number is reported once: chi-number when its first six
//                     digits are a date, else nhs-number. That is not a guess: CHI numbers hold
//                     the 0101010000-3112999999 block NHS numbers are allocated around, and every
//                     other block starts with a 3 or more in the DD place. "[CHI NUMBER]"
//   ten-digit-number  10 digits in an NHS number's shape that fail the check and do not start
//                     with 0 (those are left to `phone`). A mistyped NHS number is one digit away
//                     from a person, and Modulus 11 is built to reject exactly that typo, so
//                     privacy wins over a rare false alarm. "[NUMBER]"
//   postcode          UK postcodes (outward + inward code, with or without the space, any case):
//                     "LS1 3EX", "SW1A 1AA", "m1 1ae". Lower-case ordinals ("A1 2nd") are not.
//                     "[POSTCODE]"
//   date              full dates (day, month and year), which could be a date of birth:
//                     12/03/2024, 12-03-24, 12.03.2024, 3/12/2024 (month first too), 2024-03-12,
//                     12 March 2024, 12th of Mar 24, March 12th, 2024. Not "March 2024",
//                     "2024-03", "12 March", years, "2024/25", gestations "32+4". "[DATE]"
//   phone             UK numbers: 0 + 9 or 10 digits in groups ("07700 900123", "0113 496 0123",
//                     "(0113) 4960123") or +44/0044 + 9 or 10 digits. "[PHONE]"
//   email             local@domain.tld. "[EMAIL]"
//   name-after-title  up to three capitalised words, after optional initials and with particles
//                     (van, de ...) between, following Mr, Mrs, Ms, Miss, Mx, Dr, Prof, Baby,
//                     Master (case-sensitive, optional dot): the span is the name, not the title
//                     ("Mrs [NAME]"). Single-letter pseudonyms ("Mrs A", "Baby B") are not names;
//                     "MRS SMITH" and "mrs smith" are not found. "[NAME]"
//   local:<name>      a trust's own patterns (hospital numbers), from configuration.
//                     "[<NAME>]", upper case, '-' and '_' as spaces.
//
// Limits, on purpose: names without a title, addresses other than postcodes, ages, and
// identifiers inside longer digit runs are not found; this is a safety net, not a guarantee.
// Local patterns are ECMAScript std::regex, matched in overlapping windows of kLocalWindow bytes
// (a match longer than kLocalOverlap bytes may be missed; ^ and $ mean a window's ends); when
// std::regex gives up on a window (too complex), that whole window is reported as a finding of
// the pattern's kind, so a failure refuses rather than lets text through.
//
// Scan is linear in the input for the built-in detectors, accepts any bytes (invalid UTF-8
// included) and needs no input limit for safety; callers may still cap what they read.
// A Scrubber is an immutable value: copyable, and safe to use from several threads at once.
#pragma once

#include <cstddef>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "schema/status.h"

namespace lls::node {

// A trust's own identifier pattern, from its configuration.
struct LocalPattern {
  std::string name;   // 1-32 of [A-Za-z0-9_-]; the kind is "local:<name>"
  std::string regex;  // ECMAScript; must not match the empty string
};

struct Finding {
  std::string kind;    // one of the kinds above
  size_t line = 0;     // 1-based
  size_t column = 0;   // 1-based, in characters: bytes that are not UTF-8 continuation bytes
  size_t offset = 0;   // in bytes from the start of the text
  size_t length = 0;   // in bytes
  std::string masked;  // printable ASCII; a hint at what was found, never the whole of it:
                       // "999 *** ****", "LS1 ***", "**/**/****", "Mrs S****", "j***@nhs.net"
};

class Scrubber {
 public:
  static constexpr size_t kLocalWindow = 4096;
  static constexpr size_t kLocalOverlap = 256;

  // kInvalidArgument, naming the pattern, for a bad name, a regex that does not compile, or one
  // that matches the empty string.
  static Result<Scrubber> Create(std::vector<LocalPattern> local = {});

  std::vector<Finding> Scan(std::string_view text) const;

  // `text` with each finding replaced by its placeholder ("[NHS NUMBER]" ...), scanned again
  // and redacted again (up to 64 rounds) until nothing is found. The placeholders match no
  // built-in detector, so Scan(Redact(text)) is empty unless a local pattern matches one or a
  // chain of findings, each exposed by redacting the one before, is longer than 64.
  std::string Redact(std::string_view text) const;

  // "[NHS NUMBER]" for "nhs-number", "[HOSPITAL NUMBER]" for "local:hospital-number".
  static std::string Placeholder(std::string_view kind);

 private:
  struct Local {
    std::string kind;  // "local:<name>"
    std::regex regex;
  };
  explicit Scrubber(std::vector<Local> local) : local_(std::move(local)) {}
  std::vector<Local> local_;
};

// True when `digits` is 10 ASCII digits whose last is the Modulus 11 check digit of the first
// nine (weights 10..2; 11 - sum mod 11, where 11 means 0 and 10 means no valid number).
bool PassesModulus11(std::string_view digits);

}  // namespace lls::node
