// The hub under disk faults (disk_fault.cpp `hub`): a real `lls-hub run` whose hub.db sits on
// storage that fails while trusts and a facilitator publish to it and a member subscribes.
//
// Faults (HubFault):
//   kFileSizeLimit  RLIMIT_FSIZE lowered on the running hub (EFBIG), raised again to recover;
//   kTmpfsFull      hub.db on a small tmpfs filled with a ballast file (ENOSPC), then freed;
//   kExt4ReadOnly   hub.db on ext4 (loop device) whose journal is aborted by a filesystem error
//                   (EROFS from then on; unsynced writes lost); recovered by stopping the hub,
//                   e2fsck and mounting again, as an operator would.
// Each round: traffic runs, the fault is made, and while it lasts the hub must
//   - stay up, answer every frame (the Nacks are `internal`, the one transient code), log ONE
//     error line naming the cause and hub.db's path (not one per message), count the failures
//     in /metrics (lls_hub_storage_failures_total{cause}), and keep serving /healthz, the
//     subscriber and `lls-hub status`;
//   - refuse a backup onto the failing filesystem cleanly (exit 1, the cause named, no file
//     left behind) and still make one onto another disk;
// then the fault is removed and the senders' resends must be acknowledged. At the end every
// message sent is acknowledged, and hub.db must pass tests/crash/consistency.h: every Ack's
// message once at its hub sequence, nothing unacknowledged stored, aggregates equal to a
// recomputation and a replay of the log, relays for approvals, integrity_check ok. A second
// Ack naming another hub sequence, or any Nack but `internal`, is a violation too.
#pragma once

#include <cstdint>
#include <string>

#include "tests/disk/disk_site.h"

namespace lls::disk {

enum class HubFault { kFileSizeLimit, kTmpfsFull, kExt4ReadOnly };

struct HubFaultOptions {
  HubFault fault = HubFault::kTmpfsFull;
  int rounds = 1;       // fault, recover; repeated
  int clients = 3;      // trusts (plus one facilitator)
  int warm_ms = 1500;   // traffic before each fault
  int fault_ms = 3000;  // how long each fault lasts once it shows
  uint64_t seed = 1;
  bool keep = false;  // keep the folder
};

// Returns 0 when every check passed, 1 on a violation, 77 when the fault cannot be made here
// (mount refused: said loudly), 2 when the harness could not set up.
int RunHubFaults(const HubFaultOptions& options, Report& report);

const char* HubFaultName(HubFault fault);  // "file-size-limit", "tmpfs-full", "ext4-read-only"

}  // namespace lls::disk
