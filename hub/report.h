// The hub's report: per scope and measure, where each series stands — the latest month's rate,
// its change from the baseline, and its SPC reading (XmR, "Making Data Count"). What the demo
// prints and what a facilitator or the national team reads first (`lls-hub report`).
//
//   scope      an LLS hub: its own LLS; a national hub (one with members of role hub): the
//              national sums first, then each LLS's forwarded figures;
//   baseline   the pooled rate (sum of numerators / sum of denominators) of the series' first
//              kBaselineMonths months with data; change = latest rate - baseline rate, in the
//              measure's unit (percentage points, or per 1000);
//   spc        the XmR chart of the monthly rates with the measure's improvement direction
//              (and its [targets] entry): the variation icon, the latest point's signal and
//              rules, and the assurance icon.
// Only complete months count (hub/series_signal.h CompleteMonth: a denominator and no
// suppressed trust-month), for the latest rate, the baseline and the chart alike: a partial
// month's sum leans towards zero events (0 is published, 1-7 suppressed) and would show a
// change that suppression made. A series with no complete month is still listed, with
// months = 0, so a reader sees the measure exists and why it shows nothing. Reads only.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "exchange/sqlite.h"
#include "schema/status.h"

namespace lls::hub {

inline constexpr size_t kBaselineMonths = 6;

struct ReportRow {
  std::string scope;       // the LLS name, or "national"
  std::string kind;        // "lls" | "national"
  std::string measure;
  std::string unit;        // "percent" | "per 1000"
  std::string improvement; // "increase" | "decrease" | "neutral"
  int64_t months = 0;      // complete months (0: none; rates are then absent)
  int64_t partial_months = 0;  // months with data but some trust-month suppressed: left out
  int64_t suppressed_cells = 0;  // trust-months left out because a count was suppressed,
                                 // over the whole series
  std::string first_period, latest_period;
  int64_t numerator = 0, denominator = 0;  // of the latest month
  int64_t trusts = 0, llss = 0;            // contributing, in the latest month
  double latest_rate = 0;
  double baseline_rate = 0;
  int64_t baseline_months = 0;
  double change = 0;
  std::string variation;   // analytics::VariationIconName
  std::string signal;      // the latest point's analytics::PointSignalName
  std::string rules;       // analytics::RuleFlagNames of the latest point
  std::string assurance;   // analytics::AssuranceIconName
};

// Every catalogue measure for every scope (the hub's own LLS, or national and each LLS that
// forwarded figures), national first, then by scope, then in catalogue order.
// `targets`: measure code -> target in its unit.
Result<std::vector<ReportRow>> BuildReport(db::Database& db, const std::string& hub_name,
                                           const std::map<std::string, double>& targets);

}  // namespace lls::hub
