// lls-node: parses the command line and dispatches to node_cli.h. Nothing else lives here.
#include <CLI/CLI.hpp>

#include <csignal>

#include "crypto/crypto.h"
#include "exchange/log.h"
#include "node/node_cli.h"

int main(int argc, char** argv) {
  lls::log::SetProgram("lls-node");
  // A write past the file size limit (ulimit -f, systemd LimitFSIZE=) raises SIGXFSZ, whose
  // default action kills the process: it would die mid-write instead of seeing EFBIG and
  // refusing what it could not store (found by tests/disk). Ignored, the write fails with
  // EFBIG and SQLite reports it like any other storage fault.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"lls-node: a trust's LLS Exchange node"};
  app.require_subcommand(1);
  std::string config;
  app.add_option("--config", config, "node configuration file (TOML)")->required();
  bool json = false;
  bool redact = false;
  int wait_seconds = 10;

  std::vector<std::filesystem::path> files;
  auto* import_cmd =
      app.add_subcommand("import", "import counts, projects or learning (CSV, JSON, Markdown)");
  import_cmd->add_option("FILE", files, "files to import (each all or nothing)")->required();
  import_cmd->add_flag("--json", json, "stable JSON output");

  auto* learning_cmd = app.add_subcommand("learning", "learning items");
  learning_cmd->require_subcommand(1);
  auto* learning_add = learning_cmd->add_subcommand("add", "import learning notes (Markdown, JSON)");
  learning_add->add_option("FILE", files, "learning note files")->required();
  learning_add->add_flag("--json", json, "stable JSON output");

  auto* preview_cmd = app.add_subcommand("preview", "show exactly what publish would send");
  preview_cmd->add_flag("--redact", redact, "show the text with identifiers replaced");
  preview_cmd->add_flag("--json", json, "stable JSON output");

  auto* publish_cmd = app.add_subcommand("publish", "queue what is pending and send the outbox");
  publish_cmd->add_flag("--redact", redact, "replace identifiers found instead of refusing");
  publish_cmd->add_option("--wait", wait_seconds, "seconds to wait for acknowledgements (default 10)")
      ->check(CLI::Range(0, 3600));
  publish_cmd->add_flag("--json", json, "stable JSON output");

  bool probe = true;
  auto* status_cmd = app.add_subcommand("status", "outbox, pending items, and the hub's reachability");
  status_cmd->add_flag("!--no-probe", probe, "do not try to reach the hub");
  status_cmd->add_flag("--json", json, "stable JSON output");

  std::string id, reason = "withdrawn by the trust";
  auto* retract_cmd = app.add_subcommand("retract", "withdraw a published project or learning item");
  retract_cmd->add_option("ID", id, "local project or learning id, or a message id (hex)")->required();
  retract_cmd->add_option("--reason", reason, "why (sent to the hub)");
  retract_cmd->add_option("--wait", wait_seconds, "seconds to wait for acknowledgement (default 10)")
      ->check(CLI::Range(0, 3600));
  retract_cmd->add_flag("--json", json, "stable JSON output");

  auto* run_cmd = app.add_subcommand("run", "run as a service until SIGTERM or SIGINT");
  std::string backup_out;
  auto* backup_cmd = app.add_subcommand("backup", "a consistent copy of node.db (works while running)");
  backup_cmd->add_option("--out", backup_out, "the new file to write (never overwritten)")->required();

  lls::node::InboxArgs inbox;
  auto* inbox_cmd = app.add_subcommand("inbox", "what the hub redistributed (verified on receipt)");
  inbox_cmd->add_flag("--json", inbox.json, "stable JSON output");
  inbox_cmd->add_option("--kind", inbox.kind, "only this kind (project-summary, learning-item ...)");
  inbox_cmd->add_flag("--sync", inbox.sync, "first fetch what the hub has (hub.subscribe_endpoint)");
  inbox_cmd->add_option("--export", inbox.export_format,
                        "write received learning items as markdown or json (needs --out)")
      ->check(CLI::IsMember({"markdown", "json"}));
  inbox_cmd->add_option("--out", inbox.out, "file for --export");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the help or the usage error; a usage error exits 2, as documented.
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (lls::Status s = lls::crypto::Init(); !s.ok()) {
    std::fprintf(stderr, "lls-node: %s\n", s.message().c_str());
    return 1;
  }
  if (*import_cmd || *learning_add) return lls::node::ImportFiles(config, files, json);
  if (*preview_cmd) return lls::node::Preview(config, redact, json);
  if (*publish_cmd) return lls::node::Publish(config, redact, wait_seconds, json);
  if (*status_cmd) return lls::node::ShowStatus(config, probe, json);
  if (*retract_cmd) return lls::node::Retract(config, id, reason, wait_seconds, json);
  if (*run_cmd) return lls::node::Run(config);
  if (*backup_cmd) return lls::node::Backup(config, backup_out);
  if (*inbox_cmd) return lls::node::ShowInbox(config, inbox);
  return 2;
}
