// CSV reader: RFC 4180 quoting, line ends, BOM, blank lines, line numbers of rows; every
// syntax error with its line and column, reading carrying on after it; the limits; headers.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "node/csv.h"

namespace lls::node {
namespace {

using Fields = std::vector<std::string>;

std::vector<Fields> FieldsOf(const CsvDocument& doc) {
  std::vector<Fields> out;
  for (const CsvRow& row : doc.rows) out.push_back(row.fields);
  return out;
}

std::vector<size_t> LinesOf(const CsvDocument& doc) {
  std::vector<size_t> out;
  for (const CsvRow& row : doc.rows) out.push_back(row.line);
  return out;
}

std::vector<std::string> ErrorsOf(const std::vector<CsvError>& errors) {
  std::vector<std::string> out;
  for (const CsvError& e : errors) out.push_back(e.ToString());
  return out;
}

TEST_CASE("plain rows are split on commas and carry their line numbers", "[csv]") {
  const CsvDocument doc = ParseCsv("a,b,c\n1,2,3\n");
  REQUIRE(doc.ok());
  CHECK(FieldsOf(doc) == std::vector<Fields>{{"a", "b", "c"}, {"1", "2", "3"}});
  CHECK(LinesOf(doc) == std::vector<size_t>{1, 2});
}

TEST_CASE("empty fields, a trailing comma and a missing final line break", "[csv]") {
  const CsvDocument doc = ParseCsv("a,,c,\n,x");
  REQUIRE(doc.ok());
  CHECK(FieldsOf(doc) == std::vector<Fields>{{"a", "", "c", ""}, {"", "x"}});
}

TEST_CASE("quoted fields hold commas, doubled quotes and line breaks", "[csv]") {
  const CsvDocument doc = ParseCsv(
      "id,title\n1,\"Screening, booking and the \"\"opt-out\"\" offer\"\n"
      "2,\"two\nlines\"\n3,\"\"\n4,end\n");
  REQUIRE(doc.ok());
  CHECK(FieldsOf(doc) == std::vector<Fields>{{"id", "title"},
                                             {"1", "Screening, booking and the \"opt-out\" offer"},
                                             {"2", "two\nlines"},
                                             {"3", ""},
                                             {"4", "end"}});
  // The row after a two-line field starts two lines later.
  CHECK(LinesOf(doc) == std::vector<size_t>{1, 2, 3, 5, 6});
}

TEST_CASE("CRLF, LF and a lone CR all end a line, a break inside quotes reads as a newline", "[csv]") {
  const CsvDocument doc = ParseCsv("a,b\r\n1,\"x\r\ny\"\r\n2,z\r3,w\n");
  REQUIRE(doc.ok());
  CHECK(FieldsOf(doc) == std::vector<Fields>{{"a", "b"}, {"1", "x\ny"}, {"2", "z"}, {"3", "w"}});
  CHECK(LinesOf(doc) == std::vector<size_t>{1, 2, 4, 5});
}

TEST_CASE("a UTF-8 byte-order mark is dropped", "[csv]") {
  const CsvDocument doc = ParseCsv("\xEF\xBB\xBFproject,title\r\nA,Caf\xC3\xA9\r\n");
  REQUIRE(doc.ok());
  CHECK(FieldsOf(doc) == std::vector<Fields>{{"project", "title"}, {"A", "Caf\xC3\xA9"}});
}

TEST_CASE("blank lines are skipped but still counted", "[csv]") {
  const CsvDocument doc = ParseCsv("\na,b\n\n\r\n1,2\n\n");
  REQUIRE(doc.ok());
  CHECK(FieldsOf(doc) == std::vector<Fields>{{"a", "b"}, {"1", "2"}});
  CHECK(LinesOf(doc) == std::vector<size_t>{2, 5});
}

TEST_CASE("spaces around a quoted field are ignored, inside an unquoted one they are kept",
          "[csv]") {
  const CsvDocument doc = ParseCsv("a , \"b, c\" ,d\n");
  REQUIRE(doc.ok());
  CHECK(FieldsOf(doc) == std::vector<Fields>{{"a ", "b, c", "d"}});
}

TEST_CASE("an unterminated quote is reported where it opened and ends reading", "[csv]") {
  const CsvDocument doc = ParseCsv("a,b\n1,2\n3,\"never closed\n4,5\n");
  CHECK(FieldsOf(doc) == std::vector<Fields>{{"a", "b"}, {"1", "2"}});
  CHECK(ErrorsOf(doc.errors) ==
        std::vector<std::string>{
            "3:3: quoted field opened here is not closed before the end of the file"});
}

TEST_CASE("a stray quote is reported at its column, the row is left out, reading goes on",
          "[csv]") {
  const CsvDocument doc = ParseCsv("a,b\nx,5\" wide\ny,z\n");
  CHECK(FieldsOf(doc) == std::vector<Fields>{{"a", "b"}, {"y", "z"}});
  REQUIRE(doc.errors.size() == 1);
  CHECK(doc.errors[0].line == 2);
  CHECK(doc.errors[0].column == 4);
  CHECK(doc.errors[0].reason.find("quote inside an unquoted field") != std::string::npos);
}

TEST_CASE("text after a closing quote is refused", "[csv]") {
  const CsvDocument doc = ParseCsv("\"ab\"c,d\nok,1\n");
  CHECK(FieldsOf(doc) == std::vector<Fields>{{"ok", "1"}});
  REQUIRE(doc.errors.size() == 1);
  CHECK(doc.errors[0].line == 1);
  CHECK(doc.errors[0].column == 5);
  CHECK(doc.errors[0].reason.find("after the closing quote") != std::string::npos);
}

TEST_CASE("invalid UTF-8 is reported with its line and character column", "[csv]") {
  // Windows-1252 from Excel's plain "CSV": 0xA3 is a pound sign there. The column counts
  // characters, so the two-byte e-acute before it counts once.
  const CsvDocument doc = ParseCsv(
      "a,b\n\xC3\xA9,\xA3"
      "5\nc,d\n");
  CHECK(FieldsOf(doc) == std::vector<Fields>{{"a", "b"}, {"c", "d"}});
  CHECK(ErrorsOf(doc.errors) ==
        std::vector<std::string>{"2:3: invalid UTF-8 (byte 0xA3); save the file as \"CSV UTF-8\""});
}

TEST_CASE("overlong forms, surrogates and truncated sequences are not UTF-8", "[csv]") {
  for (const std::string bad :
       {"\xC0\xAF", "\xED\xA0\x80", "\xE2\x82", "\xF4\x90\x80\x80", "\xFF"}) {
    INFO(bad.size());
    const CsvDocument doc = ParseCsv("x," + bad + "\n");
    REQUIRE(doc.errors.size() == 1);
    CHECK(doc.errors[0].column == 3);
  }
  CHECK(Utf8CharLength("\xF0\x9F\x98\x80", 0) == 4);  // an emoji is fine
  CHECK(Utf8CharLength("a", 1) == 0);
}

TEST_CASE("every broken row is reported, not just the first", "[csv]") {
  const CsvDocument doc = ParseCsv("a,b\nx\"1,2\ny,\xFF\nok,ok\nz,\"q\"w\n");
  CHECK(FieldsOf(doc) == std::vector<Fields>{{"a", "b"}, {"ok", "ok"}});
  REQUIRE(doc.errors.size() == 3);
  CHECK(doc.errors[0].line == 2);
  CHECK(doc.errors[1].line == 3);
  CHECK(doc.errors[2].line == 5);
}

TEST_CASE("a UTF-16 file is refused with what to do", "[csv]") {
  const CsvDocument doc =
      ParseCsv(std::string("\xFF\xFE"
                           "a\0,\0b\0",
                           8));
  CHECK(doc.rows.empty());
  CHECK(ErrorsOf(doc.errors) ==
        std::vector<std::string>{"the file is UTF-16; save it as \"CSV UTF-8\""});
}

TEST_CASE("the limits: file size, field size, fields per row", "[csv]") {
  CsvLimits limits;
  limits.max_file_bytes = 10;
  limits.max_field_bytes = 4;
  limits.max_fields_per_row = 3;

  CsvDocument doc = ParseCsv("01234567890", limits);
  CHECK(ErrorsOf(doc.errors) == std::vector<std::string>{"the file is 11 bytes; the limit is 10"});

  limits.max_file_bytes = 1000;
  doc = ParseCsv("abcd,\"ab\"\"c\"\nabcde,x\n\"abc\n\n\",y\nz\n", limits);
  CHECK(FieldsOf(doc) == std::vector<Fields>{{"abcd", "ab\"c"}, {"z"}});
  CHECK(ErrorsOf(doc.errors) == std::vector<std::string>{"2:1: field longer than 4 bytes",
                                                         "3:1: field longer than 4 bytes"});

  doc = ParseCsv("a,b,c\na,b,c,d,e\n", limits);
  CHECK(FieldsOf(doc) == std::vector<Fields>{{"a", "b", "c"}});
  CHECK(ErrorsOf(doc.errors) == std::vector<std::string>{"2:7: more than 3 fields in one row"});
}

TEST_CASE("column names are normalised for matching", "[csv]") {
  CHECK(NormaliseColumnName("  Start Month ") == "start_month");
  CHECK(NormaliseColumnName("Change-Ideas") == "change_ideas");
  CHECK(NormaliseColumnName("PDSA  cycles") == "pdsa_cycles");
  CHECK(NormaliseColumnName("pdsa__cycles") == "pdsa_cycles");
  CHECK(NormaliseColumnName("-Numerator-") == "numerator");
  CHECK(NormaliseColumnName("") == "");
}

TEST_CASE("a table: header names and normalised columns, rows with their lines", "[csv]") {
  const CsvTable table = ReadCsvTable("Project, Start Month\n\nA,2026-01\n,\n B ,2026-02\n");
  REQUIRE(table.ok());
  CHECK(table.header_line == 1);
  CHECK(table.names == Fields{"Project", "Start Month"});
  CHECK(table.columns == Fields{"project", "start_month"});
  CHECK(table.Find("start_month") == 1);
  CHECK(table.Find("title") == -1);
  REQUIRE(table.rows.size() == 2);  // the all-blank row "," is skipped
  CHECK(table.rows[0].line == 3);
  CHECK(table.rows[1].line == 5);
  CHECK(table.rows[1].fields == Fields{" B ", "2026-02"});
}

TEST_CASE("a table refuses duplicate or empty column names and ragged rows", "[csv]") {
  CsvTable table = ReadCsvTable("Period,numerator,PERIOD\nx,1,y\n");
  CHECK(ErrorsOf(table.errors) ==
        std::vector<std::string>{"1: columns 1 ('Period') and 3 ('PERIOD') are both 'period'"});

  table = ReadCsvTable("a,,b\n1,2,3\n");
  CHECK(ErrorsOf(table.errors) ==
        std::vector<std::string>{"1: column 2 of the header has no name"});

  table = ReadCsvTable("a,b\n1\n1,2\n1,2,3\n");
  CHECK(ErrorsOf(table.errors) ==
        std::vector<std::string>{"2: the row has 1 fields; the header has 2",
                                 "4: the row has 3 fields; the header has 2"});
  REQUIRE(table.rows.size() == 1);
  CHECK(table.rows[0].line == 3);
}

TEST_CASE("an empty file has no header, a broken header is not replaced by the next row", "[csv]") {
  CHECK(ErrorsOf(ReadCsvTable("").errors) ==
        std::vector<std::string>{"no header row: the file is empty"});
  CHECK(ErrorsOf(ReadCsvTable("\n\n,,\n").errors) ==
        std::vector<std::string>{"no header row: the file is empty"});
  const CsvTable table = ReadCsvTable("a,b\"\n1,2\n");
  CHECK(table.header_line == 0);
  CHECK(table.rows.empty());
  REQUIRE(table.errors.size() == 1);
  CHECK(table.errors[0].line == 1);
}

TEST_CASE("CsvError::ToString names line and column when known", "[csv]") {
  CHECK(CsvError{12, 5, "bad"}.ToString() == "12:5: bad");
  CHECK(CsvError{12, 0, "bad"}.ToString() == "12: bad");
  CHECK(CsvError{0, 0, "bad"}.ToString() == "bad");
}

}  // namespace
}  // namespace lls::node
