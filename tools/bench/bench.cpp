#include "tools/bench/bench.h"

#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <chrono>
#include <ctime>
#include <fstream>
#include <thread>

#include "tools/bench/load.h"
#include "tools/bench/scenarios.h"

namespace lls::bench {

Result<std::filesystem::path> BenchContext::Folder(const std::string& name) const {
  std::filesystem::path folder = options.work_dir / name;
  std::error_code ec;
  std::filesystem::remove_all(folder, ec);  // a scenario run twice starts afresh
  std::filesystem::create_directories(folder, ec);
  if (ec) return Status(Code::kIoError, "cannot create " + folder.string() + ": " + ec.message());
  return folder;
}

namespace {

std::string Machine() {
  std::string model = "unknown CPU";
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  utsname u{};
  uname(&u);
  return model + ", " + std::to_string(std::thread::hardware_concurrency()) + " cores, Linux " +
         u.release;
}

std::string UtcNow() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// lls-hub beside `lls` (an installed layout), else in the build tree's hub/ folder.
std::filesystem::path FindHubProgram() {
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "lls-hub";
  for (const auto& candidate : {self.parent_path() / "lls-hub",
                                self.parent_path().parent_path() / "hub" / "lls-hub"}) {
    if (std::filesystem::exists(candidate, ec)) return candidate;
  }
  return "lls-hub";
}

bool Wanted(const BenchOptions& options, const std::string& name) {
  return options.only.empty() ||
         std::find(options.only.begin(), options.only.end(), name) != options.only.end();
}

// 5,000 connections need more descriptors than a login shell's soft limit; the hub started
// by the bench inherits the raised limit.
void RaiseDescriptorLimit(const BenchContext& ctx) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) == 0) {
      ctx.progress("descriptor limit raised to " + std::to_string(limit.rlim_cur));
    }
  }
}

}  // namespace

Result<BenchReport> RunBench(const BenchOptions& options) {
  static const std::vector<std::string> kKnown = {"ingest",      "fanout", "replay",
                                                  "connections", "stored", "dashboard",
                                                  "mosquitto"};
  for (const std::string& name : options.only) {
    if (std::find(kKnown.begin(), kKnown.end(), name) == kKnown.end()) {
      return Status(Code::kInvalidArgument,
                    "unknown scenario '" + name +
                        "' (ingest, fanout, replay, connections, stored, dashboard, mosquitto)");
    }
  }
  BenchContext ctx;
  ctx.options = options;
  ctx.hub_program = options.hub_program.empty() ? FindHubProgram() : options.hub_program;
  ctx.mosquitto_program =
      options.mosquitto_program.empty() ? "/usr/sbin/mosquitto" : options.mosquitto_program;
  ctx.progress = [](const std::string& line) { std::fprintf(stderr, "bench: %s\n", line.c_str()); };
  std::error_code ec;
  std::filesystem::path parent = options.work_dir;
  if (parent.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    parent = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  }
  std::string pattern = (parent / "lls-bench-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return Status(Code::kIoError, "cannot make a work folder under " + parent.string() + ": " +
                                      std::strerror(errno));
  }
  ctx.options.work_dir = pattern;
  RaiseDescriptorLimit(ctx);

  BenchReport report;
  report.machine = Machine();
  report.started_at = UtcNow();
  report.scale = options.scale == Scale::kSmoke ? "smoke" : "full";
  const auto began = std::chrono::steady_clock::now();
  ctx.progress(report.machine + "; scale " + report.scale + "; work folder " +
               ctx.options.work_dir.string());

  using Scenario = Result<std::vector<Figure>> (*)(const BenchContext&);
  const std::vector<std::pair<std::string, Scenario>> scenarios = {
      {"ingest", RunIngest},           {"fanout", RunFanout}, {"replay", RunReplay},
      {"connections", RunConnections}, {"stored", RunStored}, {"dashboard", RunDashboard}};
  for (const auto& [name, run] : scenarios) {
    if (!Wanted(options, name)) continue;
    ctx.progress("== " + name);
    const auto t0 = std::chrono::steady_clock::now();
    Result<std::vector<Figure>> figures = run(ctx);
    if (!figures.ok()) {
      report.skipped.push_back(name + ": " + figures.status().message());
      ctx.progress(name + " did not run: " + figures.status().message());
      continue;
    }
    report.figures.insert(report.figures.end(), figures->begin(), figures->end());
    ctx.progress(name + " done in " +
                 std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                    std::chrono::steady_clock::now() - t0)
                                    .count()) +
                 " s");
  }
  if (options.mosquitto && Wanted(options, "mosquitto")) {
    ctx.progress("== mosquitto");
    Result<std::map<std::string, double>> twins = RunMosquitto(ctx);
    if (!twins.ok()) {
      report.skipped.push_back("mosquitto: " + twins.status().message());
      ctx.progress("mosquitto did not run: " + twins.status().message());
    } else {
      for (const auto& [key, value] : *twins) {
        auto it = std::find_if(report.figures.begin(), report.figures.end(),
                               [&](const Figure& f) { return f.key == key; });
        if (it != report.figures.end()) {
          it->mosquitto = value;
        } else {
          // Mosquitto alone (e.g. --only mosquitto): a row with no LLS figure.
          Figure f;
          f.key = key;
          f.label = key;
          f.value = std::numeric_limits<double>::quiet_NaN();
          f.mosquitto = value;
          report.figures.push_back(f);
        }
      }
    }
  }
  Judge(report.figures);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  if (!options.keep && report.skipped.empty()) {
    std::filesystem::remove_all(ctx.options.work_dir, ec);
  }
  return report;
}

}  // namespace lls::bench
