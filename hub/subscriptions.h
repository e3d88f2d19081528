// Subscriptions: the hub's side of redistribution — members pull the log over the subscribe
// socket, by hub sequence, with long-poll (docs/protocol.md section 12).
//
// A request names where to start (fromSeq), how many entries at most and how long the hub may
// hold it (waitMs). The hub answers at once with what this member may read from there on; when
// nothing is readable yet and waitMs > 0, it parks the request (peer, fromSeq, deadline: a small
// struct) and answers it as soon as a commit adds something readable, or with an empty batch at
// the deadline. Nothing is pushed: a subscriber only gets what it asked for, so a slow one
// never stalls the hub, and because it asks by sequence and every entry carries its hubSeq, it
// cannot miss a message silently (nextSeq and headSeq tell it where it stands).
//
// What a member may read is MayRead(), by role and kind (docs/protocol.md 12.4): facilitators
// read everything; other members read learning only once approved, as the hub's relays
// (hub/curation.h), and never curation decisions.
//
// Not thread-safe: runs on the hub thread. Store and directory must outlive it. Times are
// milliseconds of a monotonic clock, passed in, so tests control them.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "exchange/transport.h"
#include "hub/hub_store.h"
#include "hub/member_directory.h"
#include "schema/codec.h"
#include "schema/messages.h"

namespace lls::hub {

struct SubscribeOptions {
  uint32_t max_messages = 1000;     // entries per batch, whatever the request asks
  size_t max_batch_bytes = 1 << 20; // envelope bytes per batch (one entry always fits)
  uint32_t max_wait_ms = 30000;     // longest long-poll
  uint64_t scan_limit = 10000;      // log sequences examined per request
  size_t max_parked_per_member = 4; // beyond this the member's oldest parked request is answered
  size_t max_parked = 10000;        // beyond this a request is answered at once, never parked
  size_t max_request_bytes = 1024;  // a request is 4 words; anything larger is refused too-large
};

// Whether `reader` may receive messages of `kind` from this hub (docs/protocol.md 12.4):
// summaries, aggregates, retractions, bulletins, measure catalogues and relays, everyone;
// learning items (pending ones too) and curation decisions, facilitators only. A child hub
// (role hub) reads only bulletins, measure catalogues and relays. Everyone else
// reads a learning item once it is approved, as the relay the hub appends then.
bool MayRead(const Member& reader, Kind kind, const SubscribeOptions& options);

// A reply for the subscribe socket.
struct SubscribeOut {
  std::string peer;
  // An encoded SubscribeReply, shared by every request that gets the same one (a replay batch
  // is 1 MiB: not copied per subscriber).
  std::shared_ptr<const Bytes> payload;
};

struct SubscribeCounters {
  uint64_t requests = 0;
  uint64_t batches = 0;   // replies with a batch (empty ones included)
  uint64_t entries = 0;   // entries sent
  uint64_t errors = 0;    // SubscribeError replies
  uint64_t dropped = 0;   // parked requests dropped unanswered (member revoked, connections cut)
};

class Subscriptions {
 public:
  Subscriptions(HubStore& store, const MemberDirectory& members, SubscribeOptions options)
      : store_(store), members_(members), options_(options) {}

  // Answers or parks each request frame. A frame that is not a request gets a SubscribeError.
  std::vector<SubscribeOut> Handle(const std::vector<transport::InboundFrame>& frames,
                                   int64_t now_ms);
  // After a commit: answers the parked requests that can now read something new.
  std::vector<SubscribeOut> OnAppended(const std::vector<Appended>& appended);
  // Answers parked requests whose deadline has passed; drops those of members no longer
  // active (no answer: the connection is about to be cut). Call often (every poll).
  std::vector<SubscribeOut> Expire(int64_t now_ms);
  // Forgets every parked request unanswered: the hub has just cut every connection.
  void DropAll();

  size_t parked() const { return parked_.size(); }
  const SubscribeCounters& counters() const { return counters_; }

 private:
  struct Parked {
    std::string peer;
    std::string user_id;
    uint64_t from = 0;
    uint32_t max_messages = 0;
    int64_t deadline_ms = 0;
  };

  // The batch for `member` from `from`, or a SubscribeError internal if the store fails.
  SubscribeReply Read(const Member& member, uint64_t from, uint32_t max_messages,
                      bool* caught_up = nullptr);
  // A reply read and encoded once for every request in one call that would get the same one.
  struct Encoded {
    std::shared_ptr<const Bytes> payload;
    size_t entries = 0;  // 0 for an error
    bool batch = false;
    bool caught_up = false;  // nothing readable from there yet
  };
  // The encoded batch for `member` from `from`: read once per (from, entries asked for after
  // the cap, readable kinds) between two ForgetReads(). After a commit every follower waits
  // at the head and asks for exactly the new entries, and they all ask again at once after
  // the answer: with 100 subscribers that was 100 identical reads and encodings, twice per
  // commit.
  const Encoded& ReadEncoded(const Member& member, uint64_t from, uint32_t max_messages);
  // The log may have changed (each public call starts and ends with this).
  void ForgetReads() { reads_.clear(); }
  SubscribeOut Send(const std::string& peer, const Encoded& reply);
  SubscribeOut Error(const transport::InboundFrame& frame, NackCode code, std::string text);
  // Answers (and removes) the parked requests for which `ready` is true, in arrival order.
  template <typename Ready>
  void AnswerParked(Ready ready, std::vector<SubscribeOut>& out);

  HubStore& store_;
  const MemberDirectory& members_;
  SubscribeOptions options_;
  std::deque<Parked> parked_;  // in arrival order
  SubscribeCounters counters_;
  std::map<std::tuple<uint64_t, uint32_t, std::vector<Kind>>, Encoded> reads_;
};

}  // namespace lls::hub
