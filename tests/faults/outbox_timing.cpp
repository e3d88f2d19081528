#include "tests/faults/outbox_timing.h"

#include <chrono>

#include "exchange/sqlite.h"

namespace lls::faults {

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<OutboxTiming> ReadOutboxTiming(const std::filesystem::path& db_path, int64_t ref_ms,
                                      int64_t window_from, int64_t window_to) {
  db::OpenOptions options;
  options.create = false;
  LLS_ASSIGN_OR_RETURN(db::Database db, db::Database::Open(db_path, options));
  LLS_ASSIGN_OR_RETURN(
      db::Statement s,
      db.Prepare("SELECT COALESCE(SUM(state = 'queued'), 0), "
                 "COALESCE(SUM(enqueued_at < ?1 AND (state = 'queued' OR "
                 "(state = 'acked' AND acked_at >= ?1))), 0), "
                 "MIN(CASE WHEN state = 'acked' AND acked_at >= ?1 THEN acked_at END), "
                 "COALESCE(SUM(state = 'acked' AND acked_at >= ?2 AND acked_at < ?3), 0), "
                 "COALESCE(SUM(state = 'acked'), 0) FROM outbox"));
  s.Bind(1, ref_ms).Bind(2, window_from).Bind(3, window_to);
  LLS_ASSIGN_OR_RETURN(bool row, s.Step());
  OutboxTiming t;
  if (!row) return t;
  t.queued = s.ColumnInt(0);
  t.pending_at_ref = s.ColumnInt(1);
  if (!s.ColumnIsNull(2)) t.first_ack = s.ColumnInt(2);
  t.acked_in_window = s.ColumnInt(3);
  t.acked = s.ColumnInt(4);
  return t;
}

}  // namespace lls::faults
