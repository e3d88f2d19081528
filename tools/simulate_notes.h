// The simulator's learning notes (tools/simulate.h): realistic QI learning per clinical area
// (what was tried, what happened), a note about each adopted change idea quoting the trust's own
// simulated before/after figures, and, in some notes, a planted paragraph holding patient
// identifiers of the kinds node/scrubber.h detects, so that a demo and the tests can show them
// refused before publishing. Planted identifiers are synthetic: NHS numbers from the 999 range
// (never issued to patients), made-up surnames, random dates and postcodes.
//
// Every clean note must scan clean with the real scrubber (tests/simulate checks): if one trips
// it, change the wording here. Pure functions of their arguments; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "schema/messages.h"
#include "tools/simulate_model.h"
#include "tools/simulate_random.h"

namespace lls::tools::sim {

struct NoteDraft {
  std::string slug;  // for the file name: "opt-out-referral"
  std::string title;
  std::string kind;  // an import kind name: "error", "excellence", "change-idea", ...
  ClinicalArea area = ClinicalArea::kUnspecified;
  std::vector<std::string> tags;
  std::string text;                      // paragraphs separated by blank lines
  std::vector<std::string> identifiers;  // scrubber kinds planted, in text order
};

// What a trust's change idea did, for its note.
struct ChangeOutcome {
  const ChangePackage* package = nullptr;
  std::string month;  // "March 2025"
  int months_before = 0, months_after = 0;
  // Per effect of the package, in order: the pooled rate before and after, whole percent.
  std::vector<std::pair<int, int>> percents;
};

// 2-4 notes for one trust: the note on its change idea first when it has one, then notes from
// other clinical areas, drawn with `rng`.
std::vector<NoteDraft> DraftNotes(const std::optional<ChangeOutcome>& change, Rng& rng);

// The identifier kinds that can be planted, in the order they appear in a planted paragraph.
const std::vector<std::string>& PlantableKinds();

// Adds a paragraph on "the case that prompted this work" holding one identifier of each of
// `kinds` (a non-empty subset of PlantableKinds()) after the note's first paragraph, and
// records the kinds in note.identifiers.
void PlantIdentifiers(NoteDraft& note, const std::vector<std::string>& kinds, Rng& rng);

// "999 123 4560"-shaped: 999 then six random digits and a valid Modulus 11 check digit.
std::string SyntheticNhsNumber(Rng& rng);

}  // namespace lls::tools::sim
