// Publisher: drains an Outbox to a hub over a ClientTransport and records each answer.
//
// Keeps up to `window` messages in flight, matches replies by message id, and resends a
// message that got no answer within `resend_after` (PublishAll) or once its backoff has passed
// (Pump): the hub may have restarted, and its idempotency by message id makes this safe. Acks
// and permanent Nacks leave the queue; a transient Nack (internal) leaves the message queued for
// a later attempt.
//
// Network faults: nothing is sent while the transport has no connection. When a new one comes up
// (ClientTransport::handshakes() changed), every message in flight is resent at once and the
// queue is sent regardless of backoff, so a link resumes as soon as it heals. A full ZeroMQ queue
// is not an error: the rest waits for the next turn. The outbox bookkeeping of one turn's sends,
// and of the replies read together, is written in one transaction each (a savepoint inside the
// caller's transaction, if it has one open).
//
// Not thread-safe; the Outbox, transport and clock (not owned) must outlive the Publisher.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "exchange/clock.h"
#include "exchange/outbox.h"
#include "exchange/transport.h"
#include "schema/status.h"

namespace lls {

struct PublishReport {
  int64_t acked = 0;
  int64_t duplicates = 0;  // acked as already stored (an earlier send arrived)
  int64_t rejected = 0;
  int64_t remaining = 0;   // still queued when the call returned
  std::vector<std::string> rejections;  // "message <hex id> refused: <nack code>: <text>"
  // Transient Nacks (the hub could not store a message now, e.g. its disk is full): the
  // message stays queued and is resent. The last one's "<nack code>: <text>", "" if none.
  int64_t deferred = 0;
  std::string last_deferral;
};

struct PublisherOptions {
  size_t window = 64;
  std::chrono::milliseconds resend_after{3000};
};

class Publisher {
 public:
  Publisher(Outbox& outbox, transport::ClientTransport& transport, const Clock& clock,
            PublisherOptions options = {})
      : outbox_(outbox), transport_(transport), clock_(clock), options_(options) {}

  // Sends everything queued (ignoring backoff) and waits up to `wait` until each message is
  // answered. Returns the report; kUnauthenticated at once if the hub refuses this node's key.
  // A timeout is not an error: the report says how many remain queued.
  Result<PublishReport> PublishAll(std::chrono::milliseconds wait);

  // One step, for a long-running node: sends what is due (respecting each message's backoff
  // unless `ignore_backoff`), then waits up to `timeout` for replies and applies them.
  // kUnauthenticated when the hub refuses this node's key: the transport is then finished
  // (ZeroMQ does not retry a refused handshake) and the caller must make a new one.
  Status Pump(std::chrono::milliseconds timeout, bool ignore_backoff, PublishReport& report);

 private:
  // Sends (or resends) the due entries the window and their state allow.
  Status SendDue(const std::vector<OutboxEntry>& due, bool ignore_backoff, bool reconnected);
  // Applies one reply frame to the outbox.
  Status HandleReply(const std::vector<uint8_t>& frame, PublishReport& report);

  Outbox& outbox_;
  transport::ClientTransport& transport_;
  const Clock& clock_;
  PublisherOptions options_;
  std::vector<std::pair<MessageId, std::chrono::steady_clock::time_point>> in_flight_;
  uint64_t handshakes_seen_ = 0;  // transport_.handshakes() at the last Pump
};

}  // namespace lls
