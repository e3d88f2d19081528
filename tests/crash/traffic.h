// Traffic for the hub crash harness: clients that publish signed messages to a real hub over
// ClientTransport and keep the ledger of every Ack they receive.
//
// A Client is one member (a trust, or the facilitator). Its messages are sealed once and kept,
// byte for byte, until the hub acknowledges them: a message unanswered when the hub is killed
// is resent with the same signed bytes after the restart, as a node's outbox would do. The
// Ledger is what the consistency checks (consistency.h) hold the hub to.
//
// Threading: each Client runs on its own thread during a cycle (RunCycle) and is touched by the
// main thread only between cycles. The Ledger is thread-safe (one mutex).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "exchange/transport.h"
#include "schema/messages.h"

namespace lls::crash {

// What an Ack told us about one message.
struct AckedMessage {
  uint64_t hub_seq = 0;
  Kind kind = Kind::kUnknown;
};

// Counters of one run; summed over clients and cycles.
struct TrafficCounts {
  int64_t sent_frames = 0;       // every send, resends included
  int64_t resent_frames = 0;     // sends of a message sent before (same bytes)
  int64_t acked = 0;             // distinct messages acknowledged
  int64_t duplicate_acks = 0;    // Acks with duplicate = true (stored before; its Ack was lost)
  int64_t transient_nacks = 0;   // Nack internal: kept and resent
  int64_t by_kind[kMaxKind + 1] = {};  // distinct messages acknowledged, by kind
};

// Every acknowledgement of the run, shared by the clients. Thread-safe.
class Ledger {
 public:
  // Records an Ack for `id`. A second Ack for the same id must name the same hub sequence;
  // otherwise a violation is recorded.
  void RecordAck(const MessageId& id, Kind kind, uint64_t hub_seq, bool duplicate);
  void Violation(std::string text);

  // A learning item the hub acknowledged, for the facilitator to approve (FIFO); `national`:
  // its author scoped it `national` (an LLS hub with a parent forwards it once approved).
  void OfferLearningItem(const MessageId& id, bool national);
  std::optional<MessageId> TakeLearningItem();
  // An approving Curation the hub acknowledged, with the item it approves.
  void RecordApproval(const MessageId& curation, const MessageId& item);

  std::map<MessageId, AckedMessage> acked() const;
  std::vector<std::pair<MessageId, MessageId>> approvals() const;
  std::set<MessageId> national_items() const;  // acknowledged items scoped `national`
  std::vector<std::string> violations() const;
  TrafficCounts counts() const;
  void AddCounts(const TrafficCounts& counts);

 private:
  mutable std::mutex mu_;
  std::map<MessageId, AckedMessage> acked_;
  std::deque<MessageId> learning_;
  std::vector<std::pair<MessageId, MessageId>> approvals_;
  std::set<MessageId> national_items_;
  std::vector<std::string> violations_;
  TrafficCounts counts_;
};

// A message sealed once and sent until acknowledged.
struct Outgoing {
  MessageId id{};
  Kind kind = Kind::kUnknown;
  Bytes frame;                          // the encoded envelope: the same bytes at every send
  std::optional<MessageId> target;      // a retraction's or curation's target
  bool national = false;                // a learning item scoped `national`
  bool ever_sent = false;
  // Set by the harness when the hub was found, after a kill, to hold this message already:
  // its next Ack must be a duplicate with this hub sequence.
  std::optional<uint64_t> committed_seq;
};

struct ClientOptions {
  size_t window = 32;                                 // messages in flight
  std::chrono::milliseconds resend_after{2000};       // within one hub lifetime
  bool generate = true;                               // false: only resend what is pending
  // New messages per second at most (0: as many as the window allows). A test that must
  // bound how much the hub stores (a small filesystem) paces its traffic with this.
  int max_new_per_second = 0;
};

class Client {
 public:
  // `facilitator`: sends approving curations of the learning items other clients got acked;
  // otherwise a trust sending summaries, revisions, retractions and learning items.
  // `organisation`: the ODS code the member was enrolled with (named in its summaries).
  Client(crypto::Identity identity, std::string organisation, bool facilitator, uint64_t seed,
         Ledger& ledger);

  // Connects to the hub and exchanges messages until `stop`, then collects the replies already
  // delivered (`drain`). A stopped hub is not an error: unanswered messages stay pending.
  void RunCycle(const transport::ClientOptions& hub, const ClientOptions& options,
                const std::atomic<bool>& stop, std::chrono::milliseconds drain);

  // Unacknowledged messages (between cycles only).
  std::vector<Outgoing>& pending() { return pending_; }
  // Messages sent and unanswered right now (any thread may read it).
  int64_t in_flight() const { return in_flight_.load(); }
  const std::string& name() const { return identity_.name(); }

 private:
  std::optional<Outgoing> Next();  // a new message, or nullopt when there is none to make
  Outgoing Seal(const Body& body, std::optional<MessageId> target);
  ProjectSummary MakeSummary(const std::string& project_id);
  void HandleReply(const std::vector<uint8_t>& frame, TrafficCounts& counts);
  void OnAcked(const Outgoing& message);

  crypto::Identity identity_;
  std::string organisation_;
  bool facilitator_;
  std::mt19937_64 rng_;
  Ledger& ledger_;
  uint64_t sequence_ = 0;
  int learning_made_ = 0;
  std::vector<Outgoing> pending_;
  std::map<MessageId, std::chrono::steady_clock::time_point> sent_at_;  // in flight
  std::atomic<int64_t> in_flight_{0};
  std::vector<MessageId> retractable_;  // own acked summaries not yet retracted
};

}  // namespace lls::crash
