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
  // No figure to plot this month (drawn as a break, never a zero): denominator 0 (no data), or
  // cell.suppressed (counts suppressed: shown as "suppressed", never as numbers).
  bool gap = true;
  // A partial month of an aggregate: it has figures, but some trust-month was suppressed.
  // Its sum leans towards zero events (0 is published, 1-7 suppressed), so it is shown in the
  // table but not charted (a gap on the chart), as hub/series_signal.h and `lls-hub report`
  // do.
  bool partial = false;
  // numerator / denominator x scale; 0 for a gap that is not partial.
  double value = 0;
  std::optional<analytics::ChartPoint> chart;  // absent for a gap or when the chart failed
};

// An XmR chart of one series (the rate in the measure's unit), gaps kept in place.
struct SeriesChart {
  std::string scope, kind, organisation;
  // One per calendar month from the first cell to the last, in order: the series' cells, and a
  // gap (a denominator-0 cell) for each YYYY-MM month the series skips, so that charts place
  // points by month.
  std::vector<SeriesPoint> points;
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
  // The parts left out of the funnel because their counts that month were suppressed (in the
  // parts' order; empty when there is no funnel period).
  std::vector<std::string> funnel_suppressed;
};

// The XmR chart of `series`: analytics::XmrChart over its non-gap cells (in order, as the hub
// computes the readings it forwards) with the measure's improvement direction and `target`.
// Months the series skips are filled in as gaps (at most kMaxFilledMonths in all; a series
// whose periods are not increasing YYYY-MM is kept as it is). A chart the analytics refuse
// leaves `error` set and no chart points; never fails.
inline constexpr int kMaxFilledMonths = 1200;
SeriesChart ChartSeries(const Series& series, const MeasureInfo& measure,
                        std::optional<double> target);

// Everything the measure page shows. The funnel uses the latest period in which any part has
// data, and the parts with a denominator that period; parts whose counts were suppressed that
// period are left out and named in funnel_suppressed.
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
