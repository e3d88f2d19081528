// `lls scrub`: scans files for patient identifiers with the built-in detectors of
// node/scrubber.h (no configuration, so no local patterns) and prints each finding.
#pragma once

#include <filesystem>
#include <vector>

namespace lls::tools {

// Prints one line per finding to stdout, "FILE:LINE:COLUMN: KIND: MASKED", or with `json` one
// JSON object per line ({"column","file","kind","line","masked"}); columns count characters.
// Every file is scanned even after an error. Exit 0: nothing found; 1: something found;
// 2: a file could not be read (one line on stderr each), whatever was found elsewhere.
int Scrub(const std::vector<std::filesystem::path>& files, bool json);

}  // namespace lls::tools
