#include "exchange/publisher.h"

#include <algorithm>

#include "crypto/crypto.h"
#include "exchange/sqlite.h"
#include "schema/codec.h"

namespace lls {

namespace {
using SteadyClock = std::chrono::steady_clock;
constexpr auto kPollSlice = std::chrono::milliseconds(100);
}  // namespace

Status Publisher::Pump(std::chrono::milliseconds timeout, bool ignore_backoff,
                       PublishReport& report) {
  // A new connection since the last turn: frames in flight on the old one may have died with
  // it (a reset, a half-open connection found by heartbeat), so they are resent now, and what
  // is queued is sent now whatever its backoff (which measured how long the hub was out of
  // reach, and it is back). Otherwise a frame lost with a dead connection waited for its
  // message's backoff to come round: up to backoff_max_seconds (tests/faults).
  const uint64_t handshakes = transport_.handshakes();
  const bool reconnected = handshakes != handshakes_seen_;
  handshakes_seen_ = handshakes;
  // Nothing is sent while there is no connection: it would only wait in ZeroMQ's queue and
  // reach the hub at the reconnection next to the resends, as one more duplicate (a 90 s
  // partition used to end in a burst of ~900 duplicates from two nodes), and a queue filled to
  // its high-water mark would make Send fail.
  if (transport_.connected()) {
    // Top up the window with queued entries not yet in flight, and resend those whose answer
    // is overdue (after resend_after, or when their backoff has passed).
    LLS_ASSIGN_OR_RETURN(
        std::vector<OutboxEntry> due,
        outbox_.Due(clock_.NowMs(), options_.window * 4, ignore_backoff || reconnected));
    LLS_RETURN_IF_ERROR(SendDue(due, ignore_backoff, reconnected));
  }
  auto frame = transport_.Receive(timeout);
  if (!frame.ok()) {
    (void)outbox_.RecordError(frame.status().message(), clock_.NowMs());
    return frame.status();
  }
  if (!frame->has_value()) return Status::Ok();
  // The replies already here are recorded in one transaction: one fsync, not one per Ack (a
  // reconnection brings a window's worth at once). Lost in a crash, they are asked again: the
  // resends are acked as duplicates.
  LLS_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Begin(outbox_.database()));
  while (frame->has_value()) {
    LLS_RETURN_IF_ERROR(HandleReply(**frame, report));
    frame = transport_.Receive(std::chrono::milliseconds(0));
    if (!frame.ok()) return frame.status();
  }
  return tx.Commit();
}

Status Publisher::SendDue(const std::vector<OutboxEntry>& due, bool ignore_backoff,
                          bool reconnected) {
  if (due.empty()) return Status::Ok();
  // The sends' bookkeeping (attempts, next attempt) in one transaction, for the same reason.
  LLS_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Begin(outbox_.database()));
  const auto now = SteadyClock::now();
  for (const OutboxEntry& entry : due) {
    auto it = std::find_if(in_flight_.begin(), in_flight_.end(),
                           [&](const auto& f) { return f.first == entry.message_id; });
    bool overdue = it != in_flight_.end() &&
                   (reconnected || !ignore_backoff || now - it->second > options_.resend_after);
    if (it != in_flight_.end() && !overdue) continue;
    if (it == in_flight_.end() && in_flight_.size() >= options_.window) continue;
    Status sent = transport_.Send(entry.envelope);
    if (sent.code() == Code::kUnavailable) break;  // ZeroMQ's queue is full: next turn
    LLS_RETURN_IF_ERROR(sent);
    LLS_RETURN_IF_ERROR(outbox_.MarkSent(entry.message_id, clock_.NowMs()));
    if (it != in_flight_.end()) {
      it->second = now;
    } else {
      in_flight_.emplace_back(entry.message_id, now);
    }
  }
  return tx.Commit();
}

Result<PublishReport> Publisher::PublishAll(std::chrono::milliseconds wait) {
  PublishReport report;
  const auto deadline = SteadyClock::now() + wait;
  for (;;) {
    LLS_ASSIGN_OR_RETURN(OutboxStats stats, outbox_.Stats());
    if (stats.queued == 0) break;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                      SteadyClock::now());
    if (left.count() <= 0) break;
    LLS_RETURN_IF_ERROR(Pump(std::min(kPollSlice, left), /*ignore_backoff=*/true, report));
  }
  LLS_ASSIGN_OR_RETURN(OutboxStats stats, outbox_.Stats());
  report.remaining = stats.queued;
  if (report.remaining > 0) {
    // Keep the hub's own reason when it gave one: "not acknowledged" alone would hide it.
    (void)outbox_.RecordError(
        std::to_string(report.remaining) + " message(s) not acknowledged before the wait ended" +
            (report.last_deferral.empty() ? "" : "; the hub deferred them (" +
                                                     report.last_deferral + ")"),
        clock_.NowMs());
  }
  return report;
}

Status Publisher::HandleReply(const std::vector<uint8_t>& frame, PublishReport& report) {
  WireResult<Reply> reply = DecodeReply(frame);
  if (!reply.ok()) {
    return outbox_.RecordError("unreadable reply from hub: " + reply.error().text,
                               clock_.NowMs());
  }
  const MessageId& id = std::visit([](const auto& r) -> const MessageId& { return r.message_id; },
                                   *reply);
  auto it = std::find_if(in_flight_.begin(), in_flight_.end(),
                         [&](const auto& f) { return f.first == id; });
  if (const Nack* nack = std::get_if<Nack>(&*reply); nack && NackIsTransient(nack->code)) {
    if (it != in_flight_.end()) it->second = SteadyClock::now();  // resent when overdue
    ++report.deferred;
    report.last_deferral = std::string(NackCodeName(nack->code)) + ": " + nack->text;
    return outbox_.RecordError("hub deferred a message (" + report.last_deferral + ")",
                               clock_.NowMs());
  }
  // An answer to a message sent before this Publisher existed (or answered twice) still
  // settles it in the outbox, but is counted in the report only once.
  bool counted = it != in_flight_.end();
  if (counted) in_flight_.erase(it);

  if (const Ack* ack = std::get_if<Ack>(&*reply)) {
    if (counted) {
      ++report.acked;
      if (ack->duplicate) ++report.duplicates;
    }
    return outbox_.MarkAcked(id, ack->hub_seq, clock_.NowMs());
  }
  const Nack& nack = std::get<Nack>(*reply);
  std::string reason = std::string(NackCodeName(nack.code)) + ": " + nack.text;
  if (counted) {
    ++report.rejected;
    report.rejections.push_back("message " + crypto::ToHex(id) + " refused: " + reason);
  }
  return outbox_.MarkRejected(id, reason, clock_.NowMs());
}

}  // namespace lls
