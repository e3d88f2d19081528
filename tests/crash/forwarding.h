// The crash harness's checks of forwarding (issue 7, item 1): an LLS hub under test forwards
// its aggregates and approved national learning to a real national hub (hub/federation.h,
// docs/hub.md "Federation (upward)", docs/protocol.md 12.7), and either may have been
// SIGKILLed. Reads both hub.db files, writes nothing of its own.
//
// Always (whatever was killed, whenever):
//   F1. the national's log holds, from the LLS hub's key, only envelopes of the LLS hub's
//       outbox, byte for byte (nothing re-sealed, nothing the LLS never queued);
//   F2. every outbox entry the LLS recorded as acked is in the national's log exactly once, at
//       the hub sequence the Ack named (state recorded only after the national stored it), and
//       none was refused;
//   F3. relays: the outbox holds one relay per approved national-scoped item and none for an
//       lls-scoped one, each the very envelope in the LLS log; the national's log holds at most
//       one relay per item and none of lls-scoped learning;
//   F4. the forwarding contract at the LLS hub, which queues forwards in the batch's own
//       transaction: per (lls, measure, month) cell, the newest queued Aggregate (highest
//       sequence) is the cell as it stands now (zeros when the cell is gone), with the SPC
//       reading SeriesSignals gives now; forwarded_readings (reading and figures) agrees with
//       it; later Aggregates of a cell have higher sequences and never repeat the one before
//       (no forward the national already has); hub_signer never fell behind a used sequence;
//       every relay in the LLS log belongs to an approved item (none echoed down from the
//       parent);
//   F5. the national's own state: its figure per (hub, scope, measure, month) is the newest
//       (by signer sequence) Aggregate of its log, and its national cells sum those figures;
//   F6. PRAGMA integrity_check on the national's hub.db answers "ok".
// Settled (the LLS hub's outbox is empty, both hubs quiet), besides:
//   S1. no forward is still queued;
//   S2. the national's present figures from the LLS hub are exactly the LLS hub's cells, with
//       the same SPC readings, and the national cells are their sums;
//   S3. every approved national item reached the national exactly once.
// Not thread-safe; call while the LLS hub is stopped or quiet.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "crypto/crypto.h"
#include "schema/messages.h"

namespace lls::crash {

struct ForwardingInput {
  SignPublicKey lls_hub{};                                 // the LLS hub's signing key
  std::vector<std::pair<MessageId, MessageId>> approvals;  // acked (curation, item)
  std::set<MessageId> national_items;                      // items scoped `national`
  std::map<std::string, double> targets;                   // the LLS hub's [targets]
  bool settled = false;                                    // also run S1-S3
};

struct ForwardingResult {
  std::vector<std::string> violations;  // empty: every check passed
  int checks_passed = 0;
  int checks_run = 0;
  int64_t outbox_rows = 0, outbox_queued = 0, outbox_acked = 0;
  int64_t forwarded_aggregates = 0, forwarded_relays = 0;  // in the outbox
  int64_t resent = 0;                                      // outbox entries sent more than once
  int64_t repeated_forwards = 0;  // Aggregates equal to the cell's previous forward (F4)
  int64_t at_national = 0;        // national log rows signed by the LLS hub
  int64_t committed_unacked = 0;  // queued at the LLS, yet in the national's log
  int64_t cells = 0;              // the LLS hub's aggregate cells
  int64_t national_figures = 0;   // present figures of the LLS hub at the national
};

ForwardingResult CheckForwarding(const std::filesystem::path& lls_db,
                                 const std::filesystem::path& national_db,
                                 const ForwardingInput& input);

// Outbox entries still queued at `lls_db` (-1 when it cannot be read): how a caller waits
// for forwarding to settle.
int64_t QueuedForwards(const std::filesystem::path& lls_db);

// Only the national's own checks (F5, F6): for a national hub just killed, with the LLS hub
// still running.
ForwardingResult CheckNationalDb(const std::filesystem::path& national_db,
                                 const SignPublicKey& lls_hub);

}  // namespace lls::crash
