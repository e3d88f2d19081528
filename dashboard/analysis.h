// The figures the dashboard shows for a measure, computed once per request from a Source's
// MeasureData with analytics/spc.h, and rendered by both the HTML pages and the JSON API (so
// the two always agree). Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analytics/spc.h"
#include "dashboard/source.h"

namespace lls::dashboard {

// One period of a series: the cell, and the chart point when the cell has data.
struct SeriesPoint {
  Cell cell;
  bool gap = true;   // denominator 0: no data this month (drawn as a break, not a zero)
  double value = 0;  // numerator / denominator x scale; 0 for a gap
  std::optional<analytics::ChartPoint> chart;  // absent for a gap or when the chart failed
};

// An XmR chart of one series (the rate in the measure's unit), gaps kept in place.
struct SeriesChart {
  std::string scope, kind, organisation;
  std::vector<SeriesPoint> points;  // one per cell, in the series' order
  analytics::VariationIcon variation = analytics::VariationIcon::kNone;
  analytics::AssuranceIcon assurance = analytics::AssuranceIcon::kNone;
  double mean_moving_range = 0;
  std::string error;  // why no chart could be computed ("" when fine or when all gaps)
  size_t data_points() const;
  // The last non-gap point, or nullptr.
  const SeriesPoint* latest() const;
};

// The funnel plot across the parts for one period, values in the measure's unit.
struct FunnelView {
  std::string period;
  analytics::Funnel funnel;  // as analytics::MakeFunnel computed it (proportions)
  double scale = 100;
};

struct MeasureView {
  MeasureInfo measure;
  std::optional<double> target;
  SeriesChart main;
  std::vector<SeriesChart> parts;
  std::optional<FunnelView> funnel;
  std::string funnel_error;  // why the funnel could not be drawn ("" when fine or no data)
};

// The XmR chart of `series`: analytics::XmrChart over its non-gap cells with the measure's
// improvement direction and `target`. A chart the analytics refuse leaves `error` set and no
// chart points; never fails.
SeriesChart ChartSeries(const Series& series, const MeasureInfo& measure,
                        std::optional<double> target);

// Everything the measure page shows. The funnel uses the latest period in which any part has
// data, and the parts with a denominator that period.
MeasureView Analyse(const MeasureData& data);

}  // namespace lls::dashboard

namespace lls::dashboard {

// The overview page's figures: each measure's main series charted, and the members counted.
struct OverviewRow {
  MeasureInfo measure;
  std::optional<double> target;
  SeriesChart main;
};
struct MembersSummary {
  int64_t total = 0, connected = 0, revoked = 0;
  std::map<std::string, int64_t> by_role;  // "trust", "facilitator", "hub", "national", ...
};
MembersSummary Summarise(const std::vector<MemberEntry>& members);

}  // namespace lls::dashboard
