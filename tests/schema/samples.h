// Sample message values for the schema tests: every Body kind with every field set to a
// non-default value (unicode text, multi-element lists), and the same kinds with empty lists.
#pragma once

#include <string>
#include <vector>

#include "schema/messages.h"

namespace lls::test {

inline MessageId IdFrom(uint8_t first) {
  MessageId id{};
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(first + i);
  return id;
}

inline ProjectSummary FullProjectSummary() {
  ProjectSummary v;
  v.project_id = "proj-7f3a";
  v.organisation = "RXX";
  v.title = "Smoke-free pregnancy — CO screening at booking ✓";
  v.area = ClinicalArea::kSmokeFreePregnancy;
  v.aim = "Raise CO screening to 95% by März 2026 (ünïcödé, 中文, 🙂)";
  v.change_ideas = {"Opt-out referral", "", "CO monitor in every clinic room 🫁"};
  v.pdsa_cycles = 4'000'000'001u;
  v.stage = ProjectStage::kSustaining;
  v.start_month = "2024-09";
  MeasureSeries a{"SFP-01", {{"2024-09", 41, 50, false, true}, {"2024-10", 0, 7, true, false}}};
  MeasureSeries b{"SFP-02", {}};
  v.measures = {a, b};
  return v;
}

inline LearningItem FullLearningItem() {
  LearningItem v;
  v.item_id = "item-42";
  v.organisation = "RYY";
  v.title = "Hypoglycaemia — early feeding support";
  v.kind = LearningKind::kChangeIdea;
  v.area = ClinicalArea::kNeonatalHypoglycaemia;
  v.tags = {"feeding", "glucose", "ßtraße"};
  v.text = std::string("Line one\nLine two with a NUL \0 inside", 37);
  v.scope = Scope::kNational;
  v.project_id = "proj-7f3a";
  return v;
}

inline Curation FullCuration() {
  return Curation{IdFrom(0xA0), CurationAction::kTag, "Duplicate of an earlier item — é",
                  {"featured", "deterioration"}};
}

inline Aggregate FullAggregate() {
  Aggregate v;
  v.scope = "national";
  v.measure_code = "VPI-03";
  v.period = "2025-01";
  v.contributing_trusts = 17;
  v.contributing_llss = 3;
  v.numerator = 0xFFFFFFFFFFFFFFF0ull;
  v.denominator = 0xFFFFFFFFFFFFFFFFull;
  v.suppressed_cells = 5;
  v.spc = SpcSignal{12.5, 10.25, 4.5, 16.0, 0b0101, 2, 4, 3, 24};
  return v;
}

inline Retraction FullRetraction() { return Retraction{IdFrom(0x10), "Sent in error ❌"}; }

inline MeasureCatalogue FullCatalogue() {
  MeasureDefinition d1{"DIP-01", "Pre-conception folic acid", ClinicalArea::kDiabetesInPregnancy,
                       "Women taking 5 mg folic acid", "Women with diabetes booking",
                       "percent", Improvement::kIncrease, "NICE NG3"};
  MeasureDefinition d2{"DET-02", "Unplanned ICU transfers", ClinicalArea::kDeterioration,
                       "Transfers", "Admissions", "per 1000", Improvement::kDecrease, "MatNeoSIP"};
  MeasureDefinition d3{"SC-01", "Safety climate score", ClinicalArea::kSafetyCulture, "Σ scores",
                       "Respondents", "score", Improvement::kNeutral, ""};
  return MeasureCatalogue{7, {d1, d2, d3}};
}

inline Bulletin FullBulletin() {
  return Bulletin{"Très important: new guidance", "Read it — ☕ first.",
                  ClinicalArea::kVeryPretermInfant};
}

inline Relay FullRelay() { return Relay{Bytes{0, 1, 2, 0xFF, 0x80}, Bytes{9, 8, 7}}; }

// One of each kind, in Kind order, every field populated.
inline std::vector<Body> FullBodies() {
  return {FullProjectSummary(), FullLearningItem(), FullCuration(), FullAggregate(),
          FullRetraction(),     FullCatalogue(),    FullBulletin(), FullRelay()};
}

// The kinds with lists, with every list empty (and nested lists empty one level down).
inline std::vector<Body> EmptyListBodies() {
  ProjectSummary p = FullProjectSummary();
  p.change_ideas.clear();
  p.measures = {MeasureSeries{"X", {}}};
  ProjectSummary p2 = FullProjectSummary();
  p2.measures.clear();
  LearningItem l = FullLearningItem();
  l.tags.clear();
  Curation c = FullCuration();
  c.tags.clear();
  MeasureCatalogue m = FullCatalogue();
  m.measures.clear();
  Relay r;  // both byte strings empty
  return {p, p2, l, c, m, r};
}

// Every alternative default-constructed: all zeros, empty strings, empty lists.
inline std::vector<Body> DefaultBodies() {
  return {ProjectSummary{}, LearningItem{},     Curation{}, Aggregate{},
          Retraction{},     MeasureCatalogue{}, Bulletin{}, Relay{}};
}

inline Envelope SampleEnvelope(const Bytes& body, Kind kind) {
  Envelope e;
  e.version = kProtocolVersion;
  e.message_id = IdFrom(1);
  for (size_t i = 0; i < e.signer.size(); ++i) e.signer[i] = static_cast<uint8_t>(0xC0 ^ i);
  e.sequence = 0x0123456789ABCDEFull;
  e.created_at_ms = -1'700'000'000'123;
  e.kind = kind;
  e.body = body;
  for (size_t i = 0; i < e.signature.size(); ++i) e.signature[i] = static_cast<uint8_t>(255 - i);
  return e;
}

}  // namespace lls::test
