// Aggregates: the hub's materialised view of trusts' measures — the latest summary of each
// (member, project), and per (LLS, measure, month) the contributing trusts, numerator and
// denominator sums and suppressed cells. A StateApplier (hub/state_applier.h): it follows
// the log inside the log's own transaction, so the view and the log commit together.
//
// The rules (docs/hub.md "Aggregates"):
//  - Replacement: a ProjectSummary replaces the previous summary of the same (member,
//    project_id) entirely; points it no longer carries are gone.
//  - Retraction: a Retraction whose target is the CURRENT summary of a project removes that
//    project (all its points). A retraction of an older, already-replaced summary changes
//    nothing: its figures were already gone. Retractions of other kinds are ignored here.
//  - Per-trust figure: when one trust reports the same (measure, month) in several projects,
//    its figure is the point from the most recently stored (highest hub_seq) summary that
//    holds it; a trust counts at most once per (measure, month).
//  - Suppression: a trust-month whose numerator or denominator was suppressed is left out of
//    the sums and of the contributing trusts, and counted in suppressed_cells. A rate is only
//    ever computed from sums of unsuppressed points.
//  - The LLS of a trust is its Member.lls (fixed at enrolment).
//  - Federation (docs/hub.md "Federation"), at a parent hub: an Aggregate from a member hub
//    is that hub's figure for (scope, measure, period); a later one (higher signer sequence)
//    replaces it, an older one arriving late is ignored, one with no trust and no suppressed
//    cell withdraws it. The national cell of (measure, period) sums the member hubs'
//    figures; its contributing LLSs are the (hub, scope) figures present.
//
// Cost: one message touches O(points it carries + points of the summary it replaces) rows,
// each through an index; nothing scans the history (see rows_touched()).
//
// Not thread-safe: runs on the hub thread, like every applier. Read functions below may be
// used by other processes (the `lls-hub aggregates` command) on their own connection.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <string>
#include <vector>

#include "dashboard/source.h"
#include "exchange/sqlite.h"
#include "hub/hub_store.h"
#include "hub/state_applier.h"
#include "schema/status.h"

namespace lls::hub {

struct AggregateRow {
  std::string lls;
  std::string measure;
  std::string period;  // YYYY-MM
  int64_t trusts = 0;  // distinct trusts with an unsuppressed point
  int64_t numerator = 0;
  int64_t denominator = 0;
  int64_t suppressed_cells = 0;  // trust-months left out because a count was suppressed
  int64_t llss = 1;  // contributing LLSs: 1 for an LLS's own cell, N for a "national" cell
  bool operator==(const AggregateRow&) const = default;
};

// One aggregate cell's key, as forwarded to a parent hub.
struct CellKey {
  std::string lls, measure, period;
  auto operator<=>(const CellKey&) const = default;
};

struct AggregateCounts {
  int64_t rows = 0;      // (lls, measure, period) rows
  int64_t projects = 0;  // current (not retracted) project summaries
};

class Aggregates final : public StateApplier {
 public:
  // Creates or migrates the component's tables (component "aggregates"). When they are new to
  // a hub.db that already holds messages, replays the log's summaries and retractions into
  // them once (in one transaction; a crash before its commit replays again at the next start).
  static Status RegisterSchema(HubStore& store);

  Status Apply(db::Database& db, const AppliedMessage& message) override;

  // Rows read or written by the last Apply: the cost check the tests assert on.
  uint64_t rows_touched() const { return rows_touched_; }

  // With tracking on (a hub with a parent), every (lls, measure, period) cell an Apply changes
  // is remembered until TakeChangedCells(); the forwarder (hub/federation.h) takes them once
  // per batch. Off by default, so a hub without a parent keeps nothing.
  void TrackChangedCells(bool on) { track_ = on; }
  std::set<CellKey> TakeChangedCells() { return std::exchange(changed_, {}); }

 private:
  static Status Backfill(HubStore& store);
  Status ApplyMemberAggregate(db::Database& db, const AppliedMessage& message,
                              const lls::Aggregate& aggregate);
  uint64_t rows_touched_ = 0;
  bool track_ = false;
  std::set<CellKey> changed_;
};

// The current cell of (lls, measure, period); nullopt when it has no contribution left.
Result<std::optional<AggregateRow>> ReadCell(db::Database& db, const CellKey& key);

// At a parent hub, per (measure, period): the national cell (lls = "national", llss =
// contributing LLSs), then the figures member hubs forwarded, one row per scope (lls = the
// scope, normally the LLS hub's name; llss = how many hubs reported that scope) by name. Empty when nothing was forwarded here (or the tables do not exist yet).
Result<std::vector<AggregateRow>> ReadFederatedAggregates(
    db::Database& db, const std::optional<std::string>& measure = {});

// The aggregate table ordered by (lls, measure, period); only `measure` when given. A database
// without the component's tables (a hub that never ran this build) reads as empty.
Result<std::vector<AggregateRow>> ReadAggregates(db::Database& db,
                                                 const std::optional<std::string>& measure = {});
Result<AggregateCounts> CountAggregates(db::Database& db);

// One trust's figure for (measure, month): the point the per-trust rule above picks (the
// most recently stored summary holding it), from the trust's current summaries.
struct TrustFigure {
  std::string trust;         // the member's name
  std::string display_name;
  std::string organisation;  // ODS code
  std::string lls;
  std::string measure;
  std::string period;        // YYYY-MM
  int64_t numerator = 0;     // 0 when suppressed
  int64_t denominator = 0;
  bool suppressed = false;   // the numerator or the denominator was suppressed at the trust
  bool operator==(const TrustFigure&) const = default;
};

// Every trust's figures ordered by (trust display name, measure, period); only `measure`
// when given. Revoked members' current summaries still count (as in the aggregates).
Result<std::vector<TrustFigure>> ReadTrustFigures(db::Database& db,
                                                  const std::optional<std::string>& measure = {});

// A hub's tier, one rule for the dashboard, `report` and `export`: a hub with an active member
// of role hub (an LLS hub forwards to it) is a national hub; any other is an LLS hub.
Result<bool> IsNationalHub(db::Database& db);

// At a parent hub: the SPC signal each member hub sent with its latest figure of `measure`,
// by (scope, period). Empty where none was sent (older senders) or nothing was forwarded.
Result<std::map<std::pair<std::string, std::string>, dashboard::ReceivedSignal>>
ReadReceivedSignals(db::Database& db, const std::string& measure);

// The same table computed from scratch from the per-point table: for tests and checks that the
// incremental maintenance holds (cost grows with the history; never called on ingest).
Result<std::vector<AggregateRow>> RecomputeAggregates(db::Database& db);

}  // namespace lls::hub
