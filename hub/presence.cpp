#include "hub/presence.h"

namespace lls::hub {

namespace {

const char* const kPresenceV1 = R"sql(
CREATE TABLE member_presence (
  member_id INTEGER PRIMARY KEY REFERENCES members (id),
  last_seen INTEGER NOT NULL
);
CREATE TABLE hub_runtime (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  subscribers INTEGER NOT NULL,
  running INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
)sql";

Result<bool> HasTable(db::Database& db, const char* name) {
  LLS_ASSIGN_OR_RETURN(db::Statement exists,
                       db.Prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"));
  exists.Bind(1, std::string(name));
  return exists.Step();
}

}  // namespace

Result<std::unique_ptr<Presence>> Presence::Open(HubStore& store) {
  LLS_RETURN_IF_ERROR(store.RegisterSchema("presence", {kPresenceV1}));
  return std::unique_ptr<Presence>(new Presence(store));
}

void Presence::Seen(int64_t member_id, int64_t now_ms) { seen_[member_id] = now_ms; }

Status Presence::Flush(int64_t now_ms) {
  bool due = now_ms - runtime_written_at_ >= kPresenceEveryMs ||
             (subscribers_written_ != subscribers_ &&
              now_ms - runtime_written_at_ >= kSubscribersEveryMs);
  for (const auto& [member, at] : seen_) {
    auto w = written_.find(member);
    if (w == written_.end() || (at > w->second && now_ms - w->second >= kPresenceEveryMs)) {
      due = true;
      break;
    }
  }
  if (!due) return Status::Ok();
  return Write(now_ms, false, true);
}

Status Presence::Stop(int64_t now_ms) {
  subscribers_ = 0;
  return Write(now_ms, true, false);
}

Status Presence::Write(int64_t now_ms, bool all, bool running) {
  db::Database& db = store_.database();
  LLS_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Begin(db));
  LLS_ASSIGN_OR_RETURN(
      db::Statement upsert,
      db.Prepare("INSERT INTO member_presence (member_id, last_seen) VALUES (?, ?) "
                 "ON CONFLICT (member_id) DO UPDATE SET last_seen = excluded.last_seen"));
  std::map<int64_t, int64_t> written = written_;
  for (const auto& [member, at] : seen_) {
    auto w = written.find(member);
    const bool stale = w == written.end() || (at > w->second &&
                                              (all || now_ms - w->second >= kPresenceEveryMs));
    if (!stale) continue;
    upsert.Bind(1, member).Bind(2, at);
    LLS_RETURN_IF_ERROR(upsert.Run());
    upsert.Reset();
    written[member] = now_ms;
  }
  LLS_ASSIGN_OR_RETURN(
      db::Statement runtime,
      db.Prepare("INSERT INTO hub_runtime (id, subscribers, running, updated_at) "
                 "VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                 "subscribers = excluded.subscribers, running = excluded.running, "
                 "updated_at = excluded.updated_at"));
  runtime.Bind(1, subscribers_).Bind(2, static_cast<int64_t>(running ? 1 : 0)).Bind(3, now_ms);
  LLS_RETURN_IF_ERROR(runtime.Run());
  LLS_RETURN_IF_ERROR(tx.Commit());
  written_ = std::move(written);
  subscribers_written_ = subscribers_;
  runtime_written_at_ = now_ms;
  return Status::Ok();
}

bool PresenceView::Connected(int64_t member_id, int64_t now_ms) const {
  if (!hub_running) return false;
  auto it = last_seen.find(member_id);
  return it != last_seen.end() && now_ms - it->second <= kConnectedWindowMs;
}

Result<PresenceView> ReadPresence(db::Database& db, int64_t now_ms) {
  PresenceView view;
  LLS_ASSIGN_OR_RETURN(bool has, HasTable(db, "hub_runtime"));
  if (!has) return view;
  LLS_ASSIGN_OR_RETURN(db::Statement seen,
                       db.Prepare("SELECT member_id, last_seen FROM member_presence"));
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool row, seen.Step());
    if (!row) break;
    view.last_seen[seen.ColumnInt(0)] = seen.ColumnInt(1);
  }
  LLS_ASSIGN_OR_RETURN(db::Statement runtime,
                       db.Prepare("SELECT subscribers, running, updated_at FROM hub_runtime"));
  LLS_ASSIGN_OR_RETURN(bool row, runtime.Step());
  if (row) {
    view.subscribers = runtime.ColumnInt(0);
    view.hub_running =
        runtime.ColumnInt(1) != 0 && now_ms - runtime.ColumnInt(2) <= 2 * kPresenceEveryMs;
  }
  return view;
}

}  // namespace lls::hub
