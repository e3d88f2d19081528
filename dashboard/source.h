// The dashboard's view of a hub: plain values the hub fills in (hub/dashboard_source.h reads
// them from hub.db), so the dashboard depends on analytics and schema only, never on hub.
//
// A Source is called from the HTTP server's worker threads, concurrently: an implementation
// must be thread-safe (the hub's serialises on its own read connection).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analytics/spc.h"
#include "schema/status.h"

namespace lls::dashboard {

struct MeasureInfo {
  std::string code;
  std::string name;
  std::string area;  // "smoke-free-pregnancy", ...
  std::string unit;  // "percent" | "per 1000"
  std::string numerator_definition;
  std::string denominator_definition;
  analytics::Direction improvement = analytics::Direction::kNeutral;
  // The value plotted is numerator / denominator x scale (100 for percent, 1000 per 1000).
  double scale = 100;
};

// SPC figures a child hub computed on its own series and sent with its Aggregate (shown as
// received at the parent; absent at an LLS hub, which computes its own).
struct ReceivedSignal {
  double centre = 0, lower = 0, upper = 0;  // in the measure's unit (scaled)
  std::string signal;     // analytics::PointSignalName
  std::string rules;      // analytics::RuleFlagNames
  std::string variation;  // analytics::VariationIconName (of the series as of this period)
  std::string assurance;  // analytics::AssuranceIconName
};

struct Cell {
  std::string period;  // YYYY-MM
  int64_t numerator = 0;
  int64_t denominator = 0;  // 0: no unsuppressed data this month (a gap in the chart)
  int64_t trusts = 0;
  int64_t suppressed_cells = 0;
  int64_t llss = 0;  // national rows: contributing LLSs
  // The counts were suppressed at the trust (a trust's figure), or nothing unsuppressed
  // contributed (an aggregate with only suppressed cells): numerator and denominator are 0
  // here but must be shown as "suppressed", never as numbers. A gap, like denominator 0.
  bool suppressed = false;
  std::optional<ReceivedSignal> received;
};

struct Series {
  std::string scope;  // the LLS name, the trust's display name, or "national"
  std::string kind;   // "lls" | "trust" | "national"
  std::string organisation;  // ODS code for a trust; empty otherwise
  std::vector<Cell> cells;   // ordered by period; every month from the first to the last
                             // (a month with no figure is a cell with denominator 0)
};

struct MeasureData {
  MeasureInfo measure;
  Series main;                // the hub's own figure: its LLS (LLS hub) or national (national hub)
  std::vector<Series> parts;  // an LLS hub: each trust; a national hub: each LLS
  std::optional<double> target;  // in the measure's unit, when one is configured
};

struct LearningEntry {
  std::string id;        // message id, hex
  std::string title;
  std::string area;
  std::string author;    // the trust's display name
  std::string organisation;
  std::string state;     // "pending" | "approved" | "rejected"
  bool featured = false;
  std::vector<std::string> tags;
  std::string reason;    // a rejection's reason
  std::string summary;   // the item's text, as published (already scrubbed at the trust)
  int64_t received_ms = 0;
};

struct MemberEntry {
  std::string name;
  std::string display_name;
  std::string organisation;
  std::string role;
  std::string lls;
  bool revoked = false;
  bool connected = false;         // heard from in the last two minutes
  std::optional<int64_t> last_seen_ms;
};

struct HubInfo {
  std::string name;
  std::string tier;  // "lls" | "national"
  int64_t now_ms = 0;
  int64_t log_entries = 0;
  int64_t pending_curation = 0;
  int64_t members = 0;
  int64_t connected = 0;
};

class Source {
 public:
  virtual ~Source() = default;
  virtual Result<HubInfo> Info() = 0;
  // Every catalogue measure, in catalogue order.
  virtual Result<std::vector<MeasureInfo>> Measures() = 0;
  // nullopt for a code the catalogue does not hold; a known measure with no data has empty
  // series.
  virtual Result<std::optional<MeasureData>> Measure(const std::string& code) = 0;
  // The same without `parts` (the overview needs only the main series); a source that can
  // skip reading the parts overrides it.
  virtual Result<std::optional<MeasureData>> MeasureSummary(const std::string& code) {
    return Measure(code);
  }
  // A number that changes whenever anything Measure() returns may have changed (the hub's:
  // hub.db's data_version), so that answers made from it can be kept until then
  // (dashboard/answer_cache.h). nullopt: nothing is kept, every answer is made afresh.
  virtual Result<std::optional<int64_t>> Version() { return std::optional<int64_t>(); }
  // Newest first.
  virtual Result<std::vector<LearningEntry>> Learning() = 0;
  virtual Result<std::vector<MemberEntry>> Members() = 0;
  // The Prometheus text exposition (version 0.0.4) of the hub's metrics.
  virtual Result<std::string> Metrics() = 0;
  // OK when the hub's loop has turned recently and hub.db answers; the reason otherwise.
  virtual Status Health() = 0;
};

}  // namespace lls::dashboard
