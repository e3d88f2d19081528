// ConfigFile: typed TOML access with defaults, ranges, path resolution and unknown-key checks.
#include <catch2/catch.hpp>

#include <string>

#include "exchange/config_file.h"
#include "tests/exchange/test_util.h"

namespace lls {
namespace {

using test::TempDir;
using test::WriteText;

ConfigFile MustParse(std::string_view text, const std::filesystem::path& base = "/etc/lls") {
  auto config = ConfigFile::Parse(text, "test.toml", base);
  INFO(config.status().ToString());
  REQUIRE(config.ok());
  return std::move(config).value();
}

bool Mentions(const Status& status, std::string_view text) {
  return status.message().find(text) != std::string::npos;
}

constexpr char kSample[] = R"toml(
[hub]
name = "lls-north"
port = 7401
debug = true
ratio = 0.5

[ingest]
endpoint = "tcp://127.0.0.1:*"
)toml";

TEST_CASE("present keys are read with their types", "[config]") {
  ConfigFile config = MustParse(kSample);
  CHECK(config.origin() == "test.toml");
  auto name = config.String("hub.name");
  REQUIRE(name.ok());
  CHECK(*name == "lls-north");
  auto port = config.Int("hub.port", 1, 1, 65535);
  REQUIRE(port.ok());
  CHECK(*port == 7401);
  auto debug = config.Bool("hub.debug", false);
  REQUIRE(debug.ok());
  CHECK(*debug);
  auto endpoint = config.String("ingest.endpoint");
  REQUIRE(endpoint.ok());
  CHECK(*endpoint == "tcp://127.0.0.1:*");
}

TEST_CASE("missing keys take their defaults", "[config]") {
  ConfigFile config = MustParse("");
  auto s = config.String("hub.name", "default-name");
  REQUIRE(s.ok());
  CHECK(*s == "default-name");
  auto i = config.Int("ingest.max_age_days", 400, 1, 36500);
  REQUIRE(i.ok());
  CHECK(*i == 400);
  auto b = config.Bool("hub.debug", true);
  REQUIRE(b.ok());
  CHECK(*b);
  auto p = config.Path("hub.data_dir", ".");
  REQUIRE(p.ok());
  CHECK(*p == std::filesystem::path("/etc/lls/"));
  CHECK(config.CheckNoUnknownKeys().ok());
}

TEST_CASE("a missing required key is kInvalidArgument naming the key", "[config]") {
  ConfigFile config = MustParse(kSample);
  auto s = config.String("hub.key");
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().code() == Code::kInvalidArgument);
  CHECK(Mentions(s.status(), "hub.key"));
  CHECK(Mentions(s.status(), "test.toml"));
  CHECK(Mentions(s.status(), "missing"));

  auto i = config.Int("hub.workers");
  REQUIRE_FALSE(i.ok());
  CHECK(Mentions(i.status(), "hub.workers"));
  auto b = config.Bool("hub.verbose");
  REQUIRE_FALSE(b.ok());
  CHECK(Mentions(b.status(), "hub.verbose"));
  auto p = config.Path("hub.key");
  REQUIRE_FALSE(p.ok());
  CHECK(Mentions(p.status(), "hub.key"));
}

TEST_CASE("a value of the wrong type is refused even when a default exists", "[config]") {
  ConfigFile config = MustParse(kSample);
  auto s = config.String("hub.port", "x");  // integer, not a string
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().code() == Code::kInvalidArgument);
  CHECK(Mentions(s.status(), "hub.port"));
  CHECK(Mentions(s.status(), "string"));

  auto i = config.Int("hub.name", 1);  // string, not an integer
  REQUIRE_FALSE(i.ok());
  CHECK(Mentions(i.status(), "integer"));
  auto f = config.Int("hub.ratio", 1);  // float, not an integer
  REQUIRE_FALSE(f.ok());
  CHECK(Mentions(f.status(), "hub.ratio"));

  auto b = config.Bool("hub.port", false);
  REQUIRE_FALSE(b.ok());
  CHECK(Mentions(b.status(), "true or false"));

  auto table = config.String("hub", "x");  // a table, not a string
  REQUIRE_FALSE(table.ok());
  CHECK(table.status().code() == Code::kInvalidArgument);
}

TEST_CASE("integers outside their range are refused, the bounds inclusive", "[config]") {
  ConfigFile config = MustParse("low = 0\nhigh = 65536\nedge = 65535\nneg = -3\n");
  auto low = config.Int("low", std::nullopt, 1, 65535);
  REQUIRE_FALSE(low.ok());
  CHECK(Mentions(low.status(), "between 1 and 65535"));
  auto high = config.Int("high", std::nullopt, 1, 65535);
  REQUIRE_FALSE(high.ok());
  CHECK(high.status().code() == Code::kInvalidArgument);
  auto edge = config.Int("edge", std::nullopt, 1, 65535);
  REQUIRE(edge.ok());
  CHECK(*edge == 65535);
  auto neg = config.Int("neg", std::nullopt, -3, 0);
  REQUIRE(neg.ok());
  CHECK(*neg == -3);
}

TEST_CASE("relative paths resolve against the config file's folder", "[config]") {
  TempDir dir;
  std::filesystem::create_directories(dir / "etc");
  WriteText(dir / "etc" / "hub.toml",
            "[hub]\n"
            "key = \"keys/hub.secret\"\n"
            "data_dir = \"../var/./lib\"\n"
            "log = \"/var/log/lls.log\"\n"
            "empty = \"\"\n");
  auto loaded = ConfigFile::Load(dir / "etc" / "hub.toml");
  INFO(loaded.status().ToString());
  REQUIRE(loaded.ok());
  ConfigFile config = std::move(loaded).value();
  CHECK(config.origin() == (dir / "etc" / "hub.toml").string());

  auto key = config.Path("hub.key");
  REQUIRE(key.ok());
  CHECK(*key == dir / "etc" / "keys" / "hub.secret");
  auto data = config.Path("hub.data_dir");
  REQUIRE(data.ok());
  CHECK(*data == dir / "var" / "lib");
  auto log = config.Path("hub.log");
  REQUIRE(log.ok());
  CHECK(*log == std::filesystem::path("/var/log/lls.log"));  // absolute stays
  auto fallback = config.Path("hub.socket", "run/hub.sock");
  REQUIRE(fallback.ok());
  CHECK(*fallback == dir / "etc" / "run" / "hub.sock");  // defaults resolve too
  auto empty = config.Path("hub.empty");
  REQUIRE_FALSE(empty.ok());
  CHECK(Mentions(empty.status(), "hub.empty"));
}

TEST_CASE("Load of a file that is not there fails, naming the file", "[config]") {
  TempDir dir;
  auto config = ConfigFile::Load(dir / "nope.toml");
  REQUIRE_FALSE(config.ok());
  CHECK(Mentions(config.status(), (dir / "nope.toml").string()));
}

TEST_CASE("CheckNoUnknownKeys catches a misspelt key", "[config]") {
  ConfigFile config = MustParse(
      "[hub]\nname = \"n\"\n[ingest]\nendpoint = \"tcp://127.0.0.1:1\"\nmax_mesage_bytes = 10\n");
  REQUIRE(config.String("hub.name").ok());
  REQUIRE(config.String("ingest.endpoint").ok());
  REQUIRE(config.Int("ingest.max_message_bytes", 1024).ok());
  Status status = config.CheckNoUnknownKeys();
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == Code::kInvalidArgument);
  CHECK(Mentions(status, "ingest.max_mesage_bytes"));
}

TEST_CASE("CheckNoUnknownKeys passes when every key was asked for", "[config]") {
  ConfigFile config = MustParse(kSample);
  REQUIRE(config.String("hub.name").ok());
  REQUIRE(config.Int("hub.port", 0).ok());
  REQUIRE(config.Bool("hub.debug", false).ok());
  CHECK_FALSE(config.CheckNoUnknownKeys().ok());  // hub.ratio and ingest.endpoint remain
  (void)config.Int("hub.ratio", 0);               // asked (even though it is the wrong type)
  CHECK_FALSE(config.CheckNoUnknownKeys().ok());  // ingest.endpoint remains
  REQUIRE(config.String("ingest.endpoint").ok());
  CHECK(config.CheckNoUnknownKeys().ok());
}

TEST_CASE("CheckNoUnknownKeys flags an unknown empty table and a top-level key", "[config]") {
  ConfigFile tables = MustParse("[hub]\nname = \"n\"\n[hubb]\n");
  REQUIRE(tables.String("hub.name").ok());
  Status status = tables.CheckNoUnknownKeys();
  REQUIRE_FALSE(status.ok());
  CHECK(Mentions(status, "hubb"));

  ConfigFile top = MustParse("stray = 1\n");
  Status stray = top.CheckNoUnknownKeys();
  REQUIRE_FALSE(stray.ok());
  CHECK(Mentions(stray, "stray"));
}

TEST_CASE("a TOML syntax error reports the file and line", "[config]") {
  auto config = ConfigFile::Parse("[hub]\nname = \"ok\"\nport = = 3\n", "broken.toml", "/tmp");
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == Code::kInvalidArgument);
  INFO(config.status().message());
  CHECK(Mentions(config.status(), "broken.toml:3:"));

  auto unterminated = ConfigFile::Parse("a = 1\nb = 2\n\n\nname = \"open\n", "u.toml", "/tmp");
  REQUIRE_FALSE(unterminated.ok());
  INFO(unterminated.status().message());
  CHECK(Mentions(unterminated.status(), "u.toml:5:"));
}

TEST_CASE("a copy keeps its own record of asked keys", "[config]") {
  ConfigFile original = MustParse("a = 1\nb = 2\n");
  REQUIRE(original.Int("a").ok());
  ConfigFile copy = original;
  REQUIRE(copy.Int("b").ok());
  CHECK(copy.CheckNoUnknownKeys().ok());
  CHECK_FALSE(original.CheckNoUnknownKeys().ok());
}

}  // namespace
}  // namespace lls

namespace lls {
namespace {

TEST_CASE("NumberTable reads integers and floats, and refuses text", "[config]") {
  ConfigFile ok = MustParse("[targets]\nSATOD = 6\nCO_BOOKING = 95.5\n");
  auto targets = ok.NumberTable("targets");
  REQUIRE(targets.ok());
  // toml++ keeps a table's keys sorted.
  CHECK(*targets == std::vector<std::pair<std::string, double>>{{"CO_BOOKING", 95.5},
                                                                {"SATOD", 6.0}});
  CHECK(ok.CheckNoUnknownKeys().ok());

  ConfigFile absent = MustParse("[hub]\n");
  auto none = absent.NumberTable("targets");
  REQUIRE(none.ok());
  CHECK(none->empty());

  ConfigFile quoted = MustParse("[targets]\nSATOD = \"6\"\n");
  auto refused = quoted.NumberTable("targets");
  REQUIRE_FALSE(refused.ok());
  CHECK(Mentions(refused.status(), "targets.SATOD"));
  CHECK(Mentions(refused.status(), "expected a number"));

  ConfigFile not_table = MustParse("targets = 6\n");
  CHECK_FALSE(not_table.NumberTable("targets").ok());
}

}  // namespace
}  // namespace lls
