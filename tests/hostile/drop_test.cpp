// The node's drop folder is written by other users and programs (an export job, a colleague),
// so everything in it is untrusted (node/daemon.cpp ReadDropped). Against a real `lls-node run`
// publishing to a real `lls-hub run`: symbolic links (to a valid export elsewhere, to the node's
// own secret key, dangling, to a folder), a FIFO, a socket, names that look like traversal, a
// sub-folder, and a file over the 50 MiB import limit. Each non-file is refused without being
// followed or read and moved to failed/ with a report saying what it is; the huge file is
// refused by its size; the daemon keeps running, imports the good file and a later one, and
// stops cleanly.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "tests/hostile/hostile_region.h"
#include "tests/support/process.h"
#include "tests/support/support.h"

namespace lls::hostile {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const char* kProjectsCsv =
    "project,title,area,aim,change_ideas,pdsa_cycles,stage,start_month\n"
    "SF-01,Smoke-free pathway,smoke-free-pregnancy,Halve SATOD,CO at booking,3,testing,2026-01\n";
const char* kOutsideCsv =
    "project,title,area,aim,change_ideas,pdsa_cycles,stage,start_month\n"
    "OUTSIDE-01,Never to be published,smoke-free-pregnancy,Leak,None,1,testing,2026-01\n";
const char* kCountsCsv =
    "project,measure,period,numerator,denominator\n"
    "SF-01,SATOD,2026-01,12,140\n";

// The failed/ report of the entry named `name`, or "" if there is none yet.
std::string ReportOf(const fs::path& failed, const std::string& name) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(failed, ec)) {
    const std::string file = entry.path().filename().string();
    if (file.ends_with("-" + name + ".error.txt")) return test::ReadText(entry.path());
  }
  return "";
}

bool InFailed(const fs::path& failed, const std::string& name) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(failed, ec)) {
    if (entry.path().filename().string().ends_with("-" + name)) return true;
  }
  return false;
}

TEST_CASE(
    "drop folder: links, FIFOs, sockets and a huge file are refused with a report and "
    "never followed or read - the daemon keeps importing and stops cleanly",
    "[hostile][drop]") {
  auto created = Region::Create();
  REQUIRE(created.ok());
  std::unique_ptr<Region> region = std::move(created).value();
  REQUIRE(region->AddMember("trust-d", "RXD").ok());
  REQUIRE(region->StartHub().ok());
  const fs::path dir = region->dir();
  const fs::path drop = dir / "drop";
  const fs::path failed = drop / "failed";
  const fs::path config = dir / "node-d.toml";
  test::WriteText(config,
                  "[node]\norganisation = \"RXD\"\nkey = \"keys/trust-d.secret\"\n"
                  "data_dir = \"node-d\"\n[hub]\nendpoint = \"" +
                      region->endpoint() +
                      "\"\npublic_key = \"keys/hub.public\"\n"
                      "[drop]\nfolder = \"drop\"\npoll_seconds = 1\n");
  fs::create_directories(drop / "sub");
  fs::create_directories(dir / "outside");
  test::WriteText(dir / "outside" / "export.csv", kOutsideCsv);
  test::WriteText(drop / "sub" / "inner.csv", kProjectsCsv);  // folders are not entered

  // Links: to a valid export outside the folder (following it would publish OUTSIDE-01), to
  // the node's own secret key (following it could quote its lines in a report others read),
  // to nothing, to a folder.
  fs::create_symlink(dir / "outside" / "export.csv", drop / "link.csv");
  fs::create_symlink(region->key("trust-d.secret"), drop / "key.csv");
  fs::create_symlink(dir / "nowhere.csv", drop / "dangling.csv");
  fs::create_symlink(dir / "outside", drop / "folder-link");
  // A FIFO: opening it to read would block the daemon until someone writes.
  REQUIRE(mkfifo((drop / "pipe.csv").c_str(), 0600) == 0);
  // A socket.
  int sock = socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(sock >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string sock_path = (drop / "sock.csv").string();
  REQUIRE(sock_path.size() < sizeof addr.sun_path);
  std::strncpy(addr.sun_path, sock_path.c_str(), sizeof addr.sun_path - 1);
  REQUIRE(bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  // Names that only look like traversal (a file name cannot hold '/'): an encoded one is an
  // ordinary broken file; one starting with '.' is hidden, so left alone.
  test::WriteText(drop / "%2e%2e%2fevil.csv", "not,a,valid\nexport\n");
  test::WriteText(drop / "..\\..\\evil.csv", kProjectsCsv);
  // 50 MiB + 1 byte, sparse: refused by its size, never read.
  {
    std::ofstream huge(drop / "huge.csv");
    huge << "project,title,area\n";
  }
  fs::resize_file(drop / "huge.csv", (50u << 20) + 1);
  // The good file, written then renamed in, as documented.
  test::WriteText(drop / "projects.csv.part", kProjectsCsv);
  fs::rename(drop / "projects.csv.part", drop / "projects.csv");
  const std::set<std::string> outside_before = [&] {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
    return names;
  }();

  test::Process node({LLS_NODE_BIN, "--config", config.string(), "run"}, region->logs(), "node");
  const std::vector<std::string> refused = {"link.csv", "key.csv",          "dangling.csv",
                                            "pipe.csv", "sock.csv",         "folder-link",
                                            "huge.csv", "%2e%2e%2fevil.csv"};
  auto all_moved = [&] {
    for (const std::string& name : refused) {
      if (!InFailed(failed, name) || ReportOf(failed, name).empty()) return false;
    }
    return true;
  };
  const bool moved = test::WaitUntil(20s, all_moved, 100ms);
  INFO(node.Stderr());
  REQUIRE(moved);
  REQUIRE(test::WaitUntil(
      20s,
      [&] {
        auto log = region->ReadLog();
        return log.ok() && log->size() == 1;
      },
      100ms));
  close(sock);

  // Each report names what the entry is; none quotes what a link points at.
  const std::string secret = test::ReadText(region->key("trust-d.secret"));
  CHECK(ReportOf(failed, "link.csv").find("a symbolic link (to ") != std::string::npos);
  CHECK(ReportOf(failed, "key.csv").find("a symbolic link") != std::string::npos);
  for (const std::string& name : refused) {
    const std::string report = ReportOf(failed, name);
    INFO(name << ": " << report);
    CHECK(report.find("OUTSIDE-01") == std::string::npos);
    std::istringstream lines(secret);
    for (std::string line; std::getline(lines, line);) {
      if (line.size() > 8) CHECK(report.find(line) == std::string::npos);
    }
  }
  CHECK(ReportOf(failed, "dangling.csv").find("a symbolic link") != std::string::npos);
  CHECK(ReportOf(failed, "folder-link").find("a symbolic link") != std::string::npos);
  CHECK(ReportOf(failed, "pipe.csv").find("a named pipe (FIFO)") != std::string::npos);
  CHECK(ReportOf(failed, "sock.csv").find("a socket") != std::string::npos);
  CHECK(ReportOf(failed, "huge.csv")
            .find("the file is 52428801 bytes; the limit is 52428800 "
                  "bytes (50 MiB)") != std::string::npos);
  CHECK(ReportOf(failed, "%2e%2e%2fevil.csv").find("%2e%2e%2fevil.csv") != std::string::npos);
  CHECK(fs::exists(drop / "..\\..\\evil.csv"));  // hidden: never picked up

  // Links were moved, not followed: what they pointed at is untouched, and the link in
  // failed/ is still a link.
  CHECK(test::ReadText(dir / "outside" / "export.csv") == kOutsideCsv);
  CHECK(test::ReadText(region->key("trust-d.secret")) == secret);
  for (const auto& entry : fs::directory_iterator(failed)) {
    if (entry.path().filename().string().ends_with("-link.csv")) CHECK(entry.is_symlink());
  }
  // Nothing was created outside the folder, the sub-folder was left alone, and only the good
  // file's project reached the hub (one summary; OUTSIDE-01 would have been a second).
  std::set<std::string> outside_after;
  for (const auto& e : fs::directory_iterator(dir))
    outside_after.insert(e.path().filename().string());
  outside_after.erase("node-d");  // the node's own data folder, made at start
  CHECK(outside_after == outside_before);
  CHECK(fs::exists(drop / "sub" / "inner.csv"));
  CHECK(node.running());
  CHECK(node.Stderr().find("refused link.csv: a symbolic link (to ") != std::string::npos);
  CHECK(node.Stderr().find("refused huge.csv: the file is 52428801 bytes") != std::string::npos);

  // Still importing: a later counts file is published too (a new revision of SF-01).
  test::WriteText(drop / "counts.csv.part", kCountsCsv);
  fs::rename(drop / "counts.csv.part", drop / "counts.csv");
  CHECK(test::WaitUntil(
      20s,
      [&] {
        auto log = region->ReadLog();
        return log.ok() && log->size() == 2;
      },
      100ms));

  const auto stop_from = std::chrono::steady_clock::now();
  node.Signal(SIGTERM);
  std::optional<int> code = node.Wait(5s);
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  CHECK(std::chrono::steady_clock::now() - stop_from < 1500ms);
}

}  // namespace
}  // namespace lls::hostile
