// Runs the hub crash harness (hub_crash.cpp) and the node crash harness (node_crash.cpp) for 20
// SIGKILL cycles each, as CI does, and prints their figures; then the hub harness again with a
// national parent hub, to check forwarding under kills (tests/crash/forwarding.h). Longer runs:
// `hub_crash --cycles 200`, `hub_crash --cycles 300 --with-parent --kill-parent-every 4`,
// `node_crash --cycles 200` (docs/reliability.md).
#include <catch2/catch.hpp>

#include <filesystem>
#include <iostream>
#include <regex>
#include <string>

#include "exchange/sqlite.h"
#include "schema/messages.h"
#include "tests/support/process.h"

namespace lls::test {
namespace {

TEST_CASE("the hub keeps every acknowledged message exactly once across 20 SIGKILLs",
          "[crash]") {
  const std::filesystem::path logs = std::filesystem::temp_directory_path() / "lls-crash-test";
  std::filesystem::create_directories(logs);
  RunResult r = Run({HUB_CRASH_BIN, "--cycles", "20", "--clients", "4"}, logs,
                    std::chrono::seconds(540));
  std::cout << r.out << std::flush;
  INFO(r.out);
  INFO(r.err);
  CHECK_FALSE(r.timed_out);
  REQUIRE(r.exit_code == 0);
}

TEST_CASE("forwarding to a national hub loses and duplicates nothing across 20 SIGKILLs of the "
          "LLS hub and 5 of the national",
          "[crash]") {
  const std::filesystem::path logs = std::filesystem::temp_directory_path() / "lls-crash-test";
  std::filesystem::create_directories(logs);
  // Shorter lives than the default (max 800 ms), so that 20 cycles, 3 quiet lives and the
  // recovery stay within about a minute on a loaded 2-core machine (38-45 s measured): most
  // of it is the LLS hub draining its forwards, a few hundred a second when it is idle.
  RunResult r = Run({HUB_CRASH_BIN, "--cycles", "20", "--clients", "3", "--with-parent",
                     "--kill-parent-every", "4", "--settle-every", "6", "--max-ms", "800"},
                    logs, std::chrono::seconds(540));
  std::cout << r.out << std::flush;
  INFO(r.out);
  INFO(r.err);
  CHECK_FALSE(r.timed_out);
  REQUIRE(r.exit_code == 0);
}

// The forwarding checks must be able to fail: a short run is kept, then copies of its folder
// are edited the way a forwarding bug would leave them, and `hub_crash --check` must name the
// broken promise (and pass on the untouched folder).
TEST_CASE("the forwarding checks catch a lost, a doubled, an unforwarded and an unacked forward",
          "[crash]") {
  namespace fs = std::filesystem;
  const fs::path logs = fs::temp_directory_path() / "lls-crash-test";
  fs::create_directories(logs);
  RunResult r = Run({HUB_CRASH_BIN, "--cycles", "3", "--clients", "2", "--with-parent",
                     "--settle-every", "0", "--keep"},
                    logs, std::chrono::seconds(300));
  INFO(r.out);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::smatch folder;
  REQUIRE(std::regex_search(r.out, folder, std::regex("folder (/[^ \n]+)")));
  const fs::path kept = folder[1].str();
  CHECK(Run({HUB_CRASH_BIN, "--check", kept.string()}, logs).exit_code == 0);

  const std::string aggregate = std::to_string(static_cast<int>(Kind::kAggregate));
  const std::string relay = std::to_string(static_cast<int>(Kind::kRelay));
  struct Tamper {
    const char* what;
    const char* db;  // under the kept folder
    std::string sql;
    const char* expect;  // the check that must name it
  };
  const Tamper tampers[] = {
      {"an acked forward lost at the national", "national/hub.db",
       "DELETE FROM log WHERE hub_seq = (SELECT MAX(hub_seq) FROM log WHERE kind = " + aggregate +
           ")",
       "F2:"},
      {"approved learning stored twice at the national under another id", "national/hub.db",
       "INSERT INTO log (message_id, signer, sequence, kind, created_at, received_at, member_id, "
       "envelope) SELECT randomblob(16), signer, sequence + 1000000, kind, created_at, "
       "received_at, member_id, envelope FROM log WHERE kind = " + relay + " LIMIT 1",
       "F3:"},
      {"an LLS cell changed without its forward", "hub/hub.db",
       "UPDATE agg_cells SET numerator = numerator + 1 WHERE rowid = (SELECT MIN(rowid) FROM "
       "agg_cells)",
       "F4:"},
      {"a national figure that is not its log's newest", "national/hub.db",
       "UPDATE agg_members SET numerator = numerator + 1 WHERE rowid = (SELECT MIN(rowid) FROM "
       "agg_members WHERE present = 1)",
       "F5:"},
      {"a forward never acked", "hub/hub.db",
       "UPDATE outbox SET state = 'queued', hub_seq = NULL WHERE local_id = (SELECT MAX(local_id) "
       "FROM outbox)",
       "S1:"},
  };
  int n = 0;
  for (const Tamper& t : tampers) {
    INFO(t.what);
    const fs::path copy = kept.string() + "-tampered-" + std::to_string(++n);
    fs::copy(kept, copy, fs::copy_options::recursive);
    {
      db::OpenOptions options;
      options.create = false;
      auto opened = db::Database::Open(copy / t.db, options);
      REQUIRE(opened.ok());
      Status edited = opened->Exec(t.sql);
      INFO(edited.message());
      REQUIRE(edited.ok());
    }
    RunResult check = Run({HUB_CRASH_BIN, "--check", copy.string()}, logs);
    INFO(check.out);
    CHECK(check.exit_code == 1);
    CHECK(check.out.find(t.expect) != std::string::npos);
    fs::remove_all(copy);
  }
  fs::remove_all(kept);
}

TEST_CASE("a node's outbox loses and duplicates nothing at the hub across 20 cycles of SIGKILLs",
          "[crash]") {
  const std::filesystem::path logs = std::filesystem::temp_directory_path() / "lls-crash-test";
  std::filesystem::create_directories(logs);
  RunResult r = Run({NODE_CRASH_BIN, "--cycles", "20", "--nodes", "2"}, logs,
                    std::chrono::seconds(540));
  std::cout << r.out << std::flush;
  INFO(r.out);
  INFO(r.err);
  CHECK_FALSE(r.timed_out);
  REQUIRE(r.exit_code == 0);
}

}  // namespace
}  // namespace lls::test
