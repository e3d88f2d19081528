#include "dashboard/analysis.h"

namespace lls::dashboard {

size_t SeriesChart::data_points() const {
  size_t n = 0;
  for (const SeriesPoint& p : points) n += p.gap ? 0 : 1;
  return n;
}

const SeriesPoint* SeriesChart::latest() const {
  for (auto it = points.rbegin(); it != points.rend(); ++it) {
    if (!it->gap) return &*it;
  }
  return nullptr;
}

SeriesChart ChartSeries(const Series& series, const MeasureInfo& measure,
                        std::optional<double> target) {
  SeriesChart out;
  out.scope = series.scope;
  out.kind = series.kind;
  out.organisation = series.organisation;
  std::vector<analytics::Observation> observations;
  std::vector<size_t> index;  // observation i is out.points[index[i]]
  for (const Cell& cell : series.cells) {
    SeriesPoint p;
    p.cell = cell;
    p.gap = cell.denominator <= 0;
    if (!p.gap) {
      p.value = static_cast<double>(cell.numerator) / static_cast<double>(cell.denominator) *
                measure.scale;
      index.push_back(out.points.size());
      observations.push_back({cell.period, p.value});
    }
    out.points.push_back(std::move(p));
  }
  if (observations.empty()) return out;
  analytics::ChartOptions options;
  options.improvement = measure.improvement;
  options.target = target;
  Result<analytics::Chart> chart = analytics::XmrChart(observations, options);
  if (!chart.ok()) {
    out.error = chart.status().ToString();
    return out;
  }
  for (size_t i = 0; i < chart->points.size() && i < index.size(); ++i) {
    out.points[index[i]].chart = chart->points[i];
  }
  out.variation = chart->variation;
  out.assurance = chart->assurance;
  out.mean_moving_range = chart->mean_moving_range;
  return out;
}

namespace {

std::optional<std::string> LatestPartPeriod(const std::vector<Series>& parts) {
  std::optional<std::string> latest;
  for (const Series& s : parts) {
    for (const Cell& c : s.cells) {
      if (c.denominator > 0 && (!latest || c.period > *latest)) latest = c.period;
    }
  }
  return latest;
}

}  // namespace

MeasureView Analyse(const MeasureData& data) {
  MeasureView view;
  view.measure = data.measure;
  view.target = data.target;
  view.main = ChartSeries(data.main, data.measure, data.target);
  for (const Series& part : data.parts) {
    view.parts.push_back(ChartSeries(part, data.measure, data.target));
  }
  const std::optional<std::string> period = LatestPartPeriod(data.parts);
  if (!period) return view;
  std::vector<analytics::FunnelUnit> units;
  for (const Series& s : data.parts) {
    for (const Cell& c : s.cells) {
      if (c.period == *period && c.denominator > 0) {
        units.push_back(
            {s.scope, static_cast<double>(c.numerator), static_cast<double>(c.denominator)});
      }
    }
  }
  if (units.size() < 2) {
    view.funnel_error = "fewer than two with data in " + *period;
    return view;
  }
  Result<analytics::Funnel> funnel = analytics::MakeFunnel(units, analytics::FunnelOptions{});
  if (!funnel.ok()) {
    view.funnel_error = funnel.status().ToString();
    return view;
  }
  view.funnel = FunnelView{*period, std::move(funnel).value(), data.measure.scale};
  return view;
}

}  // namespace lls::dashboard

namespace lls::dashboard {

MembersSummary Summarise(const std::vector<MemberEntry>& members) {
  MembersSummary s;
  for (const MemberEntry& m : members) {
    ++s.total;
    if (m.connected) ++s.connected;
    if (m.revoked) ++s.revoked;
    ++s.by_role[m.role];
  }
  return s;
}

}  // namespace lls::dashboard
