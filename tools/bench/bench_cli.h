// `lls bench` (docs/performance.md): runs the scenarios, prints the table (or JSON) on stdout.
#pragma once

#include <filesystem>

#include "tools/bench/bench.h"

namespace lls::bench {

struct BenchArgs {
  BenchOptions options;
  std::string scale = "full";       // smoke | full
  bool json = false;                // JSON on stdout instead of the table
  std::filesystem::path json_out;   // also write the JSON here
};

// Exit 0: every chosen scenario ran (targets missed are printed, not failures). 1: a scenario
// could not run (listed under "not run", reason on stderr). 2: a usage error.
int Bench(BenchArgs args);

}  // namespace lls::bench
