#include "hub/report.h"

#include <algorithm>

#include "analytics/spc.h"
#include "exchange/catalogue.h"
#include "hub/aggregates.h"
#include "hub/series_signal.h"

namespace lls::hub {

namespace {

analytics::Direction DirectionOf(Improvement improvement) {
  switch (improvement) {
    case Improvement::kIncrease: return analytics::Direction::kIncrease;
    case Improvement::kDecrease: return analytics::Direction::kDecrease;
    default: return analytics::Direction::kNeutral;
  }
}

// One row from a series (ordered by period) of one scope and measure (possibly empty).
ReportRow RowOf(const std::string& scope, const std::string& kind,
                const MeasureDefinition& measure, const std::vector<AggregateRow>& series,
                const std::map<std::string, double>& targets) {
  ReportRow r;
  r.scope = scope;
  r.kind = kind;
  r.measure = measure.code;
  r.unit = measure.unit;
  r.improvement = ImprovementName(measure.improvement);
  const double scale = UnitScale(measure.unit);
  std::vector<analytics::Observation> observations;
  std::vector<const AggregateRow*> used;
  for (const AggregateRow& row : series) {
    if (!CompleteMonth(row)) {
      if (row.denominator > 0) ++r.partial_months;
      continue;
    }
    observations.push_back({row.period, scale * static_cast<double>(row.numerator) /
                                            static_cast<double>(row.denominator)});
    used.push_back(&row);
  }
  for (const AggregateRow& row : series) r.suppressed_cells += row.suppressed_cells;
  if (used.empty()) return r;
  r.months = static_cast<int64_t>(used.size());
  r.first_period = used.front()->period;
  const AggregateRow& latest = *used.back();
  r.latest_period = latest.period;
  r.numerator = latest.numerator;
  r.denominator = latest.denominator;
  r.trusts = latest.trusts;
  r.llss = latest.llss;
  r.latest_rate = observations.back().value;
  int64_t base_n = 0, base_d = 0;
  for (size_t i = 0; i < used.size() && i < kBaselineMonths; ++i) {
    base_n += used[i]->numerator;
    base_d += used[i]->denominator;
    ++r.baseline_months;
  }
  r.baseline_rate = scale * static_cast<double>(base_n) / static_cast<double>(base_d);
  r.change = r.latest_rate - r.baseline_rate;
  analytics::ChartOptions options;
  options.improvement = DirectionOf(measure.improvement);
  if (auto t = targets.find(measure.code); t != targets.end()) options.target = t->second;
  auto chart = analytics::XmrChart(observations, options);
  if (chart.ok() && !chart->points.empty()) {
    r.variation = analytics::VariationIconName(chart->variation);
    r.signal = analytics::PointSignalName(chart->points.back().signal);
    r.rules = analytics::RuleFlagNames(chart->points.back().rules);
    r.assurance = analytics::AssuranceIconName(chart->assurance);
  }
  return r;
}

}  // namespace

Result<std::vector<ReportRow>> BuildReport(db::Database& db, const std::string& hub_name,
                                           const std::map<std::string, double>& targets) {
  LLS_ASSIGN_OR_RETURN(bool national, IsNationalHub(db));
  std::vector<AggregateRow> rows;
  if (national) {
    LLS_ASSIGN_OR_RETURN(rows, ReadFederatedAggregates(db));
  } else {
    LLS_ASSIGN_OR_RETURN(rows, ReadAggregates(db));
  }
  // (scope, measure) -> series ordered by period (both readers order by period within them).
  std::map<std::pair<std::string, std::string>, std::vector<AggregateRow>> series;
  for (AggregateRow& row : rows) series[{row.lls, row.measure}].push_back(std::move(row));
  for (auto& [key, s] : series) {
    std::sort(s.begin(), s.end(),
              [](const AggregateRow& a, const AggregateRow& b) { return a.period < b.period; });
  }
  std::vector<std::string> scopes;
  if (national) scopes.push_back("national");
  if (!national) scopes.push_back(hub_name);  // its own LLS, with data or not
  for (const auto& [key, s] : series) {
    if (key.first != "national" &&
        std::find(scopes.begin(), scopes.end(), key.first) == scopes.end()) {
      scopes.push_back(key.first);
    }
  }
  std::vector<ReportRow> report;
  for (const std::string& scope : scopes) {
    const std::string kind = scope == "national" && national ? "national" : "lls";
    for (const MeasureDefinition& measure : BuiltInCatalogue().measures) {
      auto it = series.find({scope, measure.code});
      static const std::vector<AggregateRow> kNone;
      report.push_back(
          RowOf(scope, kind, measure, it == series.end() ? kNone : it->second, targets));
    }
  }
  return report;
}

}  // namespace lls::hub
