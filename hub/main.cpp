// lls-hub: parses the command line and dispatches to hub_cli.h. Nothing else lives here.
#include <CLI/CLI.hpp>

#include <csignal>

#include "crypto/crypto.h"
#include "exchange/log.h"
#include "hub/hub_cli.h"

int main(int argc, char** argv) {
  lls::log::SetProgram("lls-hub");
  // A write past the file size limit (ulimit -f, systemd LimitFSIZE=) raises SIGXFSZ, whose
  // default action kills the process: it would die mid-write instead of seeing EFBIG and
  // refusing what it could not store (found by tests/disk). Ignored, the write fails with
  // EFBIG and SQLite reports it like any other storage fault.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"lls-hub: the LLS Exchange hub (an LLS hub, or the national hub)"};
  app.require_subcommand(1);
  std::string config;
  app.add_option("--config", config, "hub configuration file (TOML)")->required();

  bool json = false;
  auto* run = app.add_subcommand("run", "serve until SIGTERM or SIGINT");
  auto* status = app.add_subcommand("status", "members and log summary");
  status->add_flag("--json", json, "stable JSON output");

  auto* members = app.add_subcommand("members", "enrol, revoke and list members");
  members->require_subcommand(1);
  lls::hub::EnrolArgs enrol;
  auto* enrol_cmd = members->add_subcommand("enrol", "enrol a member from its .public key file");
  enrol_cmd->add_option("--key", enrol.public_key, "the member's NAME.public file")->required();
  enrol_cmd->add_option("--org", enrol.organisation, "ODS organisation code")->required();
  enrol_cmd->add_option("--role", enrol.role, "trust | facilitator | hub | national")->required();
  enrol_cmd->add_option("--display-name", enrol.display_name, "human name (default: key name)");
  enrol_cmd->add_option("--lls", enrol.lls, "the member's LLS (default: this hub's name)");
  enrol_cmd->add_option("--actor", enrol.actor, "who is enrolling (default: login name)");
  enrol_cmd->add_flag("--json", json, "print the member as JSON");

  std::string name, reason = "revoked by operator", actor;
  auto* revoke_cmd = members->add_subcommand("revoke", "revoke a member; live connections are cut");
  revoke_cmd->add_option("NAME", name, "member name")->required();
  revoke_cmd->add_option("--reason", reason, "recorded in the member history");
  revoke_cmd->add_option("--actor", actor, "who is revoking (default: login name)");
  revoke_cmd->add_flag("--json", json, "print the member as JSON");

  auto* list_cmd = members->add_subcommand("list", "list members");
  list_cmd->add_flag("--json", json, "stable JSON output");
  auto* history_cmd = members->add_subcommand("history", "who enrolled and revoked whom, when");
  history_cmd->add_flag("--json", json, "stable JSON output");

  std::string report_measure;
  auto* report_cmd = app.add_subcommand(
      "report", "per LLS (and national) and measure: latest rate, change from baseline, SPC");
  report_cmd->add_option("--measure", report_measure, "only this measure code");
  report_cmd->add_flag("--json", json, "stable JSON output");

  std::string backup_out;
  auto* backup_cmd = app.add_subcommand("backup", "a consistent copy of hub.db (works while running)");
  backup_cmd->add_option("--out", backup_out, "the new file to write (never overwritten)")
      ->required();

  std::string measure;
  auto* aggregates_cmd = app.add_subcommand(
      "aggregates", "aggregates per (LLS, measure, month) from trusts' summaries");
  aggregates_cmd->add_option("--measure", measure, "only this measure code");
  aggregates_cmd->add_flag("--json", json, "stable JSON output");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the help or the usage error; a usage error exits 2, as documented.
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (lls::Status s = lls::crypto::Init(); !s.ok()) {
    std::fprintf(stderr, "lls-hub: %s\n", s.message().c_str());
    return 1;
  }
  if (*run) return lls::hub::RunHub(config);
  if (*status) return lls::hub::ShowStatus(config, json);
  if (*enrol_cmd) return lls::hub::EnrolMember(config, enrol, json);
  if (*revoke_cmd) return lls::hub::RevokeMember(config, name, reason, actor, json);
  if (*report_cmd) return lls::hub::ShowReport(config, report_measure, json);
  if (*backup_cmd) return lls::hub::BackupHub(config, backup_out);
  if (*aggregates_cmd) return lls::hub::ShowAggregates(config, measure, json);
  if (*list_cmd) return lls::hub::ListMembers(config, json);
  if (*history_cmd) return lls::hub::MemberHistory(config, json);
  return 2;
}
