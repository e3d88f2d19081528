// NodeStore staging and publication: what is pending, what exactly is built from it, and that
// queueing is atomic with marking published.
#include <catch2/catch.hpp>

#include "node/publication.h"
#include "schema/codec.h"
#include "tests/support/support.h"

namespace lls::node {
namespace {

using test::NewIdentity;
using test::TempDir;

ProjectRecord Project(const std::string& id, const std::string& title) {
  ProjectRecord p;
  p.local_id = id;
  p.title = title;
  p.area = ClinicalArea::kSmokeFreePregnancy;
  p.aim = "Halve SATOD";
  p.change_ideas = {"CO at booking"};
  return p;
}

CountRecord Count(const std::string& project, const std::string& period, uint32_t n, uint32_t d) {
  CountRecord c;
  c.project = project;
  c.measure_code = "SATOD";
  c.period = period;
  c.numerator = n;
  c.denominator = d;
  return c;
}

struct Fixture {
  TempDir dir{"lls-pub"};
  crypto::Identity identity = NewIdentity("trust-a");
  std::unique_ptr<NodeStore> store;
  Scrubber scrubber = Scrubber::Create().value();
  PublicationOptions options{"RXA", SuppressionRule{}, false};

  Fixture() {
    auto opened = NodeStore::Open(dir / "node.db");
    REQUIRE(opened.ok());
    store = std::move(opened).value();
  }
  void Import(const ImportBatch& batch, int64_t now = 1000) {
    std::vector<ImportProblem> problems;
    Status s = store->StoreImport(batch, "test", now, &problems);
    INFO(s.ToString());
    REQUIRE(s.ok());
    REQUIRE(problems.empty());
  }
  std::vector<Outgoing> Build() {
    auto built = BuildPending(*store, identity, scrubber, options);
    REQUIRE(built.ok());
    return std::move(built).value();
  }
};

TEST_CASE("counts for an unknown project refuse the whole import", "[publication]") {
  Fixture f;
  ImportBatch batch;
  batch.projects = {Project("P-1", "Pathway")};
  batch.counts = {Count("P-1", "2026-01", 20, 200), Count("P-9", "2026-01", 1, 2)};
  batch.counts[1].line = 3;
  std::vector<ImportProblem> problems;
  Status s = f.store->StoreImport(batch, "counts.csv", 1000, &problems);
  CHECK(s.code() == Code::kInvalidArgument);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].ToString() == "counts.csv:3: unknown project 'P-9': import its details "
                                  "(title, area) first or in the same file");
  auto summary = f.store->Summary();
  REQUIRE(summary.ok());
  CHECK(summary->projects == 0);  // nothing kept, the project included
  CHECK(summary->counts == 0);
}

TEST_CASE("what is built is what leaves: controlled counts, pseudonyms, no raw ids", "[publication]") {
  Fixture f;
  ImportBatch batch;
  batch.projects = {Project("P-1", "Pathway")};
  batch.counts = {Count("P-1", "2026-01", 23, 212), Count("P-1", "2026-02", 5, 198)};
  f.Import(batch);
  std::vector<Outgoing> out = f.Build();
  REQUIRE(out.size() == 1);
  const auto& s = std::get<ProjectSummary>(out[0].body);
  CHECK(s.project_id == PublicId(f.identity, "P-1"));
  CHECK(s.project_id != "P-1");
  CHECK(s.organisation == "RXA");
  REQUIRE(s.measures.size() == 1);
  REQUIRE(s.measures[0].points.size() == 2);
  CHECK(s.measures[0].points[0].numerator == 25);
  CHECK(s.measures[0].points[0].denominator == 210);
  CHECK(s.measures[0].points[1].numerator_suppressed);
  CHECK(out[0].findings.empty());
}

TEST_CASE("identifiers are reported per field, queueing refuses them unless redacted",
          "[publication]") {
  Fixture f;
  ImportBatch batch;
  batch.projects = {Project("P-1", "Pathway")};
  LearningRecord note;
  note.local_id = "L-1";
  note.title = "Referral learning";
  note.kind = LearningKind::kError;
  note.area = ClinicalArea::kSmokeFreePregnancy;
  note.text = "Seen at 12/03/2026.\nCall 0113 496 0123 about NHS number 943 476 5919.";
  batch.learning = {note};
  f.Import(batch);

  std::vector<Outgoing> out = f.Build();
  REQUIRE(out.size() == 2);
  const Outgoing& learning = out[1];
  REQUIRE(learning.findings.size() == 3);
  CHECK(learning.findings[0].field == "text");
  CHECK(learning.findings[0].finding.kind == "date");
  CHECK(learning.findings[1].finding.line == 2);
  CHECK(learning.findings[2].finding.kind == "nhs-number");
  CHECK(CountFindings(out) == 3);
  auto refused = QueueAll(*f.store, f.identity, out, 2000);
  CHECK(refused.status().code() == Code::kPermissionDenied);
  CHECK(f.store->outbox().Stats()->queued == 0);

  f.options.redact = true;
  out = f.Build();
  const auto& item = std::get<LearningItem>(out[1].body);
  CHECK(item.text.find("943") == std::string::npos);
  CHECK(item.text.find("[NHS NUMBER]") != std::string::npos);
  CHECK(f.scrubber.Scan(item.text).empty());
  auto queued = QueueAll(*f.store, f.identity, out, 2000);
  REQUIRE(queued.ok());
  CHECK(queued->size() == 2);
  // The queued envelopes verify and carry the redacted body.
  auto entries = f.store->outbox().Due(2000, 10, true);
  REQUIRE(entries.ok());
  REQUIRE(entries->size() == 2);
  auto envelope = DecodeEnvelope((*entries)[1].envelope);
  REQUIRE(envelope.ok());
  CHECK(crypto::Verify(*envelope));
  CHECK(std::string(envelope->body.begin(), envelope->body.end()).find("5919") ==
        std::string::npos);
  // Published: nothing pending until the next import changes something.
  CHECK(f.Build().empty());
}

TEST_CASE("a change after building stays pending: published marks the revision built",
          "[publication]") {
  Fixture f;
  ImportBatch batch;
  batch.projects = {Project("P-1", "Pathway")};
  f.Import(batch);
  std::vector<Outgoing> out = f.Build();
  REQUIRE(out.size() == 1);
  // A new import lands between building and queueing (same millisecond, even).
  ImportBatch later;
  later.counts = {Count("P-1", "2026-03", 40, 200)};
  f.Import(later, 1000);
  REQUIRE(QueueAll(*f.store, f.identity, out, 1000).ok());
  std::vector<Outgoing> again = f.Build();
  REQUIRE(again.size() == 1);  // still pending, with the new month
  CHECK(std::get<ProjectSummary>(again[0].body).measures.size() == 1);
}

TEST_CASE("retracted items are not pending until imported again", "[publication]") {
  Fixture f;
  ImportBatch batch;
  batch.projects = {Project("P-1", "Pathway")};
  f.Import(batch);
  REQUIRE(QueueAll(*f.store, f.identity, f.Build(), 1000).ok());
  auto ref = f.store->LastPublished("P-1");
  REQUIRE(ref.ok());
  REQUIRE(ref->has_value());
  CHECK((*ref)->kind == ItemKind::kProject);
  REQUIRE(f.store->MarkRetracted(ItemKind::kProject, "P-1", 1500).ok());
  f.Import(batch, 1600);  // the same project imported again: pending once more
  CHECK(f.Build().size() == 1);
  REQUIRE(f.store->MarkRetracted(ItemKind::kProject, "P-1", 1700).ok());
  CHECK(f.Build().empty());
  auto unknown = f.store->LastPublished("nope");
  REQUIRE(unknown.ok());
  CHECK_FALSE(unknown->has_value());
}

TEST_CASE("what redaction cannot remove is a finding, and the message is refused",
          "[publication]") {
  Fixture f;
  // A local pattern that matches its own placeholder ("[WARD CODE]"): every round of Redact
  // finds it again, so something is always left. Fail closed: the item is not queued.
  f.scrubber = Scrubber::Create({{"ward-code", R"(\bWARD\b)"}}).value();
  ImportBatch batch;
  batch.projects = {Project("P-1", "Pathway")};
  LearningRecord note;
  note.local_id = "L-1";
  note.title = "Handover learning";
  note.kind = LearningKind::kError;
  note.area = ClinicalArea::kSmokeFreePregnancy;
  note.text = "Raised on WARD 7 at handover.";
  batch.learning = {note};
  f.Import(batch);
  f.options.redact = true;
  std::vector<Outgoing> out = f.Build();
  REQUIRE(out.size() == 2);
  CHECK(out[1].redacted);
  CHECK(out[1].left_after_redaction);
  bool left = false;
  for (const FieldFinding& ff : out[1].findings) {
    left = left || ff.field == "text (after redaction)";
  }
  CHECK(left);
  auto refused = QueueAll(*f.store, f.identity, out, 2000);
  CHECK(refused.status().code() == Code::kPermissionDenied);
  CHECK(f.store->outbox().Stats()->queued == 0);
}

}  // namespace
}  // namespace lls::node
