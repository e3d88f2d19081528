#include "node/node_store.h"

#include <nlohmann/json.hpp>

namespace lls::node {

namespace {

// Version 1: the outbox. Version 2: what the trust imported.
const char* const kStagingV2 = R"sql(
CREATE TABLE projects (
  local_id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  area INTEGER NOT NULL,
  aim TEXT NOT NULL DEFAULT '',
  change_ideas TEXT NOT NULL DEFAULT '[]',
  pdsa_cycles INTEGER NOT NULL DEFAULT 0,
  stage INTEGER NOT NULL DEFAULT 0,
  start_month TEXT NOT NULL DEFAULT '',
  changed_at INTEGER NOT NULL,
  revision INTEGER NOT NULL DEFAULT 1,
  published_revision INTEGER,
  published_at INTEGER,
  last_message_id BLOB,
  retracted_at INTEGER
);
CREATE TABLE counts (
  project TEXT NOT NULL REFERENCES projects (local_id),
  measure TEXT NOT NULL,
  period TEXT NOT NULL,
  numerator INTEGER NOT NULL,
  denominator INTEGER NOT NULL,
  PRIMARY KEY (project, measure, period)
);
CREATE TABLE learning (
  local_id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  kind INTEGER NOT NULL,
  area INTEGER NOT NULL,
  tags TEXT NOT NULL DEFAULT '[]',
  body TEXT NOT NULL DEFAULT '',
  scope INTEGER NOT NULL DEFAULT 0,
  project TEXT NOT NULL DEFAULT '',
  changed_at INTEGER NOT NULL,
  revision INTEGER NOT NULL DEFAULT 1,
  published_revision INTEGER,
  published_at INTEGER,
  last_message_id BLOB,
  retracted_at INTEGER
);
CREATE TABLE imports (
  id INTEGER PRIMARY KEY,
  origin TEXT NOT NULL,
  imported_at INTEGER NOT NULL,
  projects INTEGER NOT NULL,
  counts INTEGER NOT NULL,
  learning INTEGER NOT NULL
);
)sql";

// Version 3: the inbox, and its cursor (one row).
const char* const kInboxV3 = R"sql(
CREATE TABLE inbox (
  hub_seq INTEGER PRIMARY KEY,
  message_id BLOB NOT NULL UNIQUE,
  kind INTEGER NOT NULL,
  signer BLOB NOT NULL,
  organisation TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  envelope BLOB NOT NULL
);
CREATE INDEX inbox_kind ON inbox (kind);
CREATE TABLE inbox_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  next_seq INTEGER NOT NULL,
  head_seq INTEGER NOT NULL DEFAULT 0,
  rejected INTEGER NOT NULL DEFAULT 0,
  last_sync_at INTEGER
);
INSERT INTO inbox_state (id, next_seq) VALUES (1, 1);
)sql";

std::string ToJsonList(const std::vector<std::string>& items) {
  return nlohmann::json(items).dump();
}

std::vector<std::string> FromJsonList(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& item : j) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

const char* Table(ItemKind kind) { return kind == ItemKind::kProject ? "projects" : "learning"; }

std::span<const uint8_t> Span(const MessageId& id) { return {id.data(), id.size()}; }

Status UpsertProject(db::Database& db, const ProjectRecord& p, int64_t now) {
  LLS_ASSIGN_OR_RETURN(
      db::Statement upsert,
      db.Prepare("INSERT INTO projects (local_id, title, area, aim, change_ideas, pdsa_cycles, "
                 "stage, start_month, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                 "ON CONFLICT (local_id) DO UPDATE SET title = excluded.title, "
                 "area = excluded.area, aim = excluded.aim, change_ideas = excluded.change_ideas, "
                 "pdsa_cycles = excluded.pdsa_cycles, stage = excluded.stage, "
                 "start_month = excluded.start_month, changed_at = excluded.changed_at, "
                 "revision = revision + 1, retracted_at = NULL"));
  upsert.Bind(1, p.local_id)
      .Bind(2, p.title)
      .Bind(3, static_cast<int64_t>(p.area))
      .Bind(4, p.aim)
      .Bind(5, ToJsonList(p.change_ideas))
      .Bind(6, static_cast<int64_t>(p.pdsa_cycles))
      .Bind(7, static_cast<int64_t>(p.stage))
      .Bind(8, p.start_month)
      .Bind(9, now);
  return upsert.Run();
}

Status UpsertLearning(db::Database& db, const LearningRecord& l, int64_t now) {
  LLS_ASSIGN_OR_RETURN(
      db::Statement upsert,
      db.Prepare("INSERT INTO learning (local_id, title, kind, area, tags, body, scope, project, "
                 "changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                 "ON CONFLICT (local_id) DO UPDATE SET title = excluded.title, "
                 "kind = excluded.kind, area = excluded.area, tags = excluded.tags, "
                 "body = excluded.body, scope = excluded.scope, project = excluded.project, "
                 "changed_at = excluded.changed_at, revision = revision + 1, retracted_at = NULL"));
  upsert.Bind(1, l.local_id)
      .Bind(2, l.title)
      .Bind(3, static_cast<int64_t>(l.kind))
      .Bind(4, static_cast<int64_t>(l.area))
      .Bind(5, ToJsonList(l.tags))
      .Bind(6, l.text)
      .Bind(7, static_cast<int64_t>(l.scope))
      .Bind(8, l.project)
      .Bind(9, now);
  return upsert.Run();
}

}  // namespace

Result<std::unique_ptr<NodeStore>> NodeStore::Open(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return Status(Code::kIoError, "cannot create " + path.parent_path().string());
  LLS_ASSIGN_OR_RETURN(db::Database db, db::Database::Open(path));
  LLS_RETURN_IF_ERROR(db.Migrate({Outbox::kSchemaV1, kStagingV2, kInboxV3}).Context(path.string()));
  return std::unique_ptr<NodeStore>(new NodeStore(std::move(db)));
}

Status NodeStore::StoreImport(const ImportBatch& batch, const std::string& origin,
                              int64_t now_ms, std::vector<ImportProblem>* problems) {
  LLS_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Begin(db_));
  for (const ProjectRecord& p : batch.projects) LLS_RETURN_IF_ERROR(UpsertProject(db_, p, now_ms));
  for (const LearningRecord& l : batch.learning) {
    LLS_RETURN_IF_ERROR(UpsertLearning(db_, l, now_ms));
  }
  LLS_ASSIGN_OR_RETURN(db::Statement exists,
                       db_.Prepare("SELECT 1 FROM projects WHERE local_id = ?"));
  LLS_ASSIGN_OR_RETURN(
      db::Statement upsert,
      db_.Prepare("INSERT INTO counts (project, measure, period, numerator, denominator) "
                  "VALUES (?, ?, ?, ?, ?) ON CONFLICT (project, measure, period) DO UPDATE SET "
                  "numerator = excluded.numerator, denominator = excluded.denominator"));
  LLS_ASSIGN_OR_RETURN(
      db::Statement touch,
      db_.Prepare("UPDATE projects SET changed_at = ?, revision = revision + 1, "
                  "retracted_at = NULL WHERE local_id = ?"));
  size_t problems_before = problems->size();
  for (const CountRecord& c : batch.counts) {
    exists.Reset();
    exists.Bind(1, c.project);
    LLS_ASSIGN_OR_RETURN(bool known, exists.Step());
    if (!known) {
      problems->push_back({origin, c.line,
                           "unknown project '" + c.project +
                               "': import its details (title, area) first or in the same file"});
      continue;
    }
    upsert.Reset();
    upsert.Bind(1, c.project)
        .Bind(2, c.measure_code)
        .Bind(3, c.period)
        .Bind(4, static_cast<int64_t>(c.numerator))
        .Bind(5, static_cast<int64_t>(c.denominator));
    LLS_RETURN_IF_ERROR(upsert.Run());
    touch.Reset();
    touch.Bind(1, now_ms).Bind(2, c.project);
    LLS_RETURN_IF_ERROR(touch.Run());
  }
  if (problems->size() > problems_before) {
    return Status(Code::kInvalidArgument, origin + ": nothing imported");  // tx rolls back
  }
  LLS_ASSIGN_OR_RETURN(db::Statement audit,
                       db_.Prepare("INSERT INTO imports (origin, imported_at, projects, counts, "
                                   "learning) VALUES (?, ?, ?, ?, ?)"));
  audit.Bind(1, origin)
      .Bind(2, now_ms)
      .Bind(3, static_cast<int64_t>(batch.projects.size()))
      .Bind(4, static_cast<int64_t>(batch.counts.size()))
      .Bind(5, static_cast<int64_t>(batch.learning.size()));
  LLS_RETURN_IF_ERROR(audit.Run());
  return tx.Commit();
}

Result<std::vector<Pending<ProjectRecord>>> NodeStore::PendingProjects() {
  LLS_ASSIGN_OR_RETURN(
      db::Statement select,
      db_.Prepare("SELECT local_id, title, area, aim, change_ideas, pdsa_cycles, stage, "
                  "start_month, revision FROM projects WHERE retracted_at IS NULL AND "
                  "(published_revision IS NULL OR revision > published_revision) ORDER BY local_id"));
  std::vector<Pending<ProjectRecord>> out;
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    ProjectRecord p;
    p.local_id = select.ColumnText(0);
    p.title = select.ColumnText(1);
    p.area = static_cast<ClinicalArea>(select.ColumnInt(2));
    p.aim = select.ColumnText(3);
    p.change_ideas = FromJsonList(select.ColumnText(4));
    p.pdsa_cycles = static_cast<uint32_t>(select.ColumnInt(5));
    p.stage = static_cast<ProjectStage>(select.ColumnInt(6));
    p.start_month = select.ColumnText(7);
    out.push_back({std::move(p), select.ColumnInt(8)});
  }
  return out;
}

Result<std::vector<Pending<LearningRecord>>> NodeStore::PendingLearning() {
  LLS_ASSIGN_OR_RETURN(
      db::Statement select,
      db_.Prepare("SELECT local_id, title, kind, area, tags, body, scope, project, revision "
                  "FROM learning "
                  "WHERE retracted_at IS NULL AND "
                  "(published_revision IS NULL OR revision > published_revision) ORDER BY local_id"));
  std::vector<Pending<LearningRecord>> out;
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    LearningRecord l;
    l.local_id = select.ColumnText(0);
    l.title = select.ColumnText(1);
    l.kind = static_cast<LearningKind>(select.ColumnInt(2));
    l.area = static_cast<ClinicalArea>(select.ColumnInt(3));
    l.tags = FromJsonList(select.ColumnText(4));
    l.text = select.ColumnText(5);
    l.scope = static_cast<Scope>(select.ColumnInt(6));
    l.project = select.ColumnText(7);
    out.push_back({std::move(l), select.ColumnInt(8)});
  }
  return out;
}

Result<std::vector<CountRecord>> NodeStore::CountsFor(const std::string& project) {
  LLS_ASSIGN_OR_RETURN(db::Statement select,
                       db_.Prepare("SELECT measure, period, numerator, denominator FROM counts "
                                   "WHERE project = ? ORDER BY measure, period"));
  select.Bind(1, project);
  std::vector<CountRecord> out;
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    CountRecord c;
    c.project = project;
    c.measure_code = select.ColumnText(0);
    c.period = select.ColumnText(1);
    c.numerator = static_cast<uint32_t>(select.ColumnInt(2));
    c.denominator = static_cast<uint32_t>(select.ColumnInt(3));
    out.push_back(std::move(c));
  }
  return out;
}

Status NodeStore::MarkPublished(ItemKind kind, const std::string& local_id, int64_t revision,
                                const MessageId& message_id, int64_t now_ms) {
  LLS_ASSIGN_OR_RETURN(db::Statement update,
                       db_.Prepare(std::string("UPDATE ") + Table(kind) +
                                   " SET published_revision = ?, published_at = ?, "
                                   "last_message_id = ? WHERE local_id = ?"));
  update.Bind(1, revision).Bind(2, now_ms).Bind(3, Span(message_id)).Bind(4, local_id);
  return update.Run();
}

Result<std::optional<PublishedRef>> NodeStore::LastPublished(const std::string& local_id) {
  for (ItemKind kind : {ItemKind::kProject, ItemKind::kLearning}) {
    LLS_ASSIGN_OR_RETURN(db::Statement select,
                         db_.Prepare(std::string("SELECT last_message_id FROM ") + Table(kind) +
                                     " WHERE local_id = ? AND last_message_id IS NOT NULL"));
    select.Bind(1, local_id);
    LLS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) continue;
    PublishedRef ref;
    ref.kind = kind;
    ref.local_id = local_id;
    Bytes id = select.ColumnBlob(0);
    std::copy_n(id.begin(), std::min(id.size(), ref.message_id.size()), ref.message_id.begin());
    return std::optional<PublishedRef>(ref);
  }
  return std::optional<PublishedRef>();
}

Status NodeStore::MarkRetracted(ItemKind kind, const std::string& local_id, int64_t now_ms) {
  LLS_ASSIGN_OR_RETURN(db::Statement update,
                       db_.Prepare(std::string("UPDATE ") + Table(kind) +
                                   " SET retracted_at = ? WHERE local_id = ?"));
  update.Bind(1, now_ms).Bind(2, local_id);
  return update.Run();
}

Result<size_t> NodeStore::StoreInbox(const std::vector<InboxRecord>& records, uint64_t next_seq,
                                     uint64_t head_seq, int64_t rejected, int64_t now_ms) {
  LLS_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Begin(db_));
  LLS_ASSIGN_OR_RETURN(
      db::Statement insert,
      db_.Prepare("INSERT OR IGNORE INTO inbox (hub_seq, message_id, kind, signer, organisation, "
                  "created_at, received_at, envelope) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  size_t added = 0;
  for (const InboxRecord& r : records) {
    insert.Reset();
    insert.Bind(1, static_cast<int64_t>(r.hub_seq))
        .Bind(2, Span(r.message_id))
        .Bind(3, static_cast<int64_t>(r.kind))
        .Bind(4, std::span<const uint8_t>(r.signer.data(), r.signer.size()))
        .Bind(5, r.organisation)
        .Bind(6, r.created_at_ms)
        .Bind(7, now_ms)
        .Bind(8, std::span<const uint8_t>(r.envelope.data(), r.envelope.size()));
    LLS_RETURN_IF_ERROR(insert.Run());
    added += static_cast<size_t>(db_.Changes());
  }
  LLS_ASSIGN_OR_RETURN(
      db::Statement update,
      db_.Prepare("UPDATE inbox_state SET next_seq = MAX(next_seq, ?), head_seq = ?, "
                  "rejected = rejected + ?, last_sync_at = ? WHERE id = 1"));
  update.Bind(1, static_cast<int64_t>(next_seq))
      .Bind(2, static_cast<int64_t>(head_seq))
      .Bind(3, rejected)
      .Bind(4, now_ms);
  LLS_RETURN_IF_ERROR(update.Run());
  LLS_RETURN_IF_ERROR(tx.Commit());
  return added;
}

Result<InboxState> NodeStore::Inbox() {
  LLS_ASSIGN_OR_RETURN(
      db::Statement select,
      db_.Prepare("SELECT next_seq, head_seq, rejected, COALESCE(last_sync_at, 0), "
                  "(SELECT COUNT(*) FROM inbox) FROM inbox_state WHERE id = 1"));
  LLS_ASSIGN_OR_RETURN(bool row, select.Step());
  InboxState state;
  if (row) {
    state.next_seq = static_cast<uint64_t>(select.ColumnInt(0));
    state.head_seq = static_cast<uint64_t>(select.ColumnInt(1));
    state.rejected = select.ColumnInt(2);
    state.last_sync_ms = select.ColumnInt(3);
    state.messages = select.ColumnInt(4);
  }
  return state;
}

Result<std::vector<InboxRecord>> NodeStore::InboxMessages(Kind kind) {
  LLS_ASSIGN_OR_RETURN(
      db::Statement select,
      db_.Prepare("SELECT hub_seq, message_id, kind, signer, organisation, created_at, "
                  "received_at, envelope FROM inbox WHERE ? = 0 OR kind = ? ORDER BY hub_seq"));
  select.Bind(1, static_cast<int64_t>(kind)).Bind(2, static_cast<int64_t>(kind));
  std::vector<InboxRecord> out;
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    InboxRecord r;
    r.hub_seq = static_cast<uint64_t>(select.ColumnInt(0));
    Bytes id = select.ColumnBlob(1);
    std::copy_n(id.begin(), std::min(id.size(), r.message_id.size()), r.message_id.begin());
    r.kind = static_cast<Kind>(select.ColumnInt(2));
    Bytes signer = select.ColumnBlob(3);
    std::copy_n(signer.begin(), std::min(signer.size(), r.signer.size()), r.signer.begin());
    r.organisation = select.ColumnText(4);
    r.created_at_ms = select.ColumnInt(5);
    r.received_at_ms = select.ColumnInt(6);
    r.envelope = select.ColumnBlob(7);
    out.push_back(std::move(r));
  }
  return out;
}

Result<NodeStore::Counts> NodeStore::Summary() {
  LLS_ASSIGN_OR_RETURN(
      db::Statement select,
      db_.Prepare("SELECT (SELECT COUNT(*) FROM projects), "
                  "(SELECT COUNT(*) FROM projects WHERE retracted_at IS NULL AND "
                  "(published_revision IS NULL OR revision > published_revision)), "
                  "(SELECT COUNT(*) FROM learning), "
                  "(SELECT COUNT(*) FROM learning WHERE retracted_at IS NULL AND "
                  "(published_revision IS NULL OR revision > published_revision)), "
                  "(SELECT COUNT(*) FROM counts)"));
  LLS_ASSIGN_OR_RETURN(bool row, select.Step());
  Counts c;
  if (row) {
    c.projects = select.ColumnInt(0);
    c.pending_projects = select.ColumnInt(1);
    c.learning = select.ColumnInt(2);
    c.pending_learning = select.ColumnInt(3);
    c.counts = select.ColumnInt(4);
  }
  return c;
}

}  // namespace lls::node
