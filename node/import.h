// Import: what a trust's improvement lead already has — monthly measure counts and project
// details exported from local systems (CSV, usually from Excel), projects, counts and learning
// notes as JSON, one learning note per Markdown file — read into plain records. The formats
// are specified in docs/import.md.
//
// All or nothing per file: ImportFile returns either every record in the file or, when anything
// is wrong, no records and every problem found (each with the file, the line and the reason;
// not just the first problem). Anything that looks like per-patient data — a column or key such
// as "NHS Number", "date_of_birth" or "postcode", an id shaped like an NHS number, or counts
// that look like one row per patient — refuses the whole file, saying why.
//
// Import publishes nothing and stores nothing: callers keep the records, show them in a
// preview, and apply disclosure control (node/disclosure.h) and the free-text scrubber before
// anything leaves the trust. Free text is returned as written (trimmed).
//
// Limits, against a mistaken or hostile file taking the node's memory: a file over
// kMaxImportBytes is refused before it is read; CSV fields over 64 KiB are refused
// (node/csv.h); at most kMaxImportProblems problems are listed.
//
// Pure functions (ImportFile reads the file once); thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "schema/messages.h"
#include "schema/status.h"

namespace lls::node {

inline constexpr size_t kMaxImportBytes = 50u << 20;  // 50 MiB
inline constexpr size_t kMaxImportProblems = 1000;

// Values may come from any format; limits and rules are in docs/import.md.
struct ProjectRecord {
  std::string local_id;  // the trust's own project id; never sent (pseudonymised on publish)
  std::string title;
  ClinicalArea area = ClinicalArea::kUnspecified;
  std::string aim;
  std::vector<std::string> change_ideas;
  uint32_t pdsa_cycles = 0;
  ProjectStage stage = ProjectStage::kUnspecified;
  std::string start_month;  // YYYY-MM or empty
  size_t line = 0;          // where the record starts in its file
  bool operator==(const ProjectRecord&) const = default;
};

// One month of one measure for one project: raw counts, before disclosure control.
struct CountRecord {
  std::string project;       // a ProjectRecord::local_id (this file or imported earlier)
  std::string measure_code;  // in the catalogue passed to the import
  std::string period;        // YYYY-MM
  uint32_t numerator = 0;
  uint32_t denominator = 0;  // numerator <= denominator
  size_t line = 0;
  bool operator==(const CountRecord&) const = default;
};

struct LearningRecord {
  std::string local_id;
  std::string title;
  LearningKind kind = LearningKind::kUnspecified;
  ClinicalArea area = ClinicalArea::kUnspecified;
  std::vector<std::string> tags;
  std::string text;
  Scope scope = Scope::kLls;
  std::string project;  // a ProjectRecord::local_id, or empty
  size_t line = 0;
  bool operator==(const LearningRecord&) const = default;
};

// Records in file order. Ids are unique within one file; whether a count's or learning note's
// project exists is for the caller to check against what it holds.
struct ImportBatch {
  std::vector<ProjectRecord> projects;
  std::vector<CountRecord> counts;
  std::vector<LearningRecord> learning;
};

struct ImportProblem {
  std::string file;
  size_t line = 0;  // 1-based; 0 = the whole file
  std::string reason;
  size_t column = 0;  // 1-based character column when known (CSV syntax), else 0
  // "file:12: reason", "file:12:5: reason" with a column, "file: reason" for the whole file.
  std::string ToString() const;
  bool operator==(const ImportProblem&) const = default;
};

// The batch, or every problem in file order (at most kMaxImportProblems, then one saying how
// many more there were). Never an empty problem list.
using ImportResult = Result<ImportBatch, std::vector<ImportProblem>>;

enum class ImportFormat {
  kCsv,       // .csv: measure counts or project details, told apart by the header
  kJson,      // .json: projects, measures and learning; or the legacy single-project form
  kMarkdown,  // .md, .markdown: one learning note with front matter
};

// The format for a file name's extension (case-insensitive), or kInvalidArgument naming the
// extensions accepted.
Result<ImportFormat> FormatFromPath(const std::filesystem::path& path);

// Reads `path` (refusing it first when over kMaxImportBytes) and imports it in the format its
// extension names. Problems name the file as `path.string()`.
ImportResult ImportFile(const std::filesystem::path& path, const MeasureCatalogue& catalogue);

// Imports text already in memory; `origin` is the file name used in problems.
ImportResult ImportText(std::string_view text, const std::string& origin, ImportFormat format,
                        const MeasureCatalogue& catalogue);

}  // namespace lls::node
