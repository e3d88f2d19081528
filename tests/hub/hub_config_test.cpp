// hub.toml: the [dashboard] and [targets] tables (defaults, values, refusals).
#include <catch2/catch.hpp>

#include "hub/hub_config.h"
#include "tests/support/support.h"

namespace lls::hub {
namespace {

const char* kBase = "[hub]\nname = \"lls-north\"\nkey = \"keys/hub.secret\"\n";

Result<HubConfig> LoadText(const test::TempDir& dir, const std::string& text) {
  test::WriteText(dir.path() / "hub.toml", text);
  return HubConfig::Load(dir.path() / "hub.toml");
}

TEST_CASE("hub.toml: the dashboard is on, on loopback port 7480, by default", "[hub][config]") {
  test::TempDir dir("hub-config");
  auto config = LoadText(dir, kBase);
  REQUIRE(config.ok());
  CHECK(config->dashboard_enabled);
  CHECK(config->dashboard.address == "127.0.0.1");
  CHECK(config->dashboard.port == 7480);
  CHECK(config->targets.empty());
  CHECK(config->dashboard_url_file() == config->data_dir / "dashboard.url");
}

TEST_CASE("hub.toml: [dashboard] and [targets] are read", "[hub][config]") {
  test::TempDir dir("hub-config");
  auto config = LoadText(dir, std::string(kBase) +
                                  "[dashboard]\nenabled = false\naddress = \"127.0.0.2\"\n"
                                  "port = 0\n[targets]\nSATOD = 6\nCO_BOOKING = 95.5\n");
  INFO(config.status().ToString());
  REQUIRE(config.ok());
  CHECK_FALSE(config->dashboard_enabled);
  CHECK(config->dashboard.address == "127.0.0.2");
  CHECK(config->dashboard.port == 0);
  CHECK(config->targets == std::map<std::string, double>{{"CO_BOOKING", 95.5}, {"SATOD", 6.0}});
}

TEST_CASE("hub.toml: a target for an unknown measure, or a bad port, is refused",
          "[hub][config]") {
  test::TempDir dir("hub-config");
  auto unknown = LoadText(dir, std::string(kBase) + "[targets]\nSATO = 6\n");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().message().find("targets.SATO: not a measure code") != std::string::npos);
  CHECK(unknown.status().message().find("SATOD") != std::string::npos);  // lists known codes

  auto port = LoadText(dir, std::string(kBase) + "[dashboard]\nport = 70000\n");
  REQUIRE_FALSE(port.ok());
  CHECK(port.status().message().find("dashboard.port") != std::string::npos);

  auto typo = LoadText(dir, std::string(kBase) + "[dashboard]\nprot = 7480\n");
  REQUIRE_FALSE(typo.ok());
  CHECK(typo.status().message().find("dashboard.prot") != std::string::npos);
}

}  // namespace
}  // namespace lls::hub
