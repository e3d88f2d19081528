// The network-fault harness's checks of the federation link: what the LLS hub queued for its
// parent (its federation outbox in hub.db) against what the national hub stored.
//
//   F1. every row of the LLS hub's outbox is acked (nothing left queued, nothing refused);
//   F2. (with crash::CheckSignerLog) every acked row is in the national log once, at the Ack's
//       hub sequence, with the same bytes, and the national log holds nothing else from the
//       LLS hub's key;
//   F3. the national hub's current figure of each (LLS, measure, month) cell from this LLS hub
//       equals the LLS hub's own aggregate cell, and the national hub holds no other cell from
//       it (withdrawn ones aside): it ends with exactly what the LLS forwarded.
//
// Reads hub.db files only (the hubs may be stopped or running). Not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "schema/messages.h"
#include "schema/status.h"
#include "tests/crash/node_checks.h"

namespace lls::faults {

// The LLS hub's federation outbox, in the shape the node checks take (next_sequence and the
// pending counts are not used: a hub's sequences come from its shared hub_signer counter).
Result<crash::NodeDbState> ReadHubOutbox(const std::filesystem::path& hub_db);

// F1.
std::vector<std::string> CheckOutboxDrained(const crash::NodeDbState& outbox,
                                            const std::string& name);

// F3. `cells` is set to the number of cells compared.
std::vector<std::string> CheckNationalCells(const std::filesystem::path& national_db,
                                            const std::filesystem::path& lls_db,
                                            const SignPublicKey& lls_signer, int64_t* cells);

}  // namespace lls::faults
