// Internal to the importers (node/import.h): the problem list, the field rules every format
// shares, and one entry point per format. Not for use outside node/*import*.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/import.h"

namespace lls::node::import_internal {

// Collects problems for one file, keeping at most kMaxImportProblems.
class Problems {
 public:
  explicit Problems(std::string file) : file_(std::move(file)) {}
  void Add(size_t line, std::string reason, size_t column = 0);
  bool empty() const { return kept_.empty(); }
  // Sorted by line (the whole file first), then a last line counting any left out.
  std::vector<ImportProblem> Take();

 private:
  std::string file_;
  std::vector<ImportProblem> kept_;
  size_t dropped_ = 0;
};

// A field value refused, and why (the field's name is in the reason).
struct FieldError {
  std::string reason;
};
template <typename T>
using Field = Result<T, FieldError>;

inline constexpr size_t kMaxIdChars = 64;
inline constexpr size_t kMaxTitleChars = 200;
inline constexpr size_t kMaxAimChars = 2000;
inline constexpr size_t kMaxListItems = 50;       // change ideas, tags
inline constexpr size_t kMaxListItemChars = 500;  // one change idea
inline constexpr size_t kMaxTagChars = 40;
inline constexpr size_t kMaxLearningTextBytes = 64u << 10;
inline constexpr uint32_t kMaxCount = 100'000'000;
// A measure and month with at least this many rows, every denominator 0 or 1, looks like one
// row per patient (the project column holding patient identifiers).
inline constexpr size_t kPerPatientRows = 10;

std::string Trim(std::string_view text);
// ASCII lower-case letters and digits only: "NHS Number" -> "nhsnumber".
std::string Squash(std::string_view text);
// Length in UTF-8 characters (the text is valid UTF-8 by the time this is asked).
size_t Chars(std::string_view text);

// When a column or key name is one that only per-patient data would have, the reason to give:
// "column 'NHS Number' looks like patient-level data; ..." with `what` = "column" or "key".
std::optional<std::string> RowLevelName(std::string_view name, std::string_view what);

// Each rule trims its input and names the field (`name`) in its reason.
Field<std::string> Id(std::string_view value, std::string_view name);
Field<std::string> Title(std::string_view value, std::string_view name);
// Optional text, line breaks allowed (CRLF and CR become "\n").
Field<std::string> OptionalText(std::string_view value, std::string_view name, size_t max_chars);
// Multi-line text: line ends become "\n", then trimmed; at most kMaxLearningTextBytes.
Field<std::string> LearningText(std::string_view value);
Field<ClinicalArea> Area(std::string_view value);            // required
Field<ProjectStage> Stage(std::string_view value);           // optional: empty -> unspecified
Field<LearningKind> KindOfLearning(std::string_view value);  // required
Field<Scope> ScopeOf(std::string_view value);                // optional: empty -> lls
Field<std::string> Month(std::string_view value, std::string_view name, bool required);
Field<uint32_t> CountText(std::string_view value, std::string_view name);
Field<uint32_t> CountNumber(int64_t value, std::string_view name);
Field<std::string> MeasureCode(std::string_view value, const MeasureCatalogue& catalogue);
// Trims every item, drops empty ones, checks count and length.
Field<std::vector<std::string>> List(const std::vector<std::string>& items, std::string_view name,
                                     size_t max_item_chars);
// "a; b | c" -> {"a", "b", "c"} (split on any of `separators`), not yet checked.
std::vector<std::string> Split(std::string_view text, std::string_view separators);

// Checks that need all the file's counts: one row per project, measure and month (naming both
// lines), and no measure-month that looks like one row per patient.
void CheckCounts(const std::vector<CountRecord>& counts, Problems& problems);
// Project and learning ids appear once per file.
void CheckUniqueIds(const ImportBatch& batch, Problems& problems);

// The formats. Each appends its records to `batch` and its problems to `problems`; `text`
// may start with a UTF-8 byte-order mark.
void ImportCsv(std::string_view text, const MeasureCatalogue& catalogue, ImportBatch& batch,
               Problems& problems);
void ImportJson(std::string_view text, const MeasureCatalogue& catalogue, ImportBatch& batch,
                Problems& problems);
void ImportMarkdown(std::string_view text, ImportBatch& batch, Problems& problems);

}  // namespace lls::node::import_internal
