// HubDashboardSource: dashboard::Source over this hub's hub.db (its own read connection, so
// the dashboard never touches the hub thread's connection) and its HubMetrics.
//
// What it reads:
//   - a measure's main series: the hub's own LLS aggregate (agg_cells, lls = hub name), or at
//     a hub that LLS hubs forward to (a national hub) the national sums (agg_national);
//   - its parts: each trust's figures (an LLS hub), or each LLS's forwarded figures with the
//     SPC signal the LLS hub sent (a national hub);
//   - the learning feed: items and their curation state, and approved learning relayed here
//     by member hubs (shown as approved at its LLS).
// A hub is "national" when any active member has the hub role. Series are complete: every
// month from the first to the last, a month without a figure a gap (denominator 0), and a
// suppressed figure marked so (never shown as its zeros). Calls are serialised on one mutex:
// thread-safe, and cheap enough for a dashboard (each page is a handful of indexed reads);
// Health() does not wait for it (a read in progress shows the database answers).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "dashboard/source.h"
#include "exchange/clock.h"
#include "exchange/sqlite.h"
#include "hub/hub_config.h"
#include "hub/hub_metrics.h"
#include "schema/messages.h"

namespace lls::hub {

class HubDashboardSource final : public dashboard::Source {
 public:
  // Opens hub.db read-only-in-practice (never creates it). `metrics` and `clock` must outlive
  // the source.
  static Result<std::unique_ptr<HubDashboardSource>> Open(const HubConfig& config,
                                                          const HubMetrics& metrics,
                                                          const Clock& clock);

  Result<dashboard::HubInfo> Info() override;
  Result<std::vector<dashboard::MeasureInfo>> Measures() override;
  Result<std::optional<dashboard::MeasureData>> Measure(const std::string& code) override;
  Result<std::optional<dashboard::MeasureData>> MeasureSummary(const std::string& code) override;
  // Moves when the log or the member registry grows (ContentVersion), not at every commit.
  Result<std::optional<int64_t>> Version() override;
  Result<std::vector<dashboard::LearningEntry>> Learning() override;
  Result<std::vector<dashboard::MemberEntry>> Members() override;
  Result<std::string> Metrics() override;
  Status Health() override;

 private:
  HubDashboardSource(const HubConfig& config, db::Database db, const HubMetrics& metrics,
                     const Clock& clock);
  Result<bool> IsNational();
  Result<std::optional<dashboard::MeasureData>> ReadMeasure(const std::string& code,
                                                            bool with_parts);
  // ReadMeasure's result from hub.db; called with mu_ held.
  Result<dashboard::MeasureData> ReadMeasureData(const MeasureDefinition& definition,
                                                 bool with_parts);


  std::mutex mu_;
  HubConfig config_;
  db::Database db_;
  const HubMetrics& metrics_;
  const Clock& clock_;
  // A number that moves whenever the log's last hub sequence or the member registry's last
  // event changes: all a measure's figures and names depend on. Checked only when hub.db's
  // data_version has moved. Called with mu_ held.
  Result<int64_t> ContentVersion();
  int64_t checked_data_version_ = -1;
  std::pair<int64_t, int64_t> content_heads_{-1, -1};
  int64_t content_version_ = 0;
  // Measures as last read, valid while ContentVersion() is cache_version_ (it moves with the
  // log and the registry): a dashboard is read far more often than figures arrive,
  // and a measure with a chart per trust is thousands of rows. Keyed by (code, with parts);
  // at most one entry per catalogue measure and form. Guarded by mu_.
  std::map<std::pair<std::string, bool>, dashboard::MeasureData> cache_;
  std::optional<int64_t> cache_version_;
};

// The dashboard's view of a catalogue entry (scale 100 for percent, 1000 for "per 1000").
dashboard::MeasureInfo DashboardMeasure(const MeasureDefinition& definition);

}  // namespace lls::hub
