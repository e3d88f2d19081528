#include "tests/crash/forwarding.h"

#include <cstdio>
#include <map>
#include <optional>
#include <span>
#include <tuple>
#include <variant>

#include "exchange/catalogue.h"
#include "exchange/sqlite.h"
#include "hub/aggregates.h"
#include "hub/series_signal.h"
#include "schema/codec.h"

namespace lls::crash {

namespace {

using hub::AggregateRow;
using hub::CellKey;

std::string ShortHex(const MessageId& id) { return crypto::ToHex(id).substr(0, 12); }

MessageId ToId(const std::vector<uint8_t>& blob) {
  MessageId id{};
  if (blob.size() == id.size()) std::copy(blob.begin(), blob.end(), id.begin());
  return id;
}

std::string Name(const CellKey& k) { return k.lls + "/" + k.measure + "/" + k.period; }

// The same text hub/federation.cpp keeps in forwarded_readings (ReadingText there): doubles to
// 17 significant digits, so equal text means equal value. If that format ever changes, F4
// fails loudly here rather than passing by accident.
std::string ReadingText(const std::optional<SpcSignal>& s) {
  if (!s) return "none";
  char text[256];
  std::snprintf(text, sizeof text, "%.17g|%.17g|%.17g|%.17g|%u|%u|%u|%u|%u", s->value, s->centre,
                s->lower, s->upper, unsigned{s->rules}, unsigned{s->signal}, unsigned{s->variation},
                unsigned{s->assurance}, unsigned{s->points});
  return text;
}

// A figure as forwarded, or as the national keeps it: the fields the contract names.
struct Figure {
  int64_t trusts = 0, numerator = 0, denominator = 0, suppressed = 0;
  std::optional<SpcSignal> spc;
  bool operator==(const Figure&) const = default;
};

std::string Describe(const Figure& f) {
  return "trusts=" + std::to_string(f.trusts) + " num=" + std::to_string(f.numerator) +
         " den=" + std::to_string(f.denominator) + " suppressed=" + std::to_string(f.suppressed) +
         " spc=" + ReadingText(f.spc);
}

Figure FromAggregate(const lls::Aggregate& a) {
  return {a.contributing_trusts, static_cast<int64_t>(a.numerator),
          static_cast<int64_t>(a.denominator), a.suppressed_cells, a.spc};
}

bool Present(const Figure& f) { return f.trusts > 0 || f.suppressed > 0; }

// The figures as hub/federation.cpp keeps them in forwarded_readings.figure (FigureText
// there): "none" for a cell forwarded as withdrawn.
std::string FigureText(const Figure& f) {
  if (!Present(f)) return "none";
  return std::to_string(f.trusts) + "|" + std::to_string(f.numerator) + "|" +
         std::to_string(f.denominator) + "|" + std::to_string(f.suppressed);
}

struct OutboxRow {
  int64_t local_id = 0;
  MessageId id{};
  Kind kind = Kind::kUnknown;
  uint64_t sequence = 0;
  Bytes envelope;
  std::string state;
  int64_t attempts = 0;
  std::optional<uint64_t> hub_seq;
};

struct NationalRow {
  uint64_t hub_seq = 0;
  MessageId id{};
  Kind kind = Kind::kUnknown;
  uint64_t sequence = 0;
  Bytes envelope;
};

// What a relay envelope carries: the learning item's id and scope, if it is one.
struct RelayedItem {
  MessageId item{};
  Scope scope = Scope::kLls;
};

std::optional<RelayedItem> DecodeRelay(const Bytes& bytes) {
  auto envelope = DecodeEnvelope(bytes);
  if (!envelope.ok()) return std::nullopt;
  auto body = DecodeBody(envelope->body);
  const Relay* relay = body.ok() ? std::get_if<Relay>(&*body) : nullptr;
  if (relay == nullptr) return std::nullopt;
  auto original = DecodeEnvelope(relay->original);
  if (!original.ok()) return std::nullopt;
  auto item = DecodeBody(original->body);
  const LearningItem* learning = item.ok() ? std::get_if<LearningItem>(&*item) : nullptr;
  if (learning == nullptr) return std::nullopt;
  return RelayedItem{original->message_id, learning->scope};
}

std::optional<std::pair<uint64_t, lls::Aggregate>> DecodeAggregate(const Bytes& bytes) {
  auto envelope = DecodeEnvelope(bytes);
  if (!envelope.ok()) return std::nullopt;
  auto body = DecodeBody(envelope->body);
  const lls::Aggregate* a = body.ok() ? std::get_if<lls::Aggregate>(&*body) : nullptr;
  if (a == nullptr) return std::nullopt;
  return std::make_pair(envelope->sequence, *a);
}

std::span<const uint8_t> Span(const auto& array) { return {array.data(), array.size()}; }

// Everything the checks read, each database inside one read transaction (one snapshot).
struct Snapshot {
  std::vector<OutboxRow> outbox;
  std::map<CellKey, AggregateRow> cells;                 // the LLS hub's aggregates
  std::map<CellKey, std::optional<SpcSignal>> readings;  // SeriesSignals of those, now
  std::map<CellKey, std::pair<std::string, std::string>> forwarded_readings;  // reading, figure
  std::map<uint64_t, Bytes> lls_relays;  // the LLS log's relays, by hub_seq
  std::map<MessageId, std::pair<Scope, std::optional<uint64_t>>> approved;  // item -> scope, relay
  uint64_t signer_counter = 0;
  uint64_t max_signed = 0;  // highest sequence the LLS hub used in its log or outbox
  // The national's side.
  std::optional<int64_t> member;  // the LLS hub's member id there
  std::vector<NationalRow> national_log;
  std::map<CellKey, std::pair<Figure, uint64_t>> national_figures;  // (scope, measure, period)
  std::map<std::pair<std::string, std::string>, AggregateRow> national_cells;
  std::map<std::pair<std::string, std::string>, AggregateRow> national_cells_expected;
  std::string integrity;
};

class Checker {
 public:
  explicit Checker(ForwardingResult& result) : result_(result) {}
  void Fail(std::string text) { result_.violations.push_back(std::move(text)); }
  // Runs `check`; counts it passed when it added no violation.
  template <typename F>
  void Run(F&& check) {
    const size_t before = result_.violations.size();
    ++result_.checks_run;
    check();
    if (result_.violations.size() == before) ++result_.checks_passed;
  }

 private:
  ForwardingResult& result_;
};

Status ReadOutbox(db::Database& db, Snapshot& s) {
  LLS_ASSIGN_OR_RETURN(db::Statement select,
                       db.Prepare("SELECT local_id, message_id, kind, sequence, envelope, state, "
                                  "attempts, hub_seq FROM outbox ORDER BY local_id"));
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    OutboxRow r;
    r.local_id = select.ColumnInt(0);
    r.id = ToId(select.ColumnBlob(1));
    r.kind = static_cast<Kind>(select.ColumnInt(2));
    r.sequence = static_cast<uint64_t>(select.ColumnInt(3));
    r.envelope = select.ColumnBlob(4);
    r.state = select.ColumnText(5);
    r.attempts = select.ColumnInt(6);
    if (!select.ColumnIsNull(7)) r.hub_seq = static_cast<uint64_t>(select.ColumnInt(7));
    s.max_signed = std::max(s.max_signed, r.sequence);
    s.outbox.push_back(std::move(r));
  }
  return Status::Ok();
}

Status ReadLlsAggregates(db::Database& db, const std::map<std::string, double>& targets,
                         Snapshot& s) {
  LLS_ASSIGN_OR_RETURN(std::vector<AggregateRow> rows, hub::ReadAggregates(db));
  // Per series (lls, measure), ordered by period as ReadAggregates returns them.
  std::map<std::pair<std::string, std::string>, std::vector<AggregateRow>> series;
  for (const AggregateRow& r : rows) {
    s.cells[{r.lls, r.measure, r.period}] = r;
    series[{r.lls, r.measure}].push_back(r);
  }
  for (const auto& [key, rows_of] : series) {
    const MeasureDefinition* definition = FindMeasure(BuiltInCatalogue(), key.second);
    std::map<std::string, SpcSignal> signals;
    auto target = targets.find(key.second);
    if (definition) {
      signals = hub::SeriesSignals(
          rows_of, *definition,
          target == targets.end() ? std::nullopt : std::optional<double>(target->second));
    }
    for (const AggregateRow& r : rows_of) {
      auto it = signals.find(r.period);
      s.readings[{r.lls, r.measure, r.period}] =
          it == signals.end() ? std::nullopt : std::optional<SpcSignal>(it->second);
    }
  }
  LLS_ASSIGN_OR_RETURN(db::Statement readings,
                       db.Prepare("SELECT scope, measure, period, reading, "
                                  "COALESCE(figure, 'NULL') FROM forwarded_readings"));
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, readings.Step());
    if (!row) break;
    s.forwarded_readings[{readings.ColumnText(0), readings.ColumnText(1), readings.ColumnText(2)}] =
        {readings.ColumnText(3), readings.ColumnText(4)};
  }
  return Status::Ok();
}

Status ReadLlsLearning(db::Database& db, const SignPublicKey& hub_key, Snapshot& s) {
  LLS_ASSIGN_OR_RETURN(db::Statement relays,
                       db.Prepare("SELECT hub_seq, envelope FROM log WHERE member_id IS NULL AND "
                                  "kind = ?"));
  relays.Bind(1, static_cast<int64_t>(Kind::kRelay));
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, relays.Step());
    if (!row) break;
    s.lls_relays[static_cast<uint64_t>(relays.ColumnInt(0))] = relays.ColumnBlob(1);
  }
  LLS_ASSIGN_OR_RETURN(db::Statement items,
                       db.Prepare("SELECT i.message_id, i.relay_seq, l.envelope FROM "
                                  "learning_items i JOIN log l ON l.message_id = i.message_id "
                                  "WHERE i.state = 'approved'"));
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, items.Step());
    if (!row) break;
    auto envelope = DecodeEnvelope(items.ColumnBlob(2));
    auto body = envelope.ok() ? DecodeBody(envelope->body) : WireResult<Body>(WireError{});
    const LearningItem* item = body.ok() ? std::get_if<LearningItem>(&*body) : nullptr;
    if (item == nullptr) return Status(Code::kCorrupt, "an approved item does not decode");
    std::optional<uint64_t> relay;
    if (!items.ColumnIsNull(1)) relay = static_cast<uint64_t>(items.ColumnInt(1));
    s.approved[ToId(items.ColumnBlob(0))] = {item->scope, relay};
  }
  LLS_ASSIGN_OR_RETURN(db::Statement counter,
                       db.Prepare("SELECT last_sequence FROM hub_signer WHERE signer = ?"));
  counter.Bind(1, Span(hub_key));
  LLS_ASSIGN_OR_RETURN(bool row, counter.Step());
  if (row) s.signer_counter = static_cast<uint64_t>(counter.ColumnInt(0));
  LLS_ASSIGN_OR_RETURN(db::Statement used,
                       db.Prepare("SELECT COALESCE(MAX(sequence), 0) FROM log WHERE signer = ?"));
  used.Bind(1, Span(hub_key));
  LLS_ASSIGN_OR_RETURN(bool any, used.Step());
  if (any) s.max_signed = std::max(s.max_signed, static_cast<uint64_t>(used.ColumnInt(0)));
  return Status::Ok();
}

std::optional<SpcSignal> ReadSpc(const db::Statement& row, int first) {
  if (row.ColumnIsNull(first)) return std::nullopt;
  SpcSignal s;
  s.value = row.ColumnDouble(first);
  s.centre = row.ColumnDouble(first + 1);
  s.lower = row.ColumnDouble(first + 2);
  s.upper = row.ColumnDouble(first + 3);
  s.rules = static_cast<uint8_t>(row.ColumnInt(first + 4));
  s.signal = static_cast<uint8_t>(row.ColumnInt(first + 5));
  s.variation = static_cast<uint8_t>(row.ColumnInt(first + 6));
  s.assurance = static_cast<uint8_t>(row.ColumnInt(first + 7));
  s.points = static_cast<uint32_t>(row.ColumnInt(first + 8));
  return s;
}

Status ReadNationalAggregates(db::Database& db, Snapshot& s) {
  // Every member hub's present figures make the national cells (F5 sums them all); the LLS
  // hub's figures, present or withdrawn, are kept apart.
  LLS_ASSIGN_OR_RETURN(
      db::Statement members,
      db.Prepare("SELECT member_id, scope, measure, period, present, trusts, numerator, "
                 "denominator, suppressed_cells, sequence, spc_value, spc_centre, spc_lower, "
                 "spc_upper, spc_rules, spc_signal, spc_variation, spc_assurance, spc_points "
                 "FROM agg_members"));
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, members.Step());
    if (!row) break;
    Figure f{members.ColumnInt(5), members.ColumnInt(6), members.ColumnInt(7), members.ColumnInt(8),
             ReadSpc(members, 10)};
    const bool present = members.ColumnInt(4) != 0;
    const std::string measure = members.ColumnText(2), period = members.ColumnText(3);
    if (present) {
      auto [it, fresh] = s.national_cells_expected.try_emplace(
          {measure, period}, AggregateRow{"national", measure, period, 0, 0, 0, 0, 0});
      AggregateRow& sum = it->second;
      sum.trusts += f.trusts, sum.numerator += f.numerator, sum.denominator += f.denominator;
      sum.suppressed_cells += f.suppressed;
      ++sum.llss;
    }
    if (s.member && members.ColumnInt(0) == *s.member) {
      if (!present) f = Figure{0, 0, 0, 0, f.spc};  // zeros withdraw, whatever the columns say
      s.national_figures[{members.ColumnText(1), measure, period}] = {
          f, static_cast<uint64_t>(members.ColumnInt(9))};
    }
  }
  LLS_ASSIGN_OR_RETURN(db::Statement national,
                       db.Prepare("SELECT measure, period, llss, trusts, numerator, denominator, "
                                  "suppressed_cells FROM agg_national"));
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, national.Step());
    if (!row) break;
    s.national_cells[{national.ColumnText(0), national.ColumnText(1)}] =
        AggregateRow{"national",
                     national.ColumnText(0),
                     national.ColumnText(1),
                     national.ColumnInt(3),
                     national.ColumnInt(4),
                     national.ColumnInt(5),
                     national.ColumnInt(6),
                     national.ColumnInt(2)};
  }
  return Status::Ok();
}

Status ReadNational(db::Database& db, const SignPublicKey& hub_key, Snapshot& s) {
  LLS_ASSIGN_OR_RETURN(db::Statement member,
                       db.Prepare("SELECT id FROM members WHERE sign_key = ?"));
  member.Bind(1, Span(hub_key));
  LLS_ASSIGN_OR_RETURN(bool found, member.Step());
  if (found) s.member = member.ColumnInt(0);
  LLS_ASSIGN_OR_RETURN(db::Statement log,
                       db.Prepare("SELECT hub_seq, message_id, kind, sequence, envelope, "
                                  "member_id FROM log WHERE signer = ? ORDER BY hub_seq"));
  log.Bind(1, Span(hub_key));
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, log.Step());
    if (!row) break;
    if (log.ColumnIsNull(5) || !s.member || log.ColumnInt(5) != *s.member) {
      return Status(Code::kCorrupt,
                    "a message signed by the LLS hub is stored at the national "
                    "under another member");
    }
    s.national_log.push_back({static_cast<uint64_t>(log.ColumnInt(0)), ToId(log.ColumnBlob(1)),
                              static_cast<Kind>(log.ColumnInt(2)),
                              static_cast<uint64_t>(log.ColumnInt(3)), log.ColumnBlob(4)});
  }
  LLS_RETURN_IF_ERROR(ReadNationalAggregates(db, s));
  LLS_ASSIGN_OR_RETURN(db::Statement integrity, db.Prepare("PRAGMA integrity_check"));
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, integrity.Step());
    if (!row) break;
    s.integrity += (s.integrity.empty() ? "" : "; ") + integrity.ColumnText(0);
  }
  return Status::Ok();
}

Result<db::Database> OpenExisting(const std::filesystem::path& path) {
  db::OpenOptions options;
  options.create = false;
  LLS_ASSIGN_OR_RETURN(db::Database db, db::Database::Open(path, options));
  // One snapshot for every read below: a national still running cannot move under us.
  LLS_RETURN_IF_ERROR(db.Exec("BEGIN"));
  return db;
}

// --- the checks -------------------------------------------------------------------------------

// F1 and F2: the national's log from the LLS hub against the LLS hub's outbox.
void CheckOutboxAgainstNational(const Snapshot& s, Checker& c, ForwardingResult& r) {
  std::map<MessageId, const OutboxRow*> outbox;
  for (const OutboxRow& row : s.outbox) outbox[row.id] = &row;
  std::map<MessageId, const NationalRow*> national;
  for (const NationalRow& row : s.national_log) national[row.id] = &row;
  c.Run([&] {  // F1
    for (const NationalRow& n : s.national_log) {
      auto it = outbox.find(n.id);
      if (it == outbox.end()) {
        c.Fail("F1: the national holds " + ShortHex(n.id) + " (" + KindName(n.kind) + ", seq " +
               std::to_string(n.sequence) + ") from the LLS hub, which is not in its outbox");
      } else if (it->second->envelope != n.envelope) {
        c.Fail("F1: the national's copy of " + ShortHex(n.id) + " differs from the outbox's");
      }
    }
  });
  c.Run([&] {  // F2
    for (const OutboxRow& o : s.outbox) {
      if (o.state == "rejected") {
        c.Fail("F2: the national refused forward " + ShortHex(o.id) + " (" + KindName(o.kind) +
               ")");
      }
      auto it = national.find(o.id);
      if (o.state == "queued" && it != national.end()) ++r.committed_unacked;
      if (o.state != "acked") continue;
      if (it == national.end()) {
        c.Fail("F2: forward " + ShortHex(o.id) + " (" + KindName(o.kind) + ", seq " +
               std::to_string(o.sequence) + ") is acked at the LLS hub but not at the national");
      } else if (!o.hub_seq || *o.hub_seq != it->second->hub_seq) {
        c.Fail("F2: forward " + ShortHex(o.id) + " recorded as acked at national hub_seq " +
               (o.hub_seq ? std::to_string(*o.hub_seq) : "NULL") + ", stored there at " +
               std::to_string(it->second->hub_seq));
      }
    }
  });
}

// F3: relays in the outbox and at the national.
void CheckRelays(const Snapshot& s, const ForwardingInput& in, Checker& c) {
  c.Run([&] {
    std::map<MessageId, std::vector<const OutboxRow*>> outbox_relays;  // by item
    for (const OutboxRow& o : s.outbox) {
      if (o.kind != Kind::kRelay) continue;
      std::optional<RelayedItem> item = DecodeRelay(o.envelope);
      if (!item) {
        c.Fail("F3: outbox relay " + ShortHex(o.id) + " carries no learning item");
      } else if (item->scope != Scope::kNational) {
        c.Fail("F3: lls-scoped item " + ShortHex(item->item) + " was queued for the national");
      } else {
        outbox_relays[item->item].push_back(&o);
      }
    }
    for (const auto& [item, entry] : s.approved) {
      const auto& [scope, relay_seq] = entry;
      const size_t n = outbox_relays.count(item) ? outbox_relays[item].size() : 0;
      const size_t want = scope == Scope::kNational ? 1 : 0;
      if (n != want) {
        c.Fail("F3: approved " + std::string(ScopeName(scope)) + " item " + ShortHex(item) +
               " has " + std::to_string(n) + " relays in the outbox, not " + std::to_string(want));
      } else if (n == 1) {
        auto log = relay_seq ? s.lls_relays.find(*relay_seq) : s.lls_relays.end();
        if (log == s.lls_relays.end() || log->second != outbox_relays[item][0]->envelope) {
          c.Fail("F3: the outbox relay of item " + ShortHex(item) +
                 " is not the relay in the LLS log");
        }
      }
    }
    for (const auto& [item, rows] : outbox_relays) {
      if (!s.approved.count(item)) c.Fail("F3: outbox relay of unapproved item " + ShortHex(item));
    }
    for (const auto& [curation, item] : in.approvals) {  // the clients' view agrees
      auto it = s.approved.find(item);
      if (it == s.approved.end()) continue;  // consistency check 4 reports it
      if ((it->second.first == Scope::kNational) != in.national_items.contains(item)) {
        c.Fail("F3: item " + ShortHex(item) + " is stored with another scope than it was sent");
      }
    }
    std::map<MessageId, int> at_national;
    for (const NationalRow& n : s.national_log) {
      if (n.kind != Kind::kRelay) continue;
      std::optional<RelayedItem> item = DecodeRelay(n.envelope);
      if (!item || item->scope != Scope::kNational) {
        c.Fail("F3: the national holds relay " + ShortHex(n.id) + " of lls-scoped learning");
      } else if (++at_national[item->item] > 1) {
        c.Fail("F3: item " + ShortHex(item->item) + " reached the national more than once");
      }
    }
  });
}

// F4: per cell, the newest queued Aggregate is the cell as it is now.
void CheckContract(const Snapshot& s, Checker& c, ForwardingResult& r) {
  std::map<CellKey, std::pair<uint64_t, lls::Aggregate>> newest;  // (sequence, aggregate)
  c.Run([&] {
    for (const OutboxRow& o : s.outbox) {
      if (o.kind != Kind::kAggregate) continue;
      auto decoded = DecodeAggregate(o.envelope);
      if (!decoded) {
        c.Fail("F4: outbox entry " + ShortHex(o.id) + " is no Aggregate");
        continue;
      }
      CellKey key{decoded->second.scope, decoded->second.measure_code, decoded->second.period};
      auto [it, fresh] = newest.try_emplace(key, *decoded);
      if (!fresh && it->second.first >= decoded->first) {
        c.Fail("F4: " + Name(key) + " was queued with sequence " + std::to_string(decoded->first) +
               " after sequence " + std::to_string(it->second.first));
      }
      // The same figures and reading as the cell's previous forward: the national has them
      // already (the forwarder skips such a cell; a crash must not make it send one again).
      if (!fresh && FromAggregate(it->second.second) == FromAggregate(decoded->second)) {
        ++r.repeated_forwards;
        c.Fail("F4: " + Name(key) + " was forwarded again unchanged (seq " +
               std::to_string(it->second.first) + " and " + std::to_string(decoded->first) +
               "): " + Describe(FromAggregate(decoded->second)));
      }
      if (!fresh) it->second = *decoded;
      if (decoded->second.contributing_llss != 1) {
        c.Fail("F4: " + Name(key) + " forwarded with contributing_llss " +
               std::to_string(decoded->second.contributing_llss));
      }
    }
    for (const auto& [key, cell] : s.cells) {
      if (!newest.count(key))
        c.Fail("F4: cell " + Name(key) + " was never queued for the national");
    }
    for (const auto& [key, forward] : newest) {
      auto cell = s.cells.find(key);
      Figure want;
      if (cell != s.cells.end()) {
        want = {cell->second.trusts, cell->second.numerator, cell->second.denominator,
                cell->second.suppressed_cells, s.readings.at(key)};
      }
      const Figure got = FromAggregate(forward.second);
      if (got != want) {
        c.Fail("F4: " + Name(key) + ": the newest forward (seq " + std::to_string(forward.first) +
               ") says " + Describe(got) + ", the cell is " + Describe(want));
      }
      auto remembered = s.forwarded_readings.find(key);
      const std::pair<std::string, std::string> want_row{ReadingText(got.spc), FigureText(got)};
      if (remembered == s.forwarded_readings.end() || remembered->second != want_row) {
        c.Fail("F4: forwarded_readings of " + Name(key) + " is '" +
               (remembered == s.forwarded_readings.end()
                    ? std::string("missing")
                    : remembered->second.first + "' / '" + remembered->second.second) +
               "', the newest forward's reading and figures '" + want_row.first + "' / '" +
               want_row.second + "'");
      }
    }
    for (const auto& [key, text] : s.forwarded_readings) {
      if (!newest.count(key)) c.Fail("F4: forwarded_readings has " + Name(key) + ", never queued");
    }
    if (s.signer_counter < s.max_signed) {
      c.Fail("F4: hub_signer is at " + std::to_string(s.signer_counter) + " but sequence " +
             std::to_string(s.max_signed) + " was used");
    }
    std::set<uint64_t> relay_seqs;
    for (const auto& [item, entry] : s.approved) {
      if (entry.second) relay_seqs.insert(*entry.second);
    }
    for (const auto& [seq, bytes] : s.lls_relays) {
      if (!relay_seqs.contains(seq)) {
        c.Fail("F4: the LLS log's relay at " + std::to_string(seq) +
               " belongs to no approved "
               "item (echoed down from the national?)");
      }
    }
  });
}

// F5: the national's figures and cells follow from its log.
void CheckNationalState(const Snapshot& s, Checker& c) {
  c.Run([&] {
    std::map<CellKey, std::pair<uint64_t, Figure>> replay;  // newest by signer sequence
    for (const NationalRow& n : s.national_log) {
      if (n.kind != Kind::kAggregate) continue;
      auto decoded = DecodeAggregate(n.envelope);
      if (!decoded) {
        c.Fail("F5: national log entry " + std::to_string(n.hub_seq) + " is no Aggregate");
        continue;
      }
      CellKey key{decoded->second.scope, decoded->second.measure_code, decoded->second.period};
      auto& slot = replay[key];
      if (slot.first < decoded->first) slot = {decoded->first, FromAggregate(decoded->second)};
    }
    for (const auto& [key, newest] : replay) {
      Figure want = newest.second;
      if (!Present(want)) want = Figure{};  // a withdrawn figure keeps no reading
      auto it = s.national_figures.find(key);
      Figure got = it == s.national_figures.end() ? Figure{} : it->second.first;
      if (!Present(got)) got.spc.reset();
      if (it == s.national_figures.end() || got != want || it->second.second != newest.first) {
        c.Fail("F5: the national's figure of " + Name(key) + " is " +
               (it == s.national_figures.end()
                    ? std::string("missing")
                    : Describe(got) + " (seq " + std::to_string(it->second.second) + ")") +
               ", its log's newest Aggregate " + Describe(want) + " (seq " +
               std::to_string(newest.first) + ")");
      }
    }
    for (const auto& [key, figure] : s.national_figures) {
      if (!replay.count(key))
        c.Fail("F5: the national keeps a figure of " + Name(key) +
               " that no Aggregate in its log set");
    }
    for (const auto& [key, want] : s.national_cells_expected) {
      auto it = s.national_cells.find(key);
      if (it == s.national_cells.end() || !(it->second == want)) {
        c.Fail("F5: national cell " + key.first + "/" + key.second + " does not sum its figures");
      }
    }
    for (const auto& [key, cell] : s.national_cells) {
      if (!s.national_cells_expected.count(key)) {
        c.Fail("F5: national cell " + key.first + "/" + key.second + " has no figure under it");
      }
    }
  });
}

void CheckIntegrity(const Snapshot& s, Checker& c) {
  c.Run([&] {
    if (s.integrity != "ok") c.Fail("F6: national PRAGMA integrity_check: " + s.integrity);
  });
}

// S1-S3, once nothing is queued any more.
void CheckSettled(const Snapshot& s, Checker& c) {
  c.Run([&] {  // S1
    for (const OutboxRow& o : s.outbox) {
      if (o.state == "queued") {
        c.Fail("S1: forward " + ShortHex(o.id) + " (" + KindName(o.kind) + ") is still queued");
      }
    }
  });
  c.Run([&] {  // S2
    for (const auto& [key, cell] : s.cells) {
      const Figure want{cell.trusts, cell.numerator, cell.denominator, cell.suppressed_cells,
                        s.readings.at(key)};
      auto it = s.national_figures.find(key);
      if (it == s.national_figures.end() || it->second.first != want) {
        c.Fail("S2: cell " + Name(key) + " is " + Describe(want) + " at the LLS hub but " +
               (it == s.national_figures.end() ? "missing" : Describe(it->second.first)) +
               " at the national");
      }
    }
    for (const auto& [key, figure] : s.national_figures) {
      if (Present(figure.first) && !s.cells.count(key)) {
        c.Fail("S2: the national still counts " + Name(key) + " (" + Describe(figure.first) +
               "), gone at the LLS hub");
      }
    }
    std::map<std::pair<std::string, std::string>, AggregateRow> sums;
    for (const auto& [key, cell] : s.cells) {
      AggregateRow& sum = sums[{key.measure, key.period}];
      if (sum.lls.empty()) sum = {"national", key.measure, key.period, 0, 0, 0, 0, 0};
      sum.trusts += cell.trusts, sum.numerator += cell.numerator;
      sum.denominator += cell.denominator, sum.suppressed_cells += cell.suppressed_cells;
      ++sum.llss;
    }
    if (sums != s.national_cells) {
      c.Fail("S2: the national cells (" + std::to_string(s.national_cells.size()) +
             ") are not the sums of the LLS hub's cells (" + std::to_string(sums.size()) + ")");
    }
  });
  c.Run([&] {  // S3
    std::set<MessageId> arrived;
    for (const NationalRow& n : s.national_log) {
      if (n.kind != Kind::kRelay) continue;
      if (std::optional<RelayedItem> item = DecodeRelay(n.envelope)) arrived.insert(item->item);
    }
    for (const auto& [item, entry] : s.approved) {
      if (entry.first == Scope::kNational && !arrived.contains(item)) {
        c.Fail("S3: approved national item " + ShortHex(item) + " never reached the national");
      }
    }
  });
}

}  // namespace

ForwardingResult CheckForwarding(const std::filesystem::path& lls_db,
                                 const std::filesystem::path& national_db,
                                 const ForwardingInput& in) {
  ForwardingResult result;
  Checker c(result);
  Snapshot s;
  auto lls = OpenExisting(lls_db);
  auto national = OpenExisting(national_db);
  if (!lls.ok() || !national.ok()) {
    c.Fail("cannot open the hub databases: " + lls.status().message() +
           national.status().message());
    return result;
  }
  Status read = ReadOutbox(*lls, s);
  if (read.ok()) read = ReadLlsAggregates(*lls, in.targets, s);
  if (read.ok()) read = ReadLlsLearning(*lls, in.lls_hub, s);
  if (read.ok()) read = ReadNational(*national, in.lls_hub, s);
  if (!read.ok()) {
    c.Fail("reading the hub databases: " + read.message());
    return result;
  }
  CheckOutboxAgainstNational(s, c, result);
  CheckRelays(s, in, c);
  CheckContract(s, c, result);
  CheckNationalState(s, c);
  CheckIntegrity(s, c);
  if (in.settled) CheckSettled(s, c);

  result.outbox_rows = static_cast<int64_t>(s.outbox.size());
  for (const OutboxRow& o : s.outbox) {
    result.outbox_queued += o.state == "queued";
    result.outbox_acked += o.state == "acked";
    result.forwarded_aggregates += o.kind == Kind::kAggregate;
    result.forwarded_relays += o.kind == Kind::kRelay;
    result.resent += o.attempts > 1;
  }
  result.at_national = static_cast<int64_t>(s.national_log.size());
  result.cells = static_cast<int64_t>(s.cells.size());
  for (const auto& [key, figure] : s.national_figures) {
    result.national_figures += Present(figure.first);
  }
  return result;
}

ForwardingResult CheckNationalDb(const std::filesystem::path& national_db,
                                 const SignPublicKey& lls_hub) {
  ForwardingResult result;
  Checker c(result);
  Snapshot s;
  auto national = OpenExisting(national_db);
  if (!national.ok()) {
    c.Fail("cannot open the national's hub.db: " + national.status().message());
    return result;
  }
  if (Status read = ReadNational(*national, lls_hub, s); !read.ok()) {
    c.Fail("reading the national's hub.db: " + read.message());
    return result;
  }
  CheckNationalState(s, c);
  CheckIntegrity(s, c);
  result.at_national = static_cast<int64_t>(s.national_log.size());
  return result;
}

int64_t QueuedForwards(const std::filesystem::path& lls_db) {
  db::OpenOptions options;
  options.create = false;
  auto db = db::Database::Open(lls_db, options);
  if (!db.ok()) return -1;
  auto select = db->Prepare("SELECT COUNT(*) FROM outbox WHERE state = 'queued'");
  if (!select.ok()) return -1;
  auto row = select->Step();
  if (!row.ok() || !*row) return -1;
  return select->ColumnInt(0);
}

}  // namespace lls::crash
