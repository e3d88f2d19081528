#include "node/inbox.h"

#include <algorithm>

#include "crypto/crypto.h"

namespace lls::node {

namespace {

using SteadyClock = std::chrono::steady_clock;

}  // namespace

Status ApplyBatch(NodeStore& store, const SubscribeBatch& batch, int64_t now_ms,
                  InboxReport& report, const std::optional<SignPublicKey>& hub_signer) {
  LLS_ASSIGN_OR_RETURN(InboxState state, store.Inbox());
  const uint64_t cursor = std::max<uint64_t>(state.next_seq, 1);
  if (std::max<uint64_t>(batch.from_seq, 1) > cursor) {
    // It answers a request from further on than we stand: applying it could skip messages.
    report.next_seq = cursor;
    return Status::Ok();
  }
  std::vector<InboxRecord> records;
  int64_t rejected = 0;
  uint64_t last = cursor - 1;  // entries must be >= cursor and strictly ascending
  for (const LogEntry& entry : batch.entries) {
    if (entry.hub_seq <= last) {
      ++rejected;
      report.problems.push_back("hub sequence " + std::to_string(entry.hub_seq) +
                                ": out of order or already behind the inbox's cursor; skipped");
      continue;
    }
    last = entry.hub_seq;
    Result<VerifiedEntry> verified = VerifyEntry(entry);
    if (!verified.ok()) {
      ++rejected;
      report.problems.push_back(verified.status().message() + "; not stored");
      continue;
    }
    const Envelope& e = verified->envelope;
    if (hub_signer && e.kind == Kind::kRelay && e.signer != *hub_signer) {
      ++rejected;
      report.problems.push_back("hub sequence " + std::to_string(entry.hub_seq) +
                                ": a relay not signed by this node's hub (signer " +
                                crypto::ToHex(e.signer).substr(0, 16) + "...); not stored");
      continue;
    }
    records.push_back({entry.hub_seq, e.message_id, e.kind, e.signer, entry.organisation,
                       e.created_at_ms, now_ms, entry.envelope});
  }
  // The cursor moves past everything this batch accounted for, rejected entries included.
  uint64_t next = std::max(cursor, last + 1);
  next = std::max(next, batch.next_seq);
  LLS_ASSIGN_OR_RETURN(size_t added,
                       store.StoreInbox(records, next, batch.head_seq, rejected, now_ms));
  report.stored += static_cast<int64_t>(added);
  report.duplicates += static_cast<int64_t>(records.size() - added);
  report.rejected += rejected;
  report.next_seq = next;
  report.head_seq = batch.head_seq;
  return Status::Ok();
}

Status InboxClient::Pump(std::chrono::milliseconds timeout, InboxReport& report) {
  if (SteadyClock::now() < retry_at_) return Status::Ok();
  LLS_ASSIGN_OR_RETURN(InboxState state, store_.Inbox());
  LLS_RETURN_IF_ERROR(
      subscriber_.Request(state.next_seq, options_.max_messages, options_.wait_ms));
  auto batch = subscriber_.Receive(timeout);
  if (!batch.ok()) {
    if (batch.status().code() == Code::kUnauthenticated) return batch.status();
    report.problems.push_back(batch.status().message());
    retry_at_ = SteadyClock::now() + options_.retry_after;
    return Status::Ok();
  }
  if (!batch->has_value()) return Status::Ok();
  return ApplyBatch(store_, **batch, clock_.NowMs(), report, options_.hub_signer);
}

Result<InboxReport> InboxClient::Sync(std::chrono::milliseconds wait) {
  InboxReport report;
  const auto deadline = SteadyClock::now() + wait;
  for (;;) {
    LLS_ASSIGN_OR_RETURN(InboxState state, store_.Inbox());
    LLS_RETURN_IF_ERROR(subscriber_.Request(state.next_seq, options_.max_messages, 0));
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                      SteadyClock::now());
    if (left.count() <= 0) {
      return Status(Code::kUnavailable, "no answer from the hub's subscribe endpoint within " +
                                            std::to_string(wait.count() / 1000) + " s");
    }
    LLS_ASSIGN_OR_RETURN(std::optional<SubscribeBatch> batch,
                         subscriber_.Receive(std::min(left, std::chrono::milliseconds(200))));
    if (!batch) continue;
    const uint64_t before = state.next_seq;
    LLS_RETURN_IF_ERROR(ApplyBatch(store_, *batch, clock_.NowMs(), report, options_.hub_signer));
    // Caught up, or the hub is behind our cursor (nothing to fetch): done.
    if (report.caught_up() || report.next_seq == before) return report;
  }
}

}  // namespace lls::node
