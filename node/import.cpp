// Import façade (node/import.h): picks the format, enforces the size cap, and turns the
// problems found into the all-or-nothing result. The formats are in csv_import.cpp,
// json_import.cpp and learning_import.cpp; shared field rules in import_rules.cpp.
#include "node/import.h"

#include <fstream>

#include "node/import_internal.h"

namespace lls::node {

using import_internal::Problems;

std::string ImportProblem::ToString() const {
  std::string out = file;
  if (line != 0) {
    out += ":" + std::to_string(line);
    if (column != 0) out += ":" + std::to_string(column);
  }
  return out + ": " + reason;
}

Result<ImportFormat> FormatFromPath(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  for (char& c : ext) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (ext == ".csv") return ImportFormat::kCsv;
  if (ext == ".json") return ImportFormat::kJson;
  if (ext == ".md" || ext == ".markdown") return ImportFormat::kMarkdown;
  return Status(Code::kInvalidArgument,
                "cannot tell the format from the name '" + path.filename().string() +
                    "': expected .csv (measure counts or projects), .json, or .md / .markdown "
                    "(a learning note)");
}

namespace {

std::string TooLarge(uint64_t size) {
  return "the file is " + std::to_string(size) + " bytes; the limit is " +
         std::to_string(kMaxImportBytes) + " bytes (50 MiB)";
}

}  // namespace

ImportResult ImportText(std::string_view text, const std::string& origin, ImportFormat format,
                        const MeasureCatalogue& catalogue) {
  Problems problems(origin);
  if (text.size() > kMaxImportBytes) {
    problems.Add(0, TooLarge(text.size()));
    return problems.Take();
  }
  ImportBatch batch;
  switch (format) {
    case ImportFormat::kCsv:
      import_internal::ImportCsv(text, catalogue, batch, problems);
      break;
    case ImportFormat::kJson:
      import_internal::ImportJson(text, catalogue, batch, problems);
      break;
    case ImportFormat::kMarkdown:
      import_internal::ImportMarkdown(text, batch, problems);
      break;
  }
  if (problems.empty() && batch.projects.empty() && batch.counts.empty() &&
      batch.learning.empty()) {
    problems.Add(0, "nothing to import: the file holds no projects, counts or learning notes");
  }
  if (!problems.empty()) return problems.Take();
  return batch;
}

ImportResult ImportFile(const std::filesystem::path& path, const MeasureCatalogue& catalogue) {
  Problems problems(path.string());
  auto format = FormatFromPath(path);
  if (!format.ok()) {
    problems.Add(0, format.status().message());
    return problems.Take();
  }
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) {
    problems.Add(0, "cannot read the file: " + ec.message());
    return problems.Take();
  }
  if (size > kMaxImportBytes) {
    problems.Add(0, TooLarge(size));
    return problems.Take();
  }
  std::ifstream in(path, std::ios::binary);
  std::string text;
  char buffer[1 << 16];
  // Reads at most one byte past the cap, in case the file grew since its size was taken.
  while (in && text.size() <= kMaxImportBytes) {
    in.read(buffer, sizeof buffer);
    text.append(buffer, static_cast<size_t>(in.gcount()));
  }
  if (in.bad() || (!in.eof() && text.size() <= kMaxImportBytes)) {
    problems.Add(0, "cannot read the file");
    return problems.Take();
  }
  return ImportText(text, path.string(), *format, catalogue);
}

}  // namespace lls::node
