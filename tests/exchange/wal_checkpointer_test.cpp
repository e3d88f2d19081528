// WalCheckpointer: the WAL is checkpointed off the writer's thread, stays bounded while a
// writer commits, waits out a reader without losing anything, and the writer gets SQLite's
// automatic checkpoint back when the checkpointer stops.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "exchange/sqlite.h"
#include "exchange/wal_checkpointer.h"
#include "tests/exchange/test_util.h"

namespace lls::db {
namespace {

using namespace std::chrono_literals;
using test::TempDir;

Database MustOpen(const std::filesystem::path& path) {
  auto db = Database::Open(path);
  INFO(db.status().ToString());
  REQUIRE(db.ok());
  return std::move(db).value();
}

int64_t Count(Database& db) {
  auto stmt = db.Prepare("SELECT count(*) FROM t");
  REQUIRE(stmt.ok());
  auto row = stmt->Step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  return stmt->ColumnInt(0);
}

// One commit of `rows` rows of 3,500 bytes each: a page per row in the WAL.
void Commit(Database& db, int rows) {
  auto tx = Transaction::Begin(db);
  REQUIRE(tx.ok());
  for (int i = 0; i < rows; ++i) {
    auto insert = db.Prepare("INSERT INTO t (body) VALUES (zeroblob(3500))");
    REQUIRE(insert.ok());
    REQUIRE(insert->Run().ok());
  }
  REQUIRE(tx->Commit().ok());
}

uintmax_t WalBytes(const std::filesystem::path& db) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(db.string() + "-wal", ec);
  return ec ? 0 : size;
}

TEST_CASE("the WAL is checkpointed on the checkpointer's thread and stays bounded") {
  TempDir dir;
  const auto path = dir / "w.db";
  Database writer = MustOpen(path);
  REQUIRE(writer.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)").ok());
  auto checkpointer = WalCheckpointer::Start(writer, /*wal_pages=*/50);
  INFO(checkpointer.status().ToString());
  REQUIRE(checkpointer.ok());

  // 4,000 pages through the WAL, 20 at a time, with a breath between commits (as the hub's
  // batches have) so the thread gets its turns even on a loaded machine: without checkpoints
  // the WAL would hold all of them.
  for (int i = 0; i < 200; ++i) {
    Commit(writer, 20);
    std::this_thread::sleep_for(1ms);
  }
  const CheckpointCounters c = (*checkpointer)->counters();
  CHECK(c.runs >= 5);
  CHECK(c.failures == 0);
  CHECK(c.max_wal_frames >= 50);
  // The writer restarts the WAL once a checkpoint has copied all of it: its file stays near
  // the thresholds (at most 4 × 50 pages and a commit, unless the thread sits on the
  // checkpoint lock through many commits), far below the 16 MB that passed through it.
  CHECK(WalBytes(path) < 8u * 1024 * 1024);
  CHECK(Count(writer) == 4000);
}

TEST_CASE("a reader holding an old snapshot holds the checkpoint back, and nothing is lost") {
  TempDir dir;
  const auto path = dir / "r.db";
  Database writer = MustOpen(path);
  REQUIRE(writer.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)").ok());
  Commit(writer, 10);
  auto checkpointer = WalCheckpointer::Start(writer, /*wal_pages=*/20);
  REQUIRE(checkpointer.ok());

  Database reader = MustOpen(path);
  REQUIRE(reader.Exec("BEGIN").ok());
  REQUIRE(Count(reader) == 10);  // the read transaction's snapshot starts here
  for (int i = 0; i < 50; ++i) Commit(writer, 10);
  // The reader still sees its snapshot, and the writer everything.
  CHECK(Count(reader) == 10);
  CHECK(Count(writer) == 510);
  const uintmax_t held = WalBytes(path);
  CHECK(held > 400u * 1024);  // frames after the snapshot could not be copied and reused
  REQUIRE(reader.Exec("COMMIT").ok());

  // Once the reader is gone the next checkpoints copy everything, and the writer starts the
  // WAL again from the top instead of growing it.
  for (int i = 0; i < 20; ++i) Commit(writer, 10);
  CHECK((*checkpointer)->counters().failures == 0);
  CHECK(WalBytes(path) <= held + 4 * 10 * 4200u);  // a few commits of growth at most
  CHECK(Count(reader) == 710);
  auto integrity = reader.Prepare("PRAGMA integrity_check");
  REQUIRE(integrity.ok());
  REQUIRE(*integrity->Step());
  CHECK(integrity->ColumnText(0) == "ok");
}

TEST_CASE("after the checkpointer stops, SQLite's automatic checkpoint is back") {
  TempDir dir;
  const auto path = dir / "a.db";
  Database writer = MustOpen(path);
  REQUIRE(writer.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)").ok());
  {
    auto checkpointer = WalCheckpointer::Start(writer, /*wal_pages=*/1000000);
    REQUIRE(checkpointer.ok());
    // Its thresholds are never reached and the automatic checkpoint is off: the WAL grows.
    for (int i = 0; i < 150; ++i) Commit(writer, 10);
    CHECK(WalBytes(path) > 5u * 1024 * 1024);
    CHECK((*checkpointer)->counters().runs == 0);
  }
  // SQLite's own (1,000 pages) checkpoints in the next commit and the WAL is reused from the
  // top: 1,500 more pages grow it by no more than that first commit (10 pages), not by 6 MB.
  const uintmax_t before = WalBytes(path);
  for (int i = 0; i < 150; ++i) Commit(writer, 10);
  CHECK(WalBytes(path) <= before + 64u * 1024);
  CHECK(Count(writer) == 3000);
}

}  // namespace
}  // namespace lls::db
