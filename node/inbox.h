// Inbox: the node's side of the hub's redistribution (docs/protocol.md section 12).
//
// Three pieces, smallest first; the first two live in exchange/subscribe_client.h (shared with
// a hub reading its parent, hub/downward.h) and are named here too:
//   VerifyEntry  one LogEntry from the hub -> a verified message, or why not;
//   Subscriber   request/reply over a ClientTransport connected to the hub's subscribe
//                endpoint, one request outstanding at a time;
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
#include "exchange/subscribe_client.h"
#include "exchange/transport.h"
#include "node/node_store.h"
#include "schema/codec.h"
#include "schema/messages.h"

namespace lls::node {

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
//
// `hub_signer`, when given, is the signing key of the node's own hub (from hub.public): a
// relay (approved learning, a national bulletin or catalogue passed down) is stored only when
// that hub signed it. Anyone else's relay — another member with role hub or national at the
// same hub, say — would be shown as "approved learning" or "bulletin from national" without
// a facilitator or the national hub behind it, so it is refused (counted and reported).
Status ApplyBatch(NodeStore& store, const SubscribeBatch& batch, int64_t now_ms,
                  InboxReport& report, const std::optional<SignPublicKey>& hub_signer = {});

// The shared client pieces (exchange/subscribe_client.h), under their historical names.
using lls::kMaxEntryBytes;
using lls::kMaxReplyBytes;
using lls::Subscriber;
using lls::VerifiedEntry;
using lls::VerifyEntry;

struct InboxOptions {
  std::optional<SignPublicKey> hub_signer;  // see ApplyBatch: pins who may sign relays
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
