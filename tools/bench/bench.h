// bench: `lls bench` — the hub measured as its operators would, against the machine's own
// limits and against Mosquitto 2 (docs/performance.md).
//
// Every figure comes from real processes on loopback: a real `lls-hub` started as a child
// process with its own hub.db, CURVE keys and enrolled members; simulated nodes are in-process
// CURVE clients (exchange/transport.h) that sign real envelopes; Mosquitto is the Debian
// binary, started with a config, certificates and a persistence file the bench writes. Nothing
// here asserts a time: a figure below its target is printed as missed, and the command still
// succeeds (it fails only when a scenario cannot run at all).
//
// Layout: one file per scenario (ingest_bench.cpp, fanout_bench.cpp, ...), each a function
// from the shared BenchContext to its figures; hub_rig.h starts hubs, load.h makes the signed
// payloads and drives clients, child.h runs programs, report.cpp prints and judges.
// Not thread-safe as a whole: RunBench is called once, from one thread; scenarios start
// threads of their own and join them before returning.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "schema/status.h"

namespace lls::bench {

// How big a run is. kSmoke proves every scenario runs (CI, seconds); kFull is what the
// figures in docs/performance.md come from (the sizes: 1M replay, 10M stored, 5,000
// connections, 10 years x 150 trusts).
enum class Scale { kSmoke, kFull };

struct BenchOptions {
  Scale scale = Scale::kFull;
  // Scenario names to run ("ingest", "latency", "fanout", "replay", "connections", "stored",
  // "dashboard", "mosquitto"); empty: all.
  std::vector<std::string> only;
  bool mosquitto = true;            // also measure Mosquitto where a scenario has a twin
  // A fresh folder lls-bench-XXXXXX is made under this one (empty: $TMPDIR or /tmp) for the
  // hubs, databases and logs; it is removed after a run in which every scenario ran, unless
  // `keep`. BenchContext::options.work_dir is that fresh folder.
  std::filesystem::path work_dir;
  bool keep = false;
  std::filesystem::path hub_program;        // lls-hub; empty: found next to `lls`
  std::filesystem::path mosquitto_program;  // empty: /usr/sbin/mosquitto
  double seconds = 0;               // per measured phase; 0: the scale's default
  // Messages stored before the replay and the stored-history scenarios; 0: the scale's default
  // (1,000,000 and 10,000,000 at full scale). A history takes ≈4 KiB of disk per message.
  uint64_t replay_messages = 0;
  uint64_t stored_messages = 0;
  uint64_t seed = 1;
};

// One measured figure. `value` is LLS Exchange's; `mosquitto` the same measurement of
// Mosquitto, when the scenario has one. Ratio and target are filled in by Judge().
struct Figure {
  std::string key;    // stable JSON name, e.g. "ingest_msgs_per_s"
  std::string label;  // for the table, e.g. "durable ingest, signed 2 KiB summaries"
  std::string unit;   // "msg/s", "ms", "KiB", ...
  double value = 0;
  std::optional<double> mosquitto;
  bool higher_is_better = true;
  std::string note;   // how it was measured, in a few words (sizes, counts)
  // Set by Judge():
  std::optional<double> ratio;   // value / mosquitto, when both exist
  std::string target;            // e.g. ">= 0.8 x all-core verify", "" if none
  std::optional<bool> met;
};

// A figure as a scenario reports it; Judge() fills in ratio, target and met.
Figure MakeFigure(std::string key, std::string label, std::string unit, double value,
                  bool higher_is_better, std::string note = "");

// What every scenario gets.
struct BenchContext {
  BenchOptions options;
  std::filesystem::path hub_program;
  std::filesystem::path mosquitto_program;
  // Progress lines go here (stderr), so stdout stays the table or JSON.
  std::function<void(const std::string&)> progress;
  // The scale's choice: smoke when options.scale is kSmoke, full otherwise.
  template <typename T>
  T Pick(T smoke, T full) const {
    return options.scale == Scale::kSmoke ? smoke : full;
  }
  double Seconds(double smoke, double full) const {
    return options.seconds > 0 ? options.seconds : Pick(smoke, full);
  }
  // A fresh folder under work_dir for one scenario.
  Result<std::filesystem::path> Folder(const std::string& name) const;
};

struct BenchReport {
  std::string machine;    // CPU model, cores, kernel
  std::string started_at; // UTC, ISO 8601
  std::string scale;      // "smoke" or "full"
  std::vector<Figure> figures;
  std::vector<std::string> skipped;  // "<scenario>: why"
  double seconds = 0;     // wall time of the whole run
};

// Runs the chosen scenarios in order and judges the figures.
Result<BenchReport> RunBench(const BenchOptions& options);

// Sets ratio, target and met on each figure (the targets of docs/performance.md).
void Judge(std::vector<Figure>& figures);
void PrintTable(const BenchReport& report, std::ostream& out);
std::string ToJson(const BenchReport& report);  // stable field names, one object

}  // namespace lls::bench
