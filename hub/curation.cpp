#include "hub/curation.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

#include "schema/codec.h"

namespace lls::hub {

namespace {

// Migration 1 of the "curation" component. Tags are kept as one text, '\n'-separated (a tag
// is one line of text; the set is small and always read whole).
const char* const kCurationV1 = R"sql(
CREATE TABLE learning_items (
  message_id BLOB PRIMARY KEY,
  hub_seq INTEGER NOT NULL,
  member_id INTEGER NOT NULL REFERENCES members (id),
  lls TEXT NOT NULL,
  item_id TEXT NOT NULL,
  title TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'withdrawn')),
  featured INTEGER NOT NULL DEFAULT 0,
  tags TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  curated_by INTEGER REFERENCES members (id),
  curated_at INTEGER,
  relay_seq INTEGER,
  UNIQUE (member_id, item_id)
);
CREATE INDEX learning_items_state ON learning_items (state);
CREATE TABLE hub_signer (
  signer BLOB PRIMARY KEY,
  last_sequence INTEGER NOT NULL
);
)sql";

constexpr const char* kColumns =
    "hub_seq, message_id, member_id, lls, item_id, title, state, featured, tags, reason, "
    "curated_by, curated_at, relay_seq";

template <size_t N>
std::span<const uint8_t> Span(const std::array<uint8_t, N>& a) {
  return {a.data(), a.size()};
}

std::optional<ItemState> ParseState(const std::string& name) {
  for (ItemState s : {ItemState::kPending, ItemState::kApproved, ItemState::kRejected,
                      ItemState::kWithdrawn}) {
    if (name == ItemStateName(s)) return s;
  }
  return std::nullopt;
}

std::vector<std::string> SplitTags(const std::string& joined) {
  std::vector<std::string> tags;
  std::istringstream in(joined);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) tags.push_back(line);
  }
  return tags;
}

std::string JoinTags(const std::vector<std::string>& tags) {
  std::string out;
  for (const std::string& t : tags) out += (out.empty() ? "" : "\n") + t;
  return out;
}

bool Blank(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c); });
}

LearningItemRow ReadRow(const db::Statement& row) {
  LearningItemRow r;
  r.hub_seq = static_cast<uint64_t>(row.ColumnInt(0));
  Bytes id = row.ColumnBlob(1);
  std::copy_n(id.begin(), std::min(id.size(), r.message_id.size()), r.message_id.begin());
  r.member_id = row.ColumnInt(2);
  r.lls = row.ColumnText(3);
  r.item_id = row.ColumnText(4);
  r.title = row.ColumnText(5);
  r.state = ParseState(row.ColumnText(6)).value_or(ItemState::kPending);  // CHECK holds it
  r.featured = row.ColumnInt(7) != 0;
  r.tags = SplitTags(row.ColumnText(8));
  r.reason = row.ColumnText(9);
  if (!row.ColumnIsNull(10)) r.curated_by = row.ColumnInt(10);
  if (!row.ColumnIsNull(11)) r.curated_at_ms = row.ColumnInt(11);
  if (!row.ColumnIsNull(12)) r.relay_seq = static_cast<uint64_t>(row.ColumnInt(12));
  return r;
}

Result<std::optional<LearningItemRow>> FindRow(db::Database& db, const MessageId& id) {
  LLS_ASSIGN_OR_RETURN(db::Statement select,
                       db.Prepare(std::string("SELECT ") + kColumns +
                                  " FROM learning_items WHERE message_id = ?"));
  select.Bind(1, Span(id));
  LLS_ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return std::optional<LearningItemRow>();
  return std::optional<LearningItemRow>(ReadRow(select));
}

Status SaveRow(db::Database& db, const LearningItemRow& r) {
  LLS_ASSIGN_OR_RETURN(
      db::Statement update,
      db.Prepare("UPDATE learning_items SET state = ?, featured = ?, tags = ?, reason = ?, "
                 "curated_by = ?, curated_at = ?, relay_seq = ? WHERE message_id = ?"));
  update.Bind(1, ItemStateName(r.state))
      .Bind(2, static_cast<int64_t>(r.featured ? 1 : 0))
      .Bind(3, JoinTags(r.tags))
      .Bind(4, r.reason);
  if (r.curated_by) update.Bind(5, *r.curated_by); else update.BindNull(5);
  if (r.curated_at_ms) update.Bind(6, *r.curated_at_ms); else update.BindNull(6);
  if (r.relay_seq) update.Bind(7, static_cast<int64_t>(*r.relay_seq)); else update.BindNull(7);
  update.Bind(8, Span(r.message_id));
  return update.Run();
}

std::string ShortId(const MessageId& id) { return crypto::ToHex(id).substr(0, 12); }

}  // namespace

const char* ItemStateName(ItemState state) {
  switch (state) {
    case ItemState::kPending: return "pending";
    case ItemState::kApproved: return "approved";
    case ItemState::kRejected: return "rejected";
    case ItemState::kWithdrawn: return "withdrawn";
  }
  return "unknown";
}

Result<std::unique_ptr<LearningCuration>> LearningCuration::Open(HubStore& store, const crypto::Identity& identity,
                                                 CurationOptions options) {
  LLS_RETURN_IF_ERROR(store.RegisterSchema("curation", {kCurationV1}));
  return std::unique_ptr<LearningCuration>(new LearningCuration(store, identity, options));
}

Result<std::optional<CurationRefusal>> LearningCuration::Check(const Member& sender,
                                                       const lls::Curation& curation) {
  using Refusal = std::optional<CurationRefusal>;
  switch (curation.action) {
    case CurationAction::kUnspecified:
      return Refusal(CurationRefusal{NackCode::kMalformed,
                                     "curation action is unspecified (approve, reject, feature "
                                     "or tag)"});
    case CurationAction::kReject:
      if (Blank(curation.reason)) {
        return Refusal(CurationRefusal{NackCode::kMalformed,
                                       "a reject needs a reason (Curation.reason is empty)"});
      }
      break;
    case CurationAction::kTag:
      if (curation.tags.empty() ||
          std::any_of(curation.tags.begin(), curation.tags.end(), [](const std::string& t) {
            return Blank(t) || t.find('\n') != std::string::npos;
          })) {
        return Refusal(CurationRefusal{NackCode::kMalformed,
                                       "a tag curation needs one or more non-empty one-line "
                                       "tags"});
      }
      break;
    case CurationAction::kApprove:
    case CurationAction::kFeature:
      break;
  }
  LLS_ASSIGN_OR_RETURN(std::optional<LearningItemRow> row,
                       FindRow(store_.database(), curation.target));
  if (!row) {
    return Refusal(CurationRefusal{
        NackCode::kUnknownTarget, "target " + ShortId(curation.target) +
                                      " is not a current learning item in this hub (unknown, "
                                      "or replaced by a revision)"});
  }
  if (row->state == ItemState::kWithdrawn) {
    return Refusal(CurationRefusal{NackCode::kUnknownTarget,
                                   "target " + ShortId(curation.target) +
                                       " was withdrawn by its author"});
  }
  if (row->lls != sender.lls) {
    return Refusal(CurationRefusal{NackCode::kWrongRole,
                                   "a facilitator of LLS '" + sender.lls +
                                       "' may not curate an item of LLS '" + row->lls + "'"});
  }
  return Refusal();
}

Status LearningCuration::Apply(db::Database& db, const AppliedMessage& message) {
  if (const auto* item = std::get_if<LearningItem>(&message.body)) {
    return ApplyItem(db, message, *item);
  }
  if (const auto* curation = std::get_if<lls::Curation>(&message.body)) {
    return ApplyCuration(db, message, *curation);
  }
  if (const auto* retraction = std::get_if<Retraction>(&message.body)) {
    return ApplyRetraction(db, *retraction);
  }
  return Status::Ok();
}

Status LearningCuration::ApplyItem(db::Database& db, const AppliedMessage& m, const LearningItem& item) {
  // A revision replaces the earlier row: its state, curator tags and relay start afresh.
  LLS_ASSIGN_OR_RETURN(
      db::Statement remove,
      db.Prepare("DELETE FROM learning_items WHERE member_id = ? AND item_id = ?"));
  remove.Bind(1, m.member.id).Bind(2, item.item_id);
  LLS_RETURN_IF_ERROR(remove.Run());
  LearningItemRow row;
  row.hub_seq = m.hub_seq;
  row.message_id = m.envelope.message_id;
  row.member_id = m.member.id;
  row.lls = m.member.lls;
  row.item_id = item.item_id;
  row.title = item.title;
  row.state = ItemState::kPending;
  LLS_ASSIGN_OR_RETURN(
      db::Statement insert,
      db.Prepare("INSERT INTO learning_items (hub_seq, message_id, member_id, lls, item_id, "
                 "title, state) VALUES (?, ?, ?, ?, ?, ?, 'pending')"));
  insert.Bind(1, static_cast<int64_t>(row.hub_seq))
      .Bind(2, Span(row.message_id))
      .Bind(3, row.member_id)
      .Bind(4, row.lls)
      .Bind(5, row.item_id)
      .Bind(6, row.title);
  LLS_RETURN_IF_ERROR(insert.Run());
  if (!options_.auto_approve) return Status::Ok();
  row.state = ItemState::kApproved;
  row.curated_at_ms = m.received_at_ms;
  return AppendRelay(db, row, EncodeEnvelope(m.envelope), {}, m.received_at_ms);
}

Status LearningCuration::ApplyCuration(db::Database& db, const AppliedMessage& m,
                               const lls::Curation& c) {
  LLS_ASSIGN_OR_RETURN(std::optional<LearningItemRow> found, FindRow(db, c.target));
  // Check() ran at ingest; an item replaced or withdrawn earlier in the same batch is the only
  // way to get here without one, and then the decision has nothing left to act on.
  if (!found || found->state == ItemState::kWithdrawn) return Status::Ok();
  LearningItemRow row = std::move(*found);
  row.curated_by = m.member.id;
  row.curated_at_ms = m.received_at_ms;
  bool approve = false;
  switch (c.action) {
    case CurationAction::kApprove:
      approve = true;
      break;
    case CurationAction::kReject:
      row.state = ItemState::kRejected;
      row.reason = c.reason;
      break;
    case CurationAction::kFeature:
      row.featured = true;
      approve = true;  // featuring shows the item: it approves one not yet approved
      break;
    case CurationAction::kTag: {
      std::set<std::string> tags(row.tags.begin(), row.tags.end());
      tags.insert(c.tags.begin(), c.tags.end());
      row.tags.assign(tags.begin(), tags.end());
      break;
    }
    case CurationAction::kUnspecified:
      return Status::Ok();  // refused at ingest
  }
  if (approve) {
    row.state = ItemState::kApproved;
    row.reason.clear();
  }
  if (approve && !row.relay_seq) {
    LLS_ASSIGN_OR_RETURN(std::optional<StoredMessage> original, store_.FindMessage(row.message_id));
    if (!original) return Status(Code::kCorrupt, "learning item " + ShortId(row.message_id) +
                                                     " is in learning_items but not in the log");
    return AppendRelay(db, row, original->envelope, EncodeEnvelope(m.envelope), m.received_at_ms);
  }
  return SaveRow(db, row);
}

Status LearningCuration::ApplyRetraction(db::Database& db, const Retraction& r) {
  // Ingest has checked that the target is the retracting signer's own message.
  LLS_ASSIGN_OR_RETURN(
      db::Statement update,
      db.Prepare("UPDATE learning_items SET state = 'withdrawn' WHERE message_id = ?"));
  update.Bind(1, Span(r.target));
  return update.Run();
}

Status LearningCuration::AppendRelay(db::Database& db, const LearningItemRow& row, const Bytes& original,
                             const Bytes& curation, int64_t now_ms) {
  Envelope e;
  e.message_id = crypto::RandomMessageId();
  LLS_ASSIGN_OR_RETURN(e.sequence, NextSignerSequence(db, identity_.sign_public()));
  e.created_at_ms = now_ms;
  e.kind = Kind::kRelay;
  e.body = EncodeBody(lls::Relay{original, curation});
  crypto::Sign(e, identity_);
  LLS_ASSIGN_OR_RETURN(uint64_t seq, store_.AppendAuthored(e, EncodeEnvelope(e), now_ms));
  LearningItemRow saved = row;
  saved.relay_seq = seq;
  return SaveRow(db, saved);
}

Result<uint64_t> NextSignerSequence(db::Database& db, const SignPublicKey& signer) {
  LLS_ASSIGN_OR_RETURN(
      db::Statement upsert,
      db.Prepare("INSERT INTO hub_signer (signer, last_sequence) VALUES (?, 1) "
                 "ON CONFLICT (signer) DO UPDATE SET last_sequence = last_sequence + 1 "
                 "RETURNING last_sequence"));
  upsert.Bind(1, Span(signer));
  LLS_ASSIGN_OR_RETURN(bool row, upsert.Step());
  if (!row) return Status(Code::kInternal, "hub_signer: no sequence returned");
  return static_cast<uint64_t>(upsert.ColumnInt(0));
}

Result<std::optional<LearningItemRow>> LearningCuration::Find(const MessageId& message_id) {
  return FindRow(store_.database(), message_id);
}

Result<std::vector<LearningItemRow>> LearningCuration::Items(std::optional<ItemState> state) {
  LLS_ASSIGN_OR_RETURN(db::Statement select,
                       store_.database().Prepare(std::string("SELECT ") + kColumns +
                                                 " FROM learning_items WHERE ? IS NULL OR "
                                                 "state = ? ORDER BY hub_seq"));
  if (state) {
    select.Bind(1, ItemStateName(*state)).Bind(2, ItemStateName(*state));
  } else {
    select.BindNull(1).BindNull(2);
  }
  std::vector<LearningItemRow> rows;
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    rows.push_back(ReadRow(select));
  }
  return rows;
}

Result<int64_t> LearningCuration::CountPending() { return CountPendingLearning(store_.database()); }

Result<int64_t> CountPendingLearning(db::Database& db) {
  LLS_ASSIGN_OR_RETURN(db::Statement exists,
                       db.Prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                  "name = 'learning_items'"));
  LLS_ASSIGN_OR_RETURN(bool has_table, exists.Step());
  if (!has_table) return int64_t{0};
  LLS_ASSIGN_OR_RETURN(db::Statement select,
                       db.Prepare("SELECT COUNT(*) FROM learning_items WHERE state = 'pending'"));
  LLS_ASSIGN_OR_RETURN(bool row, select.Step());
  return row ? select.ColumnInt(0) : 0;
}

}  // namespace lls::hub
