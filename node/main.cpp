// lls-node: parses the command line and dispatches to node_cli.h. Nothing else lives here.
#include <CLI/CLI.hpp>

#include "crypto/crypto.h"
#include "exchange/log.h"
#include "node/node_cli.h"

int main(int argc, char** argv) {
  lls::log::SetProgram("lls-node");
  CLI::App app{"lls-node: a trust's LLS Exchange node"};
  app.require_subcommand(1);
  std::string config;
  app.add_option("--config", config, "node configuration file (TOML)")->required();
  bool json = false;

  std::string file;
  auto* import_cmd = app.add_subcommand("import", "import a project summary (JSON) into the outbox");
  import_cmd->add_option("FILE", file, "project summary JSON file")->required();
  import_cmd->add_flag("--json", json, "stable JSON output");

  int wait_seconds = 10;
  auto* publish_cmd = app.add_subcommand("publish", "send the outbox to the hub and wait for acks");
  publish_cmd->add_option("--wait", wait_seconds, "seconds to wait for acknowledgements (default 10)")
      ->check(CLI::Range(0, 3600));
  publish_cmd->add_flag("--json", json, "stable JSON output");

  auto* status_cmd = app.add_subcommand("status", "outbox state: queued, acked, refused, last error");
  status_cmd->add_flag("--json", json, "stable JSON output");

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
  if (*import_cmd) return lls::node::ImportFile(config, file, json);
  if (*publish_cmd) return lls::node::Publish(config, wait_seconds, json);
  if (*status_cmd) return lls::node::ShowStatus(config, json);
  return 2;
}
