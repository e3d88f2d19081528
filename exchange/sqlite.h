// SQLite, wrapped once: every use of sqlite3.h in LLS Exchange goes through this file.
//
// Database owns a connection; Statement owns a prepared statement. Both are move-only RAII.
// A Database and its Statements belong to one thread at a time (SQLite's "multi-thread" mode):
// they are not thread-safe. Errors come back as Status values; SQLITE_FULL and SQLITE_IOERR
// become kIoError so that callers can tell "disk full" from a bug. The message of such a
// storage fault names its cause, the database file and the operating system's error:
//   "disk full at /var/lib/lls/hub/hub.db: COMMIT: database or disk is full"
//   "file size limit reached at /x/node.db: COMMIT: disk I/O error (File too large)"
// and StorageFaultOf() recovers the cause from it (for metrics and log lines).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "schema/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace lls::db {

class Database;

// Why the storage refused a read or write. Decided from SQLite's result code and the errno of
// the failed system call (sqlite3_system_errno):
//   kDiskFull      SQLITE_FULL, or ENOSPC / EDQUOT: no space (or quota) left on the filesystem;
//   kFileTooLarge  EFBIG: the process's file size limit (RLIMIT_FSIZE, systemd LimitFSIZE=) or
//                  the filesystem's largest file;
//   kReadOnly      SQLITE_READONLY, EROFS, EACCES, EPERM: the file, folder or filesystem does
//                  not take writes (e.g. ext4 remounted read-only after errors);
//   kIoError       any other SQLITE_IOERR or SQLITE_CANTOPEN (EIO: the device failed).
// All four are transient from the caller's point of view: the same write may succeed once an
// operator frees space or repairs the disk.
enum class StorageFault { kNone = 0, kDiskFull, kFileTooLarge, kReadOnly, kIoError };
inline constexpr size_t kStorageFaults = 5;  // including kNone
// "disk-full", "file-too-large", "read-only", "io-error" ("none" for kNone): metric labels.
const char* StorageFaultName(StorageFault fault);
// The cause of a storage fault reported by this module; kIoError for any other kIoError
// status (a caller's own file error); kNone for OK and for every other code.
StorageFault StorageFaultOf(const Status& status);

// Prepared statements a Database keeps for reuse (sqlite.cpp). Compiling SQL costs more than
// running a simple indexed statement (the hub's ingest spent most of its time in SQLite's
// parser, docs/performance.md), so a Statement goes back to its Database's cache when it is
// destroyed — reset, bindings cleared — and the next Prepare of the same text takes it.
struct StatementCache;

// A prepared statement. Bind parameters are 1-based, as in SQLite. Destroying it returns the
// compiled statement to its Database's cache (reset: no read or write stays open).
class Statement {
 public:
  Statement(Statement&&) noexcept;
  Statement& operator=(Statement&&) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& Bind(int index, int64_t value);
  Statement& BindDouble(int index, double value);  // named: an int literal must not pick it
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, std::span<const uint8_t> blob);
  Statement& BindNull(int index);

  // Advances: true when a row is available, false when done; an error otherwise.
  Result<bool> Step();
  // Steps to completion, ignoring rows (for INSERT/UPDATE/DELETE).
  Status Run();
  // Resets for reuse and clears bindings.
  void Reset();

  int64_t ColumnInt(int column) const;
  double ColumnDouble(int column) const;
  std::string ColumnText(int column) const;
  std::vector<uint8_t> ColumnBlob(int column) const;
  bool ColumnIsNull(int column) const;

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt, std::shared_ptr<StatementCache> cache)
      : db_(db), stmt_(stmt), cache_(std::move(cache)) {}
  Status Check(int rc, const char* what, int call_errno = 0) const;
  void Release();  // to the cache, or finalized

  sqlite3* db_ = nullptr;         // not owned; the Database must outlive the Statement
  sqlite3_stmt* stmt_ = nullptr;  // owned
  std::shared_ptr<StatementCache> cache_;
};

struct OpenOptions {
  bool create = true;
  // FULL fsyncs the WAL at every commit: an acknowledged message survives power loss.
  bool synchronous_full = true;
  int busy_timeout_ms = 5000;
};

class Database {
 public:
  // Opens (and creates) a database in WAL mode with foreign keys on.
  static Result<Database> Open(const std::filesystem::path& path, const OpenOptions& options = {});

  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  Status Exec(std::string_view sql);  // one or more statements, no results
  // Compiles one statement, or takes a compiled one of the same text from the cache.
  Result<Statement> Prepare(std::string_view sql);
  int64_t LastInsertRowId() const;
  int Changes() const;

  // PRAGMA user_version: the schema version, for migrations.
  Result<int> UserVersion();
  Status SetUserVersion(int version);
  // PRAGMA data_version: changes when another connection commits. Cheap to poll.
  Result<int64_t> DataVersion();

  // Applies `migrations[i]` for every i >= user_version, each in its own transaction, then sets
  // user_version to migrations.size(). Refuses a database newer than this build knows.
  Status Migrate(const std::vector<std::string_view>& migrations);

  // A consistent copy of the whole database in a NEW file `out` (kAlreadyExists if it is
  // there), made with SQLite's online backup API in one read transaction: writers carry on
  // (WAL), and the copy is the database as of one commit. The copy is written next to `out`
  // (synchronous=FULL), checked with PRAGMA integrity_check, then given the name `out` with
  // link(), which never replaces a file, and the folder is synced.
  Status BackupTo(const std::filesystem::path& out);

  const std::filesystem::path& path() const { return path_; }
  // True while a transaction is open on this connection.
  bool InTransaction() const;

  // Replaces SQLite's automatic WAL checkpoint on this connection: after each commit,
  // `on_commit(pages now in the WAL)` runs on the committing thread and must return quickly
  // (exchange/wal_checkpointer.h). When it returns true, a PASSIVE checkpoint runs there and
  // then, on this connection, as SQLite's automatic one would. An empty function gives the
  // automatic checkpoint back.
  void SetCommitHook(std::function<bool(int wal_pages)> on_commit);
  // A PASSIVE checkpoint (never waits for readers or the writer): copies what it can of the
  // WAL into the database. Returns the frames that were in the WAL and how many of them are
  // now in the database.
  struct CheckpointResult {
    int wal_frames = 0;
    int checkpointed = 0;
  };
  Result<CheckpointResult> CheckpointPassive();

 private:
  Database(sqlite3* db, std::filesystem::path path);
  Status Check(int rc, const char* what, int call_errno = 0) const;
  void Close();  // finalizes the cached statements, then closes the connection

  sqlite3* db_ = nullptr;  // owned
  // The commit hook's function; on the heap so that its address, which SQLite holds, survives
  // a move of the Database.
  std::unique_ptr<std::function<bool(int)>> commit_hook_;
  std::shared_ptr<StatementCache> cache_;  // shared with live Statements, which may outlive a move
  std::filesystem::path path_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back on destruction unless committed. Begun inside another
// transaction it becomes a SAVEPOINT, so a function that needs atomicity (Outbox::Enqueue) can
// also take part in its caller's larger transaction.
class Transaction {
 public:
  static Result<Transaction> Begin(Database& db);
  Transaction(Transaction&& other) noexcept
      : db_(std::exchange(other.db_, nullptr)), savepoint_(std::move(other.savepoint_)) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status Commit();

 private:
  Transaction(Database* db, std::string savepoint) : db_(db), savepoint_(std::move(savepoint)) {}
  Database* db_;           // not owned; must outlive the transaction; null once committed
  std::string savepoint_;  // empty for an outermost transaction
};

}  // namespace lls::db
