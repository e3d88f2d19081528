#include "hub/dashboard_source.h"

#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <sstream>
#include <map>
#include <set>
#include <system_error>

#include "crypto/crypto.h"
#include "exchange/catalogue.h"
#include "exchange/outbox.h"
#include "hub/aggregates.h"
#include "hub/curation.h"
#include "hub/presence.h"
#include "hub/roles.h"
#include "schema/codec.h"

namespace lls::hub {

namespace {

analytics::Direction ToDirection(Improvement improvement) {
  switch (improvement) {
    case Improvement::kIncrease: return analytics::Direction::kIncrease;
    case Improvement::kDecrease: return analytics::Direction::kDecrease;
    default: return analytics::Direction::kNeutral;
  }
}

Result<bool> HasTable(db::Database& db, const char* name) {
  LLS_ASSIGN_OR_RETURN(db::Statement select,
                       db.Prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"));
  select.Bind(1, std::string_view(name));
  return select.Step();
}

Result<int64_t> ScalarInt(db::Database& db, const char* sql) {
  LLS_ASSIGN_OR_RETURN(db::Statement select, db.Prepare(sql));
  LLS_ASSIGN_OR_RETURN(bool row, select.Step());
  return row && !select.ColumnIsNull(0) ? select.ColumnInt(0) : int64_t{0};
}

dashboard::Cell CellOf(const AggregateRow& row) {
  dashboard::Cell cell;
  cell.period = row.period;
  cell.numerator = row.numerator;
  cell.denominator = row.denominator;
  cell.trusts = row.trusts;
  cell.suppressed_cells = row.suppressed_cells;
  cell.llss = row.llss;
  // Only suppressed cells contributed: the zeros are not figures.
  cell.suppressed = row.trusts == 0 && row.suppressed_cells > 0;
  return cell;
}

// The month after `period` (YYYY-MM).
std::string NextMonth(const std::string& period) {
  int year = std::stoi(period.substr(0, 4));
  int month = std::stoi(period.substr(5, 2)) + 1;
  if (month > 12) {
    month = 1;
    ++year;
  }
  std::string text = std::to_string(year) + (month < 10 ? "-0" : "-") + std::to_string(month);
  return text;
}

// "2025-03" -> 2025 x 12 + 2, for a YYYY-MM period with a year of four digits (1000 on, so
// that NextMonth's text sorts as the period does) and a month 01..12; -1 otherwise.
int MonthIndex(const std::string& period) {
  if (period.size() != 7 || period[4] != '-' || period[0] == '0') return -1;
  int value = 0;
  for (size_t i = 0; i < period.size(); ++i) {
    if (i == 4) continue;
    if (period[i] < '0' || period[i] > '9') return -1;
    value = value * 10 + (period[i] - '0');
  }
  const int month = value % 100;
  return month >= 1 && month <= 12 ? value / 100 * 12 + month - 1 : -1;
}

// Inserts a gap (denominator 0) for every month missing between the first and the last, so
// charts space months evenly and no moving range spans a missing month.
void FillGaps(dashboard::Series& series) {
  if (series.cells.size() < 2) return;
  // The usual case, a well-formed series with no month missing, has nothing to fill: say so
  // without the string arithmetic below (a chart per trust is thousands of cells).
  bool complete = true;
  int previous = MonthIndex(series.cells.front().period);
  for (size_t i = 1; complete && i < series.cells.size(); ++i) {
    const int month = MonthIndex(series.cells[i].period);
    complete = previous >= 0 && month == previous + 1;
    previous = month;
  }
  if (complete) return;
  std::vector<dashboard::Cell> filled;
  for (dashboard::Cell& cell : series.cells) {
    while (!filled.empty() && NextMonth(filled.back().period) < cell.period &&
           filled.size() < 100000) {
      dashboard::Cell gap;
      gap.period = NextMonth(filled.back().period);
      filled.push_back(std::move(gap));
    }
    filled.push_back(std::move(cell));
  }
  series.cells = std::move(filled);
}

// The learning item an envelope carries: directly, or inside a relay (the origin envelope).
std::optional<LearningItem> LearningOf(const Bytes& encoded) {
  auto envelope = DecodeEnvelope(encoded);
  if (!envelope.ok()) return std::nullopt;
  auto body = DecodeBody(envelope->body);
  if (!body.ok()) return std::nullopt;
  if (const auto* item = std::get_if<LearningItem>(&*body)) return *item;
  if (const auto* relay = std::get_if<Relay>(&*body)) return LearningOf(relay->original);
  return std::nullopt;
}

}  // namespace

dashboard::MeasureInfo DashboardMeasure(const MeasureDefinition& d) {
  dashboard::MeasureInfo info;
  info.code = d.code;
  info.name = d.name;
  info.area = AreaName(d.area);
  info.unit = d.unit;
  info.numerator_definition = d.numerator_definition;
  info.denominator_definition = d.denominator_definition;
  info.improvement = ToDirection(d.improvement);
  info.scale = d.unit == "per 1000" ? 1000.0 : 100.0;
  return info;
}

HubDashboardSource::HubDashboardSource(const HubConfig& config, db::Database db,
                                       const HubMetrics& metrics, const Clock& clock)
    : config_(config), db_(std::move(db)), metrics_(metrics), clock_(clock) {}

Result<std::unique_ptr<HubDashboardSource>> HubDashboardSource::Open(const HubConfig& config,
                                                                     const HubMetrics& metrics,
                                                                     const Clock& clock) {
  db::OpenOptions options;
  options.create = false;
  options.synchronous_full = false;  // it only reads
  LLS_ASSIGN_OR_RETURN(db::Database db, db::Database::Open(config.database(), options));
  return std::unique_ptr<HubDashboardSource>(
      new HubDashboardSource(config, std::move(db), metrics, clock));
}

Result<bool> HubDashboardSource::IsNational() { return IsNationalHub(db_); }

Result<dashboard::HubInfo> HubDashboardSource::Info() {
  std::lock_guard lock(mu_);
  dashboard::HubInfo info;
  info.name = config_.name;
  LLS_ASSIGN_OR_RETURN(bool national, IsNational());
  info.tier = national ? "national" : "lls";
  info.now_ms = clock_.NowMs();
  LLS_ASSIGN_OR_RETURN(info.log_entries, ScalarInt(db_, "SELECT MAX(hub_seq) FROM log"));
  LLS_ASSIGN_OR_RETURN(info.pending_curation, CountPendingLearning(db_));
  LLS_ASSIGN_OR_RETURN(info.members,
                       ScalarInt(db_, "SELECT COUNT(*) FROM members WHERE revoked_at IS NULL"));
  LLS_ASSIGN_OR_RETURN(PresenceView presence, ReadPresence(db_, info.now_ms));
  for (const auto& [member, seen] : presence.last_seen) {
    info.connected += presence.Connected(member, info.now_ms) ? 1 : 0;
  }
  return info;
}

Result<std::vector<dashboard::MeasureInfo>> HubDashboardSource::Measures() {
  std::vector<dashboard::MeasureInfo> measures;
  for (const MeasureDefinition& d : BuiltInCatalogue().measures) {
    measures.push_back(DashboardMeasure(d));
  }
  return measures;
}

Result<std::optional<dashboard::MeasureData>> HubDashboardSource::Measure(
    const std::string& code) {
  return ReadMeasure(code, true);
}

Result<std::optional<int64_t>> HubDashboardSource::Version() {
  std::lock_guard lock(mu_);
  LLS_ASSIGN_OR_RETURN(int64_t version, ContentVersion());
  return std::optional<int64_t>(version);
}

Result<int64_t> HubDashboardSource::ContentVersion() {
  // data_version alone would do, but it moves whenever the hub commits anything, and on a
  // live hub it commits its presence records up to once a second (hub/presence.h): answers
  // would last a second. What a measure shows changes only with the log (every aggregate is
  // written in the transaction that appends the message it comes from; the backfill at start
  // runs before the dashboard opens) and with the member registry (names, roles: enrolment
  // and revocation each add a member_events row). So the version moves when either grows.
  LLS_ASSIGN_OR_RETURN(int64_t data_version, db_.DataVersion());
  if (data_version == checked_data_version_) return content_version_;
  LLS_ASSIGN_OR_RETURN(db::Statement select,
                       db_.Prepare("SELECT (SELECT coalesce(max(hub_seq), 0) FROM log), "
                                   "(SELECT coalesce(max(rowid), 0) FROM member_events)"));
  LLS_ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return Status(Code::kInternal, "reading the log's head: no row");
  const std::pair<int64_t, int64_t> heads{select.ColumnInt(0), select.ColumnInt(1)};
  if (heads != content_heads_) {
    content_heads_ = heads;
    ++content_version_;
  }
  checked_data_version_ = data_version;
  return content_version_;
}

Result<std::optional<dashboard::MeasureData>> HubDashboardSource::MeasureSummary(
    const std::string& code) {
  return ReadMeasure(code, false);
}

Result<std::optional<dashboard::MeasureData>> HubDashboardSource::ReadMeasure(
    const std::string& code, bool with_parts) {
  const MeasureDefinition* definition = FindMeasure(BuiltInCatalogue(), code);
  if (definition == nullptr) return std::optional<dashboard::MeasureData>();
  std::lock_guard lock(mu_);
  LLS_ASSIGN_OR_RETURN(int64_t version, ContentVersion());
  if (cache_version_ != version) {
    cache_.clear();
    cache_version_ = version;
  }
  auto key = std::make_pair(code, with_parts);
  if (auto it = cache_.find(key); it != cache_.end()) {
    return std::optional<dashboard::MeasureData>(it->second);
  }
  LLS_ASSIGN_OR_RETURN(dashboard::MeasureData data, ReadMeasureData(*definition, with_parts));
  cache_.emplace(std::move(key), data);
  return std::optional<dashboard::MeasureData>(std::move(data));
}

Result<dashboard::MeasureData> HubDashboardSource::ReadMeasureData(
    const MeasureDefinition& definition, bool with_parts) {
  const std::string& code = definition.code;
  dashboard::MeasureData data;
  data.measure = DashboardMeasure(definition);
  if (auto target = config_.targets.find(code); target != config_.targets.end()) {
    data.target = target->second;
  }
  LLS_ASSIGN_OR_RETURN(bool national, IsNational());
  if (national) {
    data.main = {"national", "national", "", {}};
    LLS_ASSIGN_OR_RETURN(std::vector<AggregateRow> rows, ReadFederatedAggregates(db_, code));
    LLS_ASSIGN_OR_RETURN(auto signals, ReadReceivedSignals(db_, code));
    std::map<std::string, dashboard::Series> parts;
    for (const AggregateRow& row : rows) {
      if (row.lls == "national") {
        data.main.cells.push_back(CellOf(row));
        continue;
      }
      dashboard::Series& part = parts[row.lls];
      part.scope = row.lls;
      part.kind = "lls";
      dashboard::Cell cell = CellOf(row);
      if (auto it = signals.find({row.lls, row.period}); it != signals.end()) {
        cell.received = it->second;
      }
      part.cells.push_back(std::move(cell));
    }
    FillGaps(data.main);
    if (with_parts) {
      for (auto& [scope, part] : parts) {
        FillGaps(part);
        data.parts.push_back(std::move(part));
      }
    }
    return data;
  }
  data.main = {config_.name, "lls", "", {}};
  LLS_ASSIGN_OR_RETURN(std::vector<AggregateRow> rows, ReadAggregates(db_, code));
  for (const AggregateRow& row : rows) {
    if (row.lls == config_.name) data.main.cells.push_back(CellOf(row));
  }
  FillGaps(data.main);
  if (!with_parts) return data;
  LLS_ASSIGN_OR_RETURN(std::vector<TrustFigure> figures, ReadTrustFigures(db_, code));
  std::map<std::string, size_t> index;  // trust name -> parts position
  for (const TrustFigure& f : figures) {
    if (f.lls != config_.name) continue;  // a trust of another LLS enrolled here
    auto [it, added] = index.try_emplace(f.trust, data.parts.size());
    if (added) data.parts.push_back({f.display_name, "trust", f.organisation, {}});
    dashboard::Cell cell;
    cell.period = f.period;
    cell.numerator = f.numerator;
    cell.denominator = f.denominator;
    cell.trusts = f.suppressed ? 0 : 1;
    cell.suppressed_cells = f.suppressed ? 1 : 0;
    cell.suppressed = f.suppressed;
    data.parts[it->second].cells.push_back(std::move(cell));
  }
  for (dashboard::Series& part : data.parts) FillGaps(part);
  return data;
}

Result<std::vector<dashboard::LearningEntry>> HubDashboardSource::Learning() {
  std::lock_guard lock(mu_);
  std::vector<dashboard::LearningEntry> entries;
  LLS_ASSIGN_OR_RETURN(bool items, HasTable(db_, "learning_items"));
  // Items authored by this hub's members, with their curation state.
  if (items) {
    LLS_ASSIGN_OR_RETURN(
        db::Statement select,
        db_.Prepare("SELECT li.hub_seq, li.message_id, li.title, li.state, li.featured, li.tags, "
                    "li.reason, m.display_name, m.organisation, l.envelope, l.received_at "
                    "FROM learning_items li JOIN members m ON m.id = li.member_id "
                    "JOIN log l ON l.hub_seq = li.hub_seq "
                    "WHERE li.state != 'withdrawn' ORDER BY li.hub_seq DESC LIMIT 500"));
    for (;;) {
      LLS_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) break;
      dashboard::LearningEntry e;
      e.id = crypto::ToHex(select.ColumnBlob(1));
      e.title = select.ColumnText(2);
      e.state = select.ColumnText(3);
      e.featured = select.ColumnInt(4) != 0;
      // Curator tags are stored one per line (hub/curation.cpp); the author's come with the
      // item below. Both are shown, each once.
      std::istringstream curator(select.ColumnText(5));
      for (std::string tag; std::getline(curator, tag);) {
        if (!tag.empty()) e.tags.push_back(tag);
      }
      e.reason = select.ColumnText(6);
      e.author = select.ColumnText(7);
      e.organisation = select.ColumnText(8);
      if (auto item = LearningOf(select.ColumnBlob(9))) {
        e.area = AreaName(item->area);
        e.summary = item->text;
        for (const std::string& tag : item->tags) {
          if (std::find(e.tags.begin(), e.tags.end(), tag) == e.tags.end()) e.tags.push_back(tag);
        }
      }
      e.received_ms = select.ColumnInt(10);
      entries.push_back(std::move(e));
    }
  }
  // Approved learning that member hubs relayed here (a national hub's feed).
  LLS_ASSIGN_OR_RETURN(
      db::Statement relays,
      db_.Prepare("SELECT l.message_id, l.envelope, l.received_at, m.display_name "
                  "FROM log l JOIN members m ON m.id = l.member_id "
                  "WHERE l.kind = ? ORDER BY l.hub_seq DESC LIMIT 500"));
  relays.Bind(1, static_cast<int64_t>(Kind::kRelay));
  // A revised item is approved and relayed again: newest first, so keep the first seen of
  // each (author organisation, item id).
  std::set<std::pair<std::string, std::string>> seen;
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, relays.Step());
    if (!row) break;
    auto item = LearningOf(relays.ColumnBlob(1));
    if (!item) continue;  // a relayed bulletin or catalogue: not learning
    if (!seen.insert({item->organisation, item->item_id}).second) continue;
    dashboard::LearningEntry e;
    e.id = crypto::ToHex(relays.ColumnBlob(0));
    e.title = item->title;
    e.area = AreaName(item->area);
    e.summary = item->text;
    e.tags = item->tags;
    e.organisation = item->organisation;
    e.author = "via " + relays.ColumnText(3);  // the page adds the organisation
    e.state = "approved";
    e.received_ms = relays.ColumnInt(2);
    entries.push_back(std::move(e));
  }
  return entries;
}

Result<std::vector<dashboard::MemberEntry>> HubDashboardSource::Members() {
  std::lock_guard lock(mu_);
  const int64_t now = clock_.NowMs();
  LLS_ASSIGN_OR_RETURN(PresenceView presence, ReadPresence(db_, now));
  LLS_ASSIGN_OR_RETURN(db::Statement select,
                       db_.Prepare("SELECT id, name, display_name, organisation, role, lls, "
                                   "revoked_at FROM members ORDER BY display_name, name"));
  std::vector<dashboard::MemberEntry> members;
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    dashboard::MemberEntry m;
    int64_t id = select.ColumnInt(0);
    m.name = select.ColumnText(1);
    m.display_name = select.ColumnText(2);
    m.organisation = select.ColumnText(3);
    m.role = select.ColumnText(4);
    m.lls = select.ColumnText(5);
    m.revoked = !select.ColumnIsNull(6);
    if (auto it = presence.last_seen.find(id); it != presence.last_seen.end()) {
      m.last_seen_ms = it->second;
    }
    m.connected = !m.revoked && presence.Connected(id, now);
    members.push_back(std::move(m));
  }
  return members;
}

Result<std::string> HubDashboardSource::Metrics() {
  std::string out = metrics_.Render();
  std::lock_guard lock(mu_);
  const int64_t now = clock_.NowMs();
  LLS_ASSIGN_OR_RETURN(PresenceView presence, ReadPresence(db_, now));
  int64_t connected = 0;
  for (const auto& [member, seen] : presence.last_seen) {
    connected += presence.Connected(member, now) ? 1 : 0;
  }
  AppendMetricHeader(out, "lls_hub_connected_members",
                     "Members heard from in the last two minutes.", "gauge");
  AppendSample(out, "lls_hub_connected_members", {}, static_cast<double>(connected));
  LLS_ASSIGN_OR_RETURN(int64_t log_entries, ScalarInt(db_, "SELECT MAX(hub_seq) FROM log"));
  AppendMetricHeader(out, "lls_hub_log_entries", "Messages in the hub's log (its head sequence).",
                     "gauge");
  AppendSample(out, "lls_hub_log_entries", {}, static_cast<double>(log_entries));
  LLS_ASSIGN_OR_RETURN(int64_t pending, CountPendingLearning(db_));
  AppendMetricHeader(out, "lls_hub_learning_pending", "Learning items awaiting curation.",
                     "gauge");
  AppendSample(out, "lls_hub_learning_pending", {}, static_cast<double>(pending));
  OutboxStats outbox;
  LLS_ASSIGN_OR_RETURN(bool has_outbox, HasTable(db_, "outbox"));
  if (has_outbox) {
    LLS_ASSIGN_OR_RETURN(outbox, Outbox(db_).Stats());
  }
  AppendMetricHeader(out, "lls_hub_outbox_depth",
                     "Messages queued for the parent hub and not yet acknowledged.", "gauge");
  AppendSample(out, "lls_hub_outbox_depth", {}, static_cast<double>(outbox.queued));
  AppendMetricHeader(out, "lls_hub_database_bytes", "Size of hub.db and its WAL on disk.",
                     "gauge");
  double bytes = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    auto size = std::filesystem::file_size(config_.database().string() + suffix, ec);
    if (!ec) bytes += static_cast<double>(size);
  }
  AppendSample(out, "lls_hub_database_bytes", {}, bytes);
  return out;
}

Status HubDashboardSource::Health() {
  double since = metrics_.SecondsSinceHeartbeat();
  if (since > 10) {
    return Status(Code::kUnavailable,
                  "the hub loop has not turned for " + std::to_string(static_cast<int>(since)) + " s");
  }
  // A page being read holds the connection: that is an answer too, so do not queue behind it.
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock()) return Status::Ok();
  auto answered = ScalarInt(db_, "SELECT COUNT(*) FROM members");
  if (!answered.ok()) return Status(Code::kUnavailable, "hub.db: " + answered.status().message());
  return Status::Ok();
}

}  // namespace lls::hub
