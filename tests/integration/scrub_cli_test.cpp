// `lls scrub` as a user runs it: exit codes, the FILE:LINE:COLUMN format, --json lines.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sstream>

#include "tests/support/process.h"
#include "tests/support/support.h"

namespace lls::test {
namespace {

const std::string kLls = LLS_TOOL_BIN;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

TEST_CASE("lls scrub: clean, found, --json, unreadable", "[integration][scrub]") {
  TempDir dir("lls-scrub");
  const auto clean = dir / "clean.txt";
  const auto dirty = dir / "dirty.txt";
  WriteText(clean, "PDSA cycle 2: 7 of 10 women had CO tested at 32+4 weeks in Q3 2024.\n");
  WriteText(dirty,
            "Learning from the incident:\nlabel for 943 476 5919 was wrong; Mrs Smith "
            "was told.\n");

  SECTION("a clean file: exit 0, no output") {
    RunResult r = Run({kLls, "scrub", clean.string()}, dir.path());
    CHECK(r.exit_code == 0);
    CHECK(r.out.empty());
    CHECK(r.err.empty());
  }

  SECTION("a file with an NHS number: exit 1, one line per finding") {
    RunResult r = Run({kLls, "scrub", clean.string(), dirty.string()}, dir.path());
    CHECK(r.exit_code == 1);
    auto lines = Lines(r.out);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] == dirty.string() + ":2:11: nhs-number: 943 *** ****");
    CHECK(lines[1] == dirty.string() + ":2:39: name-after-title: Mrs S****");
    CHECK(r.out.find("476 5919") == std::string::npos);
  }

  SECTION("--json: one object per line") {
    RunResult r = Run({kLls, "scrub", dirty.string(), "--json"}, dir.path());
    CHECK(r.exit_code == 1);
    auto lines = Lines(r.out);
    REQUIRE(lines.size() == 2);
    auto first = nlohmann::json::parse(lines[0]);
    CHECK(first["file"] == dirty.string());
    CHECK(first["line"] == 2);
    CHECK(first["column"] == 11);
    CHECK(first["kind"] == "nhs-number");
    CHECK(first["masked"] == "943 *** ****");
    CHECK(nlohmann::json::parse(lines[1])["kind"] == "name-after-title");
  }

  SECTION("a missing file: exit 2 with one line on stderr, the other files still scanned") {
    const auto missing = dir / "missing.txt";
    RunResult r = Run({kLls, "scrub", missing.string(), dirty.string()}, dir.path());
    CHECK(r.exit_code == 2);
    CHECK(Lines(r.err).size() == 1);
    CHECK_THAT(r.err, Catch::Contains("missing.txt"));
    CHECK(Lines(r.out).size() == 2);
  }

  SECTION("no file: a usage error, exit 2") {
    RunResult r = Run({kLls, "scrub"}, dir.path());
    CHECK(r.exit_code == 2);
  }
}

}  // namespace
}  // namespace lls::test
