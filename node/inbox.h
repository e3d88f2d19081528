// Inbox: the node's side of the hub's redistribution (docs/protocol.md section 12).
//
// Three pieces, smallest first:
//   VerifyEntry  one LogEntry from the hub -> a verified message, or why not: the envelope is
//                decoded with DecodeLimits, its signature verified (crypto::Verify) BEFORE the
//                body is decoded, and the body's kind must match the envelope's;
//   Subscriber   request/reply over a ClientTransport connected to the hub's subscribe
//                endpoint: one request outstanding at a time, asked again when its answer is
//                overdue, and late answers to earlier requests discarded;
//   InboxClient  keeps node.db's inbox current: asks from the stored cursor, verifies each
//                entry, stores the good ones and moves the cursor in ONE transaction. An entry
//                that fails verification is not stored, is counted and reported, and the
//                cursor still moves past it, so one bad entry cannot wedge the inbox.
// `lls subscribe` uses the first two without touching node.db.
//
// Not thread-safe; the store, transport and clock (not owned) must outlive what refers to them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "exchange/clock.h"
#include "exchange/transport.h"
#include "node/node_store.h"
#include "schema/codec.h"
#include "schema/messages.h"

namespace lls::node {

// Decode limits for redistributed envelopes and for whole replies. A hub accepts envelopes up
// to its ingest.max_message_bytes (1 MiB by default) and caps a batch at 1 MiB plus one entry.
inline constexpr size_t kMaxEntryBytes = 8u << 20;
inline constexpr size_t kMaxReplyBytes = (16u << 20) + 65536;

struct VerifiedEntry {
  uint64_t hub_seq = 0;
  std::string organisation;  // the hub's word for who sent it
  Envelope envelope;
  Body body;
  Bytes raw;  // the envelope bytes as received
};

// kCorrupt when the envelope or body does not decode or the kinds disagree, kUnauthenticated
// when the signature does not verify; the message says which, with the hub sequence.
Result<VerifiedEntry> VerifyEntry(const LogEntry& entry);

struct InboxReport {
  int64_t stored = 0;      // new messages stored
  int64_t duplicates = 0;  // verified, but already in the inbox
  int64_t rejected = 0;    // failed verification: not stored
  uint64_t next_seq = 1;   // the cursor afterwards
  uint64_t head_seq = 0;   // the hub's last sequence, as last reported
  std::vector<std::string> problems;  // one line per rejected entry
  bool caught_up() const { return next_seq > head_seq; }
};

// Applies one batch to the inbox (see the file comment). A batch that does not answer a
// request from the current cursor (from_seq > cursor) is ignored. Entries below the cursor or
// not after the previous entry are skipped as rejected (a hub never sends them).
Status ApplyBatch(NodeStore& store, const SubscribeBatch& batch, int64_t now_ms,
                  InboxReport& report);

class Subscriber {
 public:
  explicit Subscriber(transport::ClientTransport& transport,
                      std::chrono::milliseconds grace = std::chrono::seconds(3))
      : transport_(transport), grace_(grace) {}

  // Sends a request unless one for the same `from` is outstanding and not yet overdue
  // (wait_ms + grace after it was sent).
  Status Request(uint64_t from, uint32_t max_messages, uint32_t wait_ms);
  // Waits up to `timeout` for the outstanding request's answer: nullopt when none came.
  // kRefused (with the hub's code and text) for a SubscribeError, kUnauthenticated at once when
  // the hub refuses this key at the handshake, kCorrupt for a reply that does not decode.
  Result<std::optional<SubscribeBatch>> Receive(std::chrono::milliseconds timeout);
  bool outstanding() const { return outstanding_.has_value(); }

 private:
  struct Outstanding {
    uint64_t from = 0;
    std::chrono::steady_clock::time_point overdue_at;
  };
  transport::ClientTransport& transport_;
  std::chrono::milliseconds grace_;
  std::optional<Outstanding> outstanding_;
};

struct InboxOptions {
  uint32_t wait_ms = 2000;        // long-poll asked of the hub
  uint32_t max_messages = 1000;
  std::chrono::milliseconds retry_after{5000};  // after a refused request
};

class InboxClient {
 public:
  InboxClient(NodeStore& store, transport::ClientTransport& transport, const Clock& clock,
              InboxOptions options = {})
      : store_(store), subscriber_(transport), clock_(clock), options_(options) {}

  // One step for a long-running node: asks (if nothing is outstanding), waits up to `timeout`
  // for the answer and applies it. Returns kUnauthenticated when the hub refuses this key (the
  // transport is then finished: make a new one); a SubscribeError is logged into `report`'s
  // problems and asked again after retry_after.
  Status Pump(std::chrono::milliseconds timeout, InboxReport& report);

  // Fetches until caught up (without long-poll) or `wait` has passed. kUnavailable when the
  // hub did not answer in time.
  Result<InboxReport> Sync(std::chrono::milliseconds wait);

 private:
  NodeStore& store_;
  Subscriber subscriber_;
  const Clock& clock_;
  InboxOptions options_;
  std::chrono::steady_clock::time_point retry_at_{};
};

}  // namespace lls::node
