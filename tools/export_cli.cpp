// `lls export`: checks the flags, opens the hub's database without creating or migrating it,
// reads the export model (tools/export_data.h) and renders it (tools/export_formats.h,
// tools/fhir_measure_report.h) to standard output or --out.
#include "tools/export_cli.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <system_error>

#include <nlohmann/json.hpp>

#include "exchange/catalogue.h"
#include "exchange/clock.h"
#include "exchange/sqlite.h"
#include "hub/hub_config.h"
#include "tools/export_data.h"
#include "tools/export_formats.h"
#include "tools/fhir_measure_report.h"

namespace lls::tools {

namespace {

int Fail(const Status& status) {
  std::fprintf(stderr, "lls export: %s\n", status.message().c_str());
  return status.code() == Code::kInvalidArgument ? 2 : 1;
}

Status CheckFilters(const ExportArgs& args) {
  if (args.format != "csv" && args.format != "json" && args.format != "fhir") {
    return Status(Code::kInvalidArgument,
                  "unknown --format '" + args.format + "' (csv, json or fhir)");
  }
  for (const auto& [flag, value] : {std::pair{"--from", &args.from}, {"--to", &args.to}}) {
    if (!value->empty() && !IsMonth(*value)) {
      return Status(Code::kInvalidArgument,
                    std::string(flag) + " '" + *value + "' is not a month (YYYY-MM)");
    }
  }
  if (!args.from.empty() && !args.to.empty() && args.from > args.to) {
    return Status(Code::kInvalidArgument, "--from " + args.from + " is after --to " + args.to);
  }
  if (!args.measure.empty() && FindMeasure(BuiltInCatalogue(), args.measure) == nullptr) {
    return Status(Code::kInvalidArgument, "unknown --measure '" + args.measure +
                                              "'; known: " + KnownCodes(BuiltInCatalogue()));
  }
  return Status::Ok();
}

// The database of an existing hub, as `lls-hub`'s OpenExisting finds it (HubConfig::Load,
// then config.database()), but opened without HubStore: HubStore::Open migrates, and an
// export must never write to a hub that may be running. Nothing is created either.
Result<db::Database> OpenHubDatabase(const std::filesystem::path& database,
                                     const std::filesystem::path& config_path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(database, ec)) {
    return Status(Code::kNotFound, "no hub database at " + database.string() +
                                       " (check hub.data_dir in " + config_path.string() + ")");
  }
  db::OpenOptions options;
  options.create = false;
  return db::Database::Open(database, options);
}

// Writes to a temporary file beside `path`, then renames it over `path`: a reader never sees
// half an export, and a failed export leaves an earlier file as it was.
Status WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::path temp = path;
  temp += ".tmp-" + std::to_string(getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temp, ignored);
      return Status(Code::kIoError, "cannot write " + temp.string());
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    return Status(Code::kIoError, "cannot write " + path.string() + ": " + ec.message());
  }
  return Status::Ok();
}

Status WriteStdout(const std::string& text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
    return Status(Code::kIoError, "cannot write to standard output");
  }
  return Status::Ok();
}

Result<std::string> Render(const ExportData& data, const ExportArgs& args) {
  if (args.format == "csv") return RenderCsv(data);
  if (args.format == "json") return RenderJson(data);
  LLS_ASSIGN_OR_RETURN(std::string base, CanonicalBase(args.canonical_base));
  LLS_ASSIGN_OR_RETURN(nlohmann::ordered_json bundle, FhirBundle(data, base));
  return bundle.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace

int Export(const ExportArgs& args) {
  if (Status checked = CheckFilters(args); !checked.ok()) return Fail(checked);
  if (args.format == "fhir") {
    // Checked before any reading, so a typo costs nothing.
    if (auto base = CanonicalBase(args.canonical_base); !base.ok()) return Fail(base.status());
  }
  auto config = hub::HubConfig::Load(args.config);
  if (!config.ok()) return Fail(config.status());
  auto db = OpenHubDatabase(config->database(), args.config);
  if (!db.ok()) return Fail(db.status());

  ExportFilter filter;
  if (!args.measure.empty()) filter.measure = args.measure;
  filter.from = args.from;
  filter.to = args.to;
  SystemClock clock;
  auto data = ReadExportData(*db, config->name, args.stratify, filter, clock.NowMs());
  if (!data.ok()) return Fail(data.status());

  auto text = Render(*data, args);
  if (!text.ok()) return Fail(text.status());
  Status written = args.out.empty() ? WriteStdout(*text) : WriteFile(args.out, *text);
  if (!written.ok()) return Fail(written);
  return 0;
}

}  // namespace lls::tools
