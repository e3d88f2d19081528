#include "exchange/outbox.h"

#include <algorithm>
#include <random>

#include "schema/codec.h"

namespace lls {

const char* const Outbox::kSchemaV1 = R"sql(
CREATE TABLE outbox (
  local_id INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id BLOB NOT NULL UNIQUE,
  kind INTEGER NOT NULL,
  sequence INTEGER NOT NULL UNIQUE,
  envelope BLOB NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'acked', 'rejected')),
  enqueued_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  hub_seq INTEGER,
  acked_at INTEGER,
  reason TEXT
);
CREATE INDEX outbox_queued ON outbox (state, next_attempt_at);
CREATE TABLE outbox_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  next_sequence INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  last_error_at INTEGER NOT NULL DEFAULT 0
);
INSERT INTO outbox_state (id, next_sequence) VALUES (1, 1);
)sql";

namespace {
std::span<const uint8_t> Span(const MessageId& id) { return {id.data(), id.size()}; }

MessageId ToMessageId(const std::vector<uint8_t>& blob) {
  MessageId id{};
  std::copy_n(blob.begin(), std::min(blob.size(), id.size()), id.begin());
  return id;
}
}  // namespace

Result<Envelope> Outbox::Enqueue(const crypto::Identity& identity, const Body& body,
                                 int64_t now_ms) {
  LLS_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Begin(db_));
  LLS_ASSIGN_OR_RETURN(db::Statement next,
                       db_.Prepare("SELECT next_sequence FROM outbox_state WHERE id = 1"));
  LLS_ASSIGN_OR_RETURN(bool row, next.Step());
  if (!row) return Status(Code::kCorrupt, "outbox_state row missing");
  uint64_t sequence = static_cast<uint64_t>(next.ColumnInt(0));

  Envelope envelope = crypto::Seal(identity, sequence, now_ms, body);
  Bytes encoded = EncodeEnvelope(envelope);
  LLS_ASSIGN_OR_RETURN(db::Statement insert,
                       db_.Prepare("INSERT INTO outbox (message_id, kind, sequence, envelope, "
                                   "enqueued_at) VALUES (?, ?, ?, ?, ?)"));
  insert.Bind(1, Span(envelope.message_id))
      .Bind(2, static_cast<int64_t>(envelope.kind))
      .Bind(3, static_cast<int64_t>(sequence))
      .Bind(4, encoded)
      .Bind(5, now_ms);
  LLS_RETURN_IF_ERROR(insert.Run());
  LLS_ASSIGN_OR_RETURN(db::Statement bump,
                       db_.Prepare("UPDATE outbox_state SET next_sequence = ? WHERE id = 1"));
  bump.Bind(1, static_cast<int64_t>(sequence + 1));
  LLS_RETURN_IF_ERROR(bump.Run());
  LLS_RETURN_IF_ERROR(tx.Commit());
  return envelope;
}

Status Outbox::EnqueueSealed(const Envelope& envelope, const Bytes& encoded, int64_t now_ms) {
  LLS_ASSIGN_OR_RETURN(db::Statement insert,
                       db_.Prepare("INSERT INTO outbox (message_id, kind, sequence, envelope, "
                                   "enqueued_at) VALUES (?, ?, ?, ?, ?)"));
  insert.Bind(1, Span(envelope.message_id))
      .Bind(2, static_cast<int64_t>(envelope.kind))
      .Bind(3, static_cast<int64_t>(envelope.sequence))
      .Bind(4, encoded)
      .Bind(5, now_ms);
  return insert.Run();
}

Result<std::vector<OutboxEntry>> Outbox::Due(int64_t now_ms, size_t limit, bool ignore_backoff) {
  LLS_ASSIGN_OR_RETURN(
      db::Statement select,
      db_.Prepare("SELECT local_id, message_id, kind, sequence, envelope, attempts FROM outbox "
                  "WHERE state = 'queued' AND (? OR next_attempt_at <= ?) "
                  "ORDER BY local_id LIMIT ?"));
  select.Bind(1, static_cast<int64_t>(ignore_backoff ? 1 : 0))
      .Bind(2, now_ms)
      .Bind(3, static_cast<int64_t>(limit));
  std::vector<OutboxEntry> entries;
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    OutboxEntry entry;
    entry.local_id = select.ColumnInt(0);
    entry.message_id = ToMessageId(select.ColumnBlob(1));
    entry.kind = static_cast<Kind>(select.ColumnInt(2));
    entry.sequence = static_cast<uint64_t>(select.ColumnInt(3));
    entry.envelope = select.ColumnBlob(4);
    entry.attempts = static_cast<int>(select.ColumnInt(5));
    entries.push_back(std::move(entry));
  }
  return entries;
}

int64_t Outbox::DelayMs(int attempts) const {
  // "Equal jitter" (a random delay between half the exponential cap and the cap): resending
  // nodes do not stampede a hub that comes back, and none retries much sooner than planned.
  int shift = std::min(attempts, 20);
  int64_t cap = std::min(backoff_.max_ms, backoff_.base_ms << shift);
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<int64_t> pick(cap / 2, cap);
  return pick(rng);
}

Status Outbox::MarkSent(const MessageId& id, int64_t now_ms) {
  LLS_ASSIGN_OR_RETURN(db::Statement select,
                       db_.Prepare("SELECT attempts FROM outbox WHERE message_id = ?"));
  select.Bind(1, Span(id));
  LLS_ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return Status(Code::kNotFound, "no such outbox entry");
  int attempts = static_cast<int>(select.ColumnInt(0));
  LLS_ASSIGN_OR_RETURN(db::Statement update,
                       db_.Prepare("UPDATE outbox SET attempts = attempts + 1, "
                                   "next_attempt_at = ? WHERE message_id = ?"));
  update.Bind(1, now_ms + DelayMs(attempts)).Bind(2, Span(id));
  return update.Run();
}

Status Outbox::MarkAcked(const MessageId& id, uint64_t hub_seq, int64_t now_ms) {
  LLS_ASSIGN_OR_RETURN(db::Statement update,
                       db_.Prepare("UPDATE outbox SET state = 'acked', hub_seq = ?, acked_at = ? "
                                   "WHERE message_id = ? AND state = 'queued'"));
  update.Bind(1, static_cast<int64_t>(hub_seq)).Bind(2, now_ms).Bind(3, Span(id));
  LLS_RETURN_IF_ERROR(update.Run());
  // An ack shows the path to the hub works again: an older error is no longer current.
  LLS_ASSIGN_OR_RETURN(db::Statement clear,
                       db_.Prepare("UPDATE outbox_state SET last_error = '' WHERE id = 1"));
  return clear.Run();
}

Status Outbox::MarkRejected(const MessageId& id, std::string_view reason, int64_t now_ms) {
  LLS_ASSIGN_OR_RETURN(db::Statement update,
                       db_.Prepare("UPDATE outbox SET state = 'rejected', reason = ? "
                                   "WHERE message_id = ? AND state = 'queued'"));
  update.Bind(1, reason).Bind(2, Span(id));
  LLS_RETURN_IF_ERROR(update.Run());
  return RecordError(reason, now_ms);
}

Status Outbox::RecordError(std::string_view error, int64_t now_ms) {
  LLS_ASSIGN_OR_RETURN(db::Statement update,
                       db_.Prepare("UPDATE outbox_state SET last_error = ?, last_error_at = ? "
                                   "WHERE id = 1"));
  update.Bind(1, error).Bind(2, now_ms);
  return update.Run();
}

Result<OutboxStats> Outbox::Stats() {
  OutboxStats stats;
  LLS_ASSIGN_OR_RETURN(
      db::Statement counts,
      db_.Prepare("SELECT COALESCE(SUM(state = 'queued'), 0), COALESCE(SUM(state = 'acked'), 0), "
                  "COALESCE(SUM(state = 'rejected'), 0), COALESCE(MAX(acked_at), 0), "
                  "COALESCE(MAX(hub_seq), 0), "
                  "COALESCE(SUM(state = 'queued' AND attempts > 0), 0) FROM outbox"));
  LLS_ASSIGN_OR_RETURN(bool row, counts.Step());
  if (row) {
    stats.queued = counts.ColumnInt(0);
    stats.acked = counts.ColumnInt(1);
    stats.rejected = counts.ColumnInt(2);
    stats.last_ack_ms = counts.ColumnInt(3);
    stats.last_hub_seq = static_cast<uint64_t>(counts.ColumnInt(4));
    stats.in_flight = counts.ColumnInt(5);
  }
  LLS_ASSIGN_OR_RETURN(
      db::Statement state,
      db_.Prepare("SELECT next_sequence, last_error, last_error_at FROM outbox_state"));
  LLS_ASSIGN_OR_RETURN(bool has_state, state.Step());
  if (has_state) {
    stats.next_sequence = static_cast<uint64_t>(state.ColumnInt(0));
    stats.last_error = state.ColumnText(1);
    stats.last_error_ms = state.ColumnInt(2);
  }
  return stats;
}

Result<std::vector<Outbox::Rejection>> Outbox::Rejections(size_t limit) {
  LLS_ASSIGN_OR_RETURN(db::Statement select,
                       db_.Prepare("SELECT message_id, kind, sequence, reason FROM outbox "
                                   "WHERE state = 'rejected' ORDER BY local_id DESC LIMIT ?"));
  select.Bind(1, static_cast<int64_t>(limit));
  std::vector<Rejection> out;
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    out.push_back({ToMessageId(select.ColumnBlob(0)), static_cast<Kind>(select.ColumnInt(1)),
                   static_cast<uint64_t>(select.ColumnInt(2)), select.ColumnText(3)});
  }
  return out;
}

}  // namespace lls
