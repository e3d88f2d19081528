// Field rules shared by every import format (node/import_internal.h), and the problem list.
#include <algorithm>
#include <array>
#include <map>
#include <tuple>

#include "exchange/catalogue.h"
#include "node/import_internal.h"

namespace lls::node::import_internal {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
char Lower(char c) { return IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c; }
bool IsAlnum(char c) { return IsDigit(c) || IsUpper(c) || IsLower(c); }

std::string Quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

// Words of a name: split at anything not a letter or digit and where camelCase turns upper.
// "patientDOB" -> {"patient", "dob"}; "Date of Birth" -> {"date", "of", "birth"}.
std::vector<std::string> Words(std::string_view name) {
  std::vector<std::string> words;
  std::string word;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (!IsAlnum(c)) {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
      continue;
    }
    if (IsUpper(c) && i > 0 && IsLower(name[i - 1]) && !word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
    word.push_back(Lower(c));
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

// Squashed names containing one of these are per-patient identifiers or attributes.
constexpr std::array<std::string_view, 40> kRowLevelParts = {
    "nhsnumber",    "chinumber",   "dateofbirth",   "birthdate",  "dateofdeath", "deathdate",
    "patientid",    "patientname", "patientnumber", "patientno",  "patientref",  "hospitalnumber",
    "hospitalno",   "hospitalid",  "medicalrecord", "casenote",   "unitnumber",  "postcode",
    "postalcode",   "zipcode",     "surname",       "forename",   "firstname",   "lastname",
    "familyname",   "givenname",   "fullname",      "maidenname", "mothersname", "mothername",
    "babysname",    "babyname",    "address",       "ethnic",     "telephone",   "phonenumber",
    "mobilenumber", "email",       "nhsid",         "personid"};
// Whole words (or whole squashed names) that are per-patient on their own.
constexpr std::array<std::string_view, 10> kRowLevelWords = {
    "dob", "dod", "mrn", "chi", "nhsno", "hospno", "sex", "gender", "age", "ethnicity"};
// Squashed names that are per-patient only when they are the whole name ("NHS", "Patient").
constexpr std::array<std::string_view, 4> kRowLevelWholeNames = {"nhs", "patient", "phone",
                                                                 "mobile"};

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// True for a 10-digit NHS number (spaces or hyphens allowed) with a valid Modulus 11 check.
bool LooksLikeNhsNumber(std::string_view text) {
  std::string digits;
  for (char c : text) {
    if (IsDigit(c)) {
      digits.push_back(c);
    } else if (c != ' ' && c != '-') {
      return false;
    }
  }
  if (digits.size() != 10) return false;
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += (digits[i] - '0') * (10 - i);
  int check = 11 - sum % 11;
  if (check == 11) check = 0;
  return check != 10 && check == digits[9] - '0';
}

bool HasLineBreak(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

bool HasControl(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && c != '\n' && c != '\t') return true;
  }
  return false;
}

template <typename E>
std::string NameList(const char* (*namer)(E), int first, int last) {
  std::string out;
  for (int i = first; i <= last; ++i) {
    if (!out.empty()) out += ", ";
    out += namer(static_cast<E>(i));
  }
  return out;
}

// The enum value whose printed name matches `value` ignoring case, spaces, hyphens and
// underscores ("Smoke-free pregnancy" -> smoke-free-pregnancy).
template <typename E>
std::optional<E> ByName(std::string_view value, const char* (*namer)(E), int first, int last) {
  const std::string squashed = Squash(value);
  for (int i = first; i <= last; ++i) {
    if (squashed == Squash(namer(static_cast<E>(i)))) return static_cast<E>(i);
  }
  return std::nullopt;
}

}  // namespace

// --- Problems ---

void Problems::Add(size_t line, std::string reason, size_t column) {
  if (kept_.size() >= kMaxImportProblems) {
    ++dropped_;
    return;
  }
  kept_.push_back(ImportProblem{file_, line, std::move(reason), column});
}

std::vector<ImportProblem> Problems::Take() {
  std::stable_sort(kept_.begin(), kept_.end(), [](const ImportProblem& a, const ImportProblem& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  if (dropped_ > 0) {
    kept_.push_back(ImportProblem{file_, 0,
                                  std::to_string(dropped_) + " more problem(s) not listed (only " +
                                      std::to_string(kMaxImportProblems) + " are shown)"});
  }
  dropped_ = 0;
  return std::move(kept_);
}

// --- text ---

std::string Trim(std::string_view text) {
  const char* kSpace = " \t\r\n";
  const size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return "";
  const size_t last = text.find_last_not_of(kSpace);
  return std::string(text.substr(first, last - first + 1));
}

std::string Squash(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (IsAlnum(c)) out.push_back(Lower(c));
  }
  return out;
}

size_t Chars(std::string_view text) {
  size_t n = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::optional<std::string> RowLevelName(std::string_view name, std::string_view what) {
  const std::string squashed = Squash(name);
  bool row_level = false;
  for (std::string_view part : kRowLevelParts) row_level = row_level || Contains(squashed, part);
  for (std::string_view whole : kRowLevelWholeNames) row_level = row_level || squashed == whole;
  const std::vector<std::string> words = Words(name);
  for (std::string_view word : kRowLevelWords) {
    row_level =
        row_level || squashed == word || std::find(words.begin(), words.end(), word) != words.end();
  }
  // "NHS No", "Hosp No": the words split apart.
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    if ((words[i] == "nhs" || words[i] == "hosp" || words[i] == "hospital") &&
        (words[i + 1] == "no" || words[i + 1] == "num")) {
      row_level = true;
    }
  }
  if (!row_level) return std::nullopt;
  return std::string(what) + " " + Quoted(Trim(name)) +
         " looks like patient-level data; only monthly aggregate counts may be imported";
}

// --- fields ---

Field<std::string> Id(std::string_view value, std::string_view name) {
  std::string id = Trim(value);
  if (id.empty()) return FieldError{std::string(name) + " is empty; it is required"};
  if (HasControl(id) || HasLineBreak(id)) {
    return FieldError{std::string(name) + " must be one line of text"};
  }
  if (Chars(id) > kMaxIdChars) {
    return FieldError{std::string(name) + " is longer than " + std::to_string(kMaxIdChars) +
                      " characters"};
  }
  if (LooksLikeNhsNumber(id)) {
    return FieldError{std::string(name) +
                      " looks like an NHS number (10 digits with a valid check digit); use the "
                      "project's or note's own id, never a patient's"};
  }
  return id;
}

Field<std::string> Title(std::string_view value, std::string_view name) {
  std::string title = Trim(value);
  if (title.empty()) return FieldError{std::string(name) + " is empty; it is required"};
  if (HasControl(title) || HasLineBreak(title)) {
    return FieldError{std::string(name) + " must be one line of text"};
  }
  if (Chars(title) > kMaxTitleChars) {
    return FieldError{std::string(name) + " is longer than " + std::to_string(kMaxTitleChars) +
                      " characters"};
  }
  return title;
}

namespace {

std::string UnixLineEnds(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace

Field<std::string> OptionalText(std::string_view value, std::string_view name, size_t max_chars) {
  std::string text = Trim(UnixLineEnds(value));
  if (HasControl(text)) {
    return FieldError{std::string(name) + " contains control characters"};
  }
  if (Chars(text) > max_chars) {
    return FieldError{std::string(name) + " is longer than " + std::to_string(max_chars) +
                      " characters"};
  }
  return text;
}

Field<std::string> LearningText(std::string_view value) {
  std::string text = Trim(UnixLineEnds(value));
  if (text.size() > kMaxLearningTextBytes) {
    return FieldError{"text is longer than " + std::to_string(kMaxLearningTextBytes) + " bytes"};
  }
  if (HasControl(text)) return FieldError{"text contains control characters"};
  return text;
}

Field<ClinicalArea> Area(std::string_view value) {
  const std::string area = Trim(value);
  const std::string known = NameList(AreaName, 1, 6);
  if (area.empty()) return FieldError{"area is empty; it is required: one of " + known};
  if (auto parsed = ByName(area, AreaName, 1, 6)) return *parsed;
  // Common variants of the programme's names.
  const std::string squashed = Squash(area);
  if (squashed == "verypreterminfants") return ClinicalArea::kVeryPretermInfant;
  if (squashed == "neonatalhypoglycemia") return ClinicalArea::kNeonatalHypoglycaemia;
  return FieldError{"unknown clinical area " + Quoted(area) + "; expected one of " + known};
}

Field<ProjectStage> Stage(std::string_view value) {
  const std::string stage = Trim(value);
  if (stage.empty()) return ProjectStage::kUnspecified;
  if (auto parsed = ByName(stage, StageName, 0, 6)) return *parsed;
  return FieldError{"unknown stage " + Quoted(stage) + "; expected one of " +
                    NameList(StageName, 1, 6) + " (or leave it empty)"};
}

Field<LearningKind> KindOfLearning(std::string_view value) {
  const std::string kind = Trim(value);
  const std::string known = NameList(LearningKindName, 1, 5);
  if (kind.empty()) return FieldError{"kind is empty; it is required: one of " + known};
  if (auto parsed = ByName(kind, LearningKindName, 1, 5)) return *parsed;
  return FieldError{"unknown kind " + Quoted(kind) + "; expected one of " + known};
}

Field<Scope> ScopeOf(std::string_view value) {
  const std::string scope = Trim(value);
  if (scope.empty()) return Scope::kLls;
  if (auto parsed = ByName(scope, ScopeName, 0, 1)) return *parsed;
  return FieldError{"unknown scope " + Quoted(scope) + "; expected lls or national"};
}

Field<std::string> Month(std::string_view value, std::string_view name, bool required) {
  std::string month = Trim(value);
  if (month.empty()) {
    if (!required) return month;
    return FieldError{std::string(name) + " is empty; expected a month as YYYY-MM, e.g. 2026-01"};
  }
  const bool shaped = month.size() == 7 && IsDigit(month[0]) && IsDigit(month[1]) &&
                      IsDigit(month[2]) && IsDigit(month[3]) && month[4] == '-' &&
                      IsDigit(month[5]) && IsDigit(month[6]);
  if (shaped) {
    const int year = std::stoi(month.substr(0, 4));
    const int mon = std::stoi(month.substr(5, 2));
    if (year >= 1900 && year <= 2099 && mon >= 1 && mon <= 12) return month;
  }
  std::string reason = std::string(name) + " " + Quoted(month) +
                       " must be a month as YYYY-MM (years 1900-2099), e.g. 2026-01";
  if (month.size() == 10 && month[4] == '-' && month[7] == '-') {
    reason += ", without a day";
  } else if (month.find_first_of("/ ") != std::string::npos ||
             std::any_of(month.begin(), month.end(), [](char c) { return IsLower(Lower(c)); })) {
    reason += "; if Excel turned it into a date, format the column as Text before saving";
  }
  return FieldError{reason};
}

Field<uint32_t> CountNumber(int64_t value, std::string_view name) {
  if (value < 0) {
    return FieldError{std::string(name) + " " + std::to_string(value) +
                      " is negative; counts are 0 or more"};
  }
  if (value > static_cast<int64_t>(kMaxCount)) {
    return FieldError{std::string(name) + " " + std::to_string(value) + " is larger than " +
                      std::to_string(kMaxCount)};
  }
  return static_cast<uint32_t>(value);
}

Field<uint32_t> CountText(std::string_view value, std::string_view name) {
  const std::string text = Trim(value);
  if (text.empty()) {
    return FieldError{std::string(name) + " is empty; write 0 when there were none"};
  }
  const bool digits = std::all_of(text.begin(), text.end(), IsDigit);
  if (digits) {
    if (text.size() > 10) return CountNumber(static_cast<int64_t>(kMaxCount) + 1, name);
    return CountNumber(std::stoll(text), name);
  }
  const std::string rest = text.substr(1);
  if (text[0] == '-' && !rest.empty() && std::all_of(rest.begin(), rest.end(), IsDigit)) {
    return FieldError{std::string(name) + " " + Quoted(text) +
                      " is negative; counts are 0 or more"};
  }
  const bool numeric = std::all_of(text.begin(), text.end(), [](char c) {
    return IsDigit(c) || c == '.' || c == ',' || c == '-' || c == '+' || c == 'e' || c == 'E';
  });
  if (numeric && std::any_of(text.begin(), text.end(), IsDigit)) {
    return FieldError{std::string(name) + " " + Quoted(text) +
                      " must be a whole number written with digits only (no decimals, signs or "
                      "thousands separators)"};
  }
  return FieldError{std::string(name) + " " + Quoted(text) + " is not a number"};
}

Field<std::string> MeasureCode(std::string_view value, const MeasureCatalogue& catalogue) {
  std::string code = Trim(value);
  if (code.empty()) return FieldError{"measure is empty; it is required"};
  if (FindMeasure(catalogue, code) != nullptr) return code;
  std::string reason = "unknown measure code " + Quoted(code);
  for (const MeasureDefinition& m : catalogue.measures) {
    if (Squash(m.code) == Squash(code)) {
      reason += " (did you mean " + Quoted(m.code) + "? codes are case-sensitive)";
      break;
    }
  }
  return FieldError{reason + "; known: " + KnownCodes(catalogue)};
}

std::vector<std::string> Split(std::string_view text, std::string_view separators) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = text.find_first_of(separators, start);
    const size_t stop = end == std::string_view::npos ? text.size() : end;
    out.emplace_back(text.substr(start, stop - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

Field<std::vector<std::string>> List(const std::vector<std::string>& items, std::string_view name,
                                     size_t max_item_chars) {
  std::vector<std::string> out;
  for (const std::string& item : items) {
    std::string trimmed = Trim(item);
    if (trimmed.empty()) continue;
    if (HasControl(trimmed) || HasLineBreak(trimmed)) {
      return FieldError{std::string(name) + ": each item must be one line of text"};
    }
    if (Chars(trimmed) > max_item_chars) {
      return FieldError{std::string(name) + ": " + Quoted(trimmed.substr(0, 40)) +
                        "... is longer than " + std::to_string(max_item_chars) + " characters"};
    }
    out.push_back(std::move(trimmed));
  }
  if (out.size() > kMaxListItems) {
    return FieldError{std::string(name) + " has " + std::to_string(out.size()) +
                      " items; at most " + std::to_string(kMaxListItems) + " are allowed"};
  }
  return out;
}

// --- whole-file checks ---

void CheckCounts(const std::vector<CountRecord>& counts, Problems& problems) {
  std::map<std::tuple<std::string, std::string, std::string>, size_t> first_line;
  std::map<std::pair<std::string, std::string>, std::vector<const CountRecord*>> by_month;
  for (const CountRecord& c : counts) {
    auto [it, inserted] =
        first_line.emplace(std::tuple(c.project, c.measure_code, c.period), c.line);
    if (!inserted) {
      problems.Add(c.line, "a second row for project " + Quoted(c.project) + ", measure " +
                               c.measure_code + ", period " + c.period + " (the first is on line " +
                               std::to_string(it->second) +
                               "); one row per project, measure and "
                               "month");
    }
    by_month[{c.measure_code, c.period}].push_back(&c);
  }
  for (const auto& [key, rows] : by_month) {
    if (rows.size() < kPerPatientRows) continue;
    const bool all_tiny = std::all_of(rows.begin(), rows.end(),
                                      [](const CountRecord* c) { return c->denominator <= 1; });
    if (!all_tiny) continue;
    size_t first = rows.front()->line;
    size_t last = rows.front()->line;
    for (const CountRecord* c : rows) {
      first = std::min(first, c->line);
      last = std::max(last, c->line);
    }
    problems.Add(first, std::to_string(rows.size()) + " rows for " + key.first + " " + key.second +
                            " (lines " + std::to_string(first) + " to " + std::to_string(last) +
                            ") all have a denominator of 0 or 1: this looks like one row per "
                            "patient; only monthly aggregate counts may be imported");
  }
}

void CheckUniqueIds(const ImportBatch& batch, Problems& problems) {
  std::map<std::string, size_t> projects;
  for (const ProjectRecord& p : batch.projects) {
    auto [it, inserted] = projects.emplace(p.local_id, p.line);
    if (!inserted) {
      problems.Add(p.line, "a second project " + Quoted(p.local_id) + " (the first is on line " +
                               std::to_string(it->second) + ")");
    }
  }
  std::map<std::string, size_t> notes;
  for (const LearningRecord& l : batch.learning) {
    auto [it, inserted] = notes.emplace(l.local_id, l.line);
    if (!inserted) {
      problems.Add(l.line, "a second learning note " + Quoted(l.local_id) +
                               " (the first is on line " + std::to_string(it->second) + ")");
    }
  }
}

}  // namespace lls::node::import_internal
