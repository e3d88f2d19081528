// CSV import (measure counts or project details, told apart by the header; node/csv.h syntax): ImportText on arbitrary text.
//
// Properties (node/import.h, docs/import.md): no crash, hang or sanitizer report whatever the
// bytes (invalid UTF-8, NULs, huge fields); a failure lists at least one and at most
// kMaxImportProblems + 1 problems; a success holds records within the documented bounds
// (tests/fuzz/import_checks.h).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "exchange/catalogue.h"
#include "node/import.h"
#include "tests/fuzz/import_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lls;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const MeasureCatalogue& catalogue = BuiltInCatalogue();
  fuzz::CheckImport(node::ImportText(text, "counts.csv", node::ImportFormat::kCsv, catalogue),
                    catalogue);
  return 0;
}
