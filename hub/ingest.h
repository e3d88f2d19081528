// Ingest: the hub's front door. Validates each frame from the ROUTER socket, stores the good
// ones as one group commit, and produces exactly one reply per frame.
//
// The checks, in order (each failure is a Nack with its documented code, logged with the
// member; none stops the hub):
//   size (too-large) -> single frame and Envelope decode (malformed, schema-version,
//   unsupported-kind) -> connection's member still active (unknown-signer) -> signature over
//   the signed bytes (bad-signature), BEFORE the body is interpreted -> signer is the member
//   on this connection (signer-mismatch) -> message id already in the log (a resend of the
//   same signed message is acked again as a duplicate with its original hub sequence, never
//   stored twice; the id on different content is a replay) -> role may send the kind
//   (wrong-role) -> createdAt within the window (stale) -> Body decode (malformed,
//   unsupported-kind) and kind agreement (kind-mismatch) -> measure codes in the catalogue
//   (unknown-measure) -> a curation the hub can apply (LearningCuration::Check: malformed,
//   unknown-target, wrong-role for another LLS's item) -> retraction of own message
//   (not-owner) -> per-signer sequence already used, across connections and restarts, or
//   the id or sequence repeated within the batch (replay).
// Acks are produced only after the batch's COMMIT; if the commit fails, the batch is Nacked
// `internal` (transient: nodes keep the messages and resend).
//
// Storage faults (hub.db on a full disk, an I/O error: exchange/sqlite.h StorageFault) are
// logged once per episode, not once per frame: one error line when the first batch fails,
// naming the cause and the file, a reminder every minute while it lasts, and one line when a
// batch commits again 5 s or more after the last failure (a disk that lets some batches
// through is still one episode). They are counted by cause (IngestCounters::storage_failures).
//
// Not thread-safe: runs on the hub thread. Store, directory and clock must outlive it.
#pragma once

#include <array>
#include <memory>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "exchange/catalogue.h"
#include "exchange/clock.h"
#include "exchange/sqlite.h"
#include "exchange/transport.h"
#include "hub/hub_store.h"
#include "hub/member_directory.h"
#include "hub/state_applier.h"
#include "schema/codec.h"
#include "schema/messages.h"

namespace lls::hub {

struct IngestOptions {
  DecodeLimits limits;                               // frame size and Cap'n Proto bounds
  int64_t max_future_skew_ms = 5 * 60 * 1000;        // createdAt at most this far ahead
  int64_t max_age_ms = 400LL * 24 * 3600 * 1000;     // and at most this old
  // Threads that decode and verify a batch's signatures (hub/verify_pool.h), the hub thread
  // included: 1 verifies on the hub thread alone. HubConfig's default is one per core.
  unsigned verify_threads = 1;
};

// What happened to a frame, for the counters by kind.
enum class IngestOutcome : uint8_t { kStored = 0, kDuplicate = 1, kRefused = 2 };
inline constexpr size_t kIngestOutcomes = 3;
const char* IngestOutcomeName(IngestOutcome outcome);  // "stored", "duplicate", "refused"

struct IngestCounters {
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  std::array<uint64_t, kMaxNackCode + 1> nacks{};  // by NackCode
  // [kind][outcome]; kind 0 ("unknown"): the frame did not decode far enough to tell.
  std::array<std::array<uint64_t, kIngestOutcomes>, kMaxKind + 1> by_kind{};
  // Reads or batch commits of hub.db that failed with a storage fault, by db::StorageFault
  // (index 0 unused). A failed batch counts once, whatever its size.
  std::array<uint64_t, db::kStorageFaults> storage_failures{};
};

struct OutboundReply {
  std::string peer;
  Reply reply;
};

class LearningCuration;  // hub/curation.h
class VerifyPool;        // hub/verify_pool.h

class Ingest {
 public:
  // `catalogue` (the measures this hub accepts) must outlive the Ingest.
  Ingest(HubStore& store, const MemberDirectory& members, const Clock& clock,
         IngestOptions options, const MeasureCatalogue& catalogue = BuiltInCatalogue());
  ~Ingest();

  // Adds a state applier (hub/state_applier.h), called for every stored message inside the
  // batch's transaction. Not owned: it must outlive the Ingest.
  void AddApplier(StateApplier* applier) { appliers_.push_back(applier); }
  // Curations are checked against the learning items (hub/curation.h) before they are stored.
  // Not owned: it must outlive the Ingest. Without one, curations are stored unchecked.
  void SetCuration(LearningCuration* curation) { curation_ = curation; }

  std::vector<OutboundReply> Handle(const std::vector<transport::InboundFrame>& frames);

  const IngestCounters& counters() const { return counters_; }
  // What the last Handle() committed to the log (new messages only, not duplicates), in order:
  // the subscriptions wake parked requests with it.
  const std::vector<Appended>& appended() const { return appended_; }

 private:
  struct Accepted {
    Envelope envelope;
    // The envelope re-encoded by this hub. The signature covers values, not bytes (padding
    // bits can differ between encodings of the same message), so duplicates are recognised
    // and stored by this canonical form, never by the frame as received.
    Bytes canonical;
    const Member* member = nullptr;
    // For a retraction, the message it withdraws; ownership is judged in Handle, where a
    // target earlier in the same batch is visible too.
    std::optional<MessageId> retraction_target;
    Body body;  // decoded; handed to the state appliers
  };
  // Every check against one frame and the log: a Nack, an Ack for a message already stored
  // (a duplicate), or the message to store. Checks within the batch come after, in Handle.
  // What the verify pool worked out for a frame before Validate: its envelope, decoded, and
  // whether its signature verifies. Empty for a frame that is too large or multipart.
  struct Prechecked {
    std::optional<WireResult<Envelope>> decoded;
    bool verified = false;
  };
  std::variant<Accepted, Nack, Ack> Validate(const transport::InboundFrame& frame,
                                             Prechecked& pre);
  std::string UnknownMeasure(const Body& body) const;
  std::string BadPeriods(const Body& body) const;
  void Count(IngestOutcome outcome);
  Nack Refuse(const transport::InboundFrame& frame, const MessageId& id, NackCode code,
              std::string text);
  // `internal` for a message the hub could not read or store now because of `cause`: counted
  // like Refuse, but logged by StoreFailed (per episode), not per frame.
  Nack Defer(const MessageId& id, const Status& cause);
  // A read or commit that failed, holding back `messages` messages: logged and counted (see
  // the header comment); a failure that is not a storage fault is logged each time.
  void StoreFailed(const Status& cause, size_t messages);
  void StoreWorked();  // a batch committed: ends the episode, if any, with one line

  HubStore& store_;
  const MemberDirectory& members_;
  const Clock& clock_;
  IngestOptions options_;
  const MeasureCatalogue& catalogue_;
  IngestCounters counters_;
  Kind frame_kind_ = Kind::kUnknown;  // of the frame being judged, for the counters by kind
  std::vector<Appended> appended_;
  std::vector<StateApplier*> appliers_;
  LearningCuration* curation_ = nullptr;
  std::unique_ptr<VerifyPool> verify_pool_;  // null with verify_threads <= 1
  // The storage fault episode under way (StoreFailed): since when, when last logged, the
  // last failure, and what it held back.
  struct Trouble {
    int64_t since_ms = 0;
    int64_t logged_ms = 0;
    int64_t last_failure_ms = 0;
    uint64_t failures = 0;
    uint64_t messages = 0;
  };
  std::optional<Trouble> trouble_;
};

}  // namespace lls::hub
