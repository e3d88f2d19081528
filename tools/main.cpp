// lls: the LLS Exchange toolbox. Parses argv and dispatches to tools_cli.h.
#include <CLI/CLI.hpp>

#include "crypto/crypto.h"
#include "tools/bulletin_cli.h"
#include "tools/curate_cli.h"
#include "tools/export_cli.h"
#include "tools/scrub_cli.h"
#include "tools/simulate_cli.h"
#include "tools/bench/bench_cli.h"
#include "tools/spc_cli.h"
#include "tools/subscribe_cli.h"
#include "tools/tools_cli.h"

int main(int argc, char** argv) {
  CLI::App app{"lls: the LLS Exchange toolbox"};
  app.require_subcommand(1);

  std::string name, out_dir;
  auto* keygen = app.add_subcommand("keygen", "create a signing and a CURVE key pair");
  keygen->add_option("--name", name, "participant name ([A-Za-z0-9._-], up to 64)")->required();
  keygen->add_option("--out", out_dir, "folder for NAME.secret and NAME.public")->required();

  std::string file;
  auto* inspect = app.add_subcommand("inspect", "decode and verify an envelope; print JSON");
  inspect->add_option("FILE", file, "a file holding one encoded envelope")->required();

  std::vector<std::string> scrub_files;
  bool scrub_json = false;
  auto* scrub = app.add_subcommand(
      "scrub", "scan text files for patient identifiers; exit 1 if any are found");
  scrub->add_option("FILE", scrub_files, "text files to scan")->required();
  scrub->add_flag("--json", scrub_json, "one JSON object per finding, one per line");

  std::string subscribe_config;
  uint64_t subscribe_from = 1;
  uint64_t subscribe_count = 0;
  auto* subscribe = app.add_subcommand(
      "subscribe", "print verified messages the hub redistributes, as JSON lines");
  subscribe->add_option("--config", subscribe_config, "the node's configuration (node.toml)")
      ->required();
  subscribe->add_option("--from", subscribe_from, "first hub sequence (default 1)");
  auto* count_opt = subscribe->add_option(
      "--count", subscribe_count, "exit after N messages, waiting for new ones as needed")
      ->check(CLI::Range(uint64_t{1}, UINT64_MAX));

  lls::tools::CurateArgs curate_args;
  std::string curate_config;
  auto* curate = app.add_subcommand(
      "curate", "a facilitator's learning queue: list, approve, reject, feature, tag");
  curate->add_option("--config", curate_config, "the facilitator's configuration (node.toml)")
      ->required();
  curate->require_subcommand(1);
  auto* curate_list = curate->add_subcommand("list", "list learning items and their state");
  curate_list->add_option("--state", curate_args.state,
                          "pending (default) | approved | rejected | withdrawn | all");
  curate_list->add_flag("--json", curate_args.json, "a JSON array of items");
  auto id_option = [&](CLI::App* cmd) {
    cmd->add_option("ID", curate_args.id,
                    "the item's message id (hex; a unique prefix of 8+ digits)")->required();
  };
  auto* curate_approve = curate->add_subcommand("approve", "approve an item: it is redistributed");
  id_option(curate_approve);
  auto* curate_reject = curate->add_subcommand("reject", "reject an item, with a reason");
  id_option(curate_reject);
  curate_reject->add_option("--reason", curate_args.reason, "why (shown to curators)")->required();
  auto* curate_feature = curate->add_subcommand("feature", "feature an item (approves it too)");
  id_option(curate_feature);
  auto* curate_tag = curate->add_subcommand("tag", "add curator tags to an item");
  id_option(curate_tag);
  curate_tag->add_option("--tags", curate_args.tags, "comma-separated tags")
      ->required()
      ->delimiter(',');

  lls::tools::BulletinArgs bulletin_args;
  auto* bulletin = app.add_subcommand("bulletin", "publish a bulletin (a national-role member)");
  bulletin->add_option("--config", bulletin_args.config, "the member's configuration (node.toml)")
      ->required();
  bulletin->add_option("--title", bulletin_args.title, "the bulletin's title")->required();
  bulletin->add_option("--text", bulletin_args.text, "its text")->required();
  bulletin->add_option("--area", bulletin_args.area, "a clinical area (e.g. smoke-free-pregnancy)");

  lls::tools::SpcArgs spc_args;
  auto* spc = app.add_subcommand("spc", "SPC chart figures from a CSV file (Making Data Count)");
  spc->add_option("--chart", spc_args.chart, "xmr (default) | p | laney | run | funnel")
      ->check(CLI::IsMember({"xmr", "p", "laney", "run", "funnel"}));
  spc->add_option("--input", spc_args.input, "CSV file with a header row (- for stdin)")
      ->required();
  spc->add_option("--improvement", spc_args.improvement, "increase | decrease | neutral (default)")
      ->check(CLI::IsMember({"increase", "decrease", "neutral"}));
  spc->add_option("--target", spc_args.target, "target value, for the assurance icon");
  spc->add_option("--rebase", spc_args.rebase, "period where a new segment starts (repeatable)");
  spc->add_option("--fix-after", spc_args.fix_after, "limits from each segment's first N points")
      ->check(CLI::Range(size_t{2}, SIZE_MAX));
  spc->add_flag("--screen-outliers", spc_args.screen_outliers,
                "XmR: leave out moving ranges above 3.267 x their mean");
  spc->add_flag("--json", spc_args.json, "JSON instead of a table");

  lls::tools::ExportArgs export_args;
  auto* export_cmd = app.add_subcommand("export", "a hub's figures as CSV, JSON or FHIR R4");
  export_cmd->add_option("--config", export_args.config, "the hub's configuration (hub.toml)")
      ->required();
  export_cmd->add_option("--format", export_args.format, "csv (default) | json | fhir")
      ->check(CLI::IsMember({"csv", "json", "fhir"}));
  export_cmd->add_option("--measure", export_args.measure, "only this measure code");
  export_cmd->add_option("--from", export_args.from, "first month, YYYY-MM");
  export_cmd->add_option("--to", export_args.to, "last month, YYYY-MM");
  export_cmd->add_option("--stratify", export_args.stratify, "auto (default) | trust | lls | none")
      ->check(CLI::IsMember({"auto", "trust", "lls", "none"}));
  export_cmd->add_option("--out", export_args.out, "write here instead of standard output");
  export_cmd->add_option("--canonical-base", export_args.canonical_base,
                         "FHIR: base URL of the Measure canonicals");

  lls::tools::SimulateArgs simulate_args;
  auto* simulate = app.add_subcommand(
      "simulate", "write synthetic data for one LLS's trusts, ready to import (docs/simulate.md)");
  simulate->add_option("--out", simulate_args.out, "output folder (created; must be empty)")
      ->required();
  simulate->add_option("--lls", simulate_args.options.lls, "the LLS's name (default lls-north)");
  simulate->add_option("--trusts", simulate_args.options.trusts, "number of trusts (default 3)");
  simulate->add_option("--months", simulate_args.options.months, "months of counts (default 24)");
  simulate->add_option("--start", simulate_args.options.start,
                       "first month, YYYY-MM (default 2024-01)");
  simulate->add_option("--seed", simulate_args.options.seed, "random seed (default 1)");
  simulate->add_option("--prefix", simulate_args.options.prefix,
                       "trust names are trust-PREFIX-N (default: the LLS name without lls-)");
  simulate->add_flag("--force", simulate_args.force,
                     "write into a non-empty folder, overwriting only the files it writes");

  lls::bench::BenchArgs bench_args;
  std::vector<std::string> bench_only;
  auto* bench = app.add_subcommand(
      "bench", "measure a real hub (and Mosquitto) on loopback (docs/performance.md)");
  bench->add_option("--scale", bench_args.scale, "smoke (seconds, for CI) | full (default)")
      ->check(CLI::IsMember({"smoke", "full"}));
  bench->add_option("--only", bench_only,
                    "scenarios: ingest fanout replay connections stored dashboard mosquitto");
  bench->add_flag("--no-mosquitto", [&](int64_t) { bench_args.options.mosquitto = false; },
                  "do not measure Mosquitto");
  bench->add_option("--seconds", bench_args.options.seconds,
                    "length of each measured phase (default: 2 smoke, 10 full)");
  bench->add_option("--replay-messages", bench_args.options.replay_messages,
                    "messages a late joiner replays (default 20,000 smoke, 1,000,000 full)");
  bench->add_option("--stored-messages", bench_args.options.stored_messages,
                    "history before the stored-ingest run (default 50,000 / 10,000,000)");
  bench->add_option("--work-dir", bench_args.options.work_dir,
                    "make the run's folder under this one (default $TMPDIR or /tmp)");
  bench->add_flag("--keep", bench_args.options.keep, "keep the run's folder (hubs, logs)");
  bench->add_option("--hub-program", bench_args.options.hub_program,
                    "lls-hub to start (default: beside lls, or build/hub/lls-hub)");
  bench->add_option("--mosquitto-program", bench_args.options.mosquitto_program,
                    "mosquitto to start (default /usr/sbin/mosquitto)");
  bench->add_flag("--json", bench_args.json, "print JSON instead of the table");
  bench->add_option("--json-out", bench_args.json_out, "also write the JSON to this file");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the help or the usage error; a usage error exits 2, as documented.
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (lls::Status s = lls::crypto::Init(); !s.ok()) {
    std::fprintf(stderr, "lls: %s\n", s.message().c_str());
    return 1;
  }
  if (*keygen) return lls::tools::Keygen(name, out_dir);
  if (*inspect) return lls::tools::Inspect(file);
  if (*subscribe) {
    std::optional<uint64_t> count;
    if (*count_opt) count = subscribe_count;
    return lls::tools::Subscribe(subscribe_config, subscribe_from, count);
  }
  if (*curate) {
    curate_args.config = curate_config;
    for (CLI::App* sub : curate->get_subcommands()) curate_args.command = sub->get_name();
    return lls::tools::Curate(curate_args);
  }
  if (*bulletin) return lls::tools::PublishBulletin(bulletin_args);
  if (*spc) return lls::tools::Spc(spc_args);
  if (*export_cmd) return lls::tools::Export(export_args);
  if (*simulate) return lls::tools::Simulate(simulate_args);
  if (*bench) {
    bench_args.options.only = bench_only;
    return lls::bench::Bench(bench_args);
  }
  if (*scrub) return lls::tools::Scrub({scrub_files.begin(), scrub_files.end()}, scrub_json);
  return 2;
}
