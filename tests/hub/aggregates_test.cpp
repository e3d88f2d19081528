// Aggregates driven through the real Ingest (frames built here, a real SQLite file, a fake
// clock): sums to the count, replacement, retraction, suppression, the per-trust figure rule,
// rollback with the log, and a cost that does not grow with the history.
#include <catch2/catch.hpp>

#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "hub/aggregates.h"
#include "hub/ingest.h"
#include "tests/hub/test_util.h"

namespace lls::hub {
namespace {

using namespace test;

class FailingApplier final : public StateApplier {
 public:
  Status Apply(db::Database&, const AppliedMessage&) override {
    return Status(Code::kIoError, "forced failure");
  }
};

struct Fixture {
  TempDir dir;
  FakeClock clock;
  HubStore store = OpenStore(dir / "hub.db");
  MemberDirectory members;
  crypto::Identity trust_a = NewIdentity("trust-a");
  crypto::Identity trust_b = NewIdentity("trust-b");
  crypto::Identity trust_s = NewIdentity("trust-s");  // in another LLS
  Aggregates aggregates;
  std::unique_ptr<Ingest> ingest;
  uint64_t next_seq = 1;

  Fixture() {
    MustEnrol(store, trust_a, Role::kTrust, "RXA");
    MustEnrol(store, trust_b, Role::kTrust, "RXB");
    EnrolRequest south = RequestFor(trust_s, Role::kTrust, "RXS");
    south.lls = "south";
    REQUIRE(store.Enrol(south, kNow).ok());
    REQUIRE(members.Reload(store).ok());
    REQUIRE(Aggregates::RegisterSchema(store).ok());
    ingest = std::make_unique<Ingest>(store, members, clock, IngestOptions{});
    ingest->AddApplier(&aggregates);
  }

  // Seals and sends one message from `id`; returns its message id (the reply must be an Ack).
  MessageId Send(const crypto::Identity& id, const Body& body) {
    Envelope e = crypto::Seal(id, next_seq++, kNow, body);
    transport::InboundFrame frame;
    frame.peer = "peer";
    std::optional<std::string> user = members.Admit(id.curve_public());
    REQUIRE(user.has_value());
    frame.user_id = *user;
    frame.payload = EncodeEnvelope(e);
    std::vector<OutboundReply> replies = ingest->Handle({frame});
    REQUIRE(replies.size() == 1);
    const Nack* nack = std::get_if<Nack>(&replies[0].reply);
    if (nack != nullptr) FAIL("Nack " << NackCodeName(nack->code) << ": " << nack->text);
    return e.message_id;
  }

  std::vector<AggregateRow> Rows(std::optional<std::string> measure = {}) {
    auto rows = ReadAggregates(store.database(), measure);
    REQUIRE(rows.ok());
    // Every test also checks that the incremental table equals a recomputation from scratch.
    auto recomputed = RecomputeAggregates(store.database());
    REQUIRE(recomputed.ok());
    if (!measure) CHECK(*rows == *recomputed);
    return *rows;
  }
  AggregateCounts Counts() {
    auto counts = CountAggregates(store.database());
    REQUIRE(counts.ok());
    return *counts;
  }
};

ProjectSummary Project(const std::string& id, std::vector<MeasureSeries> measures) {
  ProjectSummary s = Summary();
  s.project_id = id;
  s.measures = std::move(measures);
  return s;
}

MeasurePoint Point(const std::string& period, uint32_t n, uint32_t d) {
  return {period, n, d, false, false};
}
MeasurePoint Suppressed(const std::string& period, uint32_t d) {
  return {period, 0, d, true, false};
}

AggregateRow Row(const std::string& lls, const std::string& measure, const std::string& period,
                 int64_t trusts, int64_t n, int64_t d, int64_t suppressed = 0) {
  return {lls, measure, period, trusts, n, d, suppressed};
}

TEST_CASE("two trusts' summaries sum to the count per (LLS, measure, month)", "[aggregates]") {
  Fixture f;
  f.Send(f.trust_a,
         Project("pa", {{"SATOD", {Point("2026-01", 25, 210), Point("2026-02", 10, 200)}}}));
  f.Send(f.trust_b, Project("pb", {{"SATOD", {Point("2026-01", 40, 300)}},
                                   {"CO_BOOKING", {Point("2026-01", 290, 300)}}}));
  f.Send(f.trust_s, Project("ps", {{"SATOD", {Point("2026-01", 15, 100)}}}));
  CHECK(f.Rows() == std::vector<AggregateRow>{
                        Row("north", "CO_BOOKING", "2026-01", 1, 290, 300),
                        Row("north", "SATOD", "2026-01", 2, 65, 510),
                        Row("north", "SATOD", "2026-02", 1, 10, 200),
                        Row("south", "SATOD", "2026-01", 1, 15, 100),
                    });
  CHECK(f.Rows("CO_BOOKING").size() == 1);
  CHECK(f.Counts().rows == 4);
  CHECK(f.Counts().projects == 3);
}

TEST_CASE("a republished summary replaces the earlier figures", "[aggregates]") {
  Fixture f;
  f.Send(f.trust_a,
         Project("pa", {{"SATOD", {Point("2026-01", 25, 210), Point("2026-02", 10, 200)}}}));
  f.Send(f.trust_b, Project("pb", {{"SATOD", {Point("2026-01", 40, 300)}}}));
  // Changed January, February dropped, March added.
  f.Send(f.trust_a,
         Project("pa", {{"SATOD", {Point("2026-01", 35, 210), Point("2026-03", 5, 50)}}}));
  CHECK(f.Rows() == std::vector<AggregateRow>{
                        Row("north", "SATOD", "2026-01", 2, 75, 510),
                        Row("north", "SATOD", "2026-03", 1, 5, 50),
                    });
  CHECK(f.Counts().projects == 2);
}

TEST_CASE("the sender's order decides: a late resend of an older summary changes nothing",
          "[aggregates]") {
  Fixture f;
  // v1 (sequence 1) is lost in transit; v2 (sequence 2) arrives and is stored; then v1's
  // resend arrives.
  ProjectSummary v1 = Project("pa", {{"SATOD", {Point("2026-01", 25, 210)}}});
  ProjectSummary v2 = Project("pa", {{"SATOD", {Point("2026-01", 35, 210)}}});
  Envelope first = crypto::Seal(f.trust_a, 1, kNow, v1);
  f.next_seq = 2;
  f.Send(f.trust_a, v2);
  auto deliver = [&](const Envelope& e) {
    transport::InboundFrame frame;
    frame.peer = "peer";
    frame.user_id = *f.members.Admit(f.trust_a.curve_public());
    frame.payload = EncodeEnvelope(e);
    std::vector<OutboundReply> replies = f.ingest->Handle({frame});
    REQUIRE(replies.size() == 1);
    REQUIRE(std::holds_alternative<Ack>(replies[0].reply));  // stored in the log all the same
  };
  deliver(first);
  CHECK(f.Rows() == std::vector<AggregateRow>{Row("north", "SATOD", "2026-01", 1, 35, 210)});

  // Retracted, then a late resend of an older summary of that project: it stays retracted.
  ProjectSummary w1 = Project("pw", {{"SATOD", {Point("2026-02", 40, 300)}}});
  ProjectSummary w2 = Project("pw", {{"SATOD", {Point("2026-02", 45, 300)}}});
  Envelope late = crypto::Seal(f.trust_a, 10, kNow, w1);
  f.next_seq = 11;
  Retraction retraction;
  retraction.target = f.Send(f.trust_a, w2);
  CHECK(f.Rows().size() == 2);
  f.Send(f.trust_a, retraction);
  deliver(late);
  CHECK(f.Rows() == std::vector<AggregateRow>{Row("north", "SATOD", "2026-01", 1, 35, 210)});
  CHECK(f.Counts().projects == 1);
  // A genuinely newer summary of it counts again.
  f.Send(f.trust_a, w2);
  CHECK(f.Rows().size() == 2);
}

TEST_CASE("a retraction of the current summary removes it, of a replaced one, nothing",
          "[aggregates]") {
  Fixture f;
  MessageId first = f.Send(f.trust_a, Project("pa", {{"SATOD", {Point("2026-01", 25, 210)}}}));
  MessageId current = f.Send(f.trust_a, Project("pa", {{"SATOD", {Point("2026-01", 30, 210)}}}));
  f.Send(f.trust_b, Project("pb", {{"SATOD", {Point("2026-01", 40, 300)}}}));

  f.Send(f.trust_a, Retraction{first, "old"});  // already replaced: no change
  CHECK(f.Rows() == std::vector<AggregateRow>{Row("north", "SATOD", "2026-01", 2, 70, 510)});

  f.Send(f.trust_a, Retraction{current, "wrong month"});
  CHECK(f.Rows() == std::vector<AggregateRow>{Row("north", "SATOD", "2026-01", 1, 40, 300)});
  CHECK(f.Counts().projects == 1);

  // A learning item's retraction is not this component's business.
  MessageId item = f.Send(f.trust_b, Learning());
  f.Send(f.trust_b, Retraction{item, ""});
  CHECK(f.Rows() == std::vector<AggregateRow>{Row("north", "SATOD", "2026-01", 1, 40, 300)});

  // Publishing the project again after its retraction brings it back.
  f.Send(f.trust_a, Project("pa", {{"SATOD", {Point("2026-01", 30, 210)}}}));
  CHECK(f.Rows() == std::vector<AggregateRow>{Row("north", "SATOD", "2026-01", 2, 70, 510)});
}

TEST_CASE("suppressed points are counted as suppressed cells, never summed", "[aggregates]") {
  Fixture f;
  f.Send(f.trust_a,
         Project("pa", {{"SATOD", {Suppressed("2026-01", 210), Point("2026-02", 10, 200)}}}));
  MeasurePoint denominator_suppressed{"2026-01", 40, 0, false, true};
  f.Send(f.trust_b, Project("pb", {{"SATOD", {denominator_suppressed}}}));
  CHECK(f.Rows() == std::vector<AggregateRow>{
                        Row("north", "SATOD", "2026-01", 0, 0, 0, 2),
                        Row("north", "SATOD", "2026-02", 1, 10, 200, 0),
                    });
  // A suppressed figure reads as suppressed with no counts, never as its numbers.
  auto figures = ReadTrustFigures(f.store.database(), std::string("SATOD"));
  REQUIRE(figures.ok());
  REQUIRE(figures->size() == 3);
  for (const TrustFigure& t : *figures) {
    if (t.period != "2026-01") continue;
    CHECK(t.suppressed);
    CHECK(t.numerator == 0);
    CHECK(t.denominator == 0);
  }
  // A republish that is no longer suppressed moves the cell into the sums.
  f.Send(f.trust_a,
         Project("pa", {{"SATOD", {Point("2026-01", 20, 210), Point("2026-02", 10, 200)}}}));
  CHECK(f.Rows() == std::vector<AggregateRow>{
                        Row("north", "SATOD", "2026-01", 1, 20, 210, 1),
                        Row("north", "SATOD", "2026-02", 1, 10, 200, 0),
                    });
}

TEST_CASE("one trust reporting a measure in two projects counts once: the latest summary's figure",
          "[aggregates]") {
  Fixture f;
  MessageId p1 =
      f.Send(f.trust_a,
             Project("p1", {{"SATOD", {Point("2026-01", 25, 210), Point("2026-02", 10, 200)}}}));
  MessageId p2 = f.Send(f.trust_a, Project("p2", {{"SATOD", {Point("2026-01", 30, 220)}}}));
  CHECK(f.Rows() == std::vector<AggregateRow>{
                        Row("north", "SATOD", "2026-01", 1, 30, 220),  // p2 is the more recent
                        Row("north", "SATOD", "2026-02", 1, 10, 200),
                    });
  // p1 republished: now it is the most recent summary holding January.
  p1 = f.Send(f.trust_a,
              Project("p1", {{"SATOD", {Point("2026-01", 26, 210), Point("2026-02", 10, 200)}}}));
  CHECK(f.Rows()[0] == Row("north", "SATOD", "2026-01", 1, 26, 210));
  // The per-trust figures (dashboard, exports) follow the same rule.
  auto figures = ReadTrustFigures(f.store.database(), std::string("SATOD"));
  REQUIRE(figures.ok());
  REQUIRE(figures->size() == 2);
  CHECK((*figures)[0].period == "2026-01");
  CHECK((*figures)[0].numerator == 26);
  CHECK((*figures)[0].denominator == 210);
  CHECK((*figures)[1].numerator == 10);
  // Retracting p1 falls back to p2's figure for January; February goes.
  f.Send(f.trust_a, Retraction{p1, ""});
  CHECK(f.Rows() == std::vector<AggregateRow>{Row("north", "SATOD", "2026-01", 1, 30, 220)});
  figures = ReadTrustFigures(f.store.database());
  REQUIRE(figures.ok());
  REQUIRE(figures->size() == 1);
  CHECK((*figures)[0].numerator == 30);
  CHECK((*figures)[0].lls == "north");
  f.Send(f.trust_a, Retraction{p2, ""});
  CHECK(f.Rows().empty());
  CHECK(f.Counts().projects == 0);
}

TEST_CASE("a failing applier rolls back the log append and the aggregates together",
          "[aggregates]") {
  Fixture f;
  f.Send(f.trust_a, Project("pa", {{"SATOD", {Point("2026-01", 25, 210)}}}));
  FailingApplier failing;
  f.ingest->AddApplier(&failing);  // runs after the aggregates, in the same transaction

  Envelope e =
      crypto::Seal(f.trust_b, 1, kNow, Project("pb", {{"SATOD", {Point("2026-01", 40, 300)}}}));
  transport::InboundFrame frame;
  frame.peer = "peer";
  frame.user_id = *f.members.Admit(f.trust_b.curve_public());
  frame.payload = EncodeEnvelope(e);
  std::vector<OutboundReply> replies = f.ingest->Handle({frame});
  REQUIRE(replies.size() == 1);
  const Nack* nack = std::get_if<Nack>(&replies[0].reply);
  REQUIRE(nack != nullptr);
  CHECK(nack->code == NackCode::kInternal);
  CHECK(f.store.Stats()->messages == 1);
  CHECK(f.Rows() == std::vector<AggregateRow>{Row("north", "SATOD", "2026-01", 1, 25, 210)});
  CHECK(f.Counts().projects == 1);
}

TEST_CASE("the rows a summary touches do not grow with the history", "[aggregates][cost]") {
  Fixture f;
  auto summary = [](int i) {
    return Project("p-" + std::to_string(i % 7),
                   {{"SATOD", {Point("2026-01", 10 + i % 5, 200), Point("2026-02", 12, 200)}}});
  };
  f.Send(f.trust_a, summary(0));
  const uint64_t first = f.aggregates.rows_touched();
  for (int i = 1; i < 300; ++i) f.Send(i % 2 ? f.trust_b : f.trust_a, summary(i));
  f.Send(f.trust_a, summary(0));  // replaces p-0: the same two points plus the old two
  const uint64_t later = f.aggregates.rows_touched();
  INFO("first " << first << ", after 300 messages " << later);
  // A replacement also reads the two points it replaces: bounded by the points, not the log.
  CHECK(later <= 2 * first);
  CHECK(later < 20);
  f.Rows();  // and the incremental table still equals a recomputation
}

TEST_CASE("a hub.db with history gets its aggregates replayed from the log once", "[aggregates]") {
  Fixture f;
  // Messages stored by an ingest without the aggregates applier (an older build).
  f.ingest = std::make_unique<Ingest>(f.store, f.members, f.clock, IngestOptions{});
  MessageId old = f.Send(f.trust_a, Project("pa", {{"SATOD", {Point("2026-01", 25, 210)}}}));
  f.Send(f.trust_b, Project("pb", {{"SATOD", {Point("2026-01", 40, 300)}}}));
  f.Send(f.trust_a, Project("pa", {{"SATOD", {Point("2026-01", 35, 210)}}}));
  MessageId b2 = f.Send(f.trust_b, Project("pb2", {{"SATOD", {Point("2026-02", 10, 100)}}}));
  f.Send(f.trust_a, Retraction{old, ""});
  f.Send(f.trust_b, Retraction{b2, ""});
  REQUIRE(f.store.database()
              .Exec("DROP TABLE agg_points; DROP TABLE agg_projects; "
                    "DROP TABLE agg_cells; DROP TABLE agg_backfill; "
                    "DROP TABLE agg_members; DROP TABLE agg_national; "
                    "DELETE FROM component_versions WHERE component = 'aggregates'")
              .ok());
  CHECK(f.Rows().empty());

  REQUIRE(Aggregates::RegisterSchema(f.store).ok());
  const std::vector<AggregateRow> expected{Row("north", "SATOD", "2026-01", 2, 75, 510)};
  CHECK(f.Rows() == expected);
  CHECK(f.Counts().projects == 2);
  REQUIRE(Aggregates::RegisterSchema(f.store).ok());  // once only
  CHECK(f.Rows() == expected);
}

TEST_CASE("a v5 hub.db, whose points carried their own hub_seq, migrates with every figure kept",
          "[aggregates][migration]") {
  Fixture f;
  f.Send(f.trust_a, Project("pa", {{"SATOD", {Point("2026-01", 25, 210), Point("2026-02", 5, 90)}}}));
  f.Send(f.trust_a, Project("pa2", {{"SATOD", {Point("2026-01", 30, 210)}}}));  // newer: the figure
  f.Send(f.trust_b, Project("pb", {{"SATOD", {Point("2026-01", 40, 300)}}}));
  const std::vector<AggregateRow> expected{Row("north", "SATOD", "2026-01", 2, 70, 510),
                                           Row("north", "SATOD", "2026-02", 1, 5, 90)};
  REQUIRE(f.Rows() == expected);
  // Back to the v5 shape, as an older build left it (the table as v1 created it, indexes of v1
  // and v5): each point with its project's hub_seq.
  REQUIRE(f.store.database()
              .Exec(R"sql(
CREATE TABLE agg_points_v5 (
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
INSERT INTO agg_points_v5 SELECT pt.member_id, pt.project_id, pt.measure, pt.period,
  pt.numerator, pt.denominator, pt.numerator_suppressed, pt.denominator_suppressed, pr.hub_seq
  FROM agg_points pt JOIN agg_projects pr
  ON pr.member_id = pt.member_id AND pr.project_id = pt.project_id;
DROP TABLE agg_points;
ALTER TABLE agg_points_v5 RENAME TO agg_points;
CREATE INDEX agg_points_figure ON agg_points (member_id, measure, period, hub_seq);
CREATE INDEX agg_points_measure ON agg_points (measure, member_id, period, hub_seq);
UPDATE component_versions SET version = 5 WHERE component = 'aggregates';
)sql")
              .ok());
  auto columns = [&] {
    auto select = f.store.database().Prepare("SELECT COUNT(*) FROM pragma_table_info('agg_points') "
                                             "WHERE name = 'hub_seq'");
    REQUIRE(select.ok());
    auto row = select->Step();
    REQUIRE(row.ok());
    return select->ColumnInt(0);
  };
  REQUIRE(columns() == 1);

  const Status migrated = Aggregates::RegisterSchema(f.store);
  INFO(migrated.message());
  REQUIRE(migrated.ok());
  CHECK(columns() == 0);
  CHECK(f.Rows() == expected);
  // The migrated tables keep working: pa resent with a new figure becomes trust-a's newest.
  f.Send(f.trust_a, Project("pa", {{"SATOD", {Point("2026-01", 20, 210), Point("2026-02", 5, 90)}}}));
  CHECK(f.Rows() == std::vector<AggregateRow>{Row("north", "SATOD", "2026-01", 2, 60, 510),
                                              Row("north", "SATOD", "2026-02", 1, 5, 90)});
}

TEST_CASE("an unchanged resend keeps every figure and touches no cell", "[aggregates][resend]") {
  Fixture f;
  f.aggregates.TrackChangedCells(true);
  auto history = [] {
    std::vector<MeasurePoint> points;
    for (int m = 1; m <= 12; ++m) {
      char period[8];
      std::snprintf(period, sizeof period, "2025-%02d", m);
      points.push_back(m % 4 == 0 ? Suppressed(period, 100 + m)
                                  : Point(period, static_cast<uint32_t>(m), 100 + m));
    }
    return Project("pa", {{"SATOD", points}});
  };
  f.Send(f.trust_a, history());
  f.Send(f.trust_b, Project("pb", {{"SATOD", {Point("2025-01", 7, 70)}}}));
  const std::vector<AggregateRow> rows = f.Rows();
  CHECK(rows.size() == 12);
  CHECK(!f.aggregates.TakeChangedCells().empty());
  f.Send(f.trust_a, history());  // a node resending its whole history
  CHECK(f.aggregates.TakeChangedCells().empty());
  // The current-sequence lookup, the points read, the other projects and the project row: no
  // point is written (a per-point write coming back fails this).
  CHECK(f.aggregates.rows_touched() <= 12 + 3);
  CHECK(f.Rows() == rows);
  // Only one point changed: one cell.
  ProjectSummary changed = history();
  changed.measures[0].points[2].numerator = 30;  // March: 3 -> 30
  f.Send(f.trust_a, changed);
  CHECK(f.aggregates.TakeChangedCells() == std::set<CellKey>{{"north", "SATOD", "2025-03"}});
  CHECK(f.Rows()[2] == Row("north", "SATOD", "2025-03", 1, 30, 103));
}

TEST_CASE("an unchanged resend of an older project makes its points the figures again",
          "[aggregates][resend]") {
  Fixture f;
  f.aggregates.TrackChangedCells(true);
  ProjectSummary p1 =
      Project("p1", {{"SATOD", {Point("2026-01", 25, 210), Point("2026-02", 10, 200)}}});
  f.Send(f.trust_a, p1);
  f.Send(f.trust_a, Project("p2", {{"SATOD", {Point("2026-01", 30, 220)}}}));
  CHECK(f.Rows()[0] == Row("north", "SATOD", "2026-01", 1, 30, 220));
  f.aggregates.TakeChangedCells();
  // The same p1 again: it is now the most recent summary holding January.
  f.Send(f.trust_a, p1);
  CHECK(f.Rows() == std::vector<AggregateRow>{
                        Row("north", "SATOD", "2026-01", 1, 25, 210),
                        Row("north", "SATOD", "2026-02", 1, 10, 200),
                    });
  CHECK(f.aggregates.TakeChangedCells() == std::set<CellKey>{{"north", "SATOD", "2026-01"}});
  auto figures = ReadTrustFigures(f.store.database(), std::string("SATOD"));
  REQUIRE(figures.ok());
  REQUIRE(figures->size() == 2);
  CHECK((*figures)[0].numerator == 25);
  // And p1 once more: nothing changes.
  f.Send(f.trust_a, p1);
  CHECK(f.aggregates.TakeChangedCells().empty());
  CHECK(f.Rows()[0] == Row("north", "SATOD", "2026-01", 1, 25, 210));
  // p2 unchanged, once more the newest: its January is the figure again.
  f.Send(f.trust_a, Project("p2", {{"SATOD", {Point("2026-01", 30, 220)}}}));
  CHECK(f.Rows()[0] == Row("north", "SATOD", "2026-01", 1, 30, 220));
  // Two projects holding the same figure: moving between them changes no cell.
  f.Send(f.trust_a, Project("p3", {{"SATOD", {Point("2026-01", 30, 220)}}}));
  f.aggregates.TakeChangedCells();
  f.Send(f.trust_a, Project("p2", {{"SATOD", {Point("2026-01", 30, 220)}}}));
  CHECK(f.aggregates.TakeChangedCells().empty());
  CHECK(f.Rows()[0] == Row("north", "SATOD", "2026-01", 1, 30, 220));
}

TEST_CASE("a point that disappears falls back to the member's other project, or goes",
          "[aggregates][resend]") {
  Fixture f;
  f.Send(f.trust_a, Project("p1", {{"SATOD", {Point("2026-01", 25, 210)}}}));
  f.Send(f.trust_a,
         Project("p2", {{"SATOD", {Point("2026-01", 30, 220), Point("2026-02", 12, 120)}}}));
  f.Send(f.trust_b, Project("pb", {{"SATOD", {Point("2026-02", 5, 50)}}}));
  CHECK(f.Rows() == std::vector<AggregateRow>{
                        Row("north", "SATOD", "2026-01", 1, 30, 220),
                        Row("north", "SATOD", "2026-02", 2, 17, 170),
                    });
  // p2 drops January (p1's point stands again) and February (only trust b's is left); the
  // month it adds is held by no other project.
  f.Send(f.trust_a, Project("p2", {{"SATOD", {Point("2026-03", 1, 10)}}}));
  CHECK(f.Rows() == std::vector<AggregateRow>{
                        Row("north", "SATOD", "2026-01", 1, 25, 210),
                        Row("north", "SATOD", "2026-02", 1, 5, 50),
                        Row("north", "SATOD", "2026-03", 1, 1, 10),
                    });
  // An empty summary removes every point of the project.
  f.Send(f.trust_a, Project("p2", {}));
  CHECK(f.Rows() == std::vector<AggregateRow>{
                        Row("north", "SATOD", "2026-01", 1, 25, 210),
                        Row("north", "SATOD", "2026-02", 1, 5, 50),
                    });
  // p2 adds January back while p1, older, holds it: p2's point is the figure.
  f.Send(f.trust_a, Project("p2", {{"SATOD", {Point("2026-01", 31, 221)}}}));
  CHECK(f.Rows()[0] == Row("north", "SATOD", "2026-01", 1, 31, 221));
  // Retracting the older p1 while p2 holds January: no change.
  MessageId p1 = f.Send(f.trust_a, Project("p1", {{"SATOD", {Point("2026-01", 25, 210)}}}));
  CHECK(f.Rows()[0] == Row("north", "SATOD", "2026-01", 1, 25, 210));
  f.Send(f.trust_a, Project("p2", {{"SATOD", {Point("2026-01", 31, 221)}}}));
  f.Send(f.trust_a, Retraction{p1, ""});
  CHECK(f.Rows()[0] == Row("north", "SATOD", "2026-01", 1, 31, 221));
}

TEST_CASE("a resend that changes only suppression, or only a suppressed placeholder",
          "[aggregates][resend]") {
  Fixture f;
  f.aggregates.TrackChangedCells(true);
  f.Send(f.trust_a, Project("pa", {{"SATOD", {Point("2026-01", 25, 210)}}}));
  // The same counts, now suppressed: out of the sums, into suppressed_cells.
  f.Send(f.trust_a, Project("pa", {{"SATOD", {{"2026-01", 25, 210, true, false}}}}));
  CHECK(f.Rows() == std::vector<AggregateRow>{Row("north", "SATOD", "2026-01", 0, 0, 0, 1)});
  f.aggregates.TakeChangedCells();
  // A suppressed point whose placeholder counts change: the figure does not; the point does.
  f.Send(f.trust_a, Project("pa", {{"SATOD", {{"2026-01", 3, 200, true, false}}}}));
  CHECK(f.aggregates.TakeChangedCells().empty());
  CHECK(f.Rows() == std::vector<AggregateRow>{Row("north", "SATOD", "2026-01", 0, 0, 0, 1)});
  // The other flag instead: still one suppressed cell.
  f.Send(f.trust_a, Project("pa", {{"SATOD", {{"2026-01", 3, 200, false, true}}}}));
  CHECK(f.aggregates.TakeChangedCells().empty());
  // Unsuppressed: the stored counts are the new ones, not the old placeholders.
  f.Send(f.trust_a, Project("pa", {{"SATOD", {Point("2026-01", 3, 200)}}}));
  CHECK(f.Rows() == std::vector<AggregateRow>{Row("north", "SATOD", "2026-01", 1, 3, 200, 0)});
  // Suppressed in a newer project, while the older one holds an unsuppressed point.
  f.Send(f.trust_a, Project("pq", {{"SATOD", {Suppressed("2026-01", 200)}}}));
  CHECK(f.Rows() == std::vector<AggregateRow>{Row("north", "SATOD", "2026-01", 0, 0, 0, 1)});
  f.Send(f.trust_a, Project("pa", {{"SATOD", {Point("2026-01", 3, 200)}}}));
  CHECK(f.Rows() == std::vector<AggregateRow>{Row("north", "SATOD", "2026-01", 1, 3, 200, 0)});
}

// Random summaries, resends and retractions from two trusts over three projects each: after
// every message the cells equal a recomputation (Rows), and each trust's figures equal the
// rule applied to a model of the current summaries.
TEST_CASE("random resends and retractions keep the view equal to the rule",
          "[aggregates][resend]") {
  Fixture f;
  std::mt19937 random(20260501);
  auto pick = [&](int n) { return static_cast<int>(random() % static_cast<unsigned>(n)); };
  struct Current {
    MessageId id;
    uint64_t order;  // when it was stored
    std::map<std::string, MeasurePoint> points;  // by period (one measure)
  };
  std::map<std::pair<int, int>, Current> model;  // (trust, project) -> current summary
  std::map<std::pair<int, int>, ProjectSummary> last;
  const crypto::Identity* trusts[2] = {&f.trust_a, &f.trust_b};
  const char* names[2] = {"trust-a", "trust-b"};
  uint64_t order = 0;
  for (int step = 0; step < 300; ++step) {
    const int trust = pick(2);
    const int project = pick(3);
    const std::pair<int, int> at{trust, project};
    const std::string project_id = "p" + std::to_string(project);
    const int what = pick(10);
    if (what == 0 && model.contains(at)) {
      f.Send(*trusts[trust], Retraction{model[at].id, ""});
      model.erase(at);
      continue;
    }
    ProjectSummary summary;
    if (what <= 5 && last.contains(at)) {
      summary = last[at];  // a resend, perhaps with one point changed
      if (what >= 4 && !summary.measures[0].points.empty()) {
        MeasurePoint& p = summary.measures[0].points[pick(
            static_cast<int>(summary.measures[0].points.size()))];
        p.numerator = static_cast<uint32_t>(pick(20));
        p.numerator_suppressed = pick(4) == 0;
      }
    } else {
      std::vector<MeasurePoint> points;
      for (int m = 1; m <= 6; ++m) {
        if (pick(3) == 0) continue;
        MeasurePoint p = Point("2026-0" + std::to_string(m), static_cast<uint32_t>(pick(20)),
                               static_cast<uint32_t>(20 + pick(5)));
        p.numerator_suppressed = pick(5) == 0;
        p.denominator_suppressed = pick(9) == 0;
        points.push_back(p);
      }
      summary = Project(project_id, {{"SATOD", points}});
    }
    last[at] = summary;
    Current current{f.Send(*trusts[trust], summary), ++order, {}};
    for (const MeasurePoint& p : summary.measures[0].points) current.points[p.period] = p;
    model[at] = current;

    f.Rows();  // equals RecomputeAggregates
    std::map<std::pair<std::string, std::string>, std::pair<uint64_t, MeasurePoint>> expected;
    for (const auto& [key, c] : model) {
      for (const auto& [period, p] : c.points) {
        auto& slot = expected[{names[key.first], period}];
        if (slot.first < c.order) slot = {c.order, p};
      }
    }
    auto figures = ReadTrustFigures(f.store.database(), std::string("SATOD"));
    REQUIRE(figures.ok());
    REQUIRE(figures->size() == expected.size());
    for (const TrustFigure& t : *figures) {
      INFO("step " << step << " " << t.trust << " " << t.period);
      const MeasurePoint& p = expected.at({t.trust, t.period}).second;
      const bool suppressed = p.numerator_suppressed || p.denominator_suppressed;
      CHECK(t.suppressed == suppressed);
      CHECK(t.numerator == (suppressed ? 0 : p.numerator));
      CHECK(t.denominator == (suppressed ? 0 : p.denominator));
    }
  }
}

}  // namespace
}  // namespace lls::hub
