#include "tools/simulate_cli.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <system_error>

#include "exchange/catalogue.h"

namespace lls::tools {

namespace {

// Writes `content` to `path` (replacing it), creating its folder. False after one line on
// stderr.
bool WriteFile(const std::filesystem::path& path, const std::string& content) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) {
    std::fprintf(stderr, "lls: cannot create %s: %s\n", path.parent_path().c_str(),
                 ec.message().c_str());
    return false;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    std::fprintf(stderr, "lls: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
    return false;
  }
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) {
    std::fprintf(stderr, "lls: cannot write %s: write error\n", path.c_str());
    return false;
  }
  return true;
}

}  // namespace

int Simulate(const SimulateArgs& args) {
  if (Status s = ValidateSimulateOptions(args.options); !s.ok()) {
    std::fprintf(stderr, "lls: %s\n", s.message().c_str());
    return 2;
  }
  if (args.out.empty()) {
    std::fprintf(stderr, "lls: --out must name a folder\n");
    return 2;
  }
  std::error_code ec;
  if (std::filesystem::exists(args.out, ec)) {
    if (!std::filesystem::is_directory(args.out, ec)) {
      std::fprintf(stderr, "lls: %s exists and is not a folder\n", args.out.c_str());
      return 2;
    }
    if (!args.force && !std::filesystem::is_empty(args.out, ec)) {
      std::fprintf(stderr,
                   "lls: %s is not empty; use --force to overwrite the files simulate writes\n",
                   args.out.c_str());
      return 2;
    }
  }
  Result<std::vector<SimulatedFile>> files = lls::tools::Simulate(args.options, BuiltInCatalogue());
  if (!files.ok()) {
    std::fprintf(stderr, "lls: %s\n", files.status().message().c_str());
    return files.status().code() == Code::kInvalidArgument ? 2 : 1;
  }
  for (const SimulatedFile& file : *files) {
    if (!WriteFile(args.out / file.path, file.content)) return 1;
  }
  std::printf("wrote %zu files for %d trusts of %s, %d months from %s, to %s\n", files->size(),
              args.options.trusts, args.options.lls.c_str(), args.options.months,
              args.options.start.c_str(), args.out.c_str());
  return 0;
}

}  // namespace lls::tools
