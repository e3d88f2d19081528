#include "node/csv.h"

#include <cstdio>
#include <map>

namespace lls::node {

namespace {

std::string Hex(unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", b);
  return buf;
}

// One pass over the text; see csv.h for the grammar accepted.
class Reader {
 public:
  Reader(std::string_view text, const CsvLimits& limits) : text_(text), limits_(limits) {}

  CsvDocument Run() {
    if (text_.size() >= 2 && ((text_[0] == '\xFF' && text_[1] == '\xFE') ||
                              (text_[0] == '\xFE' && text_[1] == '\xFF'))) {
      doc_.errors.push_back({0, 0, "the file is UTF-16; save it as \"CSV UTF-8\""});
      return std::move(doc_);
    }
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
    while (!done_ && pos_ < text_.size()) {
      if (AtLineBreak()) {  // a blank line
        SkipLineBreak();
        continue;
      }
      ReadRow();
    }
    return std::move(doc_);
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }
  bool AtLineBreak() const { return !AtEnd() && (Peek() == '\n' || Peek() == '\r'); }
  bool AtFieldEnd() const { return AtEnd() || Peek() == ',' || AtLineBreak(); }

  void SkipLineBreak() {
    if (Peek() == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
    column_ = 1;
  }

  void Error(size_t line, size_t column, std::string reason) {
    row_bad_ = true;
    doc_.errors.push_back({line, column, std::move(reason)});
  }

  void ReadRow() {
    CsvRow row;
    row.line = line_;
    row_bad_ = false;
    bool too_many_reported = false;
    while (true) {
      const size_t start_line = line_;
      const size_t start_column = column_;
      std::string field = ReadField();
      if (done_) return;
      if (row.fields.size() < limits_.max_fields_per_row) {
        row.fields.push_back(std::move(field));
      } else if (!too_many_reported) {
        too_many_reported = true;
        Error(start_line, start_column,
              "more than " + std::to_string(limits_.max_fields_per_row) + " fields in one row");
      }
      if (AtEnd()) break;
      if (Peek() == ',') {
        ++pos_;
        ++column_;
        continue;
      }
      SkipLineBreak();
      break;
    }
    if (!row_bad_) doc_.rows.push_back(std::move(row));
  }

  // Appends the character at pos_ (a whole UTF-8 sequence) to `out` unless the field is
  // already over the limit; reports bad UTF-8 once per field.
  void TakeChar(std::string& out, bool& field_bad) {
    const size_t len = Utf8CharLength(text_, pos_);
    if (len == 0) {
      if (!field_bad) {
        field_bad = true;
        Error(line_, column_,
              "invalid UTF-8 (byte " + Hex(static_cast<unsigned char>(Peek())) +
                  "); save the file as \"CSV UTF-8\"");
      }
      ++pos_;
      ++column_;
      return;
    }
    Append(out, text_.substr(pos_, len), field_bad);
    pos_ += len;
    ++column_;
  }

  void Append(std::string& out, std::string_view bytes, bool& field_bad) {
    if (out.size() + bytes.size() > limits_.max_field_bytes) {
      if (!field_bad) {
        field_bad = true;
        Error(field_line_, field_column_,
              "field longer than " + std::to_string(limits_.max_field_bytes) + " bytes");
      }
      return;
    }
    out.append(bytes);
  }

  std::string ReadField() {
    // Spaces or tabs before an opening quote are not part of the field.
    size_t ahead = pos_;
    while (ahead < text_.size() && (text_[ahead] == ' ' || text_[ahead] == '\t')) ++ahead;
    if (ahead < text_.size() && text_[ahead] == '"') {
      column_ += ahead - pos_;
      pos_ = ahead;
      return ReadQuoted();
    }
    return ReadUnquoted();
  }

  std::string ReadUnquoted() {
    std::string out;
    bool field_bad = false;
    field_line_ = line_;
    field_column_ = column_;
    while (!AtFieldEnd()) {
      if (Peek() == '"' && !field_bad) {
        field_bad = true;
        Error(line_, column_,
              "a quote inside an unquoted field; put the whole field in quotes and double "
              "each quote inside it (\"\")");
      }
      TakeChar(out, field_bad);
    }
    return out;
  }

  std::string ReadQuoted() {
    std::string out;
    bool field_bad = false;
    field_line_ = line_;
    field_column_ = column_;
    ++pos_;  // the opening quote
    ++column_;
    while (true) {
      if (AtEnd()) {
        Error(field_line_, field_column_,
              "quoted field opened here is not closed before the end of the file");
        done_ = true;
        return out;
      }
      const char c = Peek();
      if (c == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          Append(out, "\"", field_bad);
          pos_ += 2;
          column_ += 2;
          continue;
        }
        ++pos_;
        ++column_;
        break;
      }
      if (c == '\r' || c == '\n') {
        Append(out, "\n", field_bad);
        SkipLineBreak();
        continue;
      }
      TakeChar(out, field_bad);
    }
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t')) {
      ++pos_;
      ++column_;
    }
    if (!AtFieldEnd()) {
      Error(line_, column_,
            "text after the closing quote of a quoted field; a quote inside a quoted field is "
            "written twice (\"\")");
      std::string ignored;
      bool ignored_bad = true;
      while (!AtFieldEnd()) TakeChar(ignored, ignored_bad);
    }
    return out;
  }

  std::string_view text_;
  const CsvLimits& limits_;
  CsvDocument doc_;
  size_t pos_ = 0;
  size_t line_ = 1;
  size_t column_ = 1;
  size_t field_line_ = 1;
  size_t field_column_ = 1;
  bool row_bad_ = false;
  bool done_ = false;  // an unterminated quote swallowed the rest of the file
};

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t') return false;
  }
  return true;
}

std::string Trim(std::string_view s) {
  const char* kSpace = " \t\r\n";
  const size_t first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return "";
  const size_t last = s.find_last_not_of(kSpace);
  return std::string(s.substr(first, last - first + 1));
}

}  // namespace

size_t Utf8CharLength(std::string_view text, size_t pos) {
  if (pos >= text.size()) return 0;
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[pos + i]); };
  const unsigned char b0 = byte(0);
  if (b0 < 0x80) return 1;
  size_t len = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (pos + len > text.size()) return 0;
  if (byte(1) < lo || byte(1) > hi) return 0;
  for (size_t i = 2; i < len; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return len;
}

std::string CsvError::ToString() const {
  if (line == 0) return reason;
  std::string out = std::to_string(line);
  if (column != 0) out += ":" + std::to_string(column);
  return out + ": " + reason;
}

CsvDocument ParseCsv(std::string_view text, const CsvLimits& limits) {
  if (text.size() > limits.max_file_bytes) {
    CsvDocument doc;
    doc.errors.push_back({0, 0,
                          "the file is " + std::to_string(text.size()) + " bytes; the limit is " +
                              std::to_string(limits.max_file_bytes)});
    return doc;
  }
  return Reader(text, limits).Run();
}

std::string NormaliseColumnName(std::string_view name) {
  const std::string trimmed = Trim(name);
  std::string out;
  bool pending_separator = false;
  for (char c : trimmed) {
    if (c == ' ' || c == '\t' || c == '-' || c == '_') {
      pending_separator = true;
      continue;
    }
    if (pending_separator && !out.empty()) out.push_back('_');
    pending_separator = false;
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

int CsvTable::Find(std::string_view column) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == column) return static_cast<int>(i);
  }
  return -1;
}

CsvTable ReadCsvTable(std::string_view text, const CsvLimits& limits) {
  CsvDocument doc = ParseCsv(text, limits);
  CsvTable table;
  table.errors = std::move(doc.errors);
  std::vector<CsvRow> rows;
  for (CsvRow& row : doc.rows) {
    bool blank = true;
    for (const std::string& field : row.fields) blank = blank && IsBlank(field);
    if (!blank) rows.push_back(std::move(row));
  }
  if (rows.empty()) {
    // A header row with a syntax problem is reported already; otherwise the file is empty.
    if (table.errors.empty()) table.errors.push_back({0, 0, "no header row: the file is empty"});
    return table;
  }
  // The header must be the first row of the file: if a row before it was broken, the first
  // clean row is data, not a header.
  const bool header_broken = !table.errors.empty() && table.errors.front().line != 0 &&
                             table.errors.front().line <= rows.front().line;
  if (header_broken) return table;

  const CsvRow& header = rows.front();
  table.header_line = header.line;
  std::map<std::string, size_t> seen;  // normalised name -> 1-based column
  for (size_t i = 0; i < header.fields.size(); ++i) {
    table.names.push_back(Trim(header.fields[i]));
    table.columns.push_back(NormaliseColumnName(header.fields[i]));
    const std::string& column = table.columns.back();
    if (column.empty()) {
      table.errors.push_back(
          {header.line, 0, "column " + std::to_string(i + 1) + " of the header has no name"});
      continue;
    }
    auto [it, inserted] = seen.emplace(column, i + 1);
    if (!inserted) {
      table.errors.push_back({header.line, 0,
                              "columns " + std::to_string(it->second) + " ('" +
                                  table.names[it->second - 1] + "') and " + std::to_string(i + 1) +
                                  " ('" + table.names.back() + "') are both '" + column + "'"});
    }
  }
  for (size_t r = 1; r < rows.size(); ++r) {
    if (rows[r].fields.size() != header.fields.size()) {
      table.errors.push_back({rows[r].line, 0,
                              "the row has " + std::to_string(rows[r].fields.size()) +
                                  " fields; the header has " +
                                  std::to_string(header.fields.size())});
      continue;
    }
    table.rows.push_back(std::move(rows[r]));
  }
  return table;
}

}  // namespace lls::node
