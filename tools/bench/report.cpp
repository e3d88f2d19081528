// Judging, printing and JSON of a bench report.
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>

#include <nlohmann/json.hpp>

#include "tools/bench/bench.h"
#include "tools/bench/load.h"

namespace lls::bench {

namespace {

struct Target {
  std::string text;
  // Whether `f` meets it, given every figure of the run; nullopt when it cannot be judged.
  std::function<std::optional<bool>(const Figure& f, const std::vector<Figure>& all)> met;
};

std::optional<bool> AtLeast(double value, double bound) { return value >= bound; }
std::optional<bool> AtMost(double value, double bound) { return value <= bound; }

// docs/performance.md, "Targets" (2-core machine).
const std::map<std::string, Target>& Targets() {
  static const std::map<std::string, Target> targets = {
      {"ingest_vs_verify",
       {">= 0.8", [](const Figure& f, const auto&) { return AtLeast(f.value, 0.8); }}},
      {kIngestKey,
       {">= Mosquitto",
        [](const Figure& f, const auto&) -> std::optional<bool> {
          if (!f.mosquitto) return std::nullopt;
          return AtLeast(f.value, *f.mosquitto);
        }}},
      {kAckP99Key, {"<= 2 ms", [](const Figure& f, const auto&) { return AtMost(f.value, 2); }}},
      {kFanoutKey,
       {">= Mosquitto",
        [](const Figure& f, const auto&) -> std::optional<bool> {
          if (!f.mosquitto) return std::nullopt;
          return AtLeast(f.value, *f.mosquitto);
        }}},
      {kDeliveryP99Key,
       {"<= 5 ms", [](const Figure& f, const auto&) { return AtMost(f.value, 5); }}},
      {kReplayKey,
       {">= 200,000 msg/s", [](const Figure& f, const auto&) { return AtLeast(f.value, 200000); }}},
      {kConnectionKey,
       {"<= 100 KiB", [](const Figure& f, const auto&) { return AtMost(f.value, 100); }}},
      {"stored_vs_empty",
       {">= 0.9", [](const Figure& f, const auto&) { return AtLeast(f.value, 0.9); }}},
      {"dashboard_api_p99_ms",
       {"<= 20 ms", [](const Figure& f, const auto&) { return AtMost(f.value, 20); }}},
  };
  return targets;
}

std::string Number(double v) {
  if (std::isnan(v)) return "-";
  char buf[64];
  double a = std::fabs(v);
  if (a >= 1000) {
    // Thousands separated, no decimals: 12,345
    long long n = std::llround(v);
    std::string digits = std::to_string(n < 0 ? -n : n);
    std::string out;
    for (size_t i = 0; i < digits.size(); ++i) {
      if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
      out += digits[i];
    }
    return (n < 0 ? "-" : "") + out;
  }
  std::snprintf(buf, sizeof buf, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f",
                v);
  return buf;
}

}  // namespace

Figure MakeFigure(std::string key, std::string label, std::string unit, double value,
                  bool higher_is_better, std::string note) {
  Figure f;
  f.key = std::move(key);
  f.label = std::move(label);
  f.unit = std::move(unit);
  f.value = value;
  f.higher_is_better = higher_is_better;
  f.note = std::move(note);
  return f;
}

void Judge(std::vector<Figure>& figures) {
  for (Figure& f : figures) {
    if (f.mosquitto && *f.mosquitto != 0 && !std::isnan(f.value)) f.ratio = f.value / *f.mosquitto;
    auto it = Targets().find(f.key);
    if (it == Targets().end()) continue;
    f.target = it->second.text;
    if (!std::isnan(f.value)) f.met = it->second.met(f, figures);
  }
}

void PrintTable(const BenchReport& report, std::ostream& out) {
  out << "lls bench (" << report.scale << ") on " << report.machine << ", " << report.started_at
      << "\n\n";
  char line[512];
  std::snprintf(line, sizeof line, "%-46s %14s %14s %9s  %-17s %s\n", "figure", "lls-exchange",
                "mosquitto", "ratio", "target", "met");
  out << line;
  out << std::string(110, '-') << "\n";
  for (const Figure& f : report.figures) {
    std::string label = (f.label.empty() ? f.key : f.label) + (f.unit.empty() ? "" : " (" + f.unit + ")");
    std::string ratio = f.ratio ? Number(*f.ratio) + "x" : "";
    std::string met = !f.met ? "" : *f.met ? "yes" : "MISSED";
    std::snprintf(line, sizeof line, "%-46s %14s %14s %9s  %-17s %s\n", label.c_str(),
                  Number(f.value).c_str(), f.mosquitto ? Number(*f.mosquitto).c_str() : "",
                  ratio.c_str(), f.target.c_str(), met.c_str());
    out << line;
  }
  out << "\nratio = lls-exchange / mosquitto; " << (report.figures.empty() ? "" : "")
      << "lower is better for ms and KiB, higher for rates.\n";
  for (const Figure& f : report.figures) {
    if (!f.note.empty()) out << "  " << f.key << ": " << f.note << "\n";
  }
  for (const std::string& s : report.skipped) out << "not run: " << s << "\n";
  std::snprintf(line, sizeof line, "\nwhole run: %.0f s\n", report.seconds);
  out << line;
}

std::string ToJson(const BenchReport& report) {
  nlohmann::json figures = nlohmann::json::array();
  for (const Figure& f : report.figures) {
    nlohmann::json j = {{"key", f.key},
                        {"label", f.label},
                        {"unit", f.unit},
                        {"higher_is_better", f.higher_is_better},
                        {"note", f.note},
                        {"target", f.target}};
    j["value"] = std::isnan(f.value) ? nlohmann::json(nullptr) : nlohmann::json(f.value);
    j["mosquitto"] = f.mosquitto ? nlohmann::json(*f.mosquitto) : nlohmann::json(nullptr);
    j["ratio"] = f.ratio ? nlohmann::json(*f.ratio) : nlohmann::json(nullptr);
    j["met"] = f.met ? nlohmann::json(*f.met) : nlohmann::json(nullptr);
    figures.push_back(std::move(j));
  }
  nlohmann::json out = {{"machine", report.machine}, {"started_at", report.started_at},
                        {"scale", report.scale},     {"seconds", report.seconds},
                        {"figures", figures},        {"not_run", report.skipped}};
  return out.dump(2);
}

}  // namespace lls::bench
