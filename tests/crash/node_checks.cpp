#include "tests/crash/node_checks.h"

#include <algorithm>
#include <tuple>

#include "crypto/crypto.h"
#include "hub/aggregates.h"

namespace lls::crash {

namespace {

MessageId ToId(const std::vector<uint8_t>& blob) {
  MessageId id{};
  if (blob.size() == id.size()) std::copy(blob.begin(), blob.end(), id.begin());
  return id;
}

std::string Seq(std::optional<uint64_t> s) { return s ? std::to_string(*s) : "none"; }

// Runs a one-value query (COUNT and the like).
Result<int64_t> Scalar(db::Database& db, const char* sql) {
  LLS_ASSIGN_OR_RETURN(db::Statement s, db.Prepare(sql));
  LLS_ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? s.ColumnInt(0) : 0;
}

}  // namespace

std::string HexPrefix(const MessageId& id) { return crypto::ToHex(id).substr(0, 12); }

int64_t NodeDbState::queued() const {
  return std::count_if(outbox.begin(), outbox.end(),
                       [](const OutboxRow& r) { return r.state == "queued"; });
}

Result<NodeDbState> ReadNodeDb(const std::filesystem::path& node_db, bool integrity) {
  db::OpenOptions options;
  options.create = false;
  LLS_ASSIGN_OR_RETURN(db::Database db, db::Database::Open(node_db, options));
  NodeDbState state;
  if (integrity) {
    LLS_ASSIGN_OR_RETURN(db::Statement s, db.Prepare("PRAGMA integrity_check"));
    for (;;) {
      LLS_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      state.integrity += (state.integrity.empty() ? "" : "; ") + s.ColumnText(0);
    }
  }
  // One read transaction: the rows, the counter and the pending items from one snapshot
  // (a recovering `lls-node run` may be writing).
  LLS_RETURN_IF_ERROR(db.Exec("BEGIN"));
  {
    LLS_ASSIGN_OR_RETURN(db::Statement s,
                         db.Prepare("SELECT local_id, message_id, kind, sequence, state, attempts, "
                                    "hub_seq, envelope FROM outbox ORDER BY local_id"));
    for (;;) {
      LLS_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      OutboxRow r;
      r.local_id = s.ColumnInt(0);
      r.id = ToId(s.ColumnBlob(1));
      r.kind = static_cast<Kind>(s.ColumnInt(2));
      r.sequence = static_cast<uint64_t>(s.ColumnInt(3));
      r.state = s.ColumnText(4);
      r.attempts = static_cast<int>(s.ColumnInt(5));
      if (!s.ColumnIsNull(6)) r.hub_seq = static_cast<uint64_t>(s.ColumnInt(6));
      r.envelope = s.ColumnBlob(7);
      state.outbox.push_back(std::move(r));
    }
  }
  LLS_ASSIGN_OR_RETURN(int64_t next, Scalar(db, "SELECT next_sequence FROM outbox_state"));
  state.next_sequence = static_cast<uint64_t>(next);
  LLS_ASSIGN_OR_RETURN(state.pending_projects,
                       Scalar(db, "SELECT COUNT(*) FROM projects WHERE retracted_at IS NULL AND "
                                  "(published_revision IS NULL OR revision > published_revision)"));
  LLS_ASSIGN_OR_RETURN(state.pending_learning,
                       Scalar(db, "SELECT COUNT(*) FROM learning WHERE retracted_at IS NULL AND "
                                  "(published_revision IS NULL OR revision > published_revision)"));
  {
    LLS_ASSIGN_OR_RETURN(db::Statement s, db.Prepare("SELECT origin FROM imports"));
    for (;;) {
      LLS_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      state.imported.insert(s.ColumnText(0));
    }
  }
  LLS_RETURN_IF_ERROR(db.Exec("COMMIT"));
  return state;
}

std::vector<std::string> OutboxLedger::Observe(const NodeDbState& state) {
  std::vector<std::string> v;
  if (!state.integrity.empty() && state.integrity != "ok") v.push_back("node.db PRAGMA integrity_check: " + state.integrity);
  std::map<MessageId, const OutboxRow*> now;
  for (const OutboxRow& r : state.outbox) now[r.id] = &r;
  // N2: nothing seen before is gone or changed.
  for (const auto& [id, seen] : seen_) {
    auto it = now.find(id);
    if (it == now.end()) {
      v.push_back("outbox message " + HexPrefix(id) + " (" + KindName(seen.kind) + ", sequence " +
                  std::to_string(seen.sequence) + ") has disappeared from node.db");
      continue;
    }
    const OutboxRow& r = *it->second;
    if (r.sequence != seen.sequence || r.kind != seen.kind || r.envelope != seen.envelope) {
      v.push_back("outbox message " + HexPrefix(id) + " changed: sequence " +
                  std::to_string(seen.sequence) + " -> " + std::to_string(r.sequence) +
                  (r.envelope != seen.envelope ? ", signed bytes differ" : ""));
    }
    if (seen.hub_seq && (r.state != "acked" || r.hub_seq != seen.hub_seq)) {
      v.push_back("outbox message " + HexPrefix(id) + " was acked at hub_seq " +
                  Seq(seen.hub_seq) + " but is now '" + r.state + "' at " + Seq(r.hub_seq));
    }
  }
  // N2: nothing refused; N3: sequences 1..N, next N+1.
  std::vector<uint64_t> sequences;
  for (const OutboxRow& r : state.outbox) {
    if (r.state == "rejected") {
      v.push_back("outbox message " + HexPrefix(r.id) + " (" + KindName(r.kind) +
                  ") was refused by the hub");
    }
    if (r.state == "acked" && !r.hub_seq) {
      v.push_back("outbox message " + HexPrefix(r.id) + " is acked without a hub_seq");
    }
    sequences.push_back(r.sequence);
  }
  std::sort(sequences.begin(), sequences.end());
  for (size_t i = 0; i < sequences.size(); ++i) {
    if (sequences[i] != i + 1) {
      v.push_back("outbox sequences are not 1.." + std::to_string(sequences.size()) +
                  ": position " + std::to_string(i + 1) + " holds " + std::to_string(sequences[i]));
      break;
    }
  }
  if (state.next_sequence != sequences.size() + 1) {
    v.push_back("outbox next_sequence is " + std::to_string(state.next_sequence) + " with " +
                std::to_string(sequences.size()) + " messages queued ever");
  }
  for (const OutboxRow& r : state.outbox) {
    Seen& s = seen_[r.id];
    s.sequence = r.sequence;
    s.kind = r.kind;
    s.envelope = r.envelope;
    if (r.state == "acked") s.hub_seq = r.hub_seq;
  }
  return v;
}

std::map<Kind, int64_t> OutboxLedger::by_kind() const {
  std::map<Kind, int64_t> counts;
  for (const auto& [id, seen] : seen_) ++counts[seen.kind];
  return counts;
}

std::map<MessageId, SignerLogRow> ReadSignerLog(db::Database& hub, const SignPublicKey& signer,
                                                std::vector<std::string>* violations) {
  std::map<MessageId, SignerLogRow> rows;
  auto s = hub.Prepare(
      "SELECT hub_seq, message_id, sequence, kind, envelope FROM log WHERE signer = ? "
      "ORDER BY hub_seq");
  if (!s.ok()) {
    violations->push_back("reading the hub's log: " + s.status().message());
    return rows;
  }
  s->Bind(1, std::span<const uint8_t>(signer));
  std::map<uint64_t, uint64_t> by_sequence;  // sequence -> first hub_seq
  for (;;) {
    auto row = s->Step();
    if (!row.ok()) {
      violations->push_back("reading the hub's log: " + row.status().message());
      break;
    }
    if (!*row) break;
    SignerLogRow r;
    r.hub_seq = static_cast<uint64_t>(s->ColumnInt(0));
    const MessageId id = ToId(s->ColumnBlob(1));
    r.sequence = static_cast<uint64_t>(s->ColumnInt(2));
    r.kind = static_cast<Kind>(s->ColumnInt(3));
    r.envelope = s->ColumnBlob(4);
    if (auto [at, fresh] = by_sequence.emplace(r.sequence, r.hub_seq); !fresh) {
      violations->push_back("the hub's log holds sequence " + std::to_string(r.sequence) +
                            " of one signer twice (hub_seq " + std::to_string(at->second) +
                            " and " + std::to_string(r.hub_seq) + ")");
    }
    if (auto [at, fresh] = rows.emplace(id, r); !fresh) {
      violations->push_back("the hub's log holds message " + HexPrefix(id) + " twice (hub_seq " +
                            std::to_string(at->second.hub_seq) + " and " +
                            std::to_string(r.hub_seq) + ")");
    }
  }
  return rows;
}

std::vector<std::string> CheckSignerLog(db::Database& hub, const std::string& name,
                                        const SignPublicKey& signer, const NodeDbState& node) {
  std::vector<std::string> v;
  std::map<MessageId, SignerLogRow> log = ReadSignerLog(hub, signer, &v);
  std::map<Kind, int64_t> queued_by_kind, logged_by_kind;
  std::set<MessageId> outbox_ids;
  for (const OutboxRow& r : node.outbox) {
    outbox_ids.insert(r.id);
    ++queued_by_kind[r.kind];
    auto it = log.find(r.id);
    if (r.state == "acked") {
      if (it == log.end()) {
        v.push_back(KindName(r.kind) + std::string(" ") + HexPrefix(r.id) + " (sequence " +
                    std::to_string(r.sequence) + ") acked at hub_seq " + Seq(r.hub_seq) +
                    " is not in the hub's log: LOST");
      } else if (it->second.hub_seq != r.hub_seq) {
        v.push_back(HexPrefix(r.id) + " acked at hub_seq " + Seq(r.hub_seq) +
                    " but the hub's log has it at " + std::to_string(it->second.hub_seq));
      } else if (it->second.envelope != r.envelope || it->second.sequence != r.sequence) {
        v.push_back(HexPrefix(r.id) + ": the hub's log holds other bytes than the outbox");
      }
    }
  }
  for (const auto& [id, row] : log) {
    ++logged_by_kind[row.kind];
    if (!outbox_ids.count(id)) {
      v.push_back("the hub's log holds " + std::string(KindName(row.kind)) + " " + HexPrefix(id) +
                  " (sequence " + std::to_string(row.sequence) + ", hub_seq " +
                  std::to_string(row.hub_seq) + ") that the outbox never queued");
    }
  }
  if (node.queued() == 0 && queued_by_kind != logged_by_kind) {
    for (const auto& [kind, n] : queued_by_kind) {
      if (logged_by_kind[kind] != n) {
        v.push_back(std::string(KindName(kind)) + ": the outbox queued " + std::to_string(n) +
                    ", the hub's log holds " + std::to_string(logged_by_kind[kind]));
      }
    }
  }
  for (std::string& text : v) text = name + ": " + text;
  return v;
}

std::vector<std::string> CheckFigures(db::Database& hub, const std::vector<const TrustData*>& trusts,
                                      const node::SuppressionRule& rule, int64_t* cells) {
  std::vector<std::string> v;
  std::map<std::pair<std::string, std::string>, hub::AggregateRow> expected;
  for (const TrustData* t : trusts) {
    for (const auto& [key, p] : t->Controlled(rule)) {
      hub::AggregateRow& row = expected[key];
      row.measure = key.first;
      row.period = key.second;
      if (p.numerator_suppressed || p.denominator_suppressed) {
        ++row.suppressed_cells;
      } else {
        ++row.trusts;
        row.numerator += p.numerator;
        row.denominator += p.denominator;
      }
    }
  }
  auto view = hub::ReadAggregates(hub);
  if (!view.ok()) return {"reading the hub's aggregates: " + view.status().message()};
  *cells = static_cast<int64_t>(view->size());
  auto describe = [](const hub::AggregateRow& r) {
    return r.measure + "/" + r.period + " trusts=" + std::to_string(r.trusts) +
           " num=" + std::to_string(r.numerator) + " den=" + std::to_string(r.denominator) +
           " suppressed=" + std::to_string(r.suppressed_cells);
  };
  std::set<std::pair<std::string, std::string>> seen;
  for (const hub::AggregateRow& got : *view) {
    const std::pair<std::string, std::string> key{got.measure, got.period};
    seen.insert(key);
    auto it = expected.find(key);
    if (it == expected.end()) {
      v.push_back("the hub has a cell no trust reported: " + describe(got));
      continue;
    }
    const hub::AggregateRow& want = it->second;
    if (got.trusts != want.trusts || got.numerator != want.numerator ||
        got.denominator != want.denominator || got.suppressed_cells != want.suppressed_cells) {
      v.push_back("hub cell " + describe(got) + " but the trusts' latest figures give " +
                  describe(want));
    }
  }
  for (const auto& [key, want] : expected) {
    if (!seen.count(key)) v.push_back("the hub has no cell for " + describe(want));
  }
  if (v.size() > 20) {
    const size_t more = v.size() - 20;
    v.resize(20);
    v.push_back("... and " + std::to_string(more) + " more cell differences");
  }
  return v;
}

}  // namespace lls::crash
