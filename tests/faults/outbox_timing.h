// Times a link's resumption from the timestamps an outbox keeps: `enqueued_at` and `acked_at`,
// written by the owner of the outbox (lls-node in node.db, the LLS hub's federation outbox in
// hub.db) with its wall clock in milliseconds. The harness notes when it healed a link with the
// same clock (WallMs); the first acked_at at or after that instant is when the link carried an
// Ack again, as the sender itself recorded it — no polling error, no guessing at encrypted bytes.
//
// Reads only (the owner keeps running; SQLite WAL readers do not block it). Not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "schema/status.h"

namespace lls::faults {

int64_t WallMs();

struct OutboxTiming {
  int64_t queued = 0;                // rows queued now
  int64_t pending_at_ref = 0;        // rows enqueued before `ref` and not acked before it
  std::optional<int64_t> first_ack;  // the earliest acked_at >= `ref`
  int64_t acked_in_window = 0;       // rows with acked_at in [window_from, window_to)
  int64_t acked = 0;                 // rows acked in all
};

Result<OutboxTiming> ReadOutboxTiming(const std::filesystem::path& db, int64_t ref_ms,
                                      int64_t window_from = 0, int64_t window_to = 0);

}  // namespace lls::faults
