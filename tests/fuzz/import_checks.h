// What every successful import must satisfy (docs/import.md, "Values"), checked by the import
// harnesses after ImportText: the rules are enforced by the importer, so a record that breaks
// one is a bug even when nothing crashed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "exchange/catalogue.h"
#include "node/import.h"
#include "tests/fuzz/fuzz_util.h"

namespace lls::fuzz {

inline bool IsMonth(std::string_view m) {
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (m.size() != 7 || m[4] != '-') return false;
  for (size_t i : {0u, 1u, 2u, 3u, 5u, 6u}) {
    if (!digit(m[i])) return false;
  }
  const int year = std::stoi(std::string(m.substr(0, 4)));
  const int month = std::stoi(std::string(m.substr(5, 2)));
  return year >= 1900 && year <= 2099 && month >= 1 && month <= 12;
}

// Problems: never an empty list, at most kMaxImportProblems + 1 (the "and N more" line), each
// with a reason. Records: the documented bounds.
inline void CheckImport(const node::ImportResult& result, const MeasureCatalogue& catalogue) {
  using node::kMaxImportProblems;
  if (!result.ok()) {
    const auto& problems = result.error();
    if (problems.empty()) Fail("an import failed with no problem listed");
    if (problems.size() > kMaxImportProblems + 1) Fail("more problems listed than the limit");
    for (const auto& p : problems) {
      if (p.reason.empty()) Fail("a problem without a reason");
      (void)p.ToString();
    }
    return;
  }
  const node::ImportBatch& batch = *result;
  if (batch.projects.empty() && batch.counts.empty() && batch.learning.empty()) {
    Fail("an import succeeded with nothing in it (docs: refused as 'nothing to import')");
  }
  for (const auto& p : batch.projects) {
    if (p.local_id.empty() || p.local_id.size() > 64 * 4) Fail("project id out of bounds");
    if (p.title.empty() || p.title.size() > 200 * 4) Fail("project title out of bounds");
    if (p.area == ClinicalArea::kUnspecified) Fail("project without an area");
    if (p.change_ideas.size() > 50) Fail("more than 50 change ideas");
    for (const auto& idea : p.change_ideas) {
      if (idea.empty()) Fail("an empty change idea was kept");
    }
    if (p.pdsa_cycles > 100'000'000) Fail("pdsa_cycles over 100,000,000");
    if (!p.start_month.empty() && !IsMonth(p.start_month)) Fail("start_month not YYYY-MM");
  }
  for (const auto& c : batch.counts) {
    if (c.project.empty()) Fail("a count without a project");
    if (FindMeasure(catalogue, c.measure_code) == nullptr) Fail("a count for an unknown measure");
    if (!IsMonth(c.period)) Fail("a count period that is not YYYY-MM (1900-2099)");
    if (c.numerator > c.denominator) Fail("numerator larger than denominator");
    if (c.denominator > 100'000'000) Fail("a count over 100,000,000");
  }
  for (const auto& l : batch.learning) {
    if (l.local_id.empty() || l.local_id.size() > 64 * 4) Fail("learning id out of bounds");
    if (l.title.empty() || l.title.size() > 200 * 4) Fail("learning title out of bounds");
    if (l.kind == LearningKind::kUnspecified) Fail("learning without a kind");
    if (l.area == ClinicalArea::kUnspecified) Fail("learning without an area");
    if (l.tags.size() > 50) Fail("more than 50 tags");
    if (l.text.size() > 65536) Fail("learning text over 64 KiB");
  }
}

}  // namespace lls::fuzz
