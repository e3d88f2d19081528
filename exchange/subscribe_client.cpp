#include "exchange/subscribe_client.h"

#include <algorithm>

#include "crypto/crypto.h"

namespace lls {

namespace {

using SteadyClock = std::chrono::steady_clock;

DecodeLimits EntryLimits() {
  DecodeLimits limits;
  limits.max_frame_bytes = kMaxEntryBytes;
  return limits;
}

}  // namespace

Result<VerifiedEntry> VerifyEntry(const LogEntry& entry) {
  const std::string where = "hub sequence " + std::to_string(entry.hub_seq) + ": ";
  const DecodeLimits limits = EntryLimits();
  WireResult<Envelope> envelope = DecodeEnvelope(entry.envelope, limits);
  if (!envelope.ok()) {
    return Status(Code::kCorrupt, where + "not a valid envelope (" +
                                      NackCodeName(envelope.error().code) +
                                      "): " + envelope.error().text);
  }
  // The signature first: nothing in the body is interpreted before it verifies.
  if (!crypto::Verify(*envelope)) {
    return Status(Code::kUnauthenticated,
                  where + "signature does not verify (signer " +
                      crypto::ToHex(envelope->signer).substr(0, 16) + "..., kind " +
                      KindName(envelope->kind) + ")");
  }
  WireResult<Body> body = DecodeBody(envelope->body, limits);
  if (!body.ok()) {
    return Status(Code::kCorrupt, where + "signed, but the body does not decode (" +
                                      NackCodeName(body.error().code) + "): " + body.error().text);
  }
  if (KindOf(*body) != envelope->kind) {
    return Status(Code::kCorrupt, where + "envelope kind " + KindName(envelope->kind) +
                                      " does not match its body (" + KindName(KindOf(*body)) +
                                      ")");
  }
  return VerifiedEntry{entry.hub_seq, entry.organisation, std::move(envelope).value(),
                       std::move(body).value(), entry.envelope};
}

Status Subscriber::Request(uint64_t from, uint32_t max_messages, uint32_t wait_ms) {
  const auto now = SteadyClock::now();
  if (outstanding_ && outstanding_->from == from && now < outstanding_->overdue_at &&
      !Stale(*outstanding_)) {
    return Status::Ok();
  }
  return Send(from, max_messages, wait_ms);
}

bool Subscriber::Stale(const Outstanding& o) const {
  // Sent on a connection that has since been replaced: it may have died with it (and a parked
  // long-poll is forgotten by the hub). One sent before any connection waits in ZeroMQ's queue
  // and goes out with the first.
  return o.handshakes != 0 && o.handshakes != transport_.handshakes();
}

Status Subscriber::Send(uint64_t from, uint32_t max_messages, uint32_t wait_ms) {
  LLS_RETURN_IF_ERROR(
      transport_.Send(EncodeSubscribeRequest(SubscribeRequest{from, max_messages, wait_ms})));
  outstanding_ = Outstanding{from, SteadyClock::now() + std::chrono::milliseconds(wait_ms) + grace_,
                             transport_.handshakes(), max_messages, wait_ms};
  return Status::Ok();
}

Result<std::optional<SubscribeBatch>> Subscriber::Receive(std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  DecodeLimits limits;
  limits.max_frame_bytes = kMaxReplyBytes;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                      SteadyClock::now());
    LLS_ASSIGN_OR_RETURN(std::optional<Bytes> frame,
                         transport_.Receive(std::max(left, std::chrono::milliseconds(0))));
    if (!frame) {
      if (SteadyClock::now() >= deadline) return std::optional<SubscribeBatch>();
      // The transport returned early: a new connection came up. A request the old one may have
      // lost is asked again on it, and the wait goes on (rather than "no answer").
      if (outstanding_ && Stale(*outstanding_)) {
        LLS_RETURN_IF_ERROR(
            Send(outstanding_->from, outstanding_->max_messages, outstanding_->wait_ms));
      }
      continue;
    }
    WireResult<SubscribeReply> reply = DecodeSubscribeReply(*frame, limits);
    if (!reply.ok()) {
      outstanding_.reset();
      return Status(Code::kCorrupt, "unreadable reply from the hub's subscribe endpoint: " +
                                        reply.error().text);
    }
    if (const auto* error = std::get_if<SubscribeError>(&*reply)) {
      outstanding_.reset();
      // unknown-signer means this key was revoked since the handshake: report it like a
      // refused handshake, so callers back off instead of asking again every few seconds.
      Code code = error->code == NackCode::kUnknownSigner ? Code::kUnauthenticated
                                                          : Code::kRefused;
      return Status(code, std::string("the hub refused the subscription (") +
                              NackCodeName(error->code) + "): " + error->text);
    }
    SubscribeBatch& batch = std::get<SubscribeBatch>(*reply);
    // A late answer to a request we already gave up on: its range is asked again anyway.
    if (!outstanding_ || outstanding_->from != batch.from_seq) continue;
    outstanding_.reset();
    return std::optional<SubscribeBatch>(std::move(batch));
  }
}

}  // namespace lls
