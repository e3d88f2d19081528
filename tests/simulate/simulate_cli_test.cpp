// `lls simulate` as a user runs it: the built program, its flags, exit codes and files.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "exchange/catalogue.h"
#include "tests/support/process.h"
#include "tests/support/support.h"
#include "tools/simulate.h"

namespace lls::tools {
namespace {

using nlohmann::json;
using test::ReadText;
using test::TempDir;

test::RunResult RunLls(const std::vector<std::string>& args, const TempDir& logs) {
  std::vector<std::string> argv = {LLS_TOOL_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return test::Run(argv, logs.path());
}

size_t Lines(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

TEST_CASE("lls simulate writes the generator's files, byte for byte") {
  TempDir dir("lls-simulate-cli"), logs("lls-simulate-logs");
  const std::filesystem::path out = dir / "out";
  test::RunResult r = RunLls({"simulate", "--out", out.string(), "--lls", "lls-east", "--trusts",
                              "4", "--months", "12", "--start", "2025-04", "--seed", "7"},
                             logs);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(Lines(r.out) == 1);

  const json manifest = json::parse(ReadText(out / "manifest.json"));
  CHECK(manifest["seed"] == 7);
  CHECK(manifest["lls"] == "lls-east");
  CHECK(manifest["start"] == "2025-04");
  CHECK(manifest["end"] == "2026-03");
  CHECK(manifest["months"] == 12);
  REQUIRE(manifest["trusts"].size() == 4);
  CHECK(manifest["trusts"][0]["name"] == "trust-east-1");
  CHECK(manifest["trusts"][3]["files"]["counts"] == "trust-east-4/counts.csv");

  SimulateOptions options;
  options.lls = "lls-east";
  options.trusts = 4;
  options.months = 12;
  options.start = "2025-04";
  options.seed = 7;
  Result<std::vector<SimulatedFile>> files = Simulate(options, BuiltInCatalogue());
  REQUIRE(files.ok());
  size_t on_disk = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(out)) {
    if (entry.is_regular_file()) ++on_disk;
  }
  CHECK(on_disk == files->size());
  for (const SimulatedFile& f : *files) {
    INFO(f.path);
    CHECK(ReadText(out / f.path) == f.content);
  }

  // --prefix names the trusts.
  test::RunResult p =
      RunLls({"simulate", "--out", (dir / "p").string(), "--prefix", "cumbria"}, logs);
  REQUIRE(p.exit_code == 0);
  const json pm = json::parse(ReadText(dir / "p" / "manifest.json"));
  CHECK(pm["lls"] == "lls-north");
  CHECK(pm["trusts"][0]["name"] == "trust-cumbria-1");
  CHECK(pm["trusts"][0]["organisation"] == "ZC1");
  CHECK(pm["trusts"].size() == 3);  // the defaults
  CHECK(pm["months"] == 24);
  CHECK(pm["start"] == "2024-01");
  CHECK(pm["seed"] == 1);
}

TEST_CASE("lls simulate refuses a non-empty folder unless --force, then writes only its files") {
  TempDir dir("lls-simulate-cli"), logs("lls-simulate-logs");
  const std::filesystem::path out = dir / "out";
  REQUIRE(RunLls({"simulate", "--out", out.string()}, logs).exit_code == 0);
  const std::string counts = ReadText(out / "trust-north-1" / "counts.csv");
  test::WriteText(out / "notes-of-mine.txt", "keep me");
  test::WriteText(out / "trust-north-1" / "counts.csv", "edited");

  test::RunResult again = RunLls({"simulate", "--out", out.string()}, logs);
  CHECK(again.exit_code == 2);
  CHECK(Lines(again.err) == 1);
  CHECK(again.err.find("--force") != std::string::npos);
  CHECK(ReadText(out / "trust-north-1" / "counts.csv") == "edited");

  test::RunResult forced = RunLls({"simulate", "--out", out.string(), "--force"}, logs);
  CHECK(forced.exit_code == 0);
  CHECK(ReadText(out / "trust-north-1" / "counts.csv") == counts);
  CHECK(ReadText(out / "notes-of-mine.txt") == "keep me");

  // A file where the folder should be.
  test::WriteText(dir / "file", "x");
  CHECK(RunLls({"simulate", "--out", (dir / "file").string(), "--force"}, logs).exit_code == 2);
}

TEST_CASE("lls simulate usage errors exit 2 with one line and write nothing") {
  TempDir dir("lls-simulate-cli"), logs("lls-simulate-logs");
  const std::string out = (dir / "out").string();
  for (std::vector<std::string> bad :
       std::vector<std::vector<std::string>>{{"--trusts", "0"},
                                             {"--trusts", "51"},
                                             {"--months", "0"},
                                             {"--months", "241"},
                                             {"--start", "2024-1"},
                                             {"--start", "2024-01-01"},
                                             {"--lls", "lls north"},
                                             {"--lls", "lls-"},
                                             {"--prefix", "a/b"}}) {
    std::vector<std::string> args = {"simulate", "--out", out};
    args.insert(args.end(), bad.begin(), bad.end());
    test::RunResult r = RunLls(args, logs);
    INFO(bad[0] << " " << bad[1] << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(Lines(r.err) == 1);
    CHECK(r.err.rfind("lls: ", 0) == 0);
    CHECK_FALSE(std::filesystem::exists(out));
  }
  // Parse errors (CLI11's own messages) exit 2 too.
  CHECK(RunLls({"simulate"}, logs).exit_code == 2);
  CHECK(RunLls({"simulate", "--out", out, "--seed", "abc"}, logs).exit_code == 2);
  CHECK(RunLls({"simulate", "--out", out, "--bogus"}, logs).exit_code == 2);
  CHECK_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace lls::tools
