// The free-text scrubber (node/scrubber.h): Scan and Redact on arbitrary bytes.
//
// Properties, all documented in node/scrubber.h:
//  - Scan accepts any bytes: no crash, hang or sanitizer report;
//  - findings come in text order, never overlap, lie inside the text, have a known kind, a
//    1-based line and column, and a printable-ASCII `masked` hint that is never the whole of
//    what was found;
//  - "The placeholders match no built-in detector, so Scan(Redact(text)) is empty unless a
//    local pattern matches one": checked with the built-in detectors alone, and with a local
//    pattern (a hospital-number shape) that cannot match a placeholder;
//  - so Redact is idempotent.
// The first input byte picks the scrubber (odd: with the local pattern); the rest is the text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "node/scrubber.h"
#include "tests/fuzz/fuzz_util.h"

namespace lls::fuzz {
namespace {

bool KnownKind(std::string_view kind) {
  for (std::string_view k : {"nhs-number", "chi-number", "ten-digit-number", "postcode", "date",
                             "phone", "email", "name-after-title", "local:hospital-number"}) {
    if (kind == k) return true;
  }
  return false;
}

std::string Describe(const node::Finding& f) {
  return f.kind + " at offset " + std::to_string(f.offset) + " length " +
         std::to_string(f.length);
}

void CheckFindings(std::string_view text, const std::vector<node::Finding>& findings) {
  size_t end_of_previous = 0;
  for (const node::Finding& f : findings) {
    if (!KnownKind(f.kind)) Fail("unknown kind " + f.kind);
    if (f.length == 0) Fail("empty finding: " + Describe(f));
    if (f.offset > text.size() || f.length > text.size() - f.offset) {
      Fail("finding outside the text: " + Describe(f));
    }
    if (f.offset < end_of_previous) Fail("findings out of order or overlapping: " + Describe(f));
    end_of_previous = f.offset + f.length;
    if (f.line == 0 || f.column == 0) Fail("line and column are 1-based: " + Describe(f));
    for (char c : f.masked) {
      if (c < 0x20 || c > 0x7e) Fail("masked hint is not printable ASCII: " + Describe(f));
    }
    if (f.masked == text.substr(f.offset, f.length)) {
      Fail("masked hint shows the whole finding: " + Describe(f));
    }
  }
}

}  // namespace
}  // namespace lls::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lls;
  using namespace lls::fuzz;
  static const node::Scrubber built_in = node::Scrubber::Create().value();
  static const node::Scrubber with_local =
      node::Scrubber::Create({{"hospital-number", "\\b[A-Z]{3}[0-9]{7}\\b"}}).value();
  if (size == 0) return 0;
  const node::Scrubber& scrubber = (data[0] & 1) ? with_local : built_in;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);

  CheckFindings(text, scrubber.Scan(text));
  const std::string redacted = scrubber.Redact(text);
  const std::vector<node::Finding> left = scrubber.Scan(redacted);
  if (!left.empty()) {
    Fail("Scan(Redact(text)) found " + Describe(left.front()) + " in the redacted text");
  }
  if (scrubber.Redact(redacted) != redacted) Fail("Redact is not idempotent");
  return 0;
}
