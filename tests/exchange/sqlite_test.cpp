// The SQLite wrapper: migrations, transactions, error mapping, data_version.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "exchange/sqlite.h"
#include "tests/exchange/test_util.h"

namespace lls::db {
namespace {

using test::TempDir;
using test::WriteText;

Database MustOpen(const std::filesystem::path& path, const OpenOptions& options = {}) {
  auto db = Database::Open(path, options);
  INFO(db.status().ToString());
  REQUIRE(db.ok());
  return std::move(db).value();
}

int64_t QueryInt(Database& db, const std::string& sql) {
  auto stmt = db.Prepare(sql);
  INFO(sql << ": " << stmt.status().ToString());
  REQUIRE(stmt.ok());
  auto row = stmt->Step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  return stmt->ColumnInt(0);
}

int UserVersionOf(Database& db) {
  auto version = db.UserVersion();
  REQUIRE(version.ok());
  return *version;
}

const std::vector<std::string_view> kTwoMigrations = {
    "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);",
    // Depends on the first: only works when applied after it.
    "ALTER TABLE t ADD COLUMN note TEXT NOT NULL DEFAULT '';"
    "INSERT INTO t (name, note) VALUES ('seed', 'from migration 2');",
};

TEST_CASE("Open creates a WAL database", "[sqlite]") {
  TempDir dir;
  Database db = MustOpen(dir / "a.db");
  CHECK(std::filesystem::exists(dir / "a.db"));
  CHECK(db.path() == dir / "a.db");
  auto mode = db.Prepare("PRAGMA journal_mode");
  REQUIRE(mode.ok());
  REQUIRE(*mode->Step());
  CHECK(mode->ColumnText(0) == "wal");
  CHECK(QueryInt(db, "PRAGMA foreign_keys") == 1);
  CHECK(QueryInt(db, "PRAGMA synchronous") == 2);  // FULL
  CHECK(UserVersionOf(db) == 0);
}

TEST_CASE("Open without create on a missing file fails with kIoError", "[sqlite]") {
  TempDir dir;
  OpenOptions options;
  options.create = false;
  auto db = Database::Open(dir / "missing.db", options);
  REQUIRE_FALSE(db.ok());
  CHECK(db.status().code() == Code::kIoError);
  CHECK_FALSE(std::filesystem::exists(dir / "missing.db"));
}

TEST_CASE("a file that is not a database is kCorrupt", "[sqlite]") {
  TempDir dir;
  WriteText(dir / "junk.db", std::string(4096, 'x'));
  auto db = Database::Open(dir / "junk.db");
  REQUIRE_FALSE(db.ok());
  CHECK(db.status().code() == Code::kCorrupt);
}

TEST_CASE("Migrate applies migrations in order and is idempotent", "[sqlite]") {
  TempDir dir;
  {
    Database db = MustOpen(dir / "m.db");
    REQUIRE(db.Migrate(kTwoMigrations).ok());
    CHECK(UserVersionOf(db) == 2);
    CHECK(QueryInt(db, "SELECT COUNT(*) FROM t WHERE note = 'from migration 2'") == 1);

    // Again: nothing re-runs (re-running would fail on CREATE TABLE, or insert a second seed).
    REQUIRE(db.Migrate(kTwoMigrations).ok());
    CHECK(UserVersionOf(db) == 2);
    CHECK(QueryInt(db, "SELECT COUNT(*) FROM t") == 1);
  }
  // After reopening, only the new migration runs.
  Database db = MustOpen(dir / "m.db");
  std::vector<std::string_view> three = kTwoMigrations;
  three.push_back("INSERT INTO t (name) VALUES ('three');");
  REQUIRE(db.Migrate(three).ok());
  CHECK(UserVersionOf(db) == 3);
  CHECK(QueryInt(db, "SELECT COUNT(*) FROM t") == 2);
}

TEST_CASE("Migrate from a partial version applies only the missing steps", "[sqlite]") {
  TempDir dir;
  Database db = MustOpen(dir / "m.db");
  REQUIRE(db.Migrate({kTwoMigrations[0]}).ok());
  CHECK(UserVersionOf(db) == 1);
  CHECK(QueryInt(db, "SELECT COUNT(*) FROM t") == 0);
  REQUIRE(db.Migrate(kTwoMigrations).ok());
  CHECK(UserVersionOf(db) == 2);
  CHECK(QueryInt(db, "SELECT COUNT(*) FROM t") == 1);
}

TEST_CASE("a failing migration leaves the earlier ones and rolls back its own work", "[sqlite]") {
  TempDir dir;
  Database db = MustOpen(dir / "m.db");
  const std::vector<std::string_view> broken = {
      kTwoMigrations[0],
      "CREATE TABLE half (x INTEGER); INSERT INTO no_such_table VALUES (1);",
  };
  Status status = db.Migrate(broken);
  REQUIRE_FALSE(status.ok());
  CHECK(status.message().find("migration 2") != std::string::npos);
  CHECK(UserVersionOf(db) == 1);
  CHECK(QueryInt(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 't'") == 1);
  CHECK(QueryInt(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'") == 0);
}

TEST_CASE("Migrate refuses a database newer than this build with kCorrupt", "[sqlite]") {
  TempDir dir;
  Database db = MustOpen(dir / "m.db");
  REQUIRE(db.SetUserVersion(5).ok());
  Status status = db.Migrate(kTwoMigrations);
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == Code::kCorrupt);
  CHECK(status.message().find("5") != std::string::npos);
  CHECK(UserVersionOf(db) == 5);
  CHECK(QueryInt(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 't'") == 0);
}

TEST_CASE("a Transaction rolls back unless committed", "[sqlite]") {
  TempDir dir;
  Database db = MustOpen(dir / "t.db");
  REQUIRE(db.Migrate(kTwoMigrations).ok());
  {
    auto tx = Transaction::Begin(db);
    REQUIRE(tx.ok());
    REQUIRE(db.Exec("INSERT INTO t (name) VALUES ('dropped')").ok());
    CHECK(QueryInt(db, "SELECT COUNT(*) FROM t") == 2);  // visible inside
  }
  CHECK(QueryInt(db, "SELECT COUNT(*) FROM t WHERE name = 'dropped'") == 0);
  {
    auto tx = Transaction::Begin(db);
    REQUIRE(tx.ok());
    REQUIRE(db.Exec("INSERT INTO t (name) VALUES ('kept')").ok());
    REQUIRE(tx->Commit().ok());
    CHECK(tx->Commit().code() == Code::kInternal);  // only once
  }
  CHECK(QueryInt(db, "SELECT COUNT(*) FROM t WHERE name = 'kept'") == 1);

  // A moved-from transaction does not roll back twice, the moved-to one still does.
  {
    auto tx = Transaction::Begin(db);
    REQUIRE(tx.ok());
    Transaction moved = std::move(tx).value();
    REQUIRE(db.Exec("INSERT INTO t (name) VALUES ('moved')").ok());
  }
  CHECK(QueryInt(db, "SELECT COUNT(*) FROM t WHERE name = 'moved'") == 0);
  // And the connection is usable afterwards (no transaction left open).
  auto tx = Transaction::Begin(db);
  REQUIRE(tx.ok());
  REQUIRE(tx->Commit().ok());
}

TEST_CASE("a Transaction inside another is a savepoint: its own rollback, the outer commit",
          "[sqlite]") {
  TempDir dir;
  Database db = MustOpen(dir / "t.db");
  REQUIRE(db.Migrate(kTwoMigrations).ok());
  {
    auto outer = Transaction::Begin(db);
    REQUIRE(outer.ok());
    REQUIRE(db.Exec("INSERT INTO t (name) VALUES ('outer')").ok());
    {
      auto inner = Transaction::Begin(db);
      REQUIRE(inner.ok());
      REQUIRE(db.Exec("INSERT INTO t (name) VALUES ('inner-dropped')").ok());
    }  // rolled back to the savepoint only
    {
      auto inner = Transaction::Begin(db);
      REQUIRE(inner.ok());
      REQUIRE(db.Exec("INSERT INTO t (name) VALUES ('inner-kept')").ok());
      REQUIRE(inner->Commit().ok());
    }
    CHECK(db.InTransaction());
    REQUIRE(outer->Commit().ok());
  }
  CHECK_FALSE(db.InTransaction());
  CHECK(QueryInt(db, "SELECT COUNT(*) FROM t WHERE name IN ('outer', 'inner-kept')") == 2);
  CHECK(QueryInt(db, "SELECT COUNT(*) FROM t WHERE name = 'inner-dropped'") == 0);
  {
    // An inner commit does not survive the outer rollback.
    auto outer = Transaction::Begin(db);
    REQUIRE(outer.ok());
    auto inner = Transaction::Begin(db);
    REQUIRE(inner.ok());
    REQUIRE(db.Exec("INSERT INTO t (name) VALUES ('undone')").ok());
    REQUIRE(inner->Commit().ok());
  }
  CHECK(QueryInt(db, "SELECT COUNT(*) FROM t WHERE name = 'undone'") == 0);
}

TEST_CASE("a constraint violation is kAlreadyExists", "[sqlite]") {
  TempDir dir;
  Database db = MustOpen(dir / "c.db");
  REQUIRE(db.Migrate(kTwoMigrations).ok());

  auto insert = db.Prepare("INSERT INTO t (name) VALUES (?)");
  REQUIRE(insert.ok());
  insert->Bind(1, std::string_view("seed"));
  Status status = insert->Run();
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == Code::kAlreadyExists);
  CHECK(status.message().find("UNIQUE") != std::string::npos);

  // The statement is reusable after the failure.
  insert->Reset();
  insert->Bind(1, std::string_view("fresh"));
  CHECK(insert->Run().ok());

  Status pk = db.Exec("INSERT INTO t (id, name) VALUES (1, 'clash')");
  CHECK(pk.code() == Code::kAlreadyExists);
}

TEST_CASE("Statement binds and reads back text, integers, blobs and NULL", "[sqlite]") {
  TempDir dir;
  Database db = MustOpen(dir / "s.db");
  REQUIRE(db.Exec("CREATE TABLE v (i INTEGER, s TEXT, b BLOB, n TEXT)").ok());
  auto insert = db.Prepare("INSERT INTO v VALUES (?, ?, ?, ?)");
  REQUIRE(insert.ok());
  const std::vector<uint8_t> blob = {0, 1, 2, 0xff};
  const std::string text("nul\0inside", 10);
  insert->Bind(1, int64_t{-9'000'000'000})
      .Bind(2, std::string_view(text))
      .Bind(3, blob)
      .BindNull(4);
  REQUIRE(insert->Run().ok());
  CHECK(db.Changes() == 1);
  CHECK(db.LastInsertRowId() == 1);

  insert->Reset();
  insert->Bind(1, int64_t{0})
      .Bind(2, std::string_view(""))
      .Bind(3, std::vector<uint8_t>{})
      .BindNull(4);
  REQUIRE(insert->Run().ok());

  auto select = db.Prepare("SELECT i, s, b, n, typeof(b) FROM v ORDER BY rowid");
  REQUIRE(select.ok());
  REQUIRE(*select->Step());
  CHECK(select->ColumnInt(0) == -9'000'000'000);
  CHECK(select->ColumnText(1) == text);
  CHECK(select->ColumnBlob(2) == blob);
  CHECK(select->ColumnIsNull(3));
  CHECK_FALSE(select->ColumnIsNull(2));
  REQUIRE(*select->Step());
  CHECK(select->ColumnBlob(2).empty());
  CHECK(select->ColumnText(4) == "blob");  // an empty blob is a blob, not NULL
  CHECK_FALSE(*select->Step());
}

TEST_CASE("Prepare reports a syntax error as a Status", "[sqlite]") {
  TempDir dir;
  Database db = MustOpen(dir / "p.db");
  auto stmt = db.Prepare("SELEC 1");
  REQUIRE_FALSE(stmt.ok());
  CHECK(stmt.status().message().find("syntax") != std::string::npos);
}

TEST_CASE("DataVersion changes when a second connection commits", "[sqlite]") {
  TempDir dir;
  Database first = MustOpen(dir / "d.db");
  REQUIRE(first.Migrate(kTwoMigrations).ok());
  Database second = MustOpen(dir / "d.db");

  auto v0 = first.DataVersion();
  REQUIRE(v0.ok());
  // Its own commits do not change it ...
  REQUIRE(first.Exec("INSERT INTO t (name) VALUES ('own')").ok());
  auto v1 = first.DataVersion();
  REQUIRE(v1.ok());
  CHECK(*v1 == *v0);
  // ... another connection's do.
  REQUIRE(second.Exec("INSERT INTO t (name) VALUES ('other')").ok());
  auto v2 = first.DataVersion();
  REQUIRE(v2.ok());
  CHECK(*v2 != *v1);
  // And it stays put while nothing else happens.
  auto v3 = first.DataVersion();
  REQUIRE(v3.ok());
  CHECK(*v3 == *v2);
  CHECK(QueryInt(first, "SELECT COUNT(*) FROM t WHERE name = 'other'") == 1);
}

TEST_CASE("a write blocked by another connection's transaction is kUnavailable", "[sqlite]") {
  TempDir dir;
  Database first = MustOpen(dir / "b.db");
  REQUIRE(first.Migrate(kTwoMigrations).ok());
  OpenOptions quick;
  quick.busy_timeout_ms = 50;
  Database second = MustOpen(dir / "b.db", quick);
  auto held = Transaction::Begin(first);
  REQUIRE(held.ok());
  auto blocked = Transaction::Begin(second);
  REQUIRE_FALSE(blocked.ok());
  CHECK(blocked.status().code() == Code::kUnavailable);
}

}  // namespace
}  // namespace lls::db

namespace lls::db {
namespace {

TEST_CASE("BackupTo copies a live database consistently and never overwrites", "[sqlite]") {
  test::TempDir dir;
  auto source = Database::Open(dir.path() / "source.db");
  REQUIRE(source.ok());
  REQUIRE(source->Exec("CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), (2), (3);").ok());
  // A second connection holds a write transaction open: the backup reads the last commit.
  auto writer = Database::Open(dir.path() / "source.db");
  REQUIRE(writer.ok());
  REQUIRE(writer->Exec("BEGIN IMMEDIATE; INSERT INTO t VALUES (100);").ok());

  const auto out = dir.path() / "backup.db";
  REQUIRE(source->BackupTo(out).ok());
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    CHECK(entry.path().filename().string().find(".partial") == std::string::npos);
  }
  // The file is a self-contained rollback-journal database (read before anything opens it:
  // Database::Open would switch it to WAL): header bytes 18 and 19 are 1, not WAL's 2.
  const std::string header = test::ReadText(out).substr(0, 20);
  CHECK(header[18] == 1);
  CHECK(header[19] == 1);
  CHECK_FALSE(std::filesystem::exists(out.string() + "-wal"));
  CHECK_FALSE(std::filesystem::exists(out.string() + "-wal"));
  REQUIRE(writer->Exec("COMMIT").ok());

  auto copy = Database::Open(out, {.create = false});
  REQUIRE(copy.ok());
  auto sum = copy->Prepare("SELECT COUNT(*), SUM(n) FROM t");
  REQUIRE(sum.ok());
  REQUIRE(*sum->Step());
  CHECK(sum->ColumnInt(0) == 3);  // the uncommitted row is not in the copy
  CHECK(sum->ColumnInt(1) == 6);


  Status again = source->BackupTo(out);
  CHECK(again.code() == Code::kAlreadyExists);
  auto still = Database::Open(out, {.create = false});
  REQUIRE(still.ok());
}

}  // namespace
}  // namespace lls::db
