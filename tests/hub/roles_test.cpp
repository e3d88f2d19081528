// The role table (DESIGN §4): which origin kinds each role may author.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

#include "hub/roles.h"

namespace lls::hub {
namespace {

const Kind kAllKinds[] = {Kind::kUnknown,          Kind::kProjectSummary, Kind::kLearningItem,
                          Kind::kCuration,         Kind::kAggregate,      Kind::kRetraction,
                          Kind::kMeasureCatalogue, Kind::kBulletin,       Kind::kRelay};

TEST_CASE("the role table, cell by cell", "[roles]") {
  const std::map<Role, std::set<Kind>> allowed = {
      {Role::kTrust, {Kind::kProjectSummary, Kind::kLearningItem, Kind::kRetraction}},
      {Role::kFacilitator, {Kind::kCuration, Kind::kLearningItem, Kind::kRetraction}},
      {Role::kHub, {Kind::kAggregate, Kind::kRelay, Kind::kRetraction}},
      {Role::kNational,
       {Kind::kBulletin, Kind::kMeasureCatalogue, Kind::kLearningItem, Kind::kRelay,
        Kind::kRetraction}},
  };
  for (const auto& [role, kinds] : allowed) {
    for (Kind kind : kAllKinds) {
      INFO(RoleName(role) << " sending " << KindName(kind));
      CHECK(RoleMaySend(role, kind) == (kinds.count(kind) == 1));
    }
  }
}

TEST_CASE("no role may send an unknown or out-of-range kind", "[roles]") {
  for (Role role : {Role::kTrust, Role::kFacilitator, Role::kHub, Role::kNational}) {
    CHECK_FALSE(RoleMaySend(role, Kind::kUnknown));
    CHECK_FALSE(RoleMaySend(role, static_cast<Kind>(kMaxKind + 1)));
    CHECK_FALSE(RoleMaySend(role, static_cast<Kind>(0xFFFF)));
  }
}

TEST_CASE("only a facilitator curates, only a trust sends summaries", "[roles]") {
  for (Role role : {Role::kTrust, Role::kFacilitator, Role::kHub, Role::kNational}) {
    INFO(RoleName(role));
    CHECK(RoleMaySend(role, Kind::kCuration) == (role == Role::kFacilitator));
    CHECK(RoleMaySend(role, Kind::kProjectSummary) == (role == Role::kTrust));
    CHECK(RoleMaySend(role, Kind::kRetraction));  // everyone may withdraw their own
  }
}

TEST_CASE("role names round-trip and unknown names are refused", "[roles]") {
  CHECK(std::string(RoleName(Role::kTrust)) == "trust");
  CHECK(std::string(RoleName(Role::kFacilitator)) == "facilitator");
  CHECK(std::string(RoleName(Role::kHub)) == "hub");
  CHECK(std::string(RoleName(Role::kNational)) == "national");
  for (Role role : {Role::kTrust, Role::kFacilitator, Role::kHub, Role::kNational}) {
    CHECK(ParseRole(RoleName(role)) == std::optional<Role>(role));
  }
  CHECK_FALSE(ParseRole("admin").has_value());
  CHECK_FALSE(ParseRole("").has_value());
  CHECK_FALSE(ParseRole("Trust").has_value());
  CHECK_FALSE(ParseRole("trust ").has_value());
  CHECK(std::string(RoleName(static_cast<Role>(42))) == "unknown");
}

}  // namespace
}  // namespace lls::hub
