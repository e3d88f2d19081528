#include "schema/messages.h"

namespace lls {

// Each switch lists every enumerator and falls through to "unknown", so a value read from
// somewhere untrusted (or a cast gone wrong) names itself instead of indexing out of a table.

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kUnknown: return "unknown";
    case Kind::kProjectSummary: return "project-summary";
    case Kind::kLearningItem: return "learning-item";
    case Kind::kCuration: return "curation";
    case Kind::kAggregate: return "aggregate";
    case Kind::kRetraction: return "retraction";
    case Kind::kMeasureCatalogue: return "measure-catalogue";
    case Kind::kBulletin: return "bulletin";
    case Kind::kRelay: return "relay";
  }
  return "unknown";
}

const char* AreaName(ClinicalArea area) {
  switch (area) {
    case ClinicalArea::kUnspecified: return "unspecified";
    case ClinicalArea::kSmokeFreePregnancy: return "smoke-free-pregnancy";
    case ClinicalArea::kVeryPretermInfant: return "very-preterm-infant";
    case ClinicalArea::kDiabetesInPregnancy: return "diabetes-in-pregnancy";
    case ClinicalArea::kNeonatalHypoglycaemia: return "neonatal-hypoglycaemia";
    case ClinicalArea::kDeterioration: return "deterioration";
    case ClinicalArea::kSafetyCulture: return "safety-culture";
  }
  return "unknown";
}

const char* StageName(ProjectStage stage) {
  switch (stage) {
    case ProjectStage::kUnspecified: return "unspecified";
    case ProjectStage::kPlanning: return "planning";
    case ProjectStage::kTesting: return "testing";
    case ProjectStage::kImplementing: return "implementing";
    case ProjectStage::kSpreading: return "spreading";
    case ProjectStage::kSustaining: return "sustaining";
    case ProjectStage::kClosed: return "closed";
  }
  return "unknown";
}

const char* LearningKindName(LearningKind kind) {
  switch (kind) {
    case LearningKind::kUnspecified: return "unspecified";
    case LearningKind::kError: return "error";
    case LearningKind::kExcellence: return "excellence";
    case LearningKind::kChangeIdea: return "change-idea";
    case LearningKind::kResource: return "resource";
    case LearningKind::kEvent: return "event";
  }
  return "unknown";
}

const char* ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kLls: return "lls";
    case Scope::kNational: return "national";
  }
  return "unknown";
}

const char* CurationActionName(CurationAction action) {
  switch (action) {
    case CurationAction::kUnspecified: return "unspecified";
    case CurationAction::kApprove: return "approve";
    case CurationAction::kReject: return "reject";
    case CurationAction::kFeature: return "feature";
    case CurationAction::kTag: return "tag";
  }
  return "unknown";
}

const char* ImprovementName(Improvement improvement) {
  switch (improvement) {
    case Improvement::kNeutral: return "neutral";
    case Improvement::kIncrease: return "increase";
    case Improvement::kDecrease: return "decrease";
  }
  return "unknown";
}

Kind KindOf(const Body& body) {
  // The variant's alternatives are declared in Kind order, so index + 1 is the Kind number;
  // a valueless variant (index npos) has no kind.
  if (body.valueless_by_exception()) return Kind::kUnknown;
  return static_cast<Kind>(body.index() + 1);
}

const char* NackCodeName(NackCode code) {
  switch (code) {
    case NackCode::kUnspecified: return "unspecified";
    case NackCode::kMalformed: return "malformed";
    case NackCode::kTooLarge: return "too-large";
    case NackCode::kSchemaVersion: return "schema-version";
    case NackCode::kBadSignature: return "bad-signature";
    case NackCode::kUnknownSigner: return "unknown-signer";
    case NackCode::kSignerMismatch: return "signer-mismatch";
    case NackCode::kWrongRole: return "wrong-role";
    case NackCode::kReplay: return "replay";
    case NackCode::kStale: return "stale";
    case NackCode::kUnknownMeasure: return "unknown-measure";
    case NackCode::kNotOwner: return "not-owner";
    case NackCode::kKindMismatch: return "kind-mismatch";
    case NackCode::kInternal: return "internal";
    case NackCode::kUnsupportedKind: return "unsupported-kind";
    case NackCode::kUnknownTarget: return "unknown-target";
  }
  return "unknown";
}

bool NackIsTransient(NackCode code) {
  // Every other refusal is about the message itself or its sender; resending the same bytes
  // gets the same answer. Only a hub-side storage failure may clear up by itself.
  return code == NackCode::kInternal;
}

}  // namespace lls
