// LearningCuration: learning items and their curation state, as the hub's log says (DESIGN §5, issue 4).
//
// A StateApplier (hub/state_applier.h) that owns the `learning_items` table:
//   - a LearningItem arrives `pending` (or `approved` with [curation] auto_approve); a revised
//     item (same author, same itemId) replaces the earlier one and is pending again;
//   - a Curation from a facilitator approves, rejects (with a reason), features (which also
//     approves an item not yet approved) or tags (curator tags, added to a set);
//   - a Retraction by the author withdraws the item (`withdrawn`; it can no longer be curated).
// When an item becomes approved for the first time (since its last revision), the hub appends
// a Relay to its own log, signed by the hub: Relay.original is the item's envelope as stored
// (its origin signature intact), Relay.curation the approving Curation's envelope (empty for
// auto-approval). Trusts read learning only through these relays (hub/subscriptions.h), so an
// approval becomes visible to readers whose cursor is already past the item. The hub's signer
// sequence for the messages it authors lives in the `hub_signer` table, so it survives
// restarts and is never reused; the relay is appended in the same transaction as the decision.
//
// Check() is the ingest-time half: Ingest calls it for every Curation before storing it, so a
// decision the hub would not apply is refused with a Nack instead of being stored.
//
// Not thread-safe: runs on the hub thread. The store and identity must outlive it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "hub/hub_store.h"
#include "hub/state_applier.h"
#include "schema/messages.h"
#include "schema/status.h"

namespace lls::hub {

struct CurationOptions {
  bool auto_approve = false;  // hub.toml [curation] auto_approve
};

enum class ItemState { kPending, kApproved, kRejected, kWithdrawn };
const char* ItemStateName(ItemState state);  // "pending", "approved", "rejected", "withdrawn"

// One row of learning_items: the current revision of an author's item.
struct LearningItemRow {
  uint64_t hub_seq = 0;   // of the item's (current revision's) log entry
  MessageId message_id{};
  int64_t member_id = 0;  // the author
  std::string lls;        // the author's LLS when it arrived
  std::string item_id;
  std::string title;
  ItemState state = ItemState::kPending;
  bool featured = false;
  std::vector<std::string> tags;  // added by curators (sorted, unique)
  std::string reason;             // of the last reject
  std::optional<int64_t> curated_by;  // member id of the last curator
  std::optional<int64_t> curated_at_ms;
  std::optional<uint64_t> relay_seq;  // hub sequence of the relay appended on approval
};

// Why a Curation is refused at ingest: the Nack to send.
struct CurationRefusal {
  NackCode code = NackCode::kUnspecified;
  std::string text;
};

// Learning items awaiting a facilitator, for status; 0 when the tables do not exist yet (a
// hub.db from before curation, not yet opened by `run`).
Result<int64_t> CountPendingLearning(db::Database& db);

// The next sequence of `signer` for a message the hub authors, from the `hub_signer` table
// (created by LearningCuration::Open). ONE counter per key: relays appended to the log and
// aggregates forwarded to a parent (hub/federation.h) both draw from it, so the parent never
// sees one sequence twice from this hub. Call inside the transaction that uses the number.
Result<uint64_t> NextSignerSequence(db::Database& db, const SignPublicKey& signer);

class LearningCuration final : public StateApplier {
 public:
  // Registers the component's tables (HubStore::RegisterSchema). `identity` signs the relays.
  static Result<std::unique_ptr<LearningCuration>> Open(HubStore& store, const crypto::Identity& identity,
                                                CurationOptions options);

  // Ingest-time validation of a curation from `sender` (a facilitator: the role table has
  // already been applied): malformed (no action, reject without a reason, tag without tags),
  // unknown-target (not a current learning item in this hub, or withdrawn), wrong-role (an item
  // of another LLS). nullopt: it may be stored. An error reading the table is kInternal.
  Result<std::optional<CurationRefusal>> Check(const Member& sender, const lls::Curation& curation);

  Status Apply(db::Database& db, const AppliedMessage& message) override;

  // Reads (for status, tests and tools): one item by its message id, or all in a state.
  Result<std::optional<LearningItemRow>> Find(const MessageId& message_id);
  Result<std::vector<LearningItemRow>> Items(std::optional<ItemState> state = std::nullopt);
  Result<int64_t> CountPending();

 private:
  LearningCuration(HubStore& store, const crypto::Identity& identity, CurationOptions options)
      : store_(store), identity_(identity), options_(options) {}

  Status ApplyItem(db::Database& db, const AppliedMessage& m, const LearningItem& item);
  Status ApplyCuration(db::Database& db, const AppliedMessage& m, const lls::Curation& c);
  Status ApplyRetraction(db::Database& db, const Retraction& r);
  // Appends the relay of `row`'s item (with `curation`, may be empty) and records it.
  Status AppendRelay(db::Database& db, const LearningItemRow& row, const Bytes& original,
               const Bytes& curation, int64_t now_ms);

  HubStore& store_;
  const crypto::Identity& identity_;
  CurationOptions options_;
};

}  // namespace lls::hub
