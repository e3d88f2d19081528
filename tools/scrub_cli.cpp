#include "tools/scrub_cli.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "node/scrubber.h"

namespace lls::tools {

namespace {

// Larger files are refused rather than read into memory: free text for a summary or a
// learning item is a few kilobytes, and the scanner is linear, so the cap is generous.
constexpr std::uintmax_t kMaxFileBytes = 64u << 20;

// The whole file, or nullopt after one line on stderr saying why not.
std::optional<std::string> ReadFile(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    std::fprintf(stderr, "lls: cannot read %s: is a directory\n", file.c_str());
    return std::nullopt;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "lls: cannot read %s: %s\n", file.c_str(), std::strerror(errno));
    return std::nullopt;
  }
  std::uintmax_t size = std::filesystem::file_size(file, ec);
  if (!ec && size > kMaxFileBytes) {
    std::fprintf(stderr, "lls: cannot read %s: larger than %ju bytes\n", file.c_str(),
                 kMaxFileBytes);
    return std::nullopt;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    std::fprintf(stderr, "lls: cannot read %s: read error\n", file.c_str());
    return std::nullopt;
  }
  return text;
}

}  // namespace

int Scrub(const std::vector<std::filesystem::path>& files, bool json) {
  Result<node::Scrubber> scrubber = node::Scrubber::Create();
  if (!scrubber.ok()) {  // only local patterns can fail, and there are none
    std::fprintf(stderr, "lls: %s\n", scrubber.status().message().c_str());
    return 2;
  }
  bool found = false, failed = false;
  for (const std::filesystem::path& file : files) {
    std::optional<std::string> text = ReadFile(file);
    if (!text) {
      failed = true;
      continue;
    }
    for (const node::Finding& f : scrubber->Scan(*text)) {
      found = true;
      if (json) {
        nlohmann::json line = {{"file", file.string()},
                               {"line", f.line},
                               {"column", f.column},
                               {"kind", f.kind},
                               {"masked", f.masked}};
        // A file name need not be UTF-8; replace what JSON cannot carry rather than throw.
        std::cout << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      } else {
        std::cout << file.string() << ":" << f.line << ":" << f.column << ": " << f.kind << ": "
                  << f.masked << "\n";
      }
    }
  }
  std::cout.flush();
  if (failed) return 2;
  return found ? 1 : 0;
}

}  // namespace lls::tools
