// The lls-node command line, as functions main() dispatches to. Each returns the process exit
// code (0 ok; 1 failed; 2 usage, configuration or input error) and writes one clear line to
// stderr per problem (docs/cli.md documents every command and flag).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace lls::node {

// Imports files (CSV, JSON, Markdown; docs/import.md) into node.db. Each file is all or
// nothing; every problem is printed as file:line: reason.
int ImportFiles(const std::filesystem::path& config, const std::vector<std::filesystem::path>& files,
                bool json);
// Exactly what the next publish would send, field by field, and any identifiers found.
int Preview(const std::filesystem::path& config, bool redact, bool json);
// Builds what is pending, refuses if it holds identifiers (unless `redact`), queues it in the
// outbox and sends the outbox, waiting up to `wait_seconds` for acknowledgements.
int Publish(const std::filesystem::path& config, bool redact, int wait_seconds, bool json);
// Outbox state, what is pending, and (unless `probe` is false) whether the hub answers.
int ShowStatus(const std::filesystem::path& config, bool probe, bool json);
// Withdraws what a local project or learning id (or a message id, in hex) published.
int Retract(const std::filesystem::path& config, const std::string& id, const std::string& reason,
            int wait_seconds, bool json);
// What the hub redistributed, from node.db's inbox (docs/cli.md): a table, or with `json` one
// document; `kind` ("" for all) filters by kind name; with `sync` first fetches what the hub
// has (needs hub.subscribe_endpoint). With `export_format` "markdown" or "json", writes the
// received learning items to `out` instead of listing.
struct InboxArgs {
  bool json = false;
  bool sync = false;
  std::string kind;
  std::string export_format;
  std::filesystem::path out;
};
int ShowInbox(const std::filesystem::path& config, const InboxArgs& args);
// The daemon: until SIGTERM/SIGINT.
int Run(const std::filesystem::path& config);
// A consistent copy of node.db (outbox, staging, inbox) in the new file `out`; works while
// `run` is running. Exit 1 if `out` exists or the copy fails.
int Backup(const std::filesystem::path& config, const std::filesystem::path& out);

}  // namespace lls::node
