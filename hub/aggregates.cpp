#include "hub/aggregates.h"

#include "hub/roles.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <utility>

#include "schema/codec.h"

namespace lls::hub {

namespace {

// agg_projects: the current summary of each (member, project), with its signer sequence (v3):
//               a summary older (by the sender's sequence) than the current one — a resend that
//               arrived late — changes nothing; a retracted project keeps its row, flagged, so a
//               late resend of what was retracted cannot bring it back.
// agg_points:   that summary's points, one row per (member, project, measure, period). A
//               point is as recent as its project (agg_projects.hub_seq, v6): a trust's figure
//               for (measure, period) is the point of its project with the highest hub_seq,
//               found through agg_points_measure among the member's projects holding the key.
// agg_cells:    the aggregates. Maintained by subtract/add of each trust's figure rather than
//               recomputed: recomputing a cell would read every trust of the LLS that reports
//               it, while a delta costs one upsert however many trusts contribute. A cell with
//               no contribution left (no trust, no suppressed cell) is deleted.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE agg_projects (
  member_id INTEGER NOT NULL,
  project_id TEXT NOT NULL,
  lls TEXT NOT NULL,
  hub_seq INTEGER NOT NULL,
  message_id BLOB NOT NULL,
  PRIMARY KEY (member_id, project_id)
);
CREATE UNIQUE INDEX agg_projects_message ON agg_projects (message_id);
CREATE TABLE agg_points (
  member_id INTEGER NOT NULL,
  project_id TEXT NOT NULL,
  measure TEXT NOT NULL,
  period TEXT NOT NULL,
  numerator INTEGER NOT NULL,
  denominator INTEGER NOT NULL,
  numerator_suppressed INTEGER NOT NULL,
  denominator_suppressed INTEGER NOT NULL,
  hub_seq INTEGER NOT NULL,
  PRIMARY KEY (member_id, project_id, measure, period)
);
CREATE INDEX agg_points_figure ON agg_points (member_id, measure, period, hub_seq);
CREATE TABLE agg_cells (
  lls TEXT NOT NULL,
  measure TEXT NOT NULL,
  period TEXT NOT NULL,
  trusts INTEGER NOT NULL,
  numerator INTEGER NOT NULL,
  denominator INTEGER NOT NULL,
  suppressed_cells INTEGER NOT NULL,
  PRIMARY KEY (lls, measure, period)
);
-- A row here: the summaries and retractions already in the log are still to be replayed
-- (a hub.db older than this component). Deleted in the replay's own transaction.
CREATE TABLE agg_backfill (pending INTEGER NOT NULL);
INSERT INTO agg_backfill (pending) VALUES (1);
)sql";

// v2, federation at a parent hub. agg_members: each member hub's latest figure per
// (scope, measure, period), with the signer sequence of the Aggregate that set it (an older
// one arriving late never overwrites a newer one); a withdrawn figure keeps its row with
// present = 0 so that its sequence still guards. agg_national: the sums over present rows,
// maintained by delta like agg_cells; llss counts the present rows.
constexpr std::string_view kSchemaV2 = R"sql(
CREATE TABLE agg_members (
  member_id INTEGER NOT NULL,
  scope TEXT NOT NULL,
  measure TEXT NOT NULL,
  period TEXT NOT NULL,
  present INTEGER NOT NULL,
  trusts INTEGER NOT NULL,
  numerator INTEGER NOT NULL,
  denominator INTEGER NOT NULL,
  suppressed_cells INTEGER NOT NULL,
  sequence INTEGER NOT NULL,
  hub_seq INTEGER NOT NULL,
  PRIMARY KEY (member_id, scope, measure, period)
);
CREATE TABLE agg_national (
  measure TEXT NOT NULL,
  period TEXT NOT NULL,
  llss INTEGER NOT NULL,
  trusts INTEGER NOT NULL,
  numerator INTEGER NOT NULL,
  denominator INTEGER NOT NULL,
  suppressed_cells INTEGER NOT NULL,
  PRIMARY KEY (measure, period)
);
)sql";

// v3: ordering by the sender's sequence, and retraction tombstones (see agg_projects above).
constexpr std::string_view kSchemaV3 = R"sql(
ALTER TABLE agg_projects ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agg_projects ADD COLUMN retracted INTEGER NOT NULL DEFAULT 0;
)sql";

// v4: the SPC signal a member hub sent with its figure (Aggregate.spc); NULL when none.
constexpr std::string_view kSchemaV4 = R"sql(
ALTER TABLE agg_members ADD COLUMN spc_value REAL;
ALTER TABLE agg_members ADD COLUMN spc_centre REAL;
ALTER TABLE agg_members ADD COLUMN spc_lower REAL;
ALTER TABLE agg_members ADD COLUMN spc_upper REAL;
ALTER TABLE agg_members ADD COLUMN spc_rules INTEGER;
ALTER TABLE agg_members ADD COLUMN spc_signal INTEGER;
ALTER TABLE agg_members ADD COLUMN spc_variation INTEGER;
ALTER TABLE agg_members ADD COLUMN spc_assurance INTEGER;
ALTER TABLE agg_members ADD COLUMN spc_points INTEGER;
)sql";

// v5: per-measure reads of the trusts' figures (the dashboard, exports) by index.
constexpr std::string_view kSchemaV5 = R"sql(
CREATE INDEX agg_points_measure ON agg_points (measure, member_id, period, hub_seq);
)sql";

// v6: a point's order is its project's. Every point always carried its project's hub_seq, so a
// resend (a node resends its whole history monthly) rewrote each of its points and two index
// entries per point only to move that number; now it writes the one agg_projects row. Without
// hub_seq, agg_points_figure would hold the same keys as agg_points_measure in another order,
// and every lookup is by equality on all three: one index is kept.
constexpr std::string_view kSchemaV6 = R"sql(
DROP INDEX agg_points_figure;
DROP INDEX agg_points_measure;
ALTER TABLE agg_points DROP COLUMN hub_seq;
CREATE INDEX agg_points_measure ON agg_points (measure, member_id, period);
)sql";

using Key = std::pair<std::string, std::string>;  // (measure, period)

// A trust's figure for one (measure, period): what it contributes to the cell.
struct Figure {
  int64_t numerator = 0;
  int64_t denominator = 0;
  bool suppressed = false;
  bool operator==(const Figure&) const = default;
};

struct Delta {
  int64_t trusts = 0, numerator = 0, denominator = 0, suppressed_cells = 0;
  void Add(const std::optional<Figure>& f, int sign) {
    if (!f) return;
    if (f->suppressed) {
      suppressed_cells += sign;
    } else {
      trusts += sign;
      numerator += sign * f->numerator;
      denominator += sign * f->denominator;
    }
  }
};

std::span<const uint8_t> Span(const MessageId& id) { return {id.data(), id.size()}; }

// A point's columns exactly as agg_points stores them: what decides whether a resent point
// changed (a suppressed point's placeholder counts included, so the table stays the same).
struct Stored {
  int64_t numerator = 0;
  int64_t denominator = 0;
  bool numerator_suppressed = false;
  bool denominator_suppressed = false;
  bool operator==(const Stored&) const = default;

  static Stored Of(const MeasurePoint& p) {
    return {static_cast<int64_t>(p.numerator), static_cast<int64_t>(p.denominator),
            p.numerator_suppressed, p.denominator_suppressed};
  }
  Figure figure() const {
    Figure f;
    f.suppressed = numerator_suppressed || denominator_suppressed;
    if (!f.suppressed) {  // a suppressed point's counts are placeholders, never summed
      f.numerator = numerator;
      f.denominator = denominator;
    }
    return f;
  }
};

class Maintainer {
 public:
  // `changed` (may be null) collects the cells AdjustCell touches.
  Maintainer(db::Database& db, uint64_t& rows, std::set<CellKey>* changed)
      : db_(db), rows_(rows), changed_(changed) {}

  // Makes `summary` (or, when null, nothing) the current summary of (member, project).
  //
  // A trust's figure for a key is its point with the highest hub_seq (FigureOf). Most keys'
  // figures are known without asking: a project's point is the figure when no other current
  // project of the member is newer, and the member's other projects are summed up in one
  // probe (Others). FigureOf runs only for keys another project may hold; a resend whose
  // points are all unchanged (the common case: a node resends its whole history monthly)
  // writes one agg_projects row (its hub_seq orders all its points) and touches no cell.
  Status Replace(const Member& member, const std::string& project, uint64_t hub_seq,
                 uint64_t sequence, const MessageId& message_id, const ProjectSummary* summary) {
    LLS_ASSIGN_OR_RETURN(StoredPoints old, ReadProject(member.id, project));
    // A summary naming the same (measure, period) twice: the last occurrence stands.
    std::map<Key, Stored> fresh;
    if (summary != nullptr) {
      for (const MeasureSeries& series : summary->measures) {
        for (const MeasurePoint& p : series.points) {
          fresh[{series.measure_code, p.period}] = Stored::Of(p);
        }
      }
    }
    LLS_ASSIGN_OR_RETURN(OtherProjects others, Others(member.id, project));
    // hub_seq is the log position, so a fresh point is always the newest; checked all the same,
    // so that a violated assumption costs queries, never a wrong figure.
    const bool old_is_figure = others.count == 0 || others.newest < old.oldest_seq;
    const bool fresh_is_figure = others.count == 0 || others.newest < static_cast<int64_t>(hub_seq);

    // Per key whose figure may change: the figure before, and after when already known.
    struct Change {
      std::optional<Figure> before;
      std::optional<std::optional<Figure>> after;  // empty: ask FigureOf after the writes
    };
    std::map<Key, Change> changes;
    auto consider = [&](const Key& key) -> Status {
      auto o = old.points.find(key);
      auto f = fresh.find(key);
      std::optional<std::optional<Figure>> before, after;
      if (o != old.points.end()) {
        if (old_is_figure) before = o->second.figure();
      } else if (others.count == 0) {
        before.emplace();  // no point of the member holds the key
      }
      if (f != fresh.end()) {
        if (fresh_is_figure) after = f->second.figure();
      } else if (others.count == 0) {
        after.emplace();
      }
      if (before && after && *before == *after) return Status::Ok();
      if (!before) {
        LLS_ASSIGN_OR_RETURN(before, FigureOf(member.id, key));
      }
      changes[key] = Change{*before, after};
      return Status::Ok();
    };
    for (const auto& [key, point] : old.points) LLS_RETURN_IF_ERROR(consider(key));
    for (const auto& [key, point] : fresh) {
      if (!old.points.contains(key)) LLS_RETURN_IF_ERROR(consider(key));
    }

    if (summary == nullptr) {
      LLS_RETURN_IF_ERROR(Retract(member.id, project));
    } else {
      LLS_RETURN_IF_ERROR(StoreSummary(member, project, hub_seq, sequence, message_id));
      LLS_RETURN_IF_ERROR(StorePoints(member.id, project, old, fresh));
    }

    for (auto& [key, change] : changes) {
      if (!change.after) {
        LLS_ASSIGN_OR_RETURN(change.after, FigureOf(member.id, key));
      }
      if (*change.after == change.before) continue;
      Delta delta;
      delta.Add(change.before, -1);
      delta.Add(*change.after, +1);
      LLS_RETURN_IF_ERROR(AdjustCell(member.lls, key, delta));
    }
    return Status::Ok();
  }

 private:
  struct StoredPoints {
    std::map<Key, Stored> points;
    int64_t oldest_seq = 0;  // their project's hub_seq (0 when there are none)
  };
  struct OtherProjects {
    int64_t count = 0;   // the member's other current (not retracted) projects
    int64_t newest = 0;  // their highest hub_seq, which orders each one's points
  };

  Result<StoredPoints> ReadProject(int64_t member_id, const std::string& project) {
    LLS_ASSIGN_OR_RETURN(
        db::Statement select,
        db_.Prepare("SELECT pt.measure, pt.period, pt.numerator, pt.denominator, "
                    "pt.numerator_suppressed, pt.denominator_suppressed, pr.hub_seq "
                    "FROM agg_points pt JOIN agg_projects pr "
                    "ON pr.member_id = pt.member_id AND pr.project_id = pt.project_id "
                    "WHERE pt.member_id = ?1 AND pt.project_id = ?2"));
    select.Bind(1, member_id).Bind(2, project);
    StoredPoints old;
    for (;;) {
      LLS_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) break;
      ++rows_;
      old.points[{select.ColumnText(0), select.ColumnText(1)}] =
          Stored{select.ColumnInt(2), select.ColumnInt(3), select.ColumnInt(4) != 0,
                 select.ColumnInt(5) != 0};
      old.oldest_seq = select.ColumnInt(6);
    }
    return old;
  }

  Result<OtherProjects> Others(int64_t member_id, const std::string& project) {
    LLS_ASSIGN_OR_RETURN(
        db::Statement select,
        db_.Prepare("SELECT COUNT(*), COALESCE(MAX(hub_seq), 0) FROM agg_projects "
                    "WHERE member_id = ? AND project_id <> ? AND retracted = 0"));
    select.Bind(1, member_id).Bind(2, project);
    LLS_ASSIGN_OR_RETURN(bool row, select.Step());
    ++rows_;
    if (!row) return OtherProjects{};
    return OtherProjects{select.ColumnInt(0), select.ColumnInt(1)};
  }

  Status Retract(int64_t member_id, const std::string& project) {
    LLS_ASSIGN_OR_RETURN(
        db::Statement remove,
        db_.Prepare("DELETE FROM agg_points WHERE member_id = ? AND project_id = ?"));
    remove.Bind(1, member_id).Bind(2, project);
    LLS_RETURN_IF_ERROR(remove.Run());
    LLS_ASSIGN_OR_RETURN(db::Statement drop,
                         db_.Prepare("UPDATE agg_projects SET retracted = 1 WHERE member_id = ? "
                                     "AND project_id = ?"));
    drop.Bind(1, member_id).Bind(2, project);
    LLS_RETURN_IF_ERROR(drop.Run());
    ++rows_;
    return Status::Ok();
  }

  Status StoreSummary(const Member& member, const std::string& project, uint64_t hub_seq,
                      uint64_t sequence, const MessageId& message_id) {
    LLS_ASSIGN_OR_RETURN(
        db::Statement upsert,
        db_.Prepare("INSERT INTO agg_projects (member_id, project_id, lls, hub_seq, message_id, "
                    "sequence, retracted) VALUES (?, ?, ?, ?, ?, ?, 0) "
                    "ON CONFLICT (member_id, project_id) DO UPDATE SET "
                    "lls = excluded.lls, hub_seq = excluded.hub_seq, "
                    "message_id = excluded.message_id, sequence = excluded.sequence, "
                    "retracted = 0"));
    upsert.Bind(1, member.id)
        .Bind(2, project)
        .Bind(3, member.lls)
        .Bind(4, static_cast<int64_t>(hub_seq))
        .Bind(5, Span(message_id))
        .Bind(6, static_cast<int64_t>(sequence));
    LLS_RETURN_IF_ERROR(upsert.Run());
    ++rows_;
    return Status::Ok();
  }

  // Leaves the project's points equal to `fresh`, writing only what differs from `old` (the
  // project's row, written first, carries the hub_seq that orders them).
  Status StorePoints(int64_t member_id, const std::string& project, const StoredPoints& old,
                     const std::map<Key, Stored>& fresh) {
    LLS_ASSIGN_OR_RETURN(db::Statement remove,
                         db_.Prepare("DELETE FROM agg_points WHERE member_id = ? AND "
                                     "project_id = ? AND measure = ? AND period = ?"));
    for (const auto& [key, point] : old.points) {
      if (fresh.contains(key)) continue;
      remove.Bind(1, member_id).Bind(2, project).Bind(3, key.first).Bind(4, key.second);
      LLS_RETURN_IF_ERROR(remove.Run());
      remove.Reset();
      ++rows_;
    }
    LLS_ASSIGN_OR_RETURN(
        db::Statement update,
        db_.Prepare("UPDATE agg_points SET numerator = ?, denominator = ?, "
                    "numerator_suppressed = ?, denominator_suppressed = ? "
                    "WHERE member_id = ? AND project_id = ? AND measure = ? AND period = ?"));
    LLS_ASSIGN_OR_RETURN(
        db::Statement insert,
        db_.Prepare("INSERT INTO agg_points (member_id, project_id, measure, period, numerator, "
                    "denominator, numerator_suppressed, denominator_suppressed) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    for (const auto& [key, p] : fresh) {
      auto o = old.points.find(key);
      if (o != old.points.end()) {
        if (o->second == p) continue;
        update.Bind(1, p.numerator)
            .Bind(2, p.denominator)
            .Bind(3, int64_t{p.numerator_suppressed})
            .Bind(4, int64_t{p.denominator_suppressed})
            .Bind(5, member_id)
            .Bind(6, project)
            .Bind(7, key.first)
            .Bind(8, key.second);
        LLS_RETURN_IF_ERROR(update.Run());
        update.Reset();
      } else {
        insert.Bind(1, member_id)
            .Bind(2, project)
            .Bind(3, key.first)
            .Bind(4, key.second)
            .Bind(5, p.numerator)
            .Bind(6, p.denominator)
            .Bind(7, int64_t{p.numerator_suppressed})
            .Bind(8, int64_t{p.denominator_suppressed});
        LLS_RETURN_IF_ERROR(insert.Run());
        insert.Reset();
      }
      ++rows_;
    }
    return Status::Ok();
  }

  // The trust's figure: its point from the most recently stored summary that holds the key.
  Result<std::optional<Figure>> FigureOf(int64_t member_id, const Key& key) {
    LLS_ASSIGN_OR_RETURN(
        db::Statement select,
        db_.Prepare("SELECT pt.numerator, pt.denominator, pt.numerator_suppressed, "
                    "pt.denominator_suppressed FROM agg_points pt JOIN agg_projects pr "
                    "ON pr.member_id = pt.member_id AND pr.project_id = pt.project_id "
                    "WHERE pt.member_id = ?1 AND pt.measure = ?2 AND pt.period = ?3 "
                    "ORDER BY pr.hub_seq DESC LIMIT 1"));
    select.Bind(1, member_id).Bind(2, key.first).Bind(3, key.second);
    LLS_ASSIGN_OR_RETURN(bool row, select.Step());
    ++rows_;
    if (!row) return std::optional<Figure>();
    return std::optional<Figure>(Stored{select.ColumnInt(0), select.ColumnInt(1),
                                        select.ColumnInt(2) != 0, select.ColumnInt(3) != 0}
                                     .figure());
  }

  Status AdjustCell(const std::string& lls, const Key& key, const Delta& d) {
    LLS_ASSIGN_OR_RETURN(
        db::Statement upsert,
        db_.Prepare("INSERT INTO agg_cells (lls, measure, period, trusts, numerator, "
                    "denominator, suppressed_cells) VALUES (?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (lls, measure, period) DO UPDATE SET "
                    "trusts = trusts + excluded.trusts, "
                    "numerator = numerator + excluded.numerator, "
                    "denominator = denominator + excluded.denominator, "
                    "suppressed_cells = suppressed_cells + excluded.suppressed_cells"));
    upsert.Bind(1, lls)
        .Bind(2, key.first)
        .Bind(3, key.second)
        .Bind(4, d.trusts)
        .Bind(5, d.numerator)
        .Bind(6, d.denominator)
        .Bind(7, d.suppressed_cells);
    LLS_RETURN_IF_ERROR(upsert.Run());
    LLS_ASSIGN_OR_RETURN(
        db::Statement prune,
        db_.Prepare("DELETE FROM agg_cells WHERE lls = ? AND measure = ? AND period = ? AND "
                    "trusts <= 0 AND suppressed_cells <= 0"));
    prune.Bind(1, lls).Bind(2, key.first).Bind(3, key.second);
    LLS_RETURN_IF_ERROR(prune.Run());
    ++rows_;
    if (changed_ != nullptr) changed_->insert({lls, key.first, key.second});
    return Status::Ok();
  }

  db::Database& db_;
  uint64_t& rows_;
  std::set<CellKey>* changed_;
};

Result<bool> HasTables(db::Database& db) {
  LLS_ASSIGN_OR_RETURN(db::Statement select,
                       db.Prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                  "name = 'agg_cells'"));
  return select.Step();
}

Result<std::vector<AggregateRow>> ReadRows(db::Database& db, const std::string& sql,
                                           const std::optional<std::string>& measure) {
  std::vector<AggregateRow> rows;
  LLS_ASSIGN_OR_RETURN(db::Statement select, db.Prepare(sql));
  if (measure) select.Bind(1, *measure);
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    rows.push_back({select.ColumnText(0), select.ColumnText(1), select.ColumnText(2),
                    select.ColumnInt(3), select.ColumnInt(4), select.ColumnInt(5),
                    select.ColumnInt(6)});
  }
  return rows;
}

}  // namespace

Status Aggregates::RegisterSchema(HubStore& store) {
  LLS_RETURN_IF_ERROR(
      store.RegisterSchema("aggregates", {kSchemaV1, kSchemaV2, kSchemaV3, kSchemaV4, kSchemaV5, kSchemaV6}));
  return Backfill(store);
}

// Reads the whole log once, when the component is new to a hub.db that already has history.
Status Aggregates::Backfill(HubStore& store) {
  db::Database& db = store.database();
  LLS_ASSIGN_OR_RETURN(db::Statement pending, db.Prepare("SELECT 1 FROM agg_backfill"));
  LLS_ASSIGN_OR_RETURN(bool todo, pending.Step());
  if (!todo) return Status::Ok();
  LLS_ASSIGN_OR_RETURN(std::vector<Member> members, store.Members());
  std::map<int64_t, const Member*> by_id;
  for (const Member& m : members) by_id[m.id] = &m;
  LLS_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Begin(db));
  LLS_ASSIGN_OR_RETURN(
      db::Statement select,
      db.Prepare("SELECT hub_seq, member_id, envelope, received_at FROM log WHERE kind IN (" +
                 std::to_string(static_cast<int>(Kind::kProjectSummary)) + ", " +
                 std::to_string(static_cast<int>(Kind::kRetraction)) + ") ORDER BY hub_seq"));
  Aggregates applier;
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    const auto hub_seq = static_cast<uint64_t>(select.ColumnInt(0));
    auto member = by_id.find(select.ColumnInt(1));
    Bytes bytes = select.ColumnBlob(2);
    auto envelope = DecodeEnvelope(bytes);
    auto body = envelope.ok() ? DecodeBody(envelope->body) : envelope.error();
    if (member == by_id.end() || !body.ok()) {
      return Status(Code::kCorrupt, "hub.db log entry " + std::to_string(hub_seq) +
                                        " cannot be replayed into the aggregates");
    }
    AppliedMessage message{hub_seq, *envelope, *body, *member->second, select.ColumnInt(3)};
    LLS_RETURN_IF_ERROR(applier.Apply(db, message));
  }
  LLS_RETURN_IF_ERROR(db.Exec("DELETE FROM agg_backfill"));
  return tx.Commit();
}

Status Aggregates::Apply(db::Database& db, const AppliedMessage& message) {
  rows_touched_ = 0;
  Maintainer maintainer(db, rows_touched_, track_ ? &changed_ : nullptr);
  if (const auto* aggregate = std::get_if<lls::Aggregate>(&message.body)) {
    return ApplyMemberAggregate(db, message, *aggregate);
  }
  if (const auto* summary = std::get_if<ProjectSummary>(&message.body)) {
    // The sender's order, not the arrival order, decides which summary is current.
    LLS_ASSIGN_OR_RETURN(db::Statement current,
                         db.Prepare("SELECT sequence FROM agg_projects WHERE member_id = ? AND "
                                    "project_id = ?"));
    current.Bind(1, message.member.id).Bind(2, summary->project_id);
    LLS_ASSIGN_OR_RETURN(bool known, current.Step());
    ++rows_touched_;
    if (known && static_cast<uint64_t>(current.ColumnInt(0)) > message.envelope.sequence) {
      return Status::Ok();  // an older summary arriving late: the newer one stands
    }
    return maintainer.Replace(message.member, summary->project_id, message.hub_seq,
                              message.envelope.sequence, message.envelope.message_id, summary);
  }
  if (const auto* retraction = std::get_if<Retraction>(&message.body)) {
    // Only the current summary of a project has figures here; any other target (an older,
    // replaced summary, a learning item, a message of another member) changes nothing.
    LLS_ASSIGN_OR_RETURN(db::Statement select,
                         db.Prepare("SELECT member_id, project_id FROM agg_projects "
                                    "WHERE message_id = ? AND retracted = 0"));
    select.Bind(1, Span(retraction->target));
    LLS_ASSIGN_OR_RETURN(bool row, select.Step());
    ++rows_touched_;
    if (!row || select.ColumnInt(0) != message.member.id) return Status::Ok();
    return maintainer.Replace(message.member, select.ColumnText(1), message.hub_seq,
                              message.envelope.sequence, retraction->target, nullptr);
  }
  return Status::Ok();
}

Status Aggregates::ApplyMemberAggregate(db::Database& db, const AppliedMessage& message,
                                        const lls::Aggregate& a) {
  // Only hubs forward aggregates (the role table); a national member's would be the tier
  // above, which sends nothing upward to us.
  if (message.member.role != Role::kHub) return Status::Ok();
  LLS_ASSIGN_OR_RETURN(
      db::Statement select,
      db.Prepare("SELECT present, trusts, numerator, denominator, suppressed_cells, sequence "
                 "FROM agg_members WHERE member_id = ? AND scope = ? AND measure = ? AND "
                 "period = ?"));
  select.Bind(1, message.member.id).Bind(2, a.scope).Bind(3, a.measure_code).Bind(4, a.period);
  LLS_ASSIGN_OR_RETURN(bool found, select.Step());
  ++rows_touched_;
  Delta delta;  // trusts, numerator, denominator, suppressed cells; llss apart
  int64_t llss = 0;
  if (found) {
    if (static_cast<uint64_t>(select.ColumnInt(5)) >= message.envelope.sequence) {
      return Status::Ok();  // an older figure arriving late: the newer one stands
    }
    if (select.ColumnInt(0) != 0) {
      llss -= 1;
      delta.trusts -= select.ColumnInt(1);
      delta.numerator -= select.ColumnInt(2);
      delta.denominator -= select.ColumnInt(3);
      delta.suppressed_cells -= select.ColumnInt(4);
    }
  }
  const bool present = a.contributing_trusts > 0 || a.suppressed_cells > 0;
  if (present) {
    llss += 1;
    delta.trusts += a.contributing_trusts;
    delta.numerator += static_cast<int64_t>(a.numerator);
    delta.denominator += static_cast<int64_t>(a.denominator);
    delta.suppressed_cells += a.suppressed_cells;
  }
  LLS_ASSIGN_OR_RETURN(
      db::Statement upsert,
      db.Prepare("INSERT INTO agg_members (member_id, scope, measure, period, present, trusts, "
                 "numerator, denominator, suppressed_cells, sequence, hub_seq) VALUES "
                 "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (member_id, scope, measure, "
                 "period) DO UPDATE SET present = excluded.present, trusts = excluded.trusts, "
                 "numerator = excluded.numerator, denominator = excluded.denominator, "
                 "suppressed_cells = excluded.suppressed_cells, sequence = excluded.sequence, "
                 "hub_seq = excluded.hub_seq"));
  upsert.Bind(1, message.member.id)
      .Bind(2, a.scope)
      .Bind(3, a.measure_code)
      .Bind(4, a.period)
      .Bind(5, int64_t{present ? 1 : 0})
      .Bind(6, present ? int64_t{a.contributing_trusts} : 0)
      .Bind(7, present ? static_cast<int64_t>(a.numerator) : 0)
      .Bind(8, present ? static_cast<int64_t>(a.denominator) : 0)
      .Bind(9, present ? int64_t{a.suppressed_cells} : 0)
      .Bind(10, static_cast<int64_t>(message.envelope.sequence))
      .Bind(11, static_cast<int64_t>(message.hub_seq));
  LLS_RETURN_IF_ERROR(upsert.Run());
  ++rows_touched_;
  LLS_ASSIGN_OR_RETURN(
      db::Statement signal,
      db.Prepare("UPDATE agg_members SET spc_value = ?, spc_centre = ?, spc_lower = ?, "
                 "spc_upper = ?, spc_rules = ?, spc_signal = ?, spc_variation = ?, "
                 "spc_assurance = ?, spc_points = ? WHERE member_id = ? AND scope = ? AND "
                 "measure = ? AND period = ?"));
  if (present && a.spc) {
    signal.BindDouble(1, a.spc->value)
        .BindDouble(2, a.spc->centre)
        .BindDouble(3, a.spc->lower)
        .BindDouble(4, a.spc->upper)
        .Bind(5, int64_t{a.spc->rules})
        .Bind(6, int64_t{a.spc->signal})
        .Bind(7, int64_t{a.spc->variation})
        .Bind(8, int64_t{a.spc->assurance})
        .Bind(9, int64_t{a.spc->points});
  } else {
    for (int i = 1; i <= 9; ++i) signal.BindNull(i);
  }
  signal.Bind(10, message.member.id).Bind(11, a.scope).Bind(12, a.measure_code).Bind(13, a.period);
  LLS_RETURN_IF_ERROR(signal.Run());
  if (llss == 0 && delta.trusts == 0 && delta.numerator == 0 && delta.denominator == 0 &&
      delta.suppressed_cells == 0) {
    return Status::Ok();
  }
  LLS_ASSIGN_OR_RETURN(
      db::Statement national,
      db.Prepare("INSERT INTO agg_national (measure, period, llss, trusts, numerator, "
                 "denominator, suppressed_cells) VALUES (?, ?, ?, ?, ?, ?, ?) "
                 "ON CONFLICT (measure, period) DO UPDATE SET llss = llss + excluded.llss, "
                 "trusts = trusts + excluded.trusts, "
                 "numerator = numerator + excluded.numerator, "
                 "denominator = denominator + excluded.denominator, "
                 "suppressed_cells = suppressed_cells + excluded.suppressed_cells"));
  national.Bind(1, a.measure_code)
      .Bind(2, a.period)
      .Bind(3, llss)
      .Bind(4, delta.trusts)
      .Bind(5, delta.numerator)
      .Bind(6, delta.denominator)
      .Bind(7, delta.suppressed_cells);
  LLS_RETURN_IF_ERROR(national.Run());
  LLS_ASSIGN_OR_RETURN(db::Statement prune,
                       db.Prepare("DELETE FROM agg_national WHERE measure = ? AND period = ? "
                                  "AND llss <= 0"));
  prune.Bind(1, a.measure_code).Bind(2, a.period);
  LLS_RETURN_IF_ERROR(prune.Run());
  ++rows_touched_;
  return Status::Ok();
}

Result<std::optional<AggregateRow>> ReadCell(db::Database& db, const CellKey& key) {
  LLS_ASSIGN_OR_RETURN(
      db::Statement select,
      db.Prepare("SELECT trusts, numerator, denominator, suppressed_cells FROM agg_cells "
                 "WHERE lls = ? AND measure = ? AND period = ?"));
  select.Bind(1, key.lls).Bind(2, key.measure).Bind(3, key.period);
  LLS_ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return std::optional<AggregateRow>();
  return std::optional<AggregateRow>(AggregateRow{key.lls, key.measure, key.period,
                                                  select.ColumnInt(0), select.ColumnInt(1),
                                                  select.ColumnInt(2), select.ColumnInt(3)});
}

Result<std::vector<AggregateRow>> ReadFederatedAggregates(
    db::Database& db, const std::optional<std::string>& measure) {
  LLS_ASSIGN_OR_RETURN(db::Statement exists,
                       db.Prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                  "name = 'agg_national'"));
  LLS_ASSIGN_OR_RETURN(bool tables, exists.Step());
  std::vector<AggregateRow> rows;
  if (!tables) return rows;
  const std::string where = measure ? " AND measure = ?1" : "";
  LLS_ASSIGN_OR_RETURN(
      db::Statement select,
      db.Prepare("SELECT scope, measure, period, SUM(trusts), SUM(numerator), SUM(denominator), "
                 "SUM(suppressed_cells), COUNT(*), 1 AS tier FROM agg_members WHERE present = 1" +
                 where + " GROUP BY scope, measure, period UNION ALL "
                 "SELECT 'national', measure, period, trusts, numerator, denominator, "
                 "suppressed_cells, llss, 0 FROM agg_national WHERE 1" + where +
                 " ORDER BY 2, 3, 9, 1"));
  if (measure) select.Bind(1, *measure);
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    rows.push_back({select.ColumnText(0), select.ColumnText(1), select.ColumnText(2),
                    select.ColumnInt(3), select.ColumnInt(4), select.ColumnInt(5),
                    select.ColumnInt(6), select.ColumnInt(7)});
  }
  return rows;
}

Result<std::vector<AggregateRow>> ReadAggregates(db::Database& db,
                                                 const std::optional<std::string>& measure) {
  LLS_ASSIGN_OR_RETURN(bool tables, HasTables(db));
  if (!tables) return std::vector<AggregateRow>();
  return ReadRows(db,
                  std::string("SELECT lls, measure, period, trusts, numerator, denominator, "
                              "suppressed_cells FROM agg_cells ") +
                      (measure ? "WHERE measure = ? " : "") + "ORDER BY lls, measure, period",
                  measure);
}

Result<AggregateCounts> CountAggregates(db::Database& db) {
  AggregateCounts counts;
  LLS_ASSIGN_OR_RETURN(bool tables, HasTables(db));
  if (!tables) return counts;
  LLS_ASSIGN_OR_RETURN(db::Statement select, db.Prepare("SELECT (SELECT COUNT(*) FROM agg_cells), "
                                                        "(SELECT COUNT(*) FROM agg_projects WHERE retracted = 0)"));
  LLS_ASSIGN_OR_RETURN(bool row, select.Step());
  if (row) {
    counts.rows = select.ColumnInt(0);
    counts.projects = select.ColumnInt(1);
  }
  return counts;
}

Result<std::vector<AggregateRow>> RecomputeAggregates(db::Database& db) {
  LLS_ASSIGN_OR_RETURN(bool tables, HasTables(db));
  if (!tables) return std::vector<AggregateRow>();
  // Each trust's figure per (measure, period): the point of its project with the highest
  // hub_seq.
  return ReadRows(db, R"sql(
    WITH ranked AS (
      SELECT pr.lls, pt.member_id, pt.measure, pt.period, pt.numerator, pt.denominator,
             (pt.numerator_suppressed OR pt.denominator_suppressed) AS suppressed,
             ROW_NUMBER() OVER (PARTITION BY pt.member_id, pt.measure, pt.period
                                ORDER BY pr.hub_seq DESC) AS rank
      FROM agg_points pt JOIN agg_projects pr
        ON pr.member_id = pt.member_id AND pr.project_id = pt.project_id)
    SELECT lls, measure, period,
           SUM(CASE WHEN suppressed THEN 0 ELSE 1 END),
           SUM(CASE WHEN suppressed THEN 0 ELSE numerator END),
           SUM(CASE WHEN suppressed THEN 0 ELSE denominator END),
           SUM(CASE WHEN suppressed THEN 1 ELSE 0 END)
    FROM ranked WHERE rank = 1
    GROUP BY lls, measure, period ORDER BY lls, measure, period)sql",
                  std::nullopt);
}

}  // namespace lls::hub

namespace lls::hub {

Result<std::vector<TrustFigure>> ReadTrustFigures(db::Database& db,
                                                  const std::optional<std::string>& measure) {
  LLS_ASSIGN_OR_RETURN(bool tables, HasTables(db));
  if (!tables) return std::vector<TrustFigure>();
  // The per-trust rule of RecomputeAggregates: per (member, measure, period), the point of the
  // project with the highest hub_seq. SQLite takes the bare columns of a MAX() aggregate from
  // the row that holds the maximum, and agg_points_measure serves the grouping in index order.
  std::string sql = R"sql(
    SELECT m.name, m.display_name, m.organisation, f.lls, f.measure, f.period,
           CASE WHEN f.suppressed THEN 0 ELSE f.numerator END,
           CASE WHEN f.suppressed THEN 0 ELSE f.denominator END, f.suppressed
    FROM (SELECT pt.member_id, pr.lls, pt.measure, pt.period, pt.numerator, pt.denominator,
                 (pt.numerator_suppressed OR pt.denominator_suppressed) AS suppressed,
                 MAX(pr.hub_seq)
          FROM agg_points pt JOIN agg_projects pr
            ON pr.member_id = pt.member_id AND pr.project_id = pt.project_id)sql";
  if (measure) sql += " WHERE pt.measure = ?1";
  sql += R"sql(
          GROUP BY pt.measure, pt.member_id, pt.period) f
    JOIN members m ON m.id = f.member_id
    ORDER BY m.display_name, m.name, f.measure, f.period)sql";
  LLS_ASSIGN_OR_RETURN(db::Statement select, db.Prepare(sql));
  if (measure) select.Bind(1, *measure);
  std::vector<TrustFigure> rows;
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    rows.push_back({select.ColumnText(0), select.ColumnText(1), select.ColumnText(2),
                    select.ColumnText(3), select.ColumnText(4), select.ColumnText(5),
                    select.ColumnInt(6), select.ColumnInt(7), select.ColumnInt(8) != 0});
  }
  return rows;
}

}  // namespace lls::hub

namespace lls::hub {

Result<std::map<std::pair<std::string, std::string>, dashboard::ReceivedSignal>>
ReadReceivedSignals(db::Database& db, const std::string& measure) {
  std::map<std::pair<std::string, std::string>, dashboard::ReceivedSignal> signals;
  LLS_ASSIGN_OR_RETURN(db::Statement has,
                       db.Prepare("SELECT 1 FROM pragma_table_info('agg_members') "
                                  "WHERE name = 'spc_centre'"));
  LLS_ASSIGN_OR_RETURN(bool columns, has.Step());
  if (!columns) return signals;
  LLS_ASSIGN_OR_RETURN(
      db::Statement select,
      db.Prepare("SELECT scope, period, spc_centre, spc_lower, spc_upper, spc_rules, spc_signal, "
                 "spc_variation, spc_assurance FROM agg_members "
                 "WHERE measure = ? AND present = 1 AND spc_centre IS NOT NULL"));
  select.Bind(1, measure);
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    dashboard::ReceivedSignal s;
    s.centre = select.ColumnDouble(2);
    s.lower = select.ColumnDouble(3);
    s.upper = select.ColumnDouble(4);
    s.rules = analytics::RuleFlagNames(static_cast<uint8_t>(select.ColumnInt(5)));
    s.signal = analytics::PointSignalName(static_cast<analytics::PointSignal>(select.ColumnInt(6)));
    s.variation =
        analytics::VariationIconName(static_cast<analytics::VariationIcon>(select.ColumnInt(7)));
    s.assurance =
        analytics::AssuranceIconName(static_cast<analytics::AssuranceIcon>(select.ColumnInt(8)));
    signals[{select.ColumnText(0), select.ColumnText(1)}] = std::move(s);
  }
  return signals;
}

}  // namespace lls::hub

namespace lls::hub {

Result<bool> IsNationalHub(db::Database& db) {
  LLS_ASSIGN_OR_RETURN(db::Statement select,
                       db.Prepare("SELECT 1 FROM members WHERE role = ? AND revoked_at IS NULL "
                                  "LIMIT 1"));
  select.Bind(1, std::string_view(RoleName(Role::kHub)));
  return select.Step();
}

}  // namespace lls::hub
