#include "hub/federation.h"

#include "exchange/sqlite.h"

#include <cstdio>
#include <map>
#include <set>

#include "exchange/catalogue.h"
#include "exchange/log.h"
#include "hub/curation.h"
#include "hub/series_signal.h"
#include "schema/codec.h"

namespace lls::hub {

Result<std::unique_ptr<Forwarder>> Forwarder::Open(HubStore& store,
                                                   const crypto::Identity& identity,
                                                   const Clock& clock, Aggregates& aggregates,
                                                   std::map<std::string, double> targets) {
  LLS_RETURN_IF_ERROR(store.RegisterSchema("outbox", {Outbox::kSchemaV1}));
  // The SPC reading last forwarded per cell, so an unchanged later month is not re-sent.
  // v2: and the figures (NULL for a cell last forwarded by an older build), so a cell a batch
  // touched but left as it was (a revision undone by a later one in the same batch, two
  // trusts' changes that cancel out) is not re-sent either.
  LLS_RETURN_IF_ERROR(store.RegisterSchema("forwarder", {R"sql(
CREATE TABLE forwarded_readings (
  scope TEXT NOT NULL,
  measure TEXT NOT NULL,
  period TEXT NOT NULL,
  reading TEXT NOT NULL,
  PRIMARY KEY (scope, measure, period)
);
)sql",
                                                         R"sql(
ALTER TABLE forwarded_readings ADD COLUMN figure TEXT;
)sql"}));
  aggregates.TrackChangedCells(true);
  std::unique_ptr<Forwarder> forwarder(new Forwarder(store, identity, clock, aggregates));
  forwarder->targets_ = std::move(targets);
  return forwarder;
}

namespace {

// A reading as comparable text (doubles to 17 significant digits: equal text, equal value).
std::string ReadingText(const std::optional<SpcSignal>& s) {
  if (!s) return "none";
  char text[256];
  std::snprintf(text, sizeof text, "%.17g|%.17g|%.17g|%.17g|%u|%u|%u|%u|%u", s->value, s->centre,
                s->lower, s->upper, unsigned{s->rules}, unsigned{s->signal},
                unsigned{s->variation}, unsigned{s->assurance}, unsigned{s->points});
  return text;
}

// A cell's figures as comparable text; "none" for a cell with nothing left (forwarded as zeros).
std::string FigureText(const AggregateRow* cell) {
  if (cell == nullptr) return "none";
  return std::to_string(cell->trusts) + "|" + std::to_string(cell->numerator) + "|" +
         std::to_string(cell->denominator) + "|" + std::to_string(cell->suppressed_cells);
}

// True when `relay` carries (as its original) a learning item scoped `national`.
bool NationalLearning(const Envelope& relay) {
  auto body = DecodeBody(relay.body);
  if (!body.ok()) return false;
  const auto* r = std::get_if<Relay>(&*body);
  if (r == nullptr) return false;
  auto original = DecodeEnvelope(r->original);
  if (!original.ok()) return false;
  auto item = DecodeBody(original->body);
  if (!item.ok()) return false;
  const auto* learning = std::get_if<LearningItem>(&*item);
  return learning != nullptr && learning->scope == Scope::kNational;
}

}  // namespace

Status Forwarder::Finish(db::Database& db) {
  const int64_t now = clock_.NowMs();
  for (const Appended& authored : store_.authored()) {
    if (authored.kind == Kind::kRelay) LLS_RETURN_IF_ERROR(ForwardRelay(db, authored.hub_seq, now));
  }
  // Per series (scope, measure): the changed months, and every later month of the series,
  // whose SPC reading may have moved with them (hub/series_signal.h).
  std::map<std::pair<std::string, std::string>, std::set<std::string>> changed;
  for (const CellKey& key : aggregates_.TakeChangedCells()) {
    changed[{key.lls, key.measure}].insert(key.period);
  }
  for (const auto& [series_key, periods] : changed) {
    LLS_RETURN_IF_ERROR(ForwardSeries(db, series_key.first, series_key.second, periods, now));
  }
  return Status::Ok();
}

Status Forwarder::ForwardSeries(db::Database& db, const std::string& scope,
                                const std::string& measure, const std::set<std::string>& periods,
                                int64_t now_ms) {
  LLS_ASSIGN_OR_RETURN(std::vector<AggregateRow> rows, ReadAggregates(db, measure));
  std::erase_if(rows, [&](const AggregateRow& row) { return row.lls != scope; });
  std::map<std::string, SpcSignal> signals;
  if (const MeasureDefinition* definition = FindMeasure(BuiltInCatalogue(), measure)) {
    auto target = targets_.find(measure);
    signals = SeriesSignals(rows, *definition,
                            target == targets_.end() ? std::nullopt
                                                     : std::optional<double>(target->second));
  }
  std::map<std::string, const AggregateRow*> by_period;
  for (const AggregateRow& row : rows) by_period[row.period] = &row;
  std::set<std::string> send = periods;
  for (const AggregateRow& row : rows) {
    if (row.period > *periods.begin()) send.insert(row.period);
  }
  LLS_ASSIGN_OR_RETURN(
      db::Statement last,
      db.Prepare("SELECT reading, figure FROM forwarded_readings WHERE scope = ? AND "
                 "measure = ? AND period = ?"));
  LLS_ASSIGN_OR_RETURN(
      db::Statement remember,
      db.Prepare("INSERT INTO forwarded_readings (scope, measure, period, reading, figure) "
                 "VALUES (?, ?, ?, ?, ?) ON CONFLICT (scope, measure, period) "
                 "DO UPDATE SET reading = excluded.reading, figure = excluded.figure"));
  for (const std::string& period : send) {
    auto row = by_period.find(period);
    const AggregateRow* cell = row == by_period.end() ? nullptr : row->second;
    auto signal = signals.find(period);
    std::optional<SpcSignal> reading;
    if (signal != signals.end()) reading = signal->second;
    const std::string text = ReadingText(reading);
    const std::string figure = FigureText(cell);
    // Skip what the parent will have anyway: the last forward of this cell, queued in the
    // outbox (which delivers it) and remembered here in the same transaction, carried the
    // same reading, and the same figures (a month of `periods` a batch touched but left as
    // it was; any other month's figures did not change).
    last.Reset();
    last.Bind(1, scope).Bind(2, measure).Bind(3, period);
    LLS_ASSIGN_OR_RETURN(bool known, last.Step());
    if (known && last.ColumnText(0) == text &&
        (!periods.contains(period) || (!last.ColumnIsNull(1) && last.ColumnText(1) == figure))) {
      continue;
    }
    LLS_RETURN_IF_ERROR(ForwardCell({scope, measure, period}, cell, reading, db, now_ms));
    remember.Reset();
    remember.Bind(1, scope).Bind(2, measure).Bind(3, period).Bind(4, text).Bind(5, figure);
    LLS_RETURN_IF_ERROR(remember.Run());
  }
  return Status::Ok();
}

Status Forwarder::ForwardRelay(db::Database& db, uint64_t hub_seq, int64_t now_ms) {
  LLS_ASSIGN_OR_RETURN(db::Statement select,
                       db.Prepare("SELECT envelope FROM log WHERE hub_seq = ?"));
  select.Bind(1, static_cast<int64_t>(hub_seq));
  LLS_ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return Status(Code::kInternal, "relay " + std::to_string(hub_seq) + " not in the log");
  Bytes encoded = select.ColumnBlob(0);
  auto envelope = DecodeEnvelope(encoded);
  if (!envelope.ok()) {
    return Status(Code::kCorrupt, "relay " + std::to_string(hub_seq) + " does not decode");
  }
  // Only learning its author scoped `national` goes up; `lls` learning stays in this LLS
  // (protocol.md: LearningItem.scope). Relays of anything else are not this hub's to forward.
  if (!NationalLearning(*envelope)) return Status::Ok();
  return outbox_.EnqueueSealed(*envelope, encoded, now_ms);
}

Status Forwarder::ForwardCell(const CellKey& key, const AggregateRow* cell,
                              std::optional<SpcSignal> signal, db::Database& db, int64_t now_ms) {
  lls::Aggregate aggregate;
  aggregate.scope = key.lls;
  aggregate.measure_code = key.measure;
  aggregate.period = key.period;
  aggregate.contributing_llss = 1;
  if (cell) {  // else: nothing left in the cell; zeros withdraw it at the parent
    aggregate.contributing_trusts = static_cast<uint32_t>(cell->trusts);
    aggregate.numerator = static_cast<uint64_t>(cell->numerator);
    aggregate.denominator = static_cast<uint64_t>(cell->denominator);
    aggregate.suppressed_cells = static_cast<uint32_t>(cell->suppressed_cells);
    aggregate.spc = signal;
  }
  LLS_ASSIGN_OR_RETURN(uint64_t sequence, NextSignerSequence(db, identity_.sign_public()));
  Envelope envelope = crypto::Seal(identity_, sequence, now_ms, aggregate);
  return outbox_.EnqueueSealed(envelope, EncodeEnvelope(envelope), now_ms);
}

ParentLink::~ParentLink() = default;

void ParentLink::Pump() {
  using SteadyClock = std::chrono::steady_clock;
  if (!publisher_) {
    if (SteadyClock::now() < reconnect_at_) return;
    transport::ClientOptions options;
    options.endpoint = options_.endpoint;
    options.server_key = options_.parent.curve;
    auto connected = transport::ClientTransport::Connect(identity_, options);
    if (!connected.ok()) {
      log::Error("parent hub " + options_.endpoint + ": " + connected.status().message() +
                 "; retrying in " + std::to_string(kRetryRefused.count()) + " s");
      reconnect_at_ = SteadyClock::now() + kRetryRefused;
      return;
    }
    transport_ = std::move(connected).value();
    publisher_ = std::make_unique<Publisher>(outbox_, *transport_, clock_);
  }
  PublishReport report;
  // One transaction per turn: the outbox bookkeeping of up to 64 sends and their acks costs
  // one fsync on the hub thread, not one per row. If it does not commit, the sends are simply
  // repeated later and acked as duplicates.
  auto tx = db::Transaction::Begin(outbox_.database());
  if (!tx.ok()) {
    log::Error("parent hub: " + tx.status().message());
    return;
  }
  // No waiting: ZeroMQ's I/O thread carries the frames; replies are read on the next turn.
  Status pumped = publisher_->Pump(std::chrono::milliseconds(0), /*ignore_backoff=*/false, report);
  if (Status committed = tx->Commit(); !committed.ok()) {
    log::Error("parent hub: recording sends and acks: " + committed.message());
  }
  for (const std::string& r : report.rejections) log::Warn("parent hub: " + r);
  if (pumped.code() == Code::kUnauthenticated) {
    // Handshakes that only broke off may be the network's doing: try again sooner.
    const auto wait = transport_->refusal_certain() ? kRetryRefused : kRetryAfterError;
    log::Error("parent hub " + options_.endpoint + ": " + pumped.message() +
               " (is this hub enrolled there with --role hub?); retrying in " +
               std::to_string(std::chrono::duration_cast<std::chrono::seconds>(wait).count()) +
               " s");
    publisher_.reset();
    transport_.reset();
    reconnect_at_ = SteadyClock::now() + wait;
    return;
  }
  if (!pumped.ok()) {
    // The hub keeps serving its members whatever happens upstream: the outbox keeps the
    // messages, and a fresh link tries again shortly.
    log::Error("parent hub " + options_.endpoint + ": " + pumped.message() + "; retrying in " +
               std::to_string(kRetryAfterError.count()) + " s");
    publisher_.reset();
    transport_.reset();
    reconnect_at_ = SteadyClock::now() + kRetryAfterError;
  }
}

}  // namespace lls::hub
