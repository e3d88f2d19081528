#include "dashboard/analysis.h"

#include <cstdio>

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

namespace {

// "2025-03" -> 2025 x 12 + 2; nullopt for anything that is not YYYY-MM with a month 01..12.
std::optional<int> MonthNumber(const std::string& period) {
  if (period.size() != 7 || period[4] != '-') return std::nullopt;
  int value = 0;
  for (size_t i = 0; i < period.size(); ++i) {
    if (i == 4) continue;
    if (period[i] < '0' || period[i] > '9') return std::nullopt;
    value = value * 10 + (period[i] - '0');
  }
  const int year = value / 100, month = value % 100;
  if (month < 1 || month > 12) return std::nullopt;
  return year * 12 + month - 1;
}

std::string PeriodOf(int number) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", number / 12, number % 12 + 1);
  return buf;
}

// The cells with a denominator-0 cell for each calendar month skipped between two cells, or
// nullopt when they are to be used as they are: no month is skipped (the usual case, so no copy
// is made), a period is not YYYY-MM, the periods do not increase, or more than
// kMaxFilledMonths would be added (a bad period must not make a page of thousands of months).
std::optional<std::vector<Cell>> FillSkippedMonths(const std::vector<Cell>& cells) {
  std::vector<int> months;
  months.reserve(cells.size());
  for (const Cell& c : cells) {
    const std::optional<int> m = MonthNumber(c.period);
    if (!m || (!months.empty() && *m <= months.back())) return std::nullopt;
    months.push_back(*m);
  }
  if (months.empty()) return std::nullopt;
  const int skipped = months.back() - months.front() + 1 - static_cast<int>(cells.size());
  if (skipped == 0 || skipped > kMaxFilledMonths) return std::nullopt;
  std::vector<Cell> out;
  out.reserve(cells.size() + static_cast<size_t>(skipped));
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) {
      for (int m = months[i - 1] + 1; m < months[i]; ++m) {
        Cell gap;
        gap.period = PeriodOf(m);
        out.push_back(std::move(gap));
      }
    }
    out.push_back(cells[i]);
  }
  return out;
}

bool HasData(const Cell& c) { return !c.suppressed && c.denominator > 0; }

}  // namespace

SeriesChart ChartSeries(const Series& series, const MeasureInfo& measure,
                        std::optional<double> target) {
  SeriesChart out;
  out.scope = series.scope;
  out.kind = series.kind;
  out.organisation = series.organisation;
  std::optional<std::vector<Cell>> filled = FillSkippedMonths(series.cells);
  const size_t count = filled ? filled->size() : series.cells.size();
  std::vector<analytics::Observation> observations;
  std::vector<size_t> index;  // observation i is out.points[index[i]]
  observations.reserve(count);
  index.reserve(count);
  out.points.reserve(count);
  // A trust's own figure is suppressed whole or not at all; an aggregate can be partial.
  const bool aggregate = series.kind != "trust";
  auto add = [&](Cell cell) {
    SeriesPoint p;
    p.gap = !HasData(cell);
    if (!p.gap) {
      p.value = static_cast<double>(cell.numerator) / static_cast<double>(cell.denominator) *
                measure.scale;
      p.partial = aggregate && cell.suppressed_cells > 0;
      if (p.partial) {
        p.gap = true;
      } else {
        index.push_back(out.points.size());
        observations.push_back({cell.period, p.value});
      }
    }
    p.cell = std::move(cell);
    out.points.push_back(std::move(p));
  };
  if (filled) {
    for (Cell& cell : *filled) add(std::move(cell));
  } else {
    for (const Cell& cell : series.cells) add(cell);
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
      if (HasData(c) && (!latest || c.period > *latest)) latest = c.period;
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
  view.parts.reserve(data.parts.size());
  for (const Series& part : data.parts) {
    view.parts.push_back(ChartSeries(part, data.measure, data.target));
  }
  const std::optional<std::string> period = LatestPartPeriod(data.parts);
  if (!period) return view;
  std::vector<analytics::FunnelUnit> units;
  for (const Series& s : data.parts) {
    for (const Cell& c : s.cells) {
      if (c.period != *period) continue;
      if (c.suppressed) {
        view.funnel_suppressed.push_back(s.scope);
      } else if (c.denominator > 0) {
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
