// Names, kinds and nack classification from schema/messages.h.
#include "schema/messages.h"

#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "tests/schema/samples.h"

namespace lls {
namespace {

TEST_CASE("kind names are the domain-tag names", "[messages]") {
  CHECK(std::string(KindName(Kind::kUnknown)) == "unknown");
  CHECK(std::string(KindName(Kind::kProjectSummary)) == "project-summary");
  CHECK(std::string(KindName(Kind::kLearningItem)) == "learning-item");
  CHECK(std::string(KindName(Kind::kCuration)) == "curation");
  CHECK(std::string(KindName(Kind::kAggregate)) == "aggregate");
  CHECK(std::string(KindName(Kind::kRetraction)) == "retraction");
  CHECK(std::string(KindName(Kind::kMeasureCatalogue)) == "measure-catalogue");
  CHECK(std::string(KindName(Kind::kBulletin)) == "bulletin");
  CHECK(std::string(KindName(Kind::kRelay)) == "relay");
}

TEST_CASE("area names", "[messages]") {
  CHECK(std::string(AreaName(ClinicalArea::kUnspecified)) == "unspecified");
  CHECK(std::string(AreaName(ClinicalArea::kSmokeFreePregnancy)) == "smoke-free-pregnancy");
  CHECK(std::string(AreaName(ClinicalArea::kVeryPretermInfant)) == "very-preterm-infant");
  CHECK(std::string(AreaName(ClinicalArea::kDiabetesInPregnancy)) == "diabetes-in-pregnancy");
  CHECK(std::string(AreaName(ClinicalArea::kNeonatalHypoglycaemia)) ==
        "neonatal-hypoglycaemia");
  CHECK(std::string(AreaName(ClinicalArea::kDeterioration)) == "deterioration");
  CHECK(std::string(AreaName(ClinicalArea::kSafetyCulture)) == "safety-culture");
}

TEST_CASE("stage, learning kind, scope, action and improvement names", "[messages]") {
  CHECK(std::string(StageName(ProjectStage::kUnspecified)) == "unspecified");
  CHECK(std::string(StageName(ProjectStage::kPlanning)) == "planning");
  CHECK(std::string(StageName(ProjectStage::kTesting)) == "testing");
  CHECK(std::string(StageName(ProjectStage::kImplementing)) == "implementing");
  CHECK(std::string(StageName(ProjectStage::kSpreading)) == "spreading");
  CHECK(std::string(StageName(ProjectStage::kSustaining)) == "sustaining");
  CHECK(std::string(StageName(ProjectStage::kClosed)) == "closed");

  CHECK(std::string(LearningKindName(LearningKind::kUnspecified)) == "unspecified");
  CHECK(std::string(LearningKindName(LearningKind::kError)) == "error");
  CHECK(std::string(LearningKindName(LearningKind::kExcellence)) == "excellence");
  CHECK(std::string(LearningKindName(LearningKind::kChangeIdea)) == "change-idea");
  CHECK(std::string(LearningKindName(LearningKind::kResource)) == "resource");
  CHECK(std::string(LearningKindName(LearningKind::kEvent)) == "event");

  CHECK(std::string(ScopeName(Scope::kLls)) == "lls");
  CHECK(std::string(ScopeName(Scope::kNational)) == "national");

  CHECK(std::string(CurationActionName(CurationAction::kUnspecified)) == "unspecified");
  CHECK(std::string(CurationActionName(CurationAction::kApprove)) == "approve");
  CHECK(std::string(CurationActionName(CurationAction::kReject)) == "reject");
  CHECK(std::string(CurationActionName(CurationAction::kFeature)) == "feature");
  CHECK(std::string(CurationActionName(CurationAction::kTag)) == "tag");

  CHECK(std::string(ImprovementName(Improvement::kNeutral)) == "neutral");
  CHECK(std::string(ImprovementName(Improvement::kIncrease)) == "increase");
  CHECK(std::string(ImprovementName(Improvement::kDecrease)) == "decrease");
}

TEST_CASE("out-of-range enum values are named unknown", "[messages]") {
  CHECK(std::string(KindName(static_cast<Kind>(kMaxKind + 1))) == "unknown");
  CHECK(std::string(KindName(static_cast<Kind>(0xFFFF))) == "unknown");
  CHECK(std::string(AreaName(static_cast<ClinicalArea>(7))) == "unknown");
  CHECK(std::string(StageName(static_cast<ProjectStage>(7))) == "unknown");
  CHECK(std::string(LearningKindName(static_cast<LearningKind>(6))) == "unknown");
  CHECK(std::string(ScopeName(static_cast<Scope>(2))) == "unknown");
  CHECK(std::string(CurationActionName(static_cast<CurationAction>(5))) == "unknown");
  CHECK(std::string(ImprovementName(static_cast<Improvement>(3))) == "unknown");
  CHECK(std::string(NackCodeName(static_cast<NackCode>(kMaxNackCode + 1))) == "unknown");
  CHECK(std::string(NackCodeName(static_cast<NackCode>(0xFFFF))) == "unknown");
}

TEST_CASE("every nack code has its own name", "[messages]") {
  std::set<std::string> names;
  for (uint16_t n = 0; n <= kMaxNackCode; ++n) {
    const std::string name = NackCodeName(static_cast<NackCode>(n));
    CAPTURE(n, name);
    CHECK(name != "unknown");
    CHECK(names.insert(name).second);
  }
  CHECK(names.size() == kMaxNackCode + 1u);
  CHECK(std::string(NackCodeName(NackCode::kMalformed)) == "malformed");
  CHECK(std::string(NackCodeName(NackCode::kTooLarge)) == "too-large");
  CHECK(std::string(NackCodeName(NackCode::kSchemaVersion)) == "schema-version");
  CHECK(std::string(NackCodeName(NackCode::kBadSignature)) == "bad-signature");
  CHECK(std::string(NackCodeName(NackCode::kUnknownSigner)) == "unknown-signer");
  CHECK(std::string(NackCodeName(NackCode::kSignerMismatch)) == "signer-mismatch");
  CHECK(std::string(NackCodeName(NackCode::kWrongRole)) == "wrong-role");
  CHECK(std::string(NackCodeName(NackCode::kReplay)) == "replay");
  CHECK(std::string(NackCodeName(NackCode::kStale)) == "stale");
  CHECK(std::string(NackCodeName(NackCode::kUnknownMeasure)) == "unknown-measure");
  CHECK(std::string(NackCodeName(NackCode::kNotOwner)) == "not-owner");
  CHECK(std::string(NackCodeName(NackCode::kKindMismatch)) == "kind-mismatch");
  CHECK(std::string(NackCodeName(NackCode::kInternal)) == "internal");
  CHECK(std::string(NackCodeName(NackCode::kUnsupportedKind)) == "unsupported-kind");
  CHECK(std::string(NackCodeName(NackCode::kUnknownTarget)) == "unknown-target");
  CHECK(std::string(NackCodeName(NackCode::kUnspecified)) == "unspecified");
}

TEST_CASE("only internal refusals are transient", "[messages]") {
  for (uint16_t n = 0; n <= kMaxNackCode + 1; ++n) {
    const auto code = static_cast<NackCode>(n);
    CAPTURE(n);
    CHECK(NackIsTransient(code) == (code == NackCode::kInternal));
  }
}

TEST_CASE("KindOf numbers each body alternative", "[messages]") {
  CHECK(KindOf(ProjectSummary{}) == Kind::kProjectSummary);
  CHECK(KindOf(LearningItem{}) == Kind::kLearningItem);
  CHECK(KindOf(Curation{}) == Kind::kCuration);
  CHECK(KindOf(Aggregate{}) == Kind::kAggregate);
  CHECK(KindOf(Retraction{}) == Kind::kRetraction);
  CHECK(KindOf(MeasureCatalogue{}) == Kind::kMeasureCatalogue);
  CHECK(KindOf(Bulletin{}) == Kind::kBulletin);
  CHECK(KindOf(Relay{}) == Kind::kRelay);
}

}  // namespace
}  // namespace lls
