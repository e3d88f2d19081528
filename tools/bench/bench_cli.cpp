#include "tools/bench/bench_cli.h"

#include <cstdio>
#include <fstream>
#include <iostream>

namespace lls::bench {

int Bench(BenchArgs args) {
  args.options.scale = args.scale == "smoke" ? Scale::kSmoke : Scale::kFull;
  Result<BenchReport> report = RunBench(args.options);
  if (!report.ok()) {
    std::fprintf(stderr, "lls bench: %s\n", report.status().message().c_str());
    return report.status().code() == Code::kInvalidArgument ? 2 : 1;
  }
  const std::string json = ToJson(*report);
  if (args.json) {
    std::cout << json << "\n";
  } else {
    PrintTable(*report, std::cout);
  }
  if (!args.json_out.empty()) {
    std::ofstream out(args.json_out);
    out << json << "\n";
    if (!out) {
      std::fprintf(stderr, "lls bench: cannot write %s\n", args.json_out.c_str());
      return 1;
    }
  }
  for (const std::string& skipped : report->skipped) {
    std::fprintf(stderr, "lls bench: not run: %s\n", skipped.c_str());
  }
  return report->skipped.empty() ? 0 : 1;
}

}  // namespace lls::bench
