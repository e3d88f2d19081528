#include "schema/body_codec_internal.h"

#include <cmath>
#include <optional>
#include <type_traits>

#include "schema/wire_fields_internal.h"

namespace lls::codec_internal {
namespace {

// messages.h repeats the numbers of lls.capnp by hand; these catch the two drifting apart.
// Each enum's last enumerant bounds the range EnumFromWire accepts.
static_assert(static_cast<uint16_t>(wire::ClinicalArea::SAFETY_CULTURE) ==
              static_cast<uint16_t>(ClinicalArea::kSafetyCulture));
static_assert(static_cast<uint16_t>(wire::ProjectStage::CLOSED) ==
              static_cast<uint16_t>(ProjectStage::kClosed));
static_assert(static_cast<uint16_t>(wire::LearningKind::EVENT) ==
              static_cast<uint16_t>(LearningKind::kEvent));
static_assert(static_cast<uint16_t>(wire::Scope::NATIONAL) ==
              static_cast<uint16_t>(Scope::kNational));
static_assert(static_cast<uint16_t>(wire::CurationAction::TAG) ==
              static_cast<uint16_t>(CurationAction::kTag));
static_assert(static_cast<uint16_t>(wire::Improvement::DECREASE) ==
              static_cast<uint16_t>(Improvement::kDecrease));
// Body's union tags are the Kind numbers minus one, which is what KindOf relies on.
static_assert(static_cast<uint16_t>(wire::Body::PROJECT_SUMMARY) + 1 ==
              static_cast<uint16_t>(Kind::kProjectSummary));
static_assert(static_cast<uint16_t>(wire::Body::RELAY) + 1 == static_cast<uint16_t>(Kind::kRelay));
static_assert(std::variant_size_v<Body> == kMaxKind);

// ---- Plain values -> builders ---------------------------------------------------------------

void PointToWire(const MeasurePoint& v, wire::MeasurePoint::Builder b) {
  b.setPeriod(TextOf(v.period));
  b.setNumerator(v.numerator);
  b.setDenominator(v.denominator);
  b.setNumeratorSuppressed(v.numerator_suppressed);
  b.setDenominatorSuppressed(v.denominator_suppressed);
}

void SeriesToWire(const MeasureSeries& v, wire::MeasureSeries::Builder b) {
  b.setMeasureCode(TextOf(v.measure_code));
  auto points = b.initPoints(v.points.size());
  for (size_t i = 0; i < v.points.size(); ++i) PointToWire(v.points[i], points[i]);
}

void ToWire(const ProjectSummary& v, wire::Body::Builder out) {
  auto b = out.initProjectSummary();
  b.setProjectId(TextOf(v.project_id));
  b.setOrganisation(TextOf(v.organisation));
  b.setTitle(TextOf(v.title));
  b.setArea(EnumToWire<wire::ClinicalArea>(v.area));
  b.setAim(TextOf(v.aim));
  SetTexts(b.initChangeIdeas(v.change_ideas.size()), v.change_ideas);
  b.setPdsaCycles(v.pdsa_cycles);
  b.setStage(EnumToWire<wire::ProjectStage>(v.stage));
  b.setStartMonth(TextOf(v.start_month));
  auto measures = b.initMeasures(v.measures.size());
  for (size_t i = 0; i < v.measures.size(); ++i) SeriesToWire(v.measures[i], measures[i]);
}

void ToWire(const LearningItem& v, wire::Body::Builder out) {
  auto b = out.initLearningItem();
  b.setItemId(TextOf(v.item_id));
  b.setOrganisation(TextOf(v.organisation));
  b.setTitle(TextOf(v.title));
  b.setKind(EnumToWire<wire::LearningKind>(v.kind));
  b.setArea(EnumToWire<wire::ClinicalArea>(v.area));
  SetTexts(b.initTags(v.tags.size()), v.tags);
  b.setText(TextOf(v.text));
  b.setScope(EnumToWire<wire::Scope>(v.scope));
  b.setProjectId(TextOf(v.project_id));
}

void ToWire(const Curation& v, wire::Body::Builder out) {
  auto b = out.initCuration();
  b.setTarget(DataOf(v.target));
  b.setAction(EnumToWire<wire::CurationAction>(v.action));
  b.setReason(TextOf(v.reason));
  SetTexts(b.initTags(v.tags.size()), v.tags);
}

void ToWire(const Aggregate& v, wire::Body::Builder out) {
  auto b = out.initAggregate();
  b.setScope(TextOf(v.scope));
  b.setMeasureCode(TextOf(v.measure_code));
  b.setPeriod(TextOf(v.period));
  b.setContributingTrusts(v.contributing_trusts);
  b.setContributingLlss(v.contributing_llss);
  b.setNumerator(v.numerator);
  b.setDenominator(v.denominator);
  b.setSuppressedCells(v.suppressed_cells);
  if (v.spc) {
    auto spc = b.initSpc();
    spc.setValue(v.spc->value);
    spc.setCentre(v.spc->centre);
    spc.setLower(v.spc->lower);
    spc.setUpper(v.spc->upper);
    spc.setRules(v.spc->rules);
    spc.setSignal(v.spc->signal);
    spc.setVariation(v.spc->variation);
    spc.setAssurance(v.spc->assurance);
    spc.setPoints(v.spc->points);
  }
}

void ToWire(const Retraction& v, wire::Body::Builder out) {
  auto b = out.initRetraction();
  b.setTarget(DataOf(v.target));
  b.setReason(TextOf(v.reason));
}

void DefinitionToWire(const MeasureDefinition& v, wire::MeasureDefinition::Builder b) {
  b.setCode(TextOf(v.code));
  b.setName(TextOf(v.name));
  b.setArea(EnumToWire<wire::ClinicalArea>(v.area));
  b.setNumeratorDefinition(TextOf(v.numerator_definition));
  b.setDenominatorDefinition(TextOf(v.denominator_definition));
  b.setUnit(TextOf(v.unit));
  b.setImprovement(EnumToWire<wire::Improvement>(v.improvement));
  b.setSource(TextOf(v.source));
}

void ToWire(const MeasureCatalogue& v, wire::Body::Builder out) {
  auto b = out.initMeasureCatalogue();
  b.setVersion(v.version);
  auto measures = b.initMeasures(v.measures.size());
  for (size_t i = 0; i < v.measures.size(); ++i) DefinitionToWire(v.measures[i], measures[i]);
}

void ToWire(const Bulletin& v, wire::Body::Builder out) {
  auto b = out.initBulletin();
  b.setTitle(TextOf(v.title));
  b.setText(TextOf(v.text));
  b.setArea(EnumToWire<wire::ClinicalArea>(v.area));
}

void ToWire(const Relay& v, wire::Body::Builder out) {
  auto b = out.initRelay();
  b.setOriginal(DataOf(v.original));
  b.setCuration(DataOf(v.curation));
}

// ---- Readers -> plain values ----------------------------------------------------------------
// Each getter is called once: every call is charged to the reader's traversal limit.

MeasurePoint PointFromWire(wire::MeasurePoint::Reader r, DecodeContext& cx) {
  MeasurePoint v;
  v.period = cx.Text(r.getPeriod(), "MeasurePoint.period");
  v.numerator = r.getNumerator();
  v.denominator = r.getDenominator();
  v.numerator_suppressed = r.getNumeratorSuppressed();
  v.denominator_suppressed = r.getDenominatorSuppressed();
  return v;
}

MeasureSeries SeriesFromWire(wire::MeasureSeries::Reader r, DecodeContext& cx) {
  MeasureSeries v;
  v.measure_code = cx.Text(r.getMeasureCode(), "MeasureSeries.measureCode");
  auto points = r.getPoints();
  v.points.reserve(points.size());
  for (auto point : points) v.points.push_back(PointFromWire(point, cx));
  return v;
}

ProjectSummary FromWire(wire::ProjectSummary::Reader r, DecodeContext& cx) {
  ProjectSummary v;
  v.project_id = cx.Text(r.getProjectId(), "ProjectSummary.projectId");
  v.organisation = cx.Text(r.getOrganisation(), "ProjectSummary.organisation");
  v.title = cx.Text(r.getTitle(), "ProjectSummary.title");
  v.area = EnumFromWire(r.getArea(), ClinicalArea::kSafetyCulture);
  v.aim = cx.Text(r.getAim(), "ProjectSummary.aim");
  v.change_ideas = cx.Texts(r.getChangeIdeas(), "ProjectSummary.changeIdeas");
  v.pdsa_cycles = r.getPdsaCycles();
  v.stage = EnumFromWire(r.getStage(), ProjectStage::kClosed);
  v.start_month = cx.Text(r.getStartMonth(), "ProjectSummary.startMonth");
  auto measures = r.getMeasures();
  v.measures.reserve(measures.size());
  for (auto series : measures) v.measures.push_back(SeriesFromWire(series, cx));
  return v;
}

LearningItem FromWire(wire::LearningItem::Reader r, DecodeContext& cx) {
  LearningItem v;
  v.item_id = cx.Text(r.getItemId(), "LearningItem.itemId");
  v.organisation = cx.Text(r.getOrganisation(), "LearningItem.organisation");
  v.title = cx.Text(r.getTitle(), "LearningItem.title");
  v.kind = EnumFromWire(r.getKind(), LearningKind::kEvent);
  v.area = EnumFromWire(r.getArea(), ClinicalArea::kSafetyCulture);
  v.tags = cx.Texts(r.getTags(), "LearningItem.tags");
  v.text = cx.Text(r.getText(), "LearningItem.text");
  v.scope = EnumFromWire(r.getScope(), Scope::kNational);
  v.project_id = cx.Text(r.getProjectId(), "LearningItem.projectId");
  return v;
}

Curation FromWire(wire::Curation::Reader r, DecodeContext& cx) {
  Curation v;
  cx.Fixed(r.getTarget(), v.target, "Curation.target");
  v.action = EnumFromWire(r.getAction(), CurationAction::kTag);
  v.reason = cx.Text(r.getReason(), "Curation.reason");
  v.tags = cx.Texts(r.getTags(), "Curation.tags");
  return v;
}

Aggregate FromWire(wire::Aggregate::Reader r, DecodeContext& cx) {
  Aggregate v;
  v.scope = cx.Text(r.getScope(), "Aggregate.scope");
  v.measure_code = cx.Text(r.getMeasureCode(), "Aggregate.measureCode");
  v.period = cx.Text(r.getPeriod(), "Aggregate.period");
  v.contributing_trusts = r.getContributingTrusts();
  v.contributing_llss = r.getContributingLlss();
  v.numerator = r.getNumerator();
  v.denominator = r.getDenominator();
  v.suppressed_cells = r.getSuppressedCells();
  if (r.hasSpc()) {
    auto spc = r.getSpc();
    SpcSignal signal{spc.getValue(), spc.getCentre(), spc.getLower(), spc.getUpper(),
                     spc.getRules(), spc.getSignal(), spc.getVariation(), spc.getAssurance(),
                     spc.getPoints()};
    // Readers draw and compare these numbers: refuse what no chart can hold.
    if (!std::isfinite(signal.value) || !std::isfinite(signal.centre) ||
        !std::isfinite(signal.lower) || !std::isfinite(signal.upper)) {
      cx.Fail(NackCode::kMalformed, "Aggregate.spc holds a non-finite number");
    } else if (signal.rules > 15 || signal.signal > 3 || signal.variation > 7 ||
               signal.assurance > 3) {
      cx.Fail(NackCode::kMalformed, "Aggregate.spc holds an unknown rule, signal or icon");
    } else if (!(signal.lower <= signal.centre && signal.centre <= signal.upper) ||
               signal.points == 0) {
      cx.Fail(NackCode::kMalformed,
              "Aggregate.spc limits out of order (lower <= centre <= upper) or no points");
    }
    v.spc = signal;
  }
  return v;
}

Retraction FromWire(wire::Retraction::Reader r, DecodeContext& cx) {
  Retraction v;
  cx.Fixed(r.getTarget(), v.target, "Retraction.target");
  v.reason = cx.Text(r.getReason(), "Retraction.reason");
  return v;
}

MeasureDefinition DefinitionFromWire(wire::MeasureDefinition::Reader r, DecodeContext& cx) {
  MeasureDefinition v;
  v.code = cx.Text(r.getCode(), "MeasureDefinition.code");
  v.name = cx.Text(r.getName(), "MeasureDefinition.name");
  v.area = EnumFromWire(r.getArea(), ClinicalArea::kSafetyCulture);
  v.numerator_definition =
      cx.Text(r.getNumeratorDefinition(), "MeasureDefinition.numeratorDefinition");
  v.denominator_definition =
      cx.Text(r.getDenominatorDefinition(), "MeasureDefinition.denominatorDefinition");
  v.unit = cx.Text(r.getUnit(), "MeasureDefinition.unit");
  v.improvement = EnumFromWire(r.getImprovement(), Improvement::kDecrease);
  v.source = cx.Text(r.getSource(), "MeasureDefinition.source");
  return v;
}

MeasureCatalogue FromWire(wire::MeasureCatalogue::Reader r, DecodeContext& cx) {
  MeasureCatalogue v;
  v.version = r.getVersion();
  auto measures = r.getMeasures();
  v.measures.reserve(measures.size());
  for (auto definition : measures) v.measures.push_back(DefinitionFromWire(definition, cx));
  return v;
}

Bulletin FromWire(wire::Bulletin::Reader r, DecodeContext& cx) {
  Bulletin v;
  v.title = cx.Text(r.getTitle(), "Bulletin.title");
  v.text = cx.Text(r.getText(), "Bulletin.text");
  v.area = EnumFromWire(r.getArea(), ClinicalArea::kSafetyCulture);
  return v;
}

Relay FromWire(wire::Relay::Reader r, DecodeContext& cx) {
  Relay v;
  v.original = cx.Data(r.getOriginal());
  v.curation = cx.Data(r.getCuration());
  return v;
}

// Empty when the union holds a member this build does not know.
std::optional<Body> MemberFromWire(wire::Body::Reader r, DecodeContext& cx) {
  switch (r.which()) {
    case wire::Body::PROJECT_SUMMARY: return FromWire(r.getProjectSummary(), cx);
    case wire::Body::LEARNING_ITEM: return FromWire(r.getLearningItem(), cx);
    case wire::Body::CURATION: return FromWire(r.getCuration(), cx);
    case wire::Body::AGGREGATE: return FromWire(r.getAggregate(), cx);
    case wire::Body::RETRACTION: return FromWire(r.getRetraction(), cx);
    case wire::Body::MEASURE_CATALOGUE: return FromWire(r.getMeasureCatalogue(), cx);
    case wire::Body::BULLETIN: return FromWire(r.getBulletin(), cx);
    case wire::Body::RELAY: return FromWire(r.getRelay(), cx);
  }
  return std::nullopt;
}

}  // namespace

void BodyToWire(const Body& body, wire::Body::Builder out) {
  std::visit([&out](const auto& member) { ToWire(member, out); }, body);
}

WireResult<Body> BodyFromWire(wire::Body::Reader in) {
  DecodeContext cx;
  std::optional<Body> body = MemberFromWire(in, cx);
  if (!body) {
    return WireError{NackCode::kUnsupportedKind,
                     "body union member " + std::to_string(static_cast<uint16_t>(in.which())) +
                         " is not known to this build"};
  }
  if (!cx.ok()) return cx.error();
  return std::move(*body);
}

}  // namespace lls::codec_internal
