// The Markdown learning-note format (docs/import.md): front matter between "---" lines, then
// the note's text.
//
//   ---
//   id: L-2026-04
//   title: Opt-out referral doubled uptake
//   kind: excellence
//   area: smoke-free-pregnancy
//   tags: [referral, co-monitoring]
//   ---
//   The text, kept as written (trimmed).
#include <algorithm>
#include <map>
#include <optional>
#include <type_traits>

#include "node/csv.h"
#include "node/import_internal.h"

namespace lls::node::import_internal {

namespace {

constexpr std::string_view kShape =
    "a learning note starts with front matter: a line '---', then 'key: value' lines (id, "
    "title, kind and area required; tags, scope and project optional), then a line '---'; the "
    "note's text follows";

struct Line {
  std::string_view text;  // without its line end
  size_t end = 0;         // offset just past its line end
};

std::vector<Line> SplitLines(std::string_view text) {
  std::vector<Line> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t stop = text.find('\n', start);
    const size_t next = stop == std::string_view::npos ? text.size() : stop + 1;
    if (stop == std::string_view::npos) stop = text.size();
    std::string_view line = text.substr(start, stop - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back({line, next});
    start = next;
  }
  return lines;
}

// Reports the first byte of each line that is not UTF-8; true when there was none.
bool CheckUtf8(std::string_view text, Problems& problems) {
  bool ok = true;
  size_t line = 1;
  size_t column = 1;
  bool line_reported = false;
  for (size_t pos = 0; pos < text.size();) {
    if (text[pos] == '\n') {
      ++line;
      column = 1;
      line_reported = false;
      ++pos;
      continue;
    }
    const size_t len = Utf8CharLength(text, pos);
    if (len == 0) {
      if (!line_reported) problems.Add(line, "invalid UTF-8; save the file as UTF-8", column);
      line_reported = true;
      ok = false;
      ++pos;
    } else {
      pos += len;
    }
    ++column;
  }
  return ok;
}

std::string Unquote(std::string_view value) {
  std::string v = Trim(value);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
    return v.substr(1, v.size() - 2);
  }
  return v;
}

// "[a, b]", "a, b" or "a" -> items, each unquoted.
std::vector<std::string> Tags(std::string_view value) {
  std::string v = Trim(value);
  if (v.size() >= 2 && v.front() == '[' && v.back() == ']') v = v.substr(1, v.size() - 2);
  std::vector<std::string> items;
  for (const std::string& item : Split(v, ",")) items.push_back(Unquote(item));
  return items;
}

struct Entry {
  std::string value;
  size_t line = 0;
};

using Entries = std::map<std::string, Entry>;  // normalised key -> value and line

// The "key: value" lines between the opening "---" (lines[0]) and lines[close]; reports bad
// lines, unknown and repeated keys. Nothing when a key names patient data (reported).
std::optional<Entries> ReadFrontMatter(const std::vector<Line>& lines, size_t close,
                                       Problems& problems) {
  static const std::vector<std::string_view> kKeys = {"id",   "title", "kind",   "area",
                                                      "tags", "scope", "project"};
  Entries entries;
  bool row_level = false;
  for (size_t i = 1; i < close; ++i) {
    const size_t line = i + 1;
    const std::string trimmed = Trim(lines[i].text);
    if (trimmed.empty() || trimmed[0] == '#') continue;  // blank lines and YAML comments
    const size_t colon = trimmed.find(':');
    if (colon == std::string::npos) {
      problems.Add(line, "expected 'key: value' in the front matter");
      continue;
    }
    const std::string raw_key = Trim(std::string_view(trimmed).substr(0, colon));
    if (auto reason = RowLevelName(raw_key, "key")) {
      problems.Add(line, *reason);
      row_level = true;
      continue;
    }
    const std::string key = NormaliseColumnName(raw_key);
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      problems.Add(line, "unknown key '" + raw_key +
                             "'; expected id, title, kind, area, tags, scope or project");
      continue;
    }
    auto [it, inserted] =
        entries.emplace(key, Entry{Trim(std::string_view(trimmed).substr(colon + 1)), line});
    if (!inserted) {
      problems.Add(line, "key '" + key + "' is given twice (first on line " +
                             std::to_string(it->second.line) + ")");
    }
  }
  if (row_level) return std::nullopt;
  return entries;
}

}  // namespace

void ImportMarkdown(std::string_view text, ImportBatch& batch, Problems& problems) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  if (!CheckUtf8(text, problems)) return;
  const std::vector<Line> lines = SplitLines(text);
  if (lines.empty() || Trim(lines[0].text) != "---") {
    problems.Add(1, std::string(kShape));
    return;
  }
  size_t close = 1;
  while (close < lines.size() && Trim(lines[close].text) != "---") ++close;
  if (close == lines.size()) {
    problems.Add(1, "the front matter opened on line 1 is not closed by a line '---'");
    return;
  }
  std::optional<Entries> read = ReadFrontMatter(lines, close, problems);
  if (!read) return;
  const Entries& entries = *read;

  bool ok = true;
  for (const char* required : {"id", "title", "kind", "area"}) {
    if (!entries.contains(required)) {
      problems.Add(1, std::string(required) + " is missing from the front matter; it is required");
      ok = false;
    }
  }
  // The value of a rule applied to the key's value (an absent optional key reads as empty),
  // reported at the key's line; T{} for an absent required key, reported above.
  auto take = [&](const char* key, auto rule) {
    const auto it = entries.find(key);
    auto field = rule(it == entries.end() ? std::string() : it->second.value);
    using T = std::decay_t<decltype(field.value())>;
    if (field.ok()) return T(std::move(field).value());
    if (it != entries.end()) problems.Add(it->second.line, field.error().reason);
    ok = false;
    return T{};
  };
  LearningRecord l;
  l.line = 1;
  l.local_id = take("id", [](const std::string& v) { return Id(Unquote(v), "id"); });
  l.title = take("title", [](const std::string& v) { return Title(Unquote(v), "title"); });
  l.kind = take("kind", [](const std::string& v) { return KindOfLearning(Unquote(v)); });
  l.area = take("area", [](const std::string& v) { return Area(Unquote(v)); });
  l.tags = take("tags", [](const std::string& v) { return List(Tags(v), "tags", kMaxTagChars); });
  l.scope = take("scope", [](const std::string& v) { return ScopeOf(Unquote(v)); });
  const auto project = entries.find("project");
  if (project != entries.end() && !Unquote(project->second.value).empty()) {
    l.project = take("project", [](const std::string& v) { return Id(Unquote(v), "project"); });
  }
  auto body = LearningText(text.substr(lines[close].end));
  if (body.ok()) {
    l.text = std::move(body).value();
  } else {
    problems.Add(close + 2, body.error().reason);  // the line after the closing "---"
    ok = false;
  }
  if (ok) batch.learning.push_back(std::move(l));
}

}  // namespace lls::node::import_internal
