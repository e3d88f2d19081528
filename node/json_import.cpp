// The JSON import format (docs/import.md): {"projects": [...], "measures": [...],
// "learning": [...]} in any subset, or the legacy {"project": {...}, "measures": [...]}.
//
// nlohmann::json is used only here; its exceptions are caught in ParseDocument. It does not
// say where a value was in the text, so JsonLines scans the (already valid) text once more to
// find the line each top-level array element starts on, and the lines of the keys inside one
// element when a problem needs them.
#include <functional>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "node/import_internal.h"

namespace lls::node::import_internal {

namespace {

using nlohmann::json;

// Our formats nest four deep (/projects/0/change_ideas/0); anything far deeper is refused
// before it is walked, so no walk can exhaust the stack.
constexpr size_t kMaxJsonDepth = 16;

std::string EscapePointer(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

struct Pos {
  size_t offset = 0;
  size_t line = 0;
};

// Walks the valid JSON value at text[offset] (which is on line `line`), calling on_value for
// every value with its JSON pointer (below `base`), where it starts and whether it is an array
// element, down to `record_depth` levels, and on_duplicate for a key repeated in one object.
// Returns the deepest nesting seen, stopping early once it passes kMaxJsonDepth.
size_t ScanJson(std::string_view text, Pos start, const std::string& base, size_t record_depth,
                const std::function<void(const std::string&, Pos, bool)>& on_value,
                const std::function<void(const std::string&, size_t)>& on_duplicate) {
  struct Frame {
    bool array = false;
    bool expect_key = false;
    size_t index = 0;
    std::string pointer;
    std::string key;
    std::set<std::string> keys;
  };
  std::vector<Frame> stack;
  size_t pos = start.offset;
  size_t line = start.line;
  size_t deepest = 0;
  auto value_pointer = [&]() -> std::string {
    if (stack.empty()) return base;
    const Frame& top = stack.back();
    return top.pointer + "/" + (top.array ? std::to_string(top.index) : EscapePointer(top.key));
  };
  auto begin_value = [&]() -> std::string {
    if (stack.size() > record_depth) return std::string();
    std::string pointer = value_pointer();
    on_value(pointer, Pos{pos, line}, !stack.empty() && stack.back().array);
    return pointer;
  };
  do {
    while (pos < text.size() &&
           (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\r' || text[pos] == '\n')) {
      if (text[pos] == '\n') ++line;
      ++pos;
    }
    if (pos >= text.size()) break;
    const char c = text[pos];
    if (c == '{' || c == '[') {
      std::string pointer = begin_value();
      stack.push_back(Frame{c == '[', c == '{', 0, std::move(pointer), {}, {}});
      deepest = std::max(deepest, stack.size());
      if (deepest > kMaxJsonDepth) return deepest;
      ++pos;
    } else if (c == '}' || c == ']') {
      stack.pop_back();
      ++pos;
    } else if (c == ',') {
      if (stack.back().array) {
        ++stack.back().index;
      } else {
        stack.back().expect_key = true;
      }
      ++pos;
    } else if (c == ':') {
      stack.back().expect_key = false;
      ++pos;
    } else if (c == '"') {
      const size_t open = pos++;
      while (text[pos] != '"') pos += text[pos] == '\\' ? 2 : 1;
      ++pos;
      if (!stack.empty() && !stack.back().array && stack.back().expect_key) {
        const std::string_view raw = text.substr(open, pos - open);
        Frame& top = stack.back();
        top.key = raw.find('\\') == std::string_view::npos
                      ? std::string(raw.substr(1, raw.size() - 2))
                      : json::parse(raw).get<std::string>();
        if (stack.size() <= record_depth + 1 && !top.keys.insert(top.key).second) {
          on_duplicate(top.pointer + "/" + EscapePointer(top.key), line);
        }
      } else {
        const size_t at = pos;
        pos = open;
        begin_value();
        pos = at;
      }
    } else {  // a number, true, false or null
      begin_value();
      while (pos < text.size() &&
             std::string_view(",]} \t\r\n").find(text[pos]) == std::string_view::npos) {
        ++pos;
      }
    }
  } while (!stack.empty());
  return deepest;
}

// Where values start: the top-level keys' values and their array elements are found up
// front; deeper pointers by scanning one element again when asked.
class JsonLines {
 public:
  JsonLines(std::string_view text, Problems& problems) : text_(text) {
    depth_ = ScanJson(
        text, Pos{0, 1}, "", 2,
        [&](const std::string& pointer, Pos pos, bool in_array) {
          if (pointer.empty()) return;
          const size_t slash = pointer.find('/', 1);
          if (slash == std::string::npos) {
            top_[pointer] = pos;
          } else if (in_array) {
            elements_[pointer.substr(0, slash)].push_back(pos);
          } else {
            members_[pointer] = pos;
          }
        },
        [&](const std::string& pointer, size_t line) {
          problems.Add(line, pointer + ": the key is given twice");
        });
  }

  bool too_deep() const { return depth_ > kMaxJsonDepth; }

  // The line where the value at `pointer` starts, or of its nearest ancestor found.
  size_t LineOf(const std::string& pointer) const {
    const size_t second = pointer.find('/', 1);
    const std::string top = pointer.substr(0, second);
    auto top_it = top_.find(top);
    if (top_it == top_.end()) return 1;
    if (second == std::string::npos) return top_it->second.line;
    // Inside an array element (/measures/3/...) or the legacy project object (/project/...).
    const size_t third = pointer.find('/', second + 1);
    const std::string base = pointer.substr(0, third);
    const std::string segment = base.substr(second + 1);
    Pos from;
    auto elements = elements_.find(top);
    auto member = members_.find(base);
    if (elements != elements_.end() && !segment.empty() && segment.size() < 10 &&
        segment.find_first_not_of("0123456789") == std::string::npos &&
        std::stoul(segment) < elements->second.size()) {
      from = elements->second[std::stoul(segment)];
    } else if (member != members_.end()) {
      from = member->second;
    } else {
      return top_it->second.line;
    }
    if (third == std::string::npos) return from.line;
    size_t found = from.line;
    size_t found_length = 0;
    ScanJson(
        text_, from, base, 3,
        [&](const std::string& p, Pos pos, bool) {
          const bool ancestor = pointer.compare(0, p.size(), p) == 0 &&
                                (p.size() == pointer.size() || pointer[p.size()] == '/');
          if (ancestor && p.size() >= found_length) {
            found = pos.line;
            found_length = p.size();
          }
        },
        [](const std::string&, size_t) {});
    return found;
  }

 private:
  std::string_view text_;
  size_t depth_ = 0;
  std::map<std::string, Pos> top_;                    // "/measures" -> where its value starts
  std::map<std::string, std::vector<Pos>> elements_;  // "/measures" -> where each element starts
  std::map<std::string, Pos> members_;                // "/project/title" -> where it starts
};

// One JSON object being read into a record: reports unknown keys and wrong types, each at the
// line of the offending value, with its JSON pointer.
class Object {
 public:
  Object(const json& value, std::string pointer, const JsonLines& lines, Problems& problems)
      : value_(value), pointer_(std::move(pointer)), lines_(lines), problems_(problems) {}

  // Reports keys outside `allowed` (the record is still read, so its other problems are
  // reported too); false when the value is not an object at all.
  bool Check(std::initializer_list<std::string_view> allowed) {
    if (!value_.is_object()) {
      Fail(pointer_, "expected an object {...}");
      return false;
    }
    std::string names;
    for (std::string_view a : allowed) names += (names.empty() ? "" : ", ") + std::string(a);
    for (const auto& [key, unused] : value_.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        Fail(Child(key), "unknown key '" + key + "'; expected " + names);
      }
    }
    return true;
  }

  bool Has(const char* key) const { return value_.contains(key) && !value_[key].is_null(); }

  // The text at a required `key`, or nullopt after reporting it missing or not text.
  std::optional<std::string> Required(const char* key) {
    if (!Has(key)) {
      Fail(Child(key), std::string(key) + " is required");
      return std::nullopt;
    }
    if (!value_[key].is_string()) {
      Fail(Child(key), std::string(key) + " must be text");
      return std::nullopt;
    }
    return value_[key].get<std::string>();
  }

  // The text at `key` ("" when absent or null); reports a value that is not text.
  std::string Text(const char* key) {
    if (!Has(key)) return std::string();
    if (!value_[key].is_string()) {
      Fail(Child(key), std::string(key) + " must be text");
      return std::string();
    }
    return value_[key].get<std::string>();
  }

  // A whole number at `key`; `name` in the reason. Absent: `absent` (or required when nullopt).
  uint32_t Count(const char* key, std::optional<uint32_t> absent) {
    if (!Has(key)) {
      if (absent) return *absent;
      Fail(Child(key), std::string(key) + " is required");
      return 0;
    }
    const json& v = value_[key];
    if (v.is_number_unsigned() && v.get<uint64_t>() > kMaxCount) {
      return Take(key, CountNumber(static_cast<int64_t>(kMaxCount) + 1, key));
    }
    if (v.is_number_integer()) return Take(key, CountNumber(v.get<int64_t>(), key));
    if (v.is_number_float()) {
      Fail(Child(key), std::string(key) + " " + v.dump() + " must be a whole number");
    } else {
      Fail(Child(key), std::string(key) + " must be a whole number, not " + v.type_name());
    }
    return 0;
  }

  // A list of text at `key` (empty when absent or null).
  std::vector<std::string> Texts(const char* key) {
    std::vector<std::string> out;
    if (!Has(key)) return out;
    const json& v = value_[key];
    if (!v.is_array()) {
      Fail(Child(key), std::string(key) + " must be a list of text [\"...\", ...]");
      return out;
    }
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string()) {
        Fail(Child(key) + "/" + std::to_string(i), std::string(key) + " must hold only text");
        continue;
      }
      out.push_back(v[i].get<std::string>());
    }
    return out;
  }

  // The value of a field rule applied to `key`, or T{} after reporting.
  template <typename T>
  T Take(const char* key, Field<T> field) {
    if (field.ok()) return std::move(field).value();
    Fail(Child(key), field.error().reason);
    return T{};
  }

  bool ok() const { return ok_; }
  size_t line() const { return lines_.LineOf(pointer_); }

 private:
  std::string Child(std::string_view key) const { return pointer_ + "/" + EscapePointer(key); }

  void Fail(const std::string& pointer, const std::string& reason) {
    ok_ = false;
    problems_.Add(lines_.LineOf(pointer), pointer + ": " + reason);
  }

  const json& value_;
  std::string pointer_;
  const JsonLines& lines_;
  Problems& problems_;
  bool ok_ = true;
};

void ReadProject(Object o, ImportBatch& batch) {
  if (!o.Check(
          {"id", "title", "area", "aim", "change_ideas", "pdsa_cycles", "stage", "start_month"})) {
    return;
  }
  ProjectRecord p;
  p.line = o.line();
  if (auto id = o.Required("id")) p.local_id = o.Take("id", Id(*id, "id"));
  if (auto title = o.Required("title")) p.title = o.Take("title", Title(*title, "title"));
  if (auto area = o.Required("area")) p.area = o.Take("area", Area(*area));
  p.aim = o.Take("aim", OptionalText(o.Text("aim"), "aim", kMaxAimChars));
  p.change_ideas =
      o.Take("change_ideas", List(o.Texts("change_ideas"), "change_ideas", kMaxListItemChars));
  p.pdsa_cycles = o.Count("pdsa_cycles", 0u);
  p.stage = o.Take("stage", Stage(o.Text("stage")));
  p.start_month = o.Take("start_month", Month(o.Text("start_month"), "start_month", false));
  if (o.ok()) batch.projects.push_back(std::move(p));
}

// `default_project`: the legacy form's project id, used when a row names none.
void ReadMeasure(Object o, const std::optional<std::string>& default_project,
                 const MeasureCatalogue& catalogue, std::vector<CountRecord>& counts) {
  if (!o.Check({"project", "code", "period", "numerator", "denominator"})) return;
  CountRecord c;
  c.line = o.line();
  if (default_project && !o.Has("project")) {
    c.project = *default_project;
  } else if (auto project = o.Required("project")) {
    c.project = o.Take("project", Id(*project, "project"));
  }
  if (auto code = o.Required("code"))
    c.measure_code = o.Take("code", MeasureCode(*code, catalogue));
  if (auto period = o.Required("period")) {
    c.period = o.Take("period", Month(*period, "period", true));
  }
  c.numerator = o.Count("numerator", std::nullopt);
  c.denominator = o.Count("denominator", std::nullopt);
  if (!o.ok()) return;
  if (c.numerator > c.denominator) {
    o.Take("numerator", Field<uint32_t>(FieldError{"numerator " + std::to_string(c.numerator) +
                                                   " is larger than denominator " +
                                                   std::to_string(c.denominator)}));
    return;
  }
  counts.push_back(std::move(c));
}

void ReadLearning(Object o, ImportBatch& batch) {
  if (!o.Check({"id", "title", "kind", "area", "tags", "text", "scope", "project"})) return;
  LearningRecord l;
  l.line = o.line();
  if (auto id = o.Required("id")) l.local_id = o.Take("id", Id(*id, "id"));
  if (auto title = o.Required("title")) l.title = o.Take("title", Title(*title, "title"));
  if (auto kind = o.Required("kind")) l.kind = o.Take("kind", KindOfLearning(*kind));
  if (auto area = o.Required("area")) l.area = o.Take("area", Area(*area));
  l.tags = o.Take("tags", List(o.Texts("tags"), "tags", kMaxTagChars));
  l.text = o.Take("text", LearningText(o.Text("text")));
  l.scope = o.Take("scope", ScopeOf(o.Text("scope")));
  if (!Trim(o.Text("project")).empty()) {
    l.project = o.Take("project", Id(o.Text("project"), "project"));
  }
  if (o.ok()) batch.learning.push_back(std::move(l));
}

// Parses with nlohmann::json; a syntax error becomes a problem at its line and column.
std::optional<json> ParseDocument(std::string_view text, Problems& problems) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    const size_t at = std::min<size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    size_t line = 1;
    size_t column = 1;
    for (size_t i = 0; i < at; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
        ++column;
      }
    }
    // "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error ...":
    // keep what follows the position, which we report ourselves.
    std::string what = e.what();
    const size_t colon = what.find(": ", what.find("column"));
    if (colon != std::string::npos) what = what.substr(colon + 2);
    problems.Add(line, "not valid JSON: " + what, column);
  } catch (const json::exception& e) {
    problems.Add(0, std::string("not valid JSON: ") + e.what());
  }
  return std::nullopt;
}

// Reports every key, at any depth, that names per-patient data. The depth is bounded already.
bool FindRowLevel(const json& value, const std::string& pointer, const JsonLines& lines,
                  Problems& problems) {
  bool found = false;
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      const std::string child_pointer = pointer + "/" + EscapePointer(key);
      if (auto reason = RowLevelName(key, "key")) {
        problems.Add(lines.LineOf(child_pointer), child_pointer + ": " + *reason);
        found = true;
      }
      found = FindRowLevel(child, child_pointer, lines, problems) || found;
    }
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      found = FindRowLevel(value[i], pointer + "/" + std::to_string(i), lines, problems) || found;
    }
  }
  return found;
}

}  // namespace

void ImportJson(std::string_view text, const MeasureCatalogue& catalogue, ImportBatch& batch,
                Problems& problems) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::optional<json> parsed = ParseDocument(text, problems);
  if (!parsed) return;
  const json& doc = *parsed;
  const JsonLines lines(text, problems);
  if (lines.too_deep()) {
    problems.Add(0, "nested more than " + std::to_string(kMaxJsonDepth) + " levels deep");
    return;
  }
  if (FindRowLevel(doc, "", lines, problems)) return;

  if (!doc.is_object()) {
    problems.Add(1,
                 "expected an object {\"projects\": [...], \"measures\": [...], "
                 "\"learning\": [...]}");
    return;
  }
  Object top(doc, "", lines, problems);
  if (!top.Check({"projects", "measures", "learning", "project"})) return;
  if (doc.contains("project") && doc.contains("projects")) {
    problems.Add(lines.LineOf("/project"),
                 "/project: give either one \"project\" (the single-project form) or a list of "
                 "\"projects\", not both");
    return;
  }

  std::optional<std::string> default_project;
  if (doc.contains("project")) {
    // Rows naming no project belong to this one (when it is broken, its own problems are
    // reported and the rows get an empty project).
    const size_t before = batch.projects.size();
    ReadProject(Object(doc["project"], "/project", lines, problems), batch);
    default_project = batch.projects.size() > before ? batch.projects.back().local_id : "";
  }
  auto each = [&](const char* key, const std::function<void(Object)>& read) {
    if (!doc.contains(key)) return;
    const std::string pointer = std::string("/") + key;
    const json& list = doc[key];
    if (!list.is_array()) {
      problems.Add(lines.LineOf(pointer), pointer + ": expected a list [...]");
      return;
    }
    for (size_t i = 0; i < list.size(); ++i) {
      read(Object(list[i], pointer + "/" + std::to_string(i), lines, problems));
    }
  };
  std::vector<CountRecord> counts;
  each("projects", [&](Object o) { ReadProject(std::move(o), batch); });
  each("measures",
       [&](Object o) { ReadMeasure(std::move(o), default_project, catalogue, counts); });
  each("learning", [&](Object o) { ReadLearning(std::move(o), batch); });
  CheckCounts(counts, problems);
  CheckUniqueIds(batch, problems);
  batch.counts = std::move(counts);
}

}  // namespace lls::node::import_internal
