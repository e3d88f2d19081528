#include "hub/hub_store.h"

#include "hub/state_applier.h"

#include <algorithm>

namespace lls::hub {

namespace {

const char* const kSchemaV1 = R"sql(
CREATE TABLE members (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  organisation TEXT NOT NULL,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('trust', 'facilitator', 'hub', 'national')),
  lls TEXT NOT NULL,
  sign_key BLOB NOT NULL UNIQUE,
  curve_key BLOB NOT NULL UNIQUE,
  enrolled_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE TABLE member_events (
  id INTEGER PRIMARY KEY,
  member_id INTEGER NOT NULL REFERENCES members (id),
  action TEXT NOT NULL,
  actor TEXT NOT NULL,
  at INTEGER NOT NULL,
  detail TEXT NOT NULL DEFAULT ''
);
CREATE TABLE log (
  hub_seq INTEGER PRIMARY KEY,
  message_id BLOB NOT NULL UNIQUE,
  signer BLOB NOT NULL,
  sequence INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  member_id INTEGER NOT NULL REFERENCES members (id),
  envelope BLOB NOT NULL,
  UNIQUE (signer, sequence)
);
CREATE INDEX log_kind ON log (kind);
)sql";

// v2: log.member_id becomes nullable. NULL marks a message the hub authored and signed itself
// (a relay on approval, hub/curation.h): it arrived on no member's connection. SQLite cannot
// relax NOT NULL in place, so the table is rebuilt (once, on upgrade).
const char* const kSchemaV2 = R"sql(
CREATE TABLE log_v2 (
  hub_seq INTEGER PRIMARY KEY,
  message_id BLOB NOT NULL UNIQUE,
  signer BLOB NOT NULL,
  sequence INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  member_id INTEGER REFERENCES members (id),
  envelope BLOB NOT NULL,
  UNIQUE (signer, sequence)
);
INSERT INTO log_v2 SELECT hub_seq, message_id, signer, sequence, kind, created_at, received_at,
  member_id, envelope FROM log;
DROP TABLE log;
ALTER TABLE log_v2 RENAME TO log;
CREATE INDEX log_kind ON log (kind);
)sql";

template <size_t N>
std::span<const uint8_t> Span(const std::array<uint8_t, N>& a) {
  return {a.data(), a.size()};
}

template <size_t N>
std::array<uint8_t, N> ToArray(const std::vector<uint8_t>& blob) {
  std::array<uint8_t, N> out{};
  std::copy_n(blob.begin(), std::min(blob.size(), N), out.begin());
  return out;
}

constexpr const char* kMemberColumns =
    "id, name, organisation, display_name, role, lls, sign_key, curve_key, enrolled_at, "
    "revoked_at";

Member ReadMember(const db::Statement& row) {
  Member m;
  m.id = row.ColumnInt(0);
  m.name = row.ColumnText(1);
  m.organisation = row.ColumnText(2);
  m.display_name = row.ColumnText(3);
  m.role = ParseRole(row.ColumnText(4)).value_or(Role::kTrust);  // CHECK constraint holds it
  m.lls = row.ColumnText(5);
  m.keys.name = m.name;
  m.keys.sign = ToArray<32>(row.ColumnBlob(6));
  m.keys.curve = ToArray<32>(row.ColumnBlob(7));
  m.enrolled_at_ms = row.ColumnInt(8);
  if (!row.ColumnIsNull(9)) m.revoked_at_ms = row.ColumnInt(9);
  return m;
}

Status AddEvent(db::Database& db, int64_t member_id, const char* action, const std::string& actor,
                int64_t at, const std::string& detail) {
  LLS_ASSIGN_OR_RETURN(db::Statement insert,
                       db.Prepare("INSERT INTO member_events (member_id, action, actor, at, "
                                  "detail) VALUES (?, ?, ?, ?, ?)"));
  insert.Bind(1, member_id).Bind(2, action).Bind(3, actor).Bind(4, at).Bind(5, detail);
  return insert.Run();
}

}  // namespace

Result<HubStore> HubStore::Open(const std::filesystem::path& path, bool create) {
  if (!create && !std::filesystem::exists(path)) {
    return Status(Code::kNotFound, "no hub database at " + path.string() +
                                       " (check hub.data_dir; enrol a member or run the hub first)");
  }
  LLS_ASSIGN_OR_RETURN(db::Database db, db::Database::Open(path));
  LLS_RETURN_IF_ERROR(db.Migrate({kSchemaV1, kSchemaV2}).Context(path.string()));
  return HubStore(std::move(db));
}

Result<Member> HubStore::Enrol(const EnrolRequest& request, int64_t now_ms) {
  LLS_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Begin(db_));
  LLS_ASSIGN_OR_RETURN(
      db::Statement insert,
      db_.Prepare("INSERT INTO members (name, organisation, display_name, role, lls, sign_key, "
                  "curve_key, enrolled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  insert.Bind(1, request.keys.name)
      .Bind(2, request.organisation)
      .Bind(3, request.display_name)
      .Bind(4, RoleName(request.role))
      .Bind(5, request.lls)
      .Bind(6, Span(request.keys.sign))
      .Bind(7, Span(request.keys.curve))
      .Bind(8, now_ms);
  Status inserted = insert.Run();
  if (inserted.code() == Code::kAlreadyExists) {
    return Status(Code::kAlreadyExists, "a member named '" + request.keys.name +
                                            "' or with the same keys is already enrolled");
  }
  LLS_RETURN_IF_ERROR(inserted);
  int64_t id = db_.LastInsertRowId();
  LLS_RETURN_IF_ERROR(AddEvent(db_, id, "enrol", request.actor, now_ms,
                               std::string("role=") + RoleName(request.role) +
                                   " organisation=" + request.organisation));
  LLS_RETURN_IF_ERROR(tx.Commit());
  Member m;
  m.id = id;
  m.name = request.keys.name;
  m.organisation = request.organisation;
  m.display_name = request.display_name;
  m.role = request.role;
  m.lls = request.lls;
  m.keys = request.keys;
  m.enrolled_at_ms = now_ms;
  return m;
}

Result<Member> HubStore::Revoke(const std::string& name, const std::string& actor,
                                const std::string& reason, int64_t now_ms) {
  LLS_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Begin(db_));
  LLS_ASSIGN_OR_RETURN(db::Statement select,
                       db_.Prepare(std::string("SELECT ") + kMemberColumns +
                                   " FROM members WHERE name = ?"));
  select.Bind(1, name);
  LLS_ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return Status(Code::kNotFound, "no member named '" + name + "'");
  Member member = ReadMember(select);
  if (!member.active()) {
    return Status(Code::kAlreadyExists, "member '" + name + "' is already revoked");
  }
  LLS_ASSIGN_OR_RETURN(db::Statement update,
                       db_.Prepare("UPDATE members SET revoked_at = ? WHERE id = ?"));
  update.Bind(1, now_ms).Bind(2, member.id);
  LLS_RETURN_IF_ERROR(update.Run());
  LLS_RETURN_IF_ERROR(AddEvent(db_, member.id, "revoke", actor, now_ms, reason));
  LLS_RETURN_IF_ERROR(tx.Commit());
  member.revoked_at_ms = now_ms;
  return member;
}

Result<std::vector<Member>> HubStore::Members() {
  LLS_ASSIGN_OR_RETURN(db::Statement select,
                       db_.Prepare(std::string("SELECT ") + kMemberColumns +
                                   " FROM members ORDER BY id"));
  std::vector<Member> members;
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    members.push_back(ReadMember(select));
  }
  return members;
}

Result<std::vector<MemberEvent>> HubStore::MemberEvents(size_t limit) {
  LLS_ASSIGN_OR_RETURN(
      db::Statement select,
      db_.Prepare("SELECT e.at, m.name, e.action, e.actor, e.detail FROM member_events e "
                  "JOIN members m ON m.id = e.member_id ORDER BY e.id DESC LIMIT ?"));
  select.Bind(1, static_cast<int64_t>(limit));
  std::vector<MemberEvent> events;
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    events.push_back({select.ColumnInt(0), select.ColumnText(1), select.ColumnText(2),
                      select.ColumnText(3), select.ColumnText(4)});
  }
  return events;
}

Result<std::optional<StoredMessage>> HubStore::FindMessage(const MessageId& id) {
  LLS_ASSIGN_OR_RETURN(
      db::Statement select,
      db_.Prepare("SELECT hub_seq, signer, envelope FROM log WHERE message_id = ?"));
  select.Bind(1, Span(id));
  LLS_ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return std::optional<StoredMessage>();
  StoredMessage stored;
  stored.hub_seq = static_cast<uint64_t>(select.ColumnInt(0));
  stored.signer = ToArray<32>(select.ColumnBlob(1));
  stored.envelope = select.ColumnBlob(2);
  return std::optional<StoredMessage>(std::move(stored));
}

Result<bool> HubStore::SequenceUsed(const SignPublicKey& signer, uint64_t sequence) {
  LLS_ASSIGN_OR_RETURN(db::Statement select,
                       db_.Prepare("SELECT 1 FROM log WHERE signer = ? AND sequence = ?"));
  select.Bind(1, Span(signer)).Bind(2, static_cast<int64_t>(sequence));
  return select.Step();
}

Result<std::vector<uint64_t>> HubStore::AppendBatch(const std::vector<LogRecord>& records,
                                                    const std::vector<StateApplier*>& appliers) {
  authored_.clear();
  auto seqs = AppendBatchOnce(records, appliers);
  if (!seqs.ok()) authored_.clear();  // rolled back: nothing was authored
  return seqs;
}

Result<std::vector<uint64_t>> HubStore::AppendBatchOnce(
    const std::vector<LogRecord>& records, const std::vector<StateApplier*>& appliers) {
  std::vector<uint64_t> seqs;
  if (records.empty()) return seqs;
  LLS_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Begin(db_));
  LLS_ASSIGN_OR_RETURN(
      db::Statement insert,
      db_.Prepare("INSERT INTO log (message_id, signer, sequence, kind, created_at, received_at, "
                  "member_id, envelope) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  for (const LogRecord& record : records) {
    const Envelope& e = *record.envelope;
    insert.Bind(1, Span(e.message_id))
        .Bind(2, Span(e.signer))
        .Bind(3, static_cast<int64_t>(e.sequence))
        .Bind(4, static_cast<int64_t>(e.kind))
        .Bind(5, e.created_at_ms)
        .Bind(6, record.received_at_ms)
        .Bind(7, record.member_id)
        .Bind(8, *record.encoded);
    LLS_RETURN_IF_ERROR(insert.Run());
    insert.Reset();
    seqs.push_back(static_cast<uint64_t>(db_.LastInsertRowId()));
    if (!appliers.empty()) {
      if (record.body == nullptr || record.member == nullptr) {
        return Status(Code::kInternal, "state appliers need the decoded body and the member");
      }
      AppliedMessage applied{seqs.back(), e, *record.body, *record.member, record.received_at_ms};
      for (StateApplier* applier : appliers) LLS_RETURN_IF_ERROR(applier->Apply(db_, applied));
    }
  }
  for (StateApplier* applier : appliers) LLS_RETURN_IF_ERROR(applier->Finish(db_));
  LLS_RETURN_IF_ERROR(tx.Commit());
  return seqs;
}

Result<uint64_t> HubStore::AppendAuthored(const Envelope& envelope, const Bytes& encoded,
                                          int64_t received_at_ms) {
  if (!db_.InTransaction()) {
    return Status(Code::kInternal, "AppendAuthored must run inside a transaction");
  }
  LLS_ASSIGN_OR_RETURN(
      db::Statement insert,
      db_.Prepare("INSERT INTO log (message_id, signer, sequence, kind, created_at, received_at, "
                  "member_id, envelope) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)"));
  insert.Bind(1, Span(envelope.message_id))
      .Bind(2, Span(envelope.signer))
      .Bind(3, static_cast<int64_t>(envelope.sequence))
      .Bind(4, static_cast<int64_t>(envelope.kind))
      .Bind(5, envelope.created_at_ms)
      .Bind(6, received_at_ms)
      .Bind(7, encoded);
  // A clash of message id or (signer, sequence) fails here and rolls the whole batch back.
  LLS_RETURN_IF_ERROR(insert.Run().Context("appending a message authored by the hub"));
  const auto seq = static_cast<uint64_t>(db_.LastInsertRowId());
  authored_.push_back({seq, envelope.kind});
  return seq;
}

Status HubStore::RegisterSchema(const std::string& component,
                                const std::vector<std::string_view>& migrations) {
  LLS_RETURN_IF_ERROR(db_.Exec(
      "CREATE TABLE IF NOT EXISTS component_versions (component TEXT PRIMARY KEY, "
      "version INTEGER NOT NULL)"));
  size_t version = 0;
  {
    // Scoped: a statement still open on its row would make a migration's DROP fail with
    // "database table is locked".
    LLS_ASSIGN_OR_RETURN(db::Statement select,
                         db_.Prepare("SELECT version FROM component_versions WHERE component = ?"));
    select.Bind(1, component);
    LLS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (row) version = static_cast<size_t>(select.ColumnInt(0));
  }
  if (version > migrations.size()) {
    return Status(Code::kCorrupt, "hub.db holds " + component + " schema version " +
                                      std::to_string(version) + ", newer than this build");
  }
  for (size_t i = version; i < migrations.size(); ++i) {
    LLS_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Begin(db_));
    LLS_RETURN_IF_ERROR(db_.Exec(migrations[i]).Context(component + " migration " +
                                                        std::to_string(i + 1)));
    LLS_ASSIGN_OR_RETURN(
        db::Statement upsert,
        db_.Prepare("INSERT INTO component_versions (component, version) VALUES (?, ?) "
                    "ON CONFLICT (component) DO UPDATE SET version = excluded.version"));
    upsert.Bind(1, component).Bind(2, static_cast<int64_t>(i + 1));
    LLS_RETURN_IF_ERROR(upsert.Run());
    LLS_RETURN_IF_ERROR(tx.Commit());
  }
  return Status::Ok();
}

Result<LogSlice> HubStore::ReadLog(uint64_t from, const std::vector<Kind>& kinds,
                                   size_t max_entries, size_t max_bytes, uint64_t scan_limit) {
  LogSlice slice;
  // MAX over the primary key is one index probe; COUNT(*) (in Stats) would read the whole log
  // on every subscribe request and wake-up.
  LLS_ASSIGN_OR_RETURN(db::Statement head,
                       db_.Prepare("SELECT COALESCE(MAX(hub_seq), 0) FROM log"));
  LLS_ASSIGN_OR_RETURN(bool has_head, head.Step());
  slice.head_seq = has_head ? static_cast<uint64_t>(head.ColumnInt(0)) : 0;
  from = std::max<uint64_t>(from, 1);
  // A cursor beyond the log (a hub restored from an older backup) stays where it is.
  if (from > slice.head_seq) {
    slice.next_seq = from;
    return slice;
  }
  if (kinds.empty()) {  // nothing here is readable
    slice.next_seq = slice.head_seq + 1;
    return slice;
  }
  max_entries = std::max<size_t>(max_entries, 1);
  const uint64_t scan_end = std::min(slice.head_seq + 1, from + std::max<uint64_t>(scan_limit, 1));
  std::string in;
  for (Kind kind : kinds) {
    in += (in.empty() ? "" : ", ") + std::to_string(static_cast<int>(kind));
  }
  // Two steps. First the hub sequences, from the (kind) index alone: it holds kind and
  // hub_seq, so finding the matches in the scan window reads index pages only, however few
  // of the window's messages match. Joining the envelopes into that query instead made
  // SQLite fetch and sort every matching row of the window (up to scan_limit envelopes of a
  // few KiB) to return the first batch of them: ~50 ms per request when most messages match.
  LLS_ASSIGN_OR_RETURN(
      db::Statement matches,
      db_.Prepare("SELECT hub_seq FROM log WHERE hub_seq >= ? AND hub_seq < ? AND kind IN (" +
                  in + ") ORDER BY hub_seq LIMIT ?"));
  matches.Bind(1, static_cast<int64_t>(from))
      .Bind(2, static_cast<int64_t>(scan_end))
      .Bind(3, static_cast<int64_t>(max_entries));
  std::vector<uint64_t> seqs;
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, matches.Step());
    if (!row) break;
    seqs.push_back(static_cast<uint64_t>(matches.ColumnInt(0)));
  }
  // Then the envelopes, by primary key, only as many as the batch's bytes allow.
  LLS_ASSIGN_OR_RETURN(
      db::Statement select,
      db_.Prepare("SELECT l.envelope, COALESCE(m.organisation, '') FROM log l "
                  "LEFT JOIN members m ON m.id = l.member_id WHERE l.hub_seq = ?"));
  slice.next_seq = scan_end;
  size_t bytes = 0;
  for (uint64_t seq : seqs) {
    select.Bind(1, static_cast<int64_t>(seq));
    LLS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (row) {  // not found only if another process deleted it since (never in service)
      Bytes envelope = select.ColumnBlob(0);
      if (!slice.entries.empty() && bytes + envelope.size() > max_bytes) {
        slice.next_seq = seq;  // this one starts the next batch
        return slice;
      }
      bytes += envelope.size();
      slice.entries.push_back({seq, std::move(envelope), select.ColumnText(1)});
    }
    select.Reset();
  }
  if (seqs.size() == max_entries) slice.next_seq = seqs.back() + 1;
  return slice;
}

Result<HubStore::LogStats> HubStore::Stats() {
  LLS_ASSIGN_OR_RETURN(db::Statement select,
                       db_.Prepare("SELECT COUNT(*), COALESCE(MAX(hub_seq), 0) FROM log"));
  LLS_ASSIGN_OR_RETURN(bool row, select.Step());
  LogStats stats;
  if (row) {
    stats.messages = select.ColumnInt(0);
    stats.last_hub_seq = static_cast<uint64_t>(select.ColumnInt(1));
  }
  return stats;
}

Result<int64_t> HubStore::CountByKind(Kind kind) {
  LLS_ASSIGN_OR_RETURN(db::Statement select,
                       db_.Prepare("SELECT COUNT(*) FROM log WHERE kind = ?"));
  select.Bind(1, static_cast<int64_t>(kind));
  LLS_ASSIGN_OR_RETURN(bool row, select.Step());
  return row ? select.ColumnInt(0) : 0;
}

}  // namespace lls::hub
