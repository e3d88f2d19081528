// Outbox: the durable queue of signed envelopes waiting for a hub's Ack.
//
// A message is sealed (given the signer's next sequence number and signed) and stored in one
// transaction, so sequence numbers are never reused or skipped across crashes. It stays queued
// until the hub acks it (Ack, or Ack{duplicate} when an earlier send arrived but its Ack was
// lost) or refuses it for good (a non-transient Nack). Resending sends the identical bytes, so
// the hub's idempotency by message id makes resends harmless. Retries back off exponentially
// with jitter. Used by lls-node, and by lls-hub towards its parent.
//
// Not thread-safe; the Database (not owned) must outlive the Outbox.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/crypto.h"
#include "exchange/sqlite.h"
#include "schema/messages.h"
#include "schema/status.h"

namespace lls {

struct OutboxEntry {
  int64_t local_id = 0;  // order of enqueueing
  MessageId message_id{};
  Kind kind = Kind::kUnknown;
  uint64_t sequence = 0;
  Bytes envelope;  // the encoded, signed envelope: sent as is
  int attempts = 0;
};

struct OutboxStats {
  int64_t queued = 0;
  int64_t in_flight = 0;            // queued and sent at least once, not yet answered
  int64_t acked = 0;
  int64_t rejected = 0;
  int64_t last_ack_ms = 0;          // 0 when nothing was ever acked
  uint64_t last_hub_seq = 0;
  std::string last_error;           // last Nack or transport error, "" if none
  int64_t last_error_ms = 0;
  uint64_t next_sequence = 1;
};

struct Backoff {
  int64_t base_ms = 500;
  int64_t max_ms = 5 * 60 * 1000;
};

class Outbox {
 public:
  // The tables an Outbox needs; owners include this in their migration list.
  static const char* const kSchemaV1;

  explicit Outbox(db::Database& db, Backoff backoff = {}) : db_(db), backoff_(backoff) {}

  // Seals `body` with the next sequence and stores it, atomically. Returns the envelope.
  Result<Envelope> Enqueue(const crypto::Identity& identity, const Body& body, int64_t now_ms);

  // Queues an envelope someone else already sealed (its sequence taken from the owner's own
  // counter, e.g. the hub's `hub_signer`): `encoded` is sent as is and next_sequence is NOT
  // touched, so an owner that seals every message this way keeps one counter per key. A
  // message id or sequence already in the outbox is kAlreadyExists. Opens no transaction of
  // its own (one INSERT): callable inside the owner's transaction, which it then joins.
  Status EnqueueSealed(const Envelope& envelope, const Bytes& encoded, int64_t now_ms);

  // Queued entries whose next attempt is due at `now_ms` (all queued ones when `ignore_backoff`),
  // oldest first, at most `limit`.
  Result<std::vector<OutboxEntry>> Due(int64_t now_ms, size_t limit, bool ignore_backoff = false);

  // Records a send: attempts + 1, next attempt after an exponential, jittered delay.
  Status MarkSent(const MessageId& id, int64_t now_ms);
  Status MarkAcked(const MessageId& id, uint64_t hub_seq, int64_t now_ms);
  // A permanent refusal: the entry leaves the queue and keeps the reason.
  Status MarkRejected(const MessageId& id, std::string_view reason, int64_t now_ms);
  // A transport-level problem (hub unreachable, key refused), shown in status.
  Status RecordError(std::string_view error, int64_t now_ms);

  Result<OutboxStats> Stats();

  // The database the outbox lives in, so a caller can group its writes in one transaction.
  db::Database& database() { return db_; }

  struct Rejection {
    MessageId message_id{};
    Kind kind = Kind::kUnknown;
    uint64_t sequence = 0;
    std::string reason;
  };
  Result<std::vector<Rejection>> Rejections(size_t limit);

 private:
  int64_t DelayMs(int attempts) const;

  db::Database& db_;  // not owned
  Backoff backoff_;
};

}  // namespace lls
