#include "tools/export_data.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <tuple>

#include "hub/aggregates.h"

namespace lls::tools {

namespace {

bool InRange(const std::string& period, const ExportFilter& filter) {
  // YYYY-MM strings order as the months do.
  return (filter.from.empty() || period >= filter.from) &&
         (filter.to.empty() || period <= filter.to);
}

Result<Stratify> Resolve(const std::string& stratify, HubTier tier) {
  if (stratify == "auto") return tier == HubTier::kLls ? Stratify::kTrust : Stratify::kLls;
  if (stratify == "none") return Stratify::kNone;
  if (stratify == "trust") {
    if (tier == HubTier::kNational) {
      return Status(Code::kInvalidArgument,
                    "--stratify trust needs an LLS hub: this is a national hub (it holds figures "
                    "forwarded by member hubs), which holds no trust's figures; use lls or none");
    }
    return Stratify::kTrust;
  }
  if (stratify == "lls") {
    if (tier == HubTier::kLls) {
      return Status(Code::kInvalidArgument,
                    "--stratify lls needs a national hub: this hub holds no figures forwarded by "
                    "member hubs, so it is an LLS hub; use trust or none");
    }
    return Stratify::kLls;
  }
  return Status(Code::kInvalidArgument,
                "unknown --stratify '" + stratify + "' (auto, trust, lls or none)");
}

// An aggregate with no unsuppressed contribution is suppressed: its zero sums are not zeros.
Figure AggregateFigure(const hub::AggregateRow& row, const std::string& scope_type) {
  Figure f;
  f.scope_type = scope_type;
  f.scope = row.lls;
  f.suppressed = row.trusts == 0;
  f.numerator = row.numerator;
  f.denominator = row.denominator;
  f.trusts = row.trusts;
  f.llss = row.llss;
  f.suppressed_cells = row.suppressed_cells;
  return f;
}

Figure TrustFigureOf(const hub::TrustFigure& t) {
  Figure f;
  f.scope_type = "trust";
  f.scope = t.display_name;
  f.organisation = t.organisation;
  f.suppressed = t.suppressed;
  f.numerator = t.suppressed ? 0 : t.numerator;
  f.denominator = t.suppressed ? 0 : t.denominator;
  return f;
}

// ReadFederatedAggregates orders each (measure, period) as the national row, then the member
// scopes by name.
std::vector<Cell> NationalCells(const std::vector<hub::AggregateRow>& rows,
                                const ExportFilter& filter, Stratify stratify) {
  std::vector<Cell> cells;
  for (const hub::AggregateRow& row : rows) {
    if (filter.measure && row.measure != *filter.measure) continue;
    if (!InRange(row.period, filter)) continue;
    bool same_key =
        !cells.empty() && cells.back().measure == row.measure && cells.back().period == row.period;
    if (!same_key) {
      // The national cell sums the member rows that follow it, so it always comes first; a
      // member row without one would be a broken invariant of hub/aggregates, not data.
      if (row.lls != "national") continue;
      cells.push_back({row.measure, row.period, AggregateFigure(row, "national"), {}});
    } else if (stratify == Stratify::kLls) {
      cells.back().strata.push_back(AggregateFigure(row, "lls"));
    }
  }
  return cells;
}

Result<std::vector<Cell>> LlsCells(db::Database& db, const ExportFilter& filter,
                                   Stratify stratify) {
  LLS_ASSIGN_OR_RETURN(std::vector<hub::AggregateRow> rows,
                       hub::ReadAggregates(db, filter.measure));
  std::vector<Cell> cells;
  for (const hub::AggregateRow& row : rows) {
    if (!InRange(row.period, filter)) continue;
    cells.push_back({row.measure, row.period, AggregateFigure(row, "lls"), {}});
  }
  std::stable_sort(cells.begin(), cells.end(), [](const Cell& a, const Cell& b) {
    return std::tie(a.measure, a.period, a.figure.scope) <
           std::tie(b.measure, b.period, b.figure.scope);
  });
  if (stratify != Stratify::kTrust) return cells;

  std::map<std::tuple<std::string, std::string, std::string>, size_t> index;
  for (size_t i = 0; i < cells.size(); ++i) {
    index[{cells[i].figure.scope, cells[i].measure, cells[i].period}] = i;
  }
  LLS_ASSIGN_OR_RETURN(std::vector<hub::TrustFigure> trusts,
                       hub::ReadTrustFigures(db, filter.measure));
  // In display-name order already. Every trust figure counts in its LLS's cell (as a trust or
  // a suppressed cell), so the lookup only misses for periods the filter left out.
  for (const hub::TrustFigure& t : trusts) {
    auto it = index.find({t.lls, t.measure, t.period});
    if (it != index.end()) cells[it->second].strata.push_back(TrustFigureOf(t));
  }
  return cells;
}

Result<ExportData> ReadInSnapshot(db::Database& db, const std::string& hub_name,
                                  const std::string& stratify, const ExportFilter& filter,
                                  int64_t now_ms) {
  ExportData data;
  data.hub = hub_name;
  data.generated_at_ms = now_ms;
  // The hub's tier: the same rule as the dashboard and `lls-hub report` (hub/aggregates.h).
  LLS_ASSIGN_OR_RETURN(bool national, hub::IsNationalHub(db));
  data.tier = national ? HubTier::kNational : HubTier::kLls;
  LLS_ASSIGN_OR_RETURN(std::vector<hub::AggregateRow> federated, hub::ReadFederatedAggregates(db));
  LLS_ASSIGN_OR_RETURN(data.stratify, Resolve(stratify, data.tier));
  if (data.tier == HubTier::kNational) {
    data.cells = NationalCells(federated, filter, data.stratify);
  } else {
    LLS_ASSIGN_OR_RETURN(data.cells, LlsCells(db, filter, data.stratify));
  }
  return data;
}

}  // namespace

const char* TierName(HubTier tier) { return tier == HubTier::kLls ? "lls" : "national"; }

const char* StratifyName(Stratify stratify) {
  switch (stratify) {
    case Stratify::kNone:
      return "none";
    case Stratify::kTrust:
      return "trust";
    case Stratify::kLls:
      return "lls";
  }
  return "none";
}

Result<ExportData> ReadExportData(db::Database& db, const std::string& hub_name,
                                  const std::string& stratify, const ExportFilter& filter,
                                  int64_t now_ms) {
  // A deferred transaction takes no lock until the first read, and in WAL mode that read
  // pins one snapshot: aggregates and trust figures agree even while the hub commits.
  LLS_RETURN_IF_ERROR(db.Exec("BEGIN DEFERRED"));
  Result<ExportData> data = ReadInSnapshot(db, hub_name, stratify, filter, now_ms);
  Status ended = db.Exec(data.ok() ? "COMMIT" : "ROLLBACK");
  if (!data.ok()) return data.status();
  LLS_RETURN_IF_ERROR(ended);
  return data;
}

MeasureUnit UnitOf(const MeasureDefinition* definition) {
  if (definition != nullptr && definition->unit == "percent") {
    return {"percent", 100, "%", "%"};
  }
  if (definition != nullptr && definition->unit == "per 1000") {
    return {"per 1000", 1000, "/10*3", "per 1000"};
  }
  return {definition != nullptr ? definition->unit : "", 1, "1", "1"};
}

std::optional<double> RateOf(const Figure& figure, const MeasureUnit& unit) {
  if (figure.suppressed || figure.denominator == 0) return std::nullopt;
  double rate =
      static_cast<double>(figure.numerator) / static_cast<double>(figure.denominator) * unit.scale;
  return std::round(rate * 10000.0) / 10000.0;
}

std::string FormatRate(std::optional<double> rate) {
  if (!rate) return "";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.4f", *rate);
  std::string text = buffer;
  while (!text.empty() && text.back() == '0') text.pop_back();
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

bool IsMonth(const std::string& text) {
  if (text.size() != 7 || text[4] != '-') return false;
  for (size_t i : {0u, 1u, 2u, 3u, 5u, 6u}) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  int month = (text[5] - '0') * 10 + (text[6] - '0');
  return month >= 1 && month <= 12;
}

}  // namespace lls::tools
