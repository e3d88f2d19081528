#include "hub/roles.h"

namespace lls::hub {

const char* RoleName(Role role) {
  switch (role) {
    case Role::kTrust: return "trust";
    case Role::kFacilitator: return "facilitator";
    case Role::kHub: return "hub";
    case Role::kNational: return "national";
  }
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role role : {Role::kTrust, Role::kFacilitator, Role::kHub, Role::kNational}) {
    if (name == RoleName(role)) return role;
  }
  return std::nullopt;
}

bool RoleMaySend(Role role, Kind kind) {
  switch (role) {
    case Role::kTrust:
      return kind == Kind::kProjectSummary || kind == Kind::kLearningItem ||
             kind == Kind::kRetraction;
    case Role::kFacilitator:
      return kind == Kind::kCuration || kind == Kind::kLearningItem ||
             kind == Kind::kRetraction;
    case Role::kHub:
      return kind == Kind::kAggregate || kind == Kind::kRelay || kind == Kind::kRetraction;
    case Role::kNational:
      return kind == Kind::kBulletin || kind == Kind::kMeasureCatalogue ||
             kind == Kind::kLearningItem || kind == Kind::kRelay || kind == Kind::kRetraction;
  }
  return false;
}

}  // namespace lls::hub
