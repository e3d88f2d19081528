// `lls spc`: draws an SPC chart's numbers from a CSV file (analytics/spc.h), as a table or
// JSON. Documented in docs/analytics.md and docs/cli.md.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace lls::tools {

struct SpcArgs {
  std::string chart = "xmr";          // xmr | p | laney | run | funnel
  std::filesystem::path input;        // CSV with a header row ("-": standard input)
  std::string improvement = "neutral";  // increase | decrease | neutral
  std::optional<double> target;
  std::vector<std::string> rebase;    // periods where a new segment starts
  std::optional<size_t> fix_after;
  bool screen_outliers = false;
  bool json = false;
};

// Exit 0 on success; 2 for usage errors and unreadable or malformed CSV (one line on stderr
// naming file:line and the problem).
int Spc(const SpcArgs& args);

}  // namespace lls::tools
