// `lls simulate`'s generator: deterministic synthetic data for one local learning system (LLS),
// as the files each trust's analyst would import into lls-node (docs/import.md): per trust a
// projects.csv (one project per clinical area), a counts.csv (every catalogue measure, every
// month) and 2-4 learning notes in Markdown, plus a manifest.json saying what was simulated:
// each trust's size and births, the change ideas it adopted (which measure, from which month,
// by how much) and which notes carry planted patient identifiers for the scrubber to refuse.
// The model and its numbers are documented in docs/simulate.md and next to each number in
// simulate_model.cpp.
//
// Pure: Simulate() returns the files as data and touches no disk (the CLI, simulate_cli.h,
// writes them). Deterministic: the same options and catalogue give byte-identical files on the
// same platform and build (all sampling is in simulate_random.h). Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "schema/messages.h"
#include "schema/status.h"

namespace lls::tools {

struct SimulateOptions {
  std::string lls = "lls-north";  // the LLS's name: 1-64 of [A-Za-z0-9._-]
  int trusts = 3;                 // 1..kMaxSimulatedTrusts
  int months = 24;                // 1..kMaxSimulatedMonths
  std::string start = "2024-01";  // first month, YYYY-MM; the last must be 2099-12 at the latest
  uint64_t seed = 1;
  std::string prefix;  // trust names are trust-<prefix>-<i>; empty = `lls` without "lls-"
};

inline constexpr int kMaxSimulatedTrusts = 50;
inline constexpr int kMaxSimulatedMonths = 240;

// One file to write: `path` is relative to the output folder, '/'-separated
// ("manifest.json", "trust-north-1/counts.csv", "trust-north-1/learning/01-....md").
struct SimulatedFile {
  std::string path;
  std::string content;
  bool operator==(const SimulatedFile&) const = default;
};

// kInvalidArgument with one line naming the option and the rule it breaks.
Status ValidateSimulateOptions(const SimulateOptions& options);

// The prefix in use: options.prefix, or the LLS name without a leading "lls-".
std::string EffectivePrefix(const SimulateOptions& options);

// The files, manifest.json first. kInvalidArgument for bad options (as above); kInternal when
// the catalogue has a measure the simulator has no model for (a new catalogue entry needs one
// in simulate_model.cpp).
Result<std::vector<SimulatedFile>> Simulate(const SimulateOptions& options,
                                            const MeasureCatalogue& catalogue);

}  // namespace lls::tools
