// The lls-node command line, as functions main() dispatches to. Each returns the process exit
// code and writes one clear line to stderr on failure (docs/cli.md documents every flag).
#pragma once

#include <filesystem>

namespace lls::node {

int ImportFile(const std::filesystem::path& config, const std::filesystem::path& file, bool json);
int Publish(const std::filesystem::path& config, int wait_seconds, bool json);
int ShowStatus(const std::filesystem::path& config, bool json);

}  // namespace lls::node
