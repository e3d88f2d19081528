// `lls export`: a hub's figures for reports — CSV, JSON or HL7 FHIR R4 MeasureReport
// resources. Reads hub.db read-only (the hub may be running). Documented in docs/exports.md
// and docs/cli.md.
#pragma once

#include <filesystem>
#include <string>

namespace lls::tools {

struct ExportArgs {
  std::filesystem::path config;     // the hub's configuration (hub.toml)
  std::string format = "csv";       // csv | json | fhir
  std::string measure;              // empty: every measure
  std::string from, to;             // YYYY-MM bounds, inclusive; empty: unbounded
  std::string stratify = "auto";    // auto (trust at an LLS hub, lls at a national hub) | trust | lls | none
  std::filesystem::path out;        // empty: standard output
  std::string canonical_base;       // FHIR Measure canonical base URL; empty: the documented default
};

// Exit 0 on success, 2 for usage errors, 1 when the hub's data cannot be read.
int Export(const ExportArgs& args);

}  // namespace lls::tools
