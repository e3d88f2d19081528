// The `lls` commands. Each returns the exit code and writes one clear line to stderr on failure.
#pragma once

#include <filesystem>
#include <string>

namespace lls::tools {

// Writes DIR/NAME.secret (0600) and DIR/NAME.public; prints both paths.
int Keygen(const std::string& name, const std::filesystem::path& out_dir);

// Decodes an envelope file, verifies its signature, prints it as JSON (one object).
// Exit 0 verified; 1 when it cannot be read, decoded or verified.
int Inspect(const std::filesystem::path& file);

}  // namespace lls::tools
