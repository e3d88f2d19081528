// CSV reader (RFC 4180, as Excel and most exports write it) for files a trust imports.
//
// Accepted: quoted fields with doubled quotes ("" -> "), commas and line breaks inside quotes,
// CRLF, LF or a lone CR as line ends, UTF-8 with or without a byte-order mark (dropped), an
// optional final line break. Blank lines are skipped. Spaces or tabs around a quoted field
// ( , "a, b" ,) are ignored; spaces inside an unquoted field are kept (callers trim). A line
// break inside a quoted field is returned as "\n" whatever the file used.
//
// Problems are collected, not thrown and not stopped at: every broken row is reported with the
// line and column (1-based, in characters) where it goes wrong, and reading carries on with
// the next field. Only two problems end reading: a file over the size cap (checked before
// anything is read) and a quoted field still open at the end of the file. A row with any
// problem is left out of `rows`, so callers never see half-read values.
//
// Limits (CsvLimits) stop a hostile or mistaken file from taking the node's memory: the file
// size, each field's size, and the number of fields in a row.
//
// Pure functions over a string; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lls::node {

struct CsvLimits {
  size_t max_file_bytes = 50u << 20;   // 50 MiB
  size_t max_field_bytes = 64u << 10;  // 64 KiB, after unquoting
  size_t max_fields_per_row = 1000;
};

struct CsvError {
  size_t line = 0;    // 1-based; 0 = the whole file
  size_t column = 0;  // 1-based character column; 0 = the whole line
  std::string reason;
  // "12:5: reason", "12: reason" or "reason".
  std::string ToString() const;
};

struct CsvRow {
  size_t line = 0;  // 1-based line where the row starts
  std::vector<std::string> fields;
};

// The rows that were read cleanly and every problem found. Nothing in `rows` is trustworthy as
// a whole file unless `errors` is empty: callers that import all-or-nothing check ok().
struct CsvDocument {
  std::vector<CsvRow> rows;
  std::vector<CsvError> errors;
  bool ok() const { return errors.empty(); }
};

CsvDocument ParseCsv(std::string_view text, const CsvLimits& limits = {});

// Byte length of the well-formed UTF-8 character (RFC 3629: no overlong forms, no surrogates,
// at most U+10FFFF) at text[pos], or 0 when there is none there. Shared with the importers.
size_t Utf8CharLength(std::string_view text, size_t pos);

// "  Start Month " -> "start_month", "Change-Ideas" -> "change_ideas": trimmed, ASCII
// lower-case, each run of spaces, tabs, hyphens or underscores -> one underscore.
std::string NormaliseColumnName(std::string_view name);

// A CSV file whose first non-blank row names the columns.
struct CsvTable {
  size_t header_line = 0;
  std::vector<std::string> names;    // as written (trimmed)
  std::vector<std::string> columns;  // NormaliseColumnName(names[i])
  std::vector<CsvRow> rows;          // data rows with exactly columns.size() fields
  std::vector<CsvError> errors;
  bool ok() const { return errors.empty(); }
  // Index of a normalised column name, or -1.
  int Find(std::string_view column) const;
};

// ParseCsv, then: the first row is the header. Refused (in `errors`): a file with no header,
// an empty column name, two columns with the same normalised name, a data row whose number of
// fields differs from the header's. Rows whose fields are all blank (Excel leaves these where
// rows were cleared) are skipped like blank lines.
CsvTable ReadCsvTable(std::string_view text, const CsvLimits& limits = {});

}  // namespace lls::node
