// `lls simulate`: writes the files of tools/simulate.h into a folder, as a trust's analyst
// would have them to import into lls-node. Documented in docs/simulate.md.
#pragma once

#include <filesystem>

#include "tools/simulate.h"

namespace lls::tools {

struct SimulateArgs {
  std::filesystem::path out;  // the output folder; created when missing
  SimulateOptions options;
  bool force = false;  // write into a non-empty folder, overwriting only the files written
};

// Exit 0: written (one summary line on stdout). 2: a usage error (a bad option value, or `out`
// is not empty and `force` is not set, or is not a folder), one line on stderr, nothing
// written. 1: a file could not be written (one line on stderr; files written before stay).
int Simulate(const SimulateArgs& args);

}  // namespace lls::tools
