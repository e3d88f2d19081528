// The lls-hub command line, as functions main() dispatches to. Each returns the process exit
// code and writes one clear line to stderr on failure (docs/cli.md documents every flag).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace lls::hub {

struct EnrolArgs {
  std::filesystem::path public_key;
  std::string organisation;
  std::string display_name;  // defaults to the key's name
  std::string role;
  std::string lls;           // defaults to the hub's name
  std::string actor;         // defaults to the login name
};

int RunHub(const std::filesystem::path& config);
int ShowStatus(const std::filesystem::path& config, bool json);
// Per scope and measure: latest rate, change from baseline, SPC reading (hub/report.h); only
// `measure` when not empty.
int ShowReport(const std::filesystem::path& config, const std::string& measure, bool json);
// A consistent copy of hub.db in the new file `out` (exchange/sqlite.h BackupTo); works while
// the hub runs. Exit 1 if `out` exists or the copy fails.
int BackupHub(const std::filesystem::path& config, const std::filesystem::path& out);
int EnrolMember(const std::filesystem::path& config, const EnrolArgs& args, bool json);
int RevokeMember(const std::filesystem::path& config, const std::string& name,
                 const std::string& reason, std::string actor, bool json);
int ListMembers(const std::filesystem::path& config, bool json);
int MemberHistory(const std::filesystem::path& config, bool json);
// The aggregates per (LLS, measure, month), optionally of one measure (hub/aggregates.h).
int ShowAggregates(const std::filesystem::path& config, const std::string& measure, bool json);

}  // namespace lls::hub
