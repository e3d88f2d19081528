// Subscribe client pieces shared by the node (node/inbox.h), the tools (`lls subscribe`,
// `lls curate`) and a hub reading its parent (hub/downward.h), docs/protocol.md section 12:
//   VerifyEntry  one LogEntry from a hub -> a verified message, or why not: the envelope is
//                decoded with DecodeLimits, its signature verified (crypto::Verify) BEFORE the
//                body is decoded, and the body's kind must match the envelope's;
//   Subscriber   request/reply over a ClientTransport connected to a hub's subscribe
//                endpoint: one request outstanding at a time, asked again when its answer is
//                overdue or the connection was replaced, and late answers to earlier requests
//                discarded.
// Not thread-safe; the transport (not owned) must outlive the Subscriber.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "exchange/transport.h"
#include "schema/codec.h"
#include "schema/messages.h"

namespace lls {

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

class Subscriber {
 public:
  explicit Subscriber(transport::ClientTransport& transport,
                      std::chrono::milliseconds grace = std::chrono::seconds(3))
      : transport_(transport), grace_(grace) {}

  // Sends a request unless one for the same `from` is outstanding and not yet overdue
  // (wait_ms + grace after it was sent).
  Status Request(uint64_t from, uint32_t max_messages, uint32_t wait_ms);
  // Waits up to `timeout` for the outstanding request's answer: nullopt when none came. When
  // the connection is replaced meanwhile, the request is sent again on the new one.
  // kRefused (with the hub's code and text) for a SubscribeError, kUnauthenticated at once when
  // the hub refuses this key at the handshake, kCorrupt for a reply that does not decode.
  Result<std::optional<SubscribeBatch>> Receive(std::chrono::milliseconds timeout);
  bool outstanding() const { return outstanding_.has_value(); }

 private:
  struct Outstanding {
    uint64_t from = 0;
    std::chrono::steady_clock::time_point overdue_at;
    uint64_t handshakes = 0;  // transport_.handshakes() when it was sent
    uint32_t max_messages = 0;
    uint32_t wait_ms = 0;
  };
  bool Stale(const Outstanding& o) const;
  Status Send(uint64_t from, uint32_t max_messages, uint32_t wait_ms);
  transport::ClientTransport& transport_;
  std::chrono::milliseconds grace_;
  std::optional<Outstanding> outstanding_;
};

}  // namespace lls
