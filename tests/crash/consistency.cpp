#include "tests/crash/consistency.h"

#include <set>
#include <tuple>
#include <variant>

#include "crypto/crypto.h"
#include "exchange/sqlite.h"
#include "hub/aggregates.h"
#include "schema/codec.h"

namespace lls::crash {

namespace {

std::string ShortHex(const MessageId& id) { return crypto::ToHex(id).substr(0, 12); }

MessageId ToId(const std::vector<uint8_t>& blob) {
  MessageId id{};
  if (blob.size() == id.size()) std::copy(blob.begin(), blob.end(), id.begin());
  return id;
}

std::string Describe(const hub::AggregateRow& r) {
  return r.lls + "/" + r.measure + "/" + r.period + " trusts=" + std::to_string(r.trusts) +
         " num=" + std::to_string(r.numerator) + " den=" + std::to_string(r.denominator) +
         " suppressed=" + std::to_string(r.suppressed_cells) + " llss=" + std::to_string(r.llss);
}

// First difference between two aggregate tables, or "".
std::string Diff(const std::vector<hub::AggregateRow>& view,
                 const std::vector<hub::AggregateRow>& recomputed) {
  for (size_t i = 0; i < std::max(view.size(), recomputed.size()); ++i) {
    if (i >= view.size()) return "missing from the view: " + Describe(recomputed[i]);
    if (i >= recomputed.size()) return "extra in the view: " + Describe(view[i]);
    if (!(view[i] == recomputed[i])) {
      return "view " + Describe(view[i]) + " vs recomputed " + Describe(recomputed[i]);
    }
  }
  return "";
}

// The aggregates by the rules of hub/aggregates.h (docs/hub.md "Aggregates"), replayed from
// the log alone, independent of the per-point table the hub maintains: the current summary of
// a (member, project) is the one with the highest SENDER sequence (a late resend of an older
// one changes nothing); a retraction of the current summary removes the project and leaves a
// tombstone at the retraction's sequence; the per-trust figure comes from the highest hub_seq
// summary that holds it; suppressed points are counted apart.
class LogReplay {
 public:
  void Summary(int64_t member, const std::string& lls, uint64_t hub_seq, uint64_t sequence,
               const MessageId& id, ProjectSummary summary) {
    auto it = projects_.find({member, summary.project_id});
    if (it != projects_.end() && it->second.sequence > sequence) return;
    const std::string project = summary.project_id;
    projects_[{member, project}] = Current{hub_seq, sequence, id, lls, std::move(summary), false};
  }
  void Retract(int64_t member, uint64_t sequence, const MessageId& target) {
    for (auto& [key, current] : projects_) {
      if (key.first == member && current.id == target && !current.retracted) {
        current.retracted = true;
        current.sequence = sequence;
        return;
      }
    }
  }
  std::vector<hub::AggregateRow> Rows() const {
    // (member, measure, period) -> (hub_seq, lls, point)
    std::map<std::tuple<int64_t, std::string, std::string>,
             std::tuple<uint64_t, std::string, MeasurePoint>>
        figures;
    for (const auto& [key, current] : projects_) {
      if (current.retracted) continue;
      for (const MeasureSeries& series : current.summary.measures) {
        for (const MeasurePoint& p : series.points) {
          auto& slot = figures[{key.first, series.measure_code, p.period}];
          if (std::get<0>(slot) < current.hub_seq) slot = {current.hub_seq, current.lls, p};
        }
      }
    }
    std::map<std::tuple<std::string, std::string, std::string>, hub::AggregateRow> cells;
    for (const auto& [key, figure] : figures) {
      const auto& [seq, lls, p] = figure;
      hub::AggregateRow& row = cells[{lls, std::get<1>(key), std::get<2>(key)}];
      row.lls = lls;
      row.measure = std::get<1>(key);
      row.period = std::get<2>(key);
      if (p.numerator_suppressed || p.denominator_suppressed) {
        ++row.suppressed_cells;
      } else {
        ++row.trusts;
        row.numerator += p.numerator;
        row.denominator += p.denominator;
      }
    }
    std::vector<hub::AggregateRow> rows;
    for (auto& [key, row] : cells) rows.push_back(row);
    return rows;
  }

 private:
  struct Current {
    uint64_t hub_seq;
    uint64_t sequence;  // the sender's; of the retraction once retracted
    MessageId id;
    std::string lls;
    ProjectSummary summary;
    bool retracted;
  };
  std::map<std::pair<int64_t, std::string>, Current> projects_;
};

struct LogRow {
  uint64_t hub_seq = 0;
  int count = 0;  // rows with this message id (UNIQUE says at most 1; counted all the same)
  bool from_member = false;
};

}  // namespace

CheckResult CheckHubDb(const std::filesystem::path& hub_db, const CheckInput& input) {
  CheckResult result;
  auto fail = [&](std::string text) { result.violations.push_back(std::move(text)); };
  db::OpenOptions options;
  options.create = false;
  auto opened = db::Database::Open(hub_db, options);
  if (!opened.ok()) {
    fail("cannot open " + hub_db.string() + ": " + opened.status().message());
    return result;
  }
  db::Database& db = *opened;

  // One scan of the log: ids and hub sequences, and the replay of summaries and retractions.
  std::map<int64_t, std::string> lls_of;
  {
    auto members = db.Prepare("SELECT id, lls FROM members");
    if (!members.ok()) return fail(members.status().message()), result;
    while (true) {
      auto row = members->Step();
      if (!row.ok() || !*row) break;
      lls_of[members->ColumnInt(0)] = members->ColumnText(1);
    }
  }
  std::map<MessageId, LogRow> log;
  std::map<uint64_t, Bytes> relays;
  LogReplay replay;
  int64_t member_rows = 0;
  {
    auto scan = db.Prepare(
        "SELECT hub_seq, message_id, member_id, kind, envelope, sequence FROM log ORDER BY hub_seq");
    if (!scan.ok()) return fail("reading the log: " + scan.status().message()), result;
    while (true) {
      auto row = scan->Step();
      if (!row.ok()) return fail("reading the log: " + row.status().message()), result;
      if (!*row) break;
      ++result.log_rows;
      const uint64_t seq = static_cast<uint64_t>(scan->ColumnInt(0));
      const MessageId id = ToId(scan->ColumnBlob(1));
      const bool from_member = !scan->ColumnIsNull(2);
      const int64_t member = from_member ? scan->ColumnInt(2) : 0;
      const Kind kind = static_cast<Kind>(scan->ColumnInt(3));
      const uint64_t sequence = static_cast<uint64_t>(scan->ColumnInt(5));
      LogRow& entry = log[id];
      entry.hub_seq = seq;
      entry.from_member = from_member;
      ++entry.count;
      if (from_member) ++member_rows;
      if (kind == Kind::kRelay) {
        relays[seq] = scan->ColumnBlob(4);
        continue;
      }
      if (kind != Kind::kProjectSummary && kind != Kind::kRetraction) continue;
      const Bytes bytes = scan->ColumnBlob(4);
      auto envelope = DecodeEnvelope(bytes);
      if (!envelope.ok()) return fail("log entry " + std::to_string(seq) + " does not decode"), result;
      auto body = DecodeBody(envelope->body);
      if (!body.ok()) return fail("log entry " + std::to_string(seq) + " body does not decode"), result;
      if (const auto* s = std::get_if<ProjectSummary>(&*body)) {
        replay.Summary(member, lls_of[member], seq, sequence, id, *s);
      } else if (const auto* r = std::get_if<Retraction>(&*body)) {
        replay.Retract(member, sequence, r->target);
      }
    }
  }
  result.relays = static_cast<int64_t>(relays.size());

  // 1. Every acknowledged message exactly once, at its Ack's hub sequence.
  size_t before = result.violations.size();
  for (const auto& [id, ack] : input.acked) {
    auto it = log.find(id);
    if (it == log.end()) {
      fail("acknowledged message " + ShortHex(id) + " (" + KindName(ack.kind) + ", hub_seq " +
           std::to_string(ack.hub_seq) + ") is not in the log");
    } else if (it->second.count != 1) {
      fail("acknowledged message " + ShortHex(id) + " is in the log " +
           std::to_string(it->second.count) + " times");
    } else if (it->second.hub_seq != ack.hub_seq) {
      fail("acknowledged message " + ShortHex(id) + " was acked with hub_seq " +
           std::to_string(ack.hub_seq) + " but the log has it at " +
           std::to_string(it->second.hub_seq));
    }
  }
  if (result.violations.size() == before) ++result.checks_passed;

  // 2. Nothing else stored: members' rows = acked + unacked found committed.
  before = result.violations.size();
  for (const MessageId& id : input.unacked) {
    auto it = log.find(id);
    if (it != log.end()) result.committed_unacked[id] = it->second.hub_seq;
  }
  const int64_t expected = static_cast<int64_t>(input.acked.size() + result.committed_unacked.size());
  if (member_rows != expected) {
    fail("the log holds " + std::to_string(member_rows) + " members' messages, but " +
         std::to_string(input.acked.size()) + " were acked and " +
         std::to_string(result.committed_unacked.size()) + " unacked ones are committed");
  }
  if (result.violations.size() == before) ++result.checks_passed;

  // 3. The materialised view equals the hub's recomputation and a replay of the log.
  before = result.violations.size();
  auto view = hub::ReadAggregates(db);
  auto recomputed = hub::RecomputeAggregates(db);
  if (!view.ok() || !recomputed.ok()) {
    fail("reading aggregates: " + view.status().message() + recomputed.status().message());
  } else {
    result.aggregate_rows = static_cast<int64_t>(view->size());
    if (std::string d = Diff(*view, *recomputed); !d.empty()) {
      fail("aggregates differ from RecomputeAggregates: " + d);
    }
    std::vector<hub::AggregateRow> replayed = replay.Rows();
    std::vector<hub::AggregateRow> own = *view;
    for (hub::AggregateRow& r : own) r.llss = 1;  // the replay knows one LLS per cell
    if (std::string d = Diff(own, replayed); !d.empty()) {
      fail("aggregates differ from a replay of the log: " + d);
    }
  }
  if (result.violations.size() == before) ++result.checks_passed;

  // 4. Every acknowledged approval has its relay, whose original is the item.
  before = result.violations.size();
  auto item = db.Prepare("SELECT state, relay_seq FROM learning_items WHERE message_id = ?");
  if (!item.ok()) {
    fail("reading learning_items: " + item.status().message());
  } else {
    for (const auto& [curation, target] : input.approvals) {
      item->Reset();
      item->Bind(1, std::span<const uint8_t>(target));
      auto row = item->Step();
      if (!row.ok() || !*row) {
        fail("approved item " + ShortHex(target) + " (curation " + ShortHex(curation) +
             ") is not in learning_items");
        continue;
      }
      const std::string state = item->ColumnText(0);
      if (state != "approved" || item->ColumnIsNull(1)) {
        fail("item " + ShortHex(target) + " approved by acked curation " + ShortHex(curation) +
             " is '" + state + "' with " + (item->ColumnIsNull(1) ? "no relay" : "a relay"));
        continue;
      }
      const uint64_t relay_seq = static_cast<uint64_t>(item->ColumnInt(1));
      auto relay = relays.find(relay_seq);
      if (relay == relays.end()) {
        fail("item " + ShortHex(target) + ": relay_seq " + std::to_string(relay_seq) +
             " is not a Relay in the log");
        continue;
      }
      auto envelope = DecodeEnvelope(relay->second);
      auto body = envelope.ok() ? DecodeBody(envelope->body) : WireResult<Body>(WireError{});
      const Relay* r = body.ok() ? std::get_if<Relay>(&*body) : nullptr;
      auto original = r ? DecodeEnvelope(r->original) : WireResult<Envelope>(WireError{});
      if (!original.ok() || original->message_id != target) {
        fail("relay " + std::to_string(relay_seq) + " does not carry item " + ShortHex(target));
      }
    }
  }
  if (result.violations.size() == before) ++result.checks_passed;

  // 5. SQLite's own check of the file.
  before = result.violations.size();
  auto integrity = db.Prepare("PRAGMA integrity_check");
  if (!integrity.ok()) {
    fail("integrity_check: " + integrity.status().message());
  } else {
    std::string answer;
    while (true) {
      auto row = integrity->Step();
      if (!row.ok()) {
        fail("integrity_check: " + row.status().message());
        break;
      }
      if (!*row) break;
      answer += (answer.empty() ? "" : "; ") + integrity->ColumnText(0);
    }
    if (answer != "ok") fail("PRAGMA integrity_check: " + answer);
  }
  if (result.violations.size() == before) ++result.checks_passed;
  return result;
}

}  // namespace lls::crash
