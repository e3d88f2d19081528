// Roles: who may send what (DESIGN §4). A value table, no state; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "schema/messages.h"

namespace lls::hub {

enum class Role { kTrust, kFacilitator, kHub, kNational };

const char* RoleName(Role role);  // "trust", "facilitator", "hub", "national"
std::optional<Role> ParseRole(std::string_view name);

// Origin kinds each role may author:
//   trust        project summaries, learning items, retractions
//   facilitator  curation, learning items, retractions
//   hub          aggregates, relays, retractions (an LLS hub publishing to its parent)
//   national     bulletins, measure catalogues, learning items, relays, retractions
bool RoleMaySend(Role role, Kind kind);

}  // namespace lls::hub
