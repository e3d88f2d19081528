// `lls spc`: reads a CSV, draws one chart's numbers with analytics/spc.h, prints a table or
// JSON. All checking of the file happens here, with file:line in every message, so the
// analytics functions only ever see clean numbers.
#include "tools/spc_cli.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "analytics/spc.h"
#include "node/csv.h"

namespace lls::tools {

namespace {

namespace an = ::lls::analytics;
using nlohmann::json;

// A usage or input problem: one line on stderr, exit 2.
struct Failure {
  std::string message;
};

// The columns each chart reads, in the order the docs list them.
std::vector<std::string> ColumnsFor(const std::string& chart) {
  if (chart == "p" || chart == "laney") return {"period", "numerator", "denominator"};
  if (chart == "funnel") return {"unit", "numerator", "denominator"};
  return {"period", "value"};
}

std::string Join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

// Flags that mean nothing for the chosen chart are refused rather than silently ignored.
std::optional<Failure> CheckFlags(const SpcArgs& args) {
  const bool control = args.chart == "xmr" || args.chart == "p" || args.chart == "laney";
  std::vector<std::string> stray;
  if (!control && args.improvement != "neutral") stray.push_back("--improvement");
  if (args.chart == "run" && args.target) stray.push_back("--target");
  if (!control && !args.rebase.empty()) stray.push_back("--rebase");
  if (!control && args.fix_after) stray.push_back("--fix-after");
  if (args.chart != "xmr" && args.screen_outliers) stray.push_back("--screen-outliers");
  if (stray.empty()) return std::nullopt;
  return Failure{Join(stray, ", ") + " does not apply to --chart " + args.chart};
}

std::optional<std::string> ReadAll(const SpcArgs& args, std::string& label, Failure& failure) {
  if (args.input == "-") {
    label = "<stdin>";
    return std::string((std::istreambuf_iterator<char>(std::cin)),
                       std::istreambuf_iterator<char>());
  }
  label = args.input.string();
  std::error_code ec;
  if (std::filesystem::is_directory(args.input, ec)) {
    failure.message = "cannot read " + label + ": is a directory";
    return std::nullopt;
  }
  std::ifstream in(args.input, std::ios::binary);
  if (!in) {
    failure.message = "cannot read " + label + ": " + std::strerror(errno);
    return std::nullopt;
  }
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// One data row, read field by field; the first problem is kept with its line.
class RowReader {
 public:
  RowReader(const node::CsvTable& table, const node::CsvRow& row, const std::string& label)
      : table_(table), row_(row), label_(label) {}

  std::string Text(const std::string& column) {
    std::string v = Trim(row_.fields[table_.Find(column)]);
    if (v.empty()) Fail(column + " is empty");
    return v;
  }

  double Number(const std::string& column) {
    const std::string text = Trim(row_.fields[table_.Find(column)]);
    double v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
        !std::isfinite(v)) {
      Fail(column + " '" + text + "' is not a finite number");
    }
    return v;
  }

  void Fail(const std::string& problem) {
    if (!failure_) failure_ = Failure{label_ + ":" + std::to_string(row_.line) + ": " + problem};
  }
  const std::optional<Failure>& failure() const { return failure_; }

 private:
  const node::CsvTable& table_;
  const node::CsvRow& row_;
  const std::string& label_;
  std::optional<Failure> failure_;
};

// The header must name exactly the chart's columns (any order, any case; node/csv.h
// normalises the names).
std::optional<Failure> CheckHeader(const node::CsvTable& table, const std::string& chart,
                                   const std::string& label) {
  const std::vector<std::string> want = ColumnsFor(chart);
  const std::string where = label + ":" + std::to_string(table.header_line) + ": ";
  for (const std::string& column : table.columns) {
    if (std::find(want.begin(), want.end(), column) == want.end()) {
      return Failure{where + "unexpected column '" + column + "' (--chart " + chart + " reads " +
                     Join(want, ",") + ")"};
    }
  }
  for (const std::string& column : want) {
    if (table.Find(column) < 0) {
      return Failure{where + "missing column '" + column + "' (--chart " + chart + " reads " +
                     Join(want, ",") + ")"};
    }
  }
  if (table.rows.empty()) return Failure{label + ": no data rows after the header"};
  return std::nullopt;
}

// A period (or unit) named twice would make rebasing and reading the output ambiguous.
void CheckUnique(RowReader& reader, std::map<std::string, size_t>& seen, const std::string& key,
                 size_t line, const char* what) {
  auto [it, inserted] = seen.emplace(key, line);
  if (!inserted)
    reader.Fail(std::string(what) + " '" + key + "' repeats line " + std::to_string(it->second));
}

template <typename T>
using Parsed = std::variant<std::vector<T>, Failure>;

Parsed<an::Observation> ReadObservations(const node::CsvTable& table, const std::string& label) {
  std::vector<an::Observation> out;
  std::map<std::string, size_t> seen;
  for (const node::CsvRow& row : table.rows) {
    RowReader r(table, row, label);
    an::Observation o{r.Text("period"), r.Number("value")};
    CheckUnique(r, seen, o.period, row.line, "period");
    if (r.failure()) return *r.failure();
    out.push_back(std::move(o));
  }
  return out;
}

// Numerator and denominator checks shared by p-charts and funnels.
void CheckCounts(RowReader& r, double numerator, double denominator) {
  if (denominator <= 0) r.Fail("denominator must be greater than 0");
  if (numerator < 0 || numerator > denominator) {
    r.Fail("numerator must be between 0 and the denominator");
  }
}

Parsed<an::Proportion> ReadProportions(const node::CsvTable& table, const std::string& label) {
  std::vector<an::Proportion> out;
  std::map<std::string, size_t> seen;
  for (const node::CsvRow& row : table.rows) {
    RowReader r(table, row, label);
    an::Proportion p{r.Text("period"), r.Number("numerator"), r.Number("denominator")};
    CheckCounts(r, p.numerator, p.denominator);
    CheckUnique(r, seen, p.period, row.line, "period");
    if (r.failure()) return *r.failure();
    out.push_back(std::move(p));
  }
  return out;
}

Parsed<an::FunnelUnit> ReadUnits(const node::CsvTable& table, const std::string& label) {
  std::vector<an::FunnelUnit> out;
  std::map<std::string, size_t> seen;
  for (const node::CsvRow& row : table.rows) {
    RowReader r(table, row, label);
    an::FunnelUnit u{r.Text("unit"), r.Number("numerator"), r.Number("denominator")};
    CheckCounts(r, u.numerator, u.denominator);
    CheckUnique(r, seen, u.name, row.line, "unit");
    if (r.failure()) return *r.failure();
    out.push_back(std::move(u));
  }
  return out;
}

// ---- output ----

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Columns padded to their widest cell, two spaces apart.
void PrintTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    std::cout << line << "\n";
  }
}

json RuleArray(uint8_t flags) {
  json out = json::array();
  std::stringstream names(an::RuleFlagNames(flags));
  std::string name;
  while (std::getline(names, name, ',')) out.push_back(name);
  return out;
}

const char* ChartName(an::ChartKind kind) {
  switch (kind) {
    case an::ChartKind::kXmr:
      return "xmr";
    case an::ChartKind::kP:
      return "p";
    case an::ChartKind::kLaneyP:
      return "laney";
  }
  return "xmr";
}

json ChartJson(const an::Chart& chart) {
  json out = {{"chart", ChartName(chart.kind)},
              {"improvement", an::DirectionName(chart.improvement)},
              {"target", chart.target ? json(*chart.target) : json(nullptr)},
              {"variation", an::VariationIconName(chart.variation)},
              {"assurance", an::AssuranceIconName(chart.assurance)}};
  if (chart.kind == an::ChartKind::kXmr) {
    out["mean_moving_range"] = chart.mean_moving_range;
  } else {
    out["sigma_z"] = chart.sigma_z;
  }
  json points = json::array();
  for (const an::ChartPoint& p : chart.points) {
    points.push_back({{"period", p.period},
                      {"value", p.value},
                      {"centre", p.centre},
                      {"lower", p.lower},
                      {"upper", p.upper},
                      {"lower_2s", p.lower_2s},
                      {"upper_2s", p.upper_2s},
                      {"moving_range", p.moving_range ? json(*p.moving_range) : json(nullptr)},
                      {"moving_range_screened", p.moving_range_screened},
                      {"baseline", p.baseline},
                      {"segment", p.segment},
                      {"rules", RuleArray(p.rules)},
                      {"signal", an::PointSignalName(p.signal)}});
  }
  out["points"] = std::move(points);
  return out;
}

void PrintChart(const an::Chart& chart) {
  std::cout << "chart: " << ChartName(chart.kind)
            << "  improvement: " << an::DirectionName(chart.improvement)
            << "  target: " << (chart.target ? Num(*chart.target) : "-") << "\n";
  if (chart.kind == an::ChartKind::kXmr) {
    std::cout << "mean moving range: " << Num(chart.mean_moving_range) << "\n";
  } else if (chart.kind == an::ChartKind::kLaneyP) {
    std::cout << "sigma_z: " << Num(chart.sigma_z) << "\n";
  }
  std::cout << "variation: " << an::VariationIconName(chart.variation)
            << "  assurance: " << an::AssuranceIconName(chart.assurance) << "\n\n";
  std::vector<std::vector<std::string>> rows = {{"period", "value", "centre", "lower", "upper",
                                                 "lower_2s", "upper_2s", "mr", "signal", "rules"}};
  for (const an::ChartPoint& p : chart.points) {
    std::string mr = p.moving_range ? Num(*p.moving_range) : "-";
    if (p.moving_range_screened) mr += "*";
    const std::string rules = an::RuleFlagNames(p.rules);
    rows.push_back({p.period, Num(p.value), Num(p.centre), Num(p.lower), Num(p.upper),
                    Num(p.lower_2s), Num(p.upper_2s), mr, an::PointSignalName(p.signal),
                    rules.empty() ? "-" : rules});
  }
  PrintTable(rows);
  const bool screened =
      std::any_of(chart.points.begin(), chart.points.end(),
                  [](const an::ChartPoint& p) { return p.moving_range_screened; });
  if (screened) std::cout << "\n* moving range left out of the mean by --screen-outliers\n";
}

void PrintRun(const an::RunChart& run, bool as_json) {
  if (as_json) {
    json points = json::array();
    for (const an::Observation& o : run.points) {
      points.push_back({{"period", o.period}, {"value", o.value}});
    }
    json out = {{"chart", "run"},
                {"median", run.median},
                {"useful_observations", run.useful_observations},
                {"longest_run", run.longest_run},
                {"longest_run_limit", run.longest_run_limit},
                {"crossings", run.crossings},
                {"crossings_limit", run.crossings_limit},
                {"shift_signal", run.shift_signal},
                {"crossings_signal", run.crossings_signal},
                {"signal", run.signal()},
                {"points", std::move(points)}};
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::cout << "chart: run  median: " << Num(run.median)
            << "  useful observations: " << run.useful_observations << "\n"
            << "longest run: " << run.longest_run << " (signal when > " << run.longest_run_limit
            << ")" << (run.shift_signal ? "  SIGNAL" : "") << "\n"
            << "crossings: " << run.crossings << " (signal when < " << run.crossings_limit << ")"
            << (run.crossings_signal ? "  SIGNAL" : "") << "\n\n";
  std::vector<std::vector<std::string>> rows = {{"period", "value", "side"}};
  for (const an::Observation& o : run.points) {
    const char* side = o.value > run.median ? "above" : (o.value < run.median ? "below" : "on");
    rows.push_back({o.period, Num(o.value), side});
  }
  PrintTable(rows);
}

void PrintFunnel(const an::Funnel& f, bool as_json) {
  if (as_json) {
    json units = json::array();
    for (const an::FunnelPoint& p : f.points) {
      units.push_back({{"unit", p.name},
                       {"numerator", p.numerator},
                       {"denominator", p.denominator},
                       {"value", p.value},
                       {"z", p.z},
                       {"lower95", p.lower95},
                       {"upper95", p.upper95},
                       {"lower998", p.lower998},
                       {"upper998", p.upper998},
                       {"position", an::FunnelPositionName(p.position)}});
    }
    json out = {{"chart", "funnel"},
                {"target", f.target},
                {"phi", f.phi},
                {"tau2", f.tau2},
                {"overdispersed", f.overdispersed},
                {"units", std::move(units)}};
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::cout << "chart: funnel  target: " << Num(f.target) << "  phi: " << Num(f.phi)
            << "  tau2: " << Num(f.tau2) << "  overdispersed: " << (f.overdispersed ? "yes" : "no")
            << "\n\n";
  std::vector<std::vector<std::string>> rows = {{"unit", "numerator", "denominator", "value", "z",
                                                 "lower95", "upper95", "lower998", "upper998",
                                                 "position"}};
  for (const an::FunnelPoint& p : f.points) {
    rows.push_back({p.name, Num(p.numerator), Num(p.denominator), Num(p.value), Num(p.z),
                    Num(p.lower95), Num(p.upper95), Num(p.lower998), Num(p.upper998),
                    an::FunnelPositionName(p.position)});
  }
  PrintTable(rows);
}

an::ChartOptions OptionsFrom(const SpcArgs& args, an::Direction improvement) {
  an::ChartOptions options;
  options.improvement = improvement;
  options.target = args.target;
  options.rebase_at = args.rebase;
  options.fix_after = args.fix_after;
  options.screen_outliers = args.screen_outliers;
  return options;
}

// Runs the chart; returns the failure, if any, to print.
std::optional<Failure> Draw(const SpcArgs& args, const node::CsvTable& table,
                            const std::string& label) {
  Result<an::Direction> improvement = an::ParseDirection(args.improvement);
  if (!improvement.ok()) return Failure{improvement.status().message()};
  const an::ChartOptions options = OptionsFrom(args, *improvement);
  auto fail = [&](const Status& s) { return Failure{label + ": " + s.message()}; };
  if (args.chart == "xmr" || args.chart == "run") {
    auto parsed = ReadObservations(table, label);
    if (auto* f = std::get_if<Failure>(&parsed)) return *f;
    const auto& series = std::get<std::vector<an::Observation>>(parsed);
    if (args.chart == "run") {
      Result<an::RunChart> run = an::MakeRunChart(series);
      if (!run.ok()) return fail(run.status());
      PrintRun(*run, args.json);
      return std::nullopt;
    }
    Result<an::Chart> chart = an::XmrChart(series, options);
    if (!chart.ok()) return fail(chart.status());
    args.json ? void(std::cout << ChartJson(*chart).dump(2) << "\n") : PrintChart(*chart);
    return std::nullopt;
  }
  if (args.chart == "funnel") {
    auto parsed = ReadUnits(table, label);
    if (auto* f = std::get_if<Failure>(&parsed)) return *f;
    an::FunnelOptions fo;
    fo.target = args.target;
    Result<an::Funnel> funnel = an::MakeFunnel(std::get<std::vector<an::FunnelUnit>>(parsed), fo);
    if (!funnel.ok()) return fail(funnel.status());
    PrintFunnel(*funnel, args.json);
    return std::nullopt;
  }
  auto parsed = ReadProportions(table, label);
  if (auto* f = std::get_if<Failure>(&parsed)) return *f;
  Result<an::Chart> chart =
      an::PChart(std::get<std::vector<an::Proportion>>(parsed), options, args.chart == "laney");
  if (!chart.ok()) return fail(chart.status());
  args.json ? void(std::cout << ChartJson(*chart).dump(2) << "\n") : PrintChart(*chart);
  return std::nullopt;
}

std::optional<Failure> Run(const SpcArgs& args) {
  if (auto f = CheckFlags(args)) return f;
  std::string label;
  Failure failure;
  std::optional<std::string> text = ReadAll(args, label, failure);
  if (!text) return failure;
  const node::CsvTable table = node::ReadCsvTable(*text);
  if (!table.ok()) {
    const size_t more = table.errors.size() - 1;
    return Failure{label + ":" + table.errors.front().ToString() +
                   (more ? " (and " + std::to_string(more) + " more problems)" : "")};
  }
  if (auto f = CheckHeader(table, args.chart, label)) return f;
  return Draw(args, table, label);
}

}  // namespace

int Spc(const SpcArgs& args) {
  std::optional<Failure> failure = Run(args);
  std::cout.flush();
  if (!failure) return 0;
  std::fprintf(stderr, "lls spc: %s\n", failure->message.c_str());
  return 2;
}

}  // namespace lls::tools
