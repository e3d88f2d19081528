// The two CSV import formats (docs/import.md): monthly measure counts and project details,
// told apart by their header.
#include <algorithm>
#include <array>

#include "node/csv.h"
#include "node/import_internal.h"

namespace lls::node::import_internal {

namespace {

constexpr std::array<std::string_view, 5> kCountColumns = {"project", "measure", "period",
                                                           "numerator", "denominator"};
constexpr std::array<std::string_view, 8> kProjectColumns = {
    "project", "title", "area", "aim", "change_ideas", "pdsa_cycles", "stage", "start_month"};
constexpr std::array<std::string_view, 3> kProjectRequired = {"project", "title", "area"};

template <typename List>
bool In(const List& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

template <typename List>
std::string Join(const List& list) {
  std::string out;
  for (std::string_view item : list) out += (out.empty() ? "" : ", ") + std::string(item);
  return out;
}

// Reports columns the format does not have and columns it needs; true when the header fits.
template <typename All, typename Required>
bool CheckColumns(const CsvTable& table, const All& all, const Required& required,
                  const std::string& format, Problems& problems) {
  std::vector<std::string> extra;
  for (size_t i = 0; i < table.columns.size(); ++i) {
    if (!In(all, table.columns[i])) extra.push_back("'" + table.names[i] + "'");
  }
  std::vector<std::string> missing;
  for (std::string_view column : required) {
    if (table.Find(column) < 0) missing.push_back("'" + std::string(column) + "'");
  }
  const std::string expected =
      format + " has the columns " + Join(all) +
      (all.size() == required.size() ? "" : " (required: " + Join(required) + ")");
  if (!extra.empty()) {
    problems.Add(table.header_line,
                 std::string(extra.size() == 1 ? "unexpected column " : "unexpected columns ") +
                     Join(extra) + "; a " + expected);
  }
  if (!missing.empty()) {
    problems.Add(table.header_line,
                 std::string(missing.size() == 1 ? "missing column " : "missing columns ") +
                     Join(missing) + "; a " + expected);
  }
  return extra.empty() && missing.empty();
}

// A row's fields by normalised column name.
class Row {
 public:
  Row(const CsvTable& table, const CsvRow& row, Problems& problems)
      : table_(table), row_(row), problems_(problems) {}

  std::string_view Get(std::string_view column) const {
    const int i = table_.Find(column);
    return i < 0 ? std::string_view() : std::string_view(row_.fields[i]);
  }

  // The value, or T{} after reporting the problem at this row's line.
  template <typename T>
  T Take(Field<T> field) {
    if (field.ok()) return std::move(field).value();
    problems_.Add(row_.line, field.error().reason);
    ok_ = false;
    return T{};
  }

  bool ok() const { return ok_; }
  size_t line() const { return row_.line; }

 private:
  const CsvTable& table_;
  const CsvRow& row_;
  Problems& problems_;
  bool ok_ = true;
};

void ReadCounts(const CsvTable& table, const MeasureCatalogue& catalogue, ImportBatch& batch,
                Problems& problems) {
  std::vector<CountRecord> counts;
  for (const CsvRow& csv_row : table.rows) {
    Row row(table, csv_row, problems);
    CountRecord c;
    c.line = row.line();
    c.project = row.Take(Id(row.Get("project"), "project"));
    c.measure_code = row.Take(MeasureCode(row.Get("measure"), catalogue));
    c.period = row.Take(Month(row.Get("period"), "period", /*required=*/true));
    const Field<uint32_t> numerator = CountText(row.Get("numerator"), "numerator");
    const Field<uint32_t> denominator = CountText(row.Get("denominator"), "denominator");
    c.numerator = row.Take(numerator);
    c.denominator = row.Take(denominator);
    if (numerator.ok() && denominator.ok() && c.numerator > c.denominator) {
      problems.Add(c.line, "numerator " + std::to_string(c.numerator) +
                               " is larger than denominator " + std::to_string(c.denominator));
      continue;
    }
    if (row.ok()) counts.push_back(std::move(c));
  }
  CheckCounts(counts, problems);
  batch.counts = std::move(counts);
}

void ReadProjects(const CsvTable& table, ImportBatch& batch, Problems& problems) {
  for (const CsvRow& csv_row : table.rows) {
    Row row(table, csv_row, problems);
    ProjectRecord p;
    p.line = row.line();
    p.local_id = row.Take(Id(row.Get("project"), "project"));
    p.title = row.Take(Title(row.Get("title"), "title"));
    p.area = row.Take(Area(row.Get("area")));
    p.aim = row.Take(OptionalText(row.Get("aim"), "aim", kMaxAimChars));
    p.change_ideas =
        row.Take(List(Split(row.Get("change_ideas"), ";|"), "change_ideas", kMaxListItemChars));
    if (!Trim(row.Get("pdsa_cycles")).empty()) {
      p.pdsa_cycles = row.Take(CountText(row.Get("pdsa_cycles"), "pdsa_cycles"));
    }
    p.stage = row.Take(Stage(row.Get("stage")));
    p.start_month = row.Take(Month(row.Get("start_month"), "start_month", /*required=*/false));
    if (row.ok()) batch.projects.push_back(std::move(p));
  }
}

}  // namespace

void ImportCsv(std::string_view text, const MeasureCatalogue& catalogue, ImportBatch& batch,
               Problems& problems) {
  CsvLimits limits;
  limits.max_file_bytes = kMaxImportBytes;
  const CsvTable table = ReadCsvTable(text, limits);
  bool header_broken = table.header_line == 0;
  for (const CsvError& e : table.errors) {
    problems.Add(e.line, e.reason, e.column);
    header_broken = header_broken || e.line == table.header_line;
  }
  // Without a clean header no row can be read; broken rows below it are reported already and
  // the others are still checked.
  if (header_broken) return;

  // Per-patient columns refuse the whole file; its rows are not looked at.
  bool row_level = false;
  for (const std::string& name : table.names) {
    if (auto reason = RowLevelName(name, "column")) {
      problems.Add(table.header_line, *reason);
      row_level = true;
    }
  }
  if (row_level) return;

  auto any_of = [&](const auto& columns, std::string_view except) {
    return std::any_of(table.columns.begin(), table.columns.end(),
                       [&](const std::string& c) { return c != except && In(columns, c); });
  };
  if (any_of(kCountColumns, "project")) {
    if (!CheckColumns(table, kCountColumns, kCountColumns, "measure counts file", problems)) return;
    ReadCounts(table, catalogue, batch, problems);
  } else if (any_of(kProjectColumns, "project")) {
    if (!CheckColumns(table, kProjectColumns, kProjectRequired, "project file", problems)) return;
    ReadProjects(table, batch, problems);
    CheckUniqueIds(batch, problems);
  } else {
    std::string reason = "the header is neither a measure counts file (" + Join(kCountColumns) +
                         ") nor a project file (" + Join(kProjectColumns) + ")";
    if (table.names.size() == 1 && table.names[0].find_first_of(";\t") != std::string::npos) {
      reason +=
          "; its fields are separated by semicolons or tabs, but must be separated by "
          "commas";
    }
    problems.Add(table.header_line, reason);
  }
}

}  // namespace lls::node::import_internal
