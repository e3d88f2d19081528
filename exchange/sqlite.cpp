#include "exchange/sqlite.h"

#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <unordered_map>
#include <utility>

namespace lls::db {
namespace {

// How each fault starts its message; StorageFaultOf looks for these, so they are a contract
// (sqlite.h shows two of them).
constexpr const char* kFaultLead[kStorageFaults] = {
    "", "disk full at ", "file size limit reached at ", "storage is read-only at ",
    "I/O error at "};

StorageFault Classify(int rc, int system_errno) {
  switch (system_errno) {
    case ENOSPC:
    case EDQUOT: return StorageFault::kDiskFull;
    case EFBIG: return StorageFault::kFileTooLarge;
    case EROFS:
    case EACCES:
    case EPERM: return StorageFault::kReadOnly;
    default: break;
  }
  switch (rc & 0xff) {
    case SQLITE_FULL: return StorageFault::kDiskFull;
    case SQLITE_READONLY: return StorageFault::kReadOnly;
    default: return StorageFault::kIoError;
  }
}

// Long SQL (a migration, an INSERT with its column list) is cut: the log line names the
// statement, it does not reprint it.
std::string Shorten(std::string_view sql) {
  constexpr size_t kMax = 48;
  if (sql.size() <= kMax) return std::string(sql);
  return std::string(sql.substr(0, kMax)) + "...";
}

// Which file operation an extended SQLITE_IOERR code names, or "".
const char* FailedOperation(int rc) {
  switch (rc) {
    case SQLITE_IOERR_READ:
    case SQLITE_IOERR_SHORT_READ: return "read";
    case SQLITE_IOERR_WRITE: return "write";
    case SQLITE_IOERR_FSYNC:
    case SQLITE_IOERR_DIR_FSYNC: return "fsync";
    case SQLITE_IOERR_TRUNCATE: return "truncate";
    case SQLITE_IOERR_FSTAT: return "fstat";
    case SQLITE_IOERR_SHMOPEN:
    case SQLITE_IOERR_SHMSIZE:
    case SQLITE_IOERR_SHMMAP: return "the -shm file";
    default: return "";
  }
}

// A storage fault: "<cause> at <file>: <what>: <SQLite's message> (<operation> failed:
// <errno text>)". The errno: SQLite's own record of it (sqlite3_system_errno) is not set on
// every path (not for a failed COMMIT), so the caller also passes the thread's errno as it was
// right after the call, cleared before it. SQLITE_FULL may have none (a short write).
// `path`: the file, when SQLite cannot name it (a database that failed to open).
Status StorageStatus(sqlite3* db, int rc, std::string_view what, int call_errno,
                     const std::string& path) {
  int system_errno = db != nullptr ? sqlite3_system_errno(db) : 0;
  if (system_errno == 0) system_errno = call_errno;
  const StorageFault fault = Classify(rc, system_errno);
  const char* file = db != nullptr ? sqlite3_db_filename(db, "main") : nullptr;
  std::string message = kFaultLead[static_cast<size_t>(fault)];
  message += file != nullptr && *file != '\0' ? std::string(file)
             : !path.empty()                    ? path
                                                : std::string("an unnamed database");
  message +=
      ": " + Shorten(what) + ": " + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  const std::string operation = FailedOperation(rc);
  if (system_errno != 0 || !operation.empty()) {
    message += " (" + (operation.empty() ? "" : operation + " failed") +
               (system_errno != 0 && !operation.empty() ? ": " : "") +
               (system_errno != 0 ? std::strerror(system_errno) : "") + ")";
  }
  return Status(Code::kIoError, std::move(message));
}

// A file this module could not create or write itself, in the same words as StorageStatus.
Status FileFault(const std::string& path, std::string_view what, int err) {
  const StorageFault fault = Classify(SQLITE_IOERR, err);
  return Status(Code::kIoError, kFaultLead[static_cast<size_t>(fault)] + path + ": " +
                                    std::string(what) + ": " + std::strerror(err));
}

Status ToStatus(sqlite3* db, int rc, const char* what, int call_errno = 0,
                const std::string& path = "") {
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string message = std::string(what) + ": " + detail;
  switch (rc & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return StorageStatus(db, rc, what, call_errno, path);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status(Code::kCorrupt, message);
    case SQLITE_CONSTRAINT:
      return Status(Code::kAlreadyExists, message);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status(Code::kUnavailable, message);
    default:
      return Status(Code::kInternal, message);
  }
}

}  // namespace

const char* StorageFaultName(StorageFault fault) {
  switch (fault) {
    case StorageFault::kNone: return "none";
    case StorageFault::kDiskFull: return "disk-full";
    case StorageFault::kFileTooLarge: return "file-too-large";
    case StorageFault::kReadOnly: return "read-only";
    case StorageFault::kIoError: return "io-error";
  }
  return "io-error";
}

StorageFault StorageFaultOf(const Status& status) {
  if (status.code() != Code::kIoError) return StorageFault::kNone;
  // Context() may have put text in front: search, not compare the start.
  for (size_t f = 1; f + 1 < kStorageFaults; ++f) {
    if (status.message().find(kFaultLead[f]) != std::string::npos) {
      return static_cast<StorageFault>(f);
    }
  }
  return StorageFault::kIoError;
}

// --- StatementCache --------------------------------------------------------------------------

// Compiled statements not in use, by SQL text. Bounded: the hub's code prepares a few dozen
// distinct texts; anything beyond the bounds (text built at run time, a burst of nested uses)
// is finalized as before.
struct StatementCache {
  static constexpr size_t kMaxStatements = 256;
  static constexpr size_t kMaxPerText = 4;
  std::unordered_map<std::string, std::vector<sqlite3_stmt*>> idle;
  size_t count = 0;
  bool closed = false;  // the connection is closing: finalize whatever comes back

  sqlite3_stmt* Take(std::string_view sql) {
    auto it = idle.find(std::string(sql));
    if (it == idle.end() || it->second.empty()) return nullptr;
    sqlite3_stmt* stmt = it->second.back();
    it->second.pop_back();
    --count;
    return stmt;
  }
  void Put(sqlite3_stmt* stmt) {
    // Reset ends the statement's read or write, so a cached statement holds no lock and no
    // snapshot (a WAL checkpoint can always proceed).
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    const char* text = sqlite3_sql(stmt);
    if (closed || text == nullptr || count >= kMaxStatements) {
      sqlite3_finalize(stmt);
      return;
    }
    std::vector<sqlite3_stmt*>& list = idle[text];
    if (list.size() >= kMaxPerText) {
      sqlite3_finalize(stmt);
      return;
    }
    list.push_back(stmt);
    ++count;
  }
  void Clear() {
    for (auto& [text, list] : idle) {
      for (sqlite3_stmt* stmt : list) sqlite3_finalize(stmt);
    }
    idle.clear();
    count = 0;
    closed = true;
  }
};

// --- Statement -------------------------------------------------------------------------------

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), cache_(std::move(other.cache_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    Release();
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    cache_ = std::move(other.cache_);
  }
  return *this;
}

Statement::~Statement() { Release(); }

void Statement::Release() {
  if (stmt_ == nullptr) return;
  if (cache_) {
    cache_->Put(std::exchange(stmt_, nullptr));
  } else {
    sqlite3_finalize(std::exchange(stmt_, nullptr));
  }
}

Status Statement::Check(int rc, const char* what, int call_errno) const {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return Status::Ok();
  return ToStatus(db_, rc, what, call_errno);
}

// Bind errors can only come from a wrong index (a bug), which Step() then reports.
Statement& Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}
Statement& Statement::BindDouble(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}
Statement& Statement::Bind(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}
Statement& Statement::Bind(int index, std::span<const uint8_t> blob) {
  // A zero-length blob must still be a blob, not NULL: pass a non-null pointer.
  static const uint8_t kEmpty = 0;
  sqlite3_bind_blob64(stmt_, index, blob.empty() ? &kEmpty : blob.data(), blob.size(),
                      SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Statement::Step() {
  errno = 0;  // so that a storage fault can name the system call's error (StorageStatus)
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Check(rc, sqlite3_sql(stmt_), errno);
}

Status Statement::Run() {
  for (;;) {
    auto row = Step();
    if (!row.ok()) {
      sqlite3_reset(stmt_);
      return row.status();
    }
    if (!*row) return Status::Ok();
  }
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Statement::ColumnInt(int column) const { return sqlite3_column_int64(stmt_, column); }
double Statement::ColumnDouble(int column) const { return sqlite3_column_double(stmt_, column); }

std::string Statement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::vector<uint8_t> Statement::ColumnBlob(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size <= 0) return {};
  const auto* bytes = static_cast<const uint8_t*>(data);
  return std::vector<uint8_t>(bytes, bytes + size);
}

bool Statement::ColumnIsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

// --- Database --------------------------------------------------------------------------------

Result<Database> Database::Open(const std::filesystem::path& path, const OpenOptions& options) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (options.create) flags |= SQLITE_OPEN_CREATE;
  errno = 0;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  const int open_errno = errno;
  Database db(raw, path);  // owns raw even on failure
  if (rc != SQLITE_OK) {
    return ToStatus(raw, rc, ("opening " + path.string()).c_str(), open_errno, path.string());
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  std::string pragmas = "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=";
  pragmas += options.synchronous_full ? "FULL;" : "NORMAL;";
  LLS_RETURN_IF_ERROR(db.Exec(pragmas).Context("configuring " + path.string()));
  return db;
}

Status Database::BackupTo(const std::filesystem::path& out) {
  std::error_code ec;
  if (std::filesystem::exists(out, ec)) {
    return Status(Code::kAlreadyExists, out.string() + " exists; a backup never overwrites");
  }
  // Next to `out` (one filesystem, so the final step is atomic) and private to this process,
  // so two backups to the same name never share a partial file.
  const std::filesystem::path partial = out.string() + ".partial-" + std::to_string(::getpid());
  std::filesystem::remove(partial, ec);
  // Made here first, so that a refusal names its true cause: SQLite, failing to create a
  // file, tries to open it read-only and reports that attempt's ENOENT instead (on a
  // read-only or full filesystem).
  if (int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600); fd >= 0) {
    ::close(fd);
  } else {
    return FileFault(partial.string(), "creating the backup", errno);
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(partial.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  Database copy(raw, partial);  // owns raw even on failure
  if (rc != SQLITE_OK) {
    Status failed = ToStatus(raw, rc, "creating the backup", 0, partial.string());
    std::filesystem::remove(partial, ec);
    return failed;
  }
  sqlite3_busy_timeout(raw, 5000);
  if (Status full = copy.Exec("PRAGMA synchronous=FULL"); !full.ok()) {  // the copy's writes sync
    std::filesystem::remove(partial, ec);
    return full;
  }
  sqlite3_backup* backup = sqlite3_backup_init(raw, "main", db_, "main");
  if (backup == nullptr) {
    Status failed = ToStatus(raw, sqlite3_errcode(raw), "starting the backup");
    std::filesystem::remove(partial, ec);
    return failed;
  }
  // -1: every page in one step, so the copy is one consistent snapshot of the source.
  errno = 0;  // see Statement::Step
  rc = sqlite3_backup_step(backup, -1);
  const int step_errno = errno;
  sqlite3_backup_finish(backup);
  Status done = rc == SQLITE_DONE ? Status::Ok() : ToStatus(raw, rc, "copying pages", step_errno);
  if (done.ok()) {
    auto check = copy.Prepare("PRAGMA integrity_check");
    if (!check.ok()) {
      done = check.status();
    } else {
      auto row = check->Step();
      if (!row.ok()) done = row.status();
      else if (!*row || check->ColumnText(0) != "ok") {
        done = Status(Code::kCorrupt, "the copy fails integrity_check");
      }
    }
  }
  // Leave the copy as one self-contained file (no -wal beside it).
  if (done.ok()) done = copy.Exec("PRAGMA journal_mode=DELETE");
  copy = Database(nullptr, {});  // closes the file
  if (done.ok()) {
    // link() fails if `out` appeared meanwhile: a backup never replaces a file.
    if (::link(partial.c_str(), out.c_str()) != 0) {
      done = Status(errno == EEXIST ? Code::kAlreadyExists : Code::kIoError,
                    "naming the backup " + out.string() + ": " + std::strerror(errno));
    } else {
      // The new name must survive a crash too: sync the folder that holds it.
      const std::filesystem::path folder = out.has_parent_path() ? out.parent_path() : ".";
      if (int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
        ::fsync(fd);
        ::close(fd);
      }
    }
  }
  std::filesystem::remove(partial, ec);
  for (const char* suffix : {"-journal", "-wal", "-shm"}) {
    std::filesystem::remove(partial.string() + suffix, ec);
  }
  return done;
}

Database::Database(sqlite3* db, std::filesystem::path path)
    : db_(db), cache_(std::make_shared<StatementCache>()), path_(std::move(path)) {}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      commit_hook_(std::move(other.commit_hook_)),
      cache_(std::move(other.cache_)),
      path_(std::move(other.path_)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    Close();
    db_ = std::exchange(other.db_, nullptr);
    commit_hook_ = std::move(other.commit_hook_);
    cache_ = std::move(other.cache_);
    path_ = std::move(other.path_);
  }
  return *this;
}

Database::~Database() { Close(); }

void Database::Close() {
  if (cache_) cache_->Clear();
  // close_v2: a Statement still alive (a bug: the Database must outlive it) keeps the
  // connection as a zombie until it is finalized, rather than failing the close.
  sqlite3_close_v2(db_);
  db_ = nullptr;
}

void Database::SetCommitHook(std::function<bool(int wal_pages)> on_commit) {
  if (db_ == nullptr) return;  // moved from, or closed
  if (!on_commit) {
    // sqlite3_wal_autocheckpoint installs SQLite's own hook in place of ours (1,000 pages:
    // SQLite's default, which this module never changes).
    sqlite3_wal_autocheckpoint(db_, 1000);
    commit_hook_.reset();
    return;
  }
  commit_hook_ = std::make_unique<std::function<bool(int)>>(std::move(on_commit));
  sqlite3_wal_hook(
      db_,
      [](void* hook, sqlite3* db, const char* name, int pages) {
        if ((*static_cast<std::function<bool(int)>*>(hook))(pages)) {
          // What SQLite's own hook does; its result is not the commit's (which is done), and
          // a failure shows at the next checkpoint or write.
          sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        }
        return SQLITE_OK;
      },
      commit_hook_.get());
}

Result<Database::CheckpointResult> Database::CheckpointPassive() {
  CheckpointResult result;
  errno = 0;
  const int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                           &result.wal_frames, &result.checkpointed);
  const int call_errno = errno;
  if (rc != SQLITE_OK) return Check(rc, "checkpoint", call_errno);
  return result;
}

Status Database::Check(int rc, const char* what, int call_errno) const {
  if (rc == SQLITE_OK) return Status::Ok();
  return ToStatus(db_, rc, what, call_errno);
}

Status Database::Exec(std::string_view sql) {
  std::string owned(sql);
  char* error = nullptr;
  errno = 0;  // see Statement::Step
  int rc = sqlite3_exec(db_, owned.c_str(), nullptr, nullptr, &error);
  const int exec_errno = errno;
  sqlite3_free(error);  // the same text is available from sqlite3_errmsg
  // A storage fault names the statement ("COMMIT" says more to an operator than "exec").
  return Check(rc, rc == SQLITE_OK ? "exec" : Shorten(owned).c_str(), exec_errno);
}

Result<Statement> Database::Prepare(std::string_view sql) {
  if (sqlite3_stmt* cached = cache_ ? cache_->Take(sql) : nullptr) {
    return Statement(db_, cached, cache_);
  }
  sqlite3_stmt* stmt = nullptr;
  errno = 0;  // see Statement::Step
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    const int prepare_errno = errno;
    sqlite3_finalize(stmt);
    return ToStatus(db_, rc, "prepare", prepare_errno);
  }
  return Statement(db_, stmt, cache_);
}

int64_t Database::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
int Database::Changes() const { return sqlite3_changes(db_); }

Result<int> Database::UserVersion() {
  LLS_ASSIGN_OR_RETURN(Statement stmt, Prepare("PRAGMA user_version"));
  LLS_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Status(Code::kInternal, "PRAGMA user_version returned no row");
  return static_cast<int>(stmt.ColumnInt(0));
}

Status Database::SetUserVersion(int version) {
  return Exec("PRAGMA user_version=" + std::to_string(version));
}

Result<int64_t> Database::DataVersion() {
  LLS_ASSIGN_OR_RETURN(Statement stmt, Prepare("PRAGMA data_version"));
  LLS_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Status(Code::kInternal, "PRAGMA data_version returned no row");
  return stmt.ColumnInt(0);
}

Status Database::Migrate(const std::vector<std::string_view>& migrations) {
  LLS_ASSIGN_OR_RETURN(int current, UserVersion());
  if (current > static_cast<int>(migrations.size())) {
    return Status(Code::kCorrupt, path_.string() + " has schema version " +
                                      std::to_string(current) + ", newer than this build (" +
                                      std::to_string(migrations.size()) + "); upgrade lls");
  }
  for (size_t i = static_cast<size_t>(current); i < migrations.size(); ++i) {
    LLS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*this));
    LLS_RETURN_IF_ERROR(Exec(migrations[i]).Context("migration " + std::to_string(i + 1)));
    LLS_RETURN_IF_ERROR(SetUserVersion(static_cast<int>(i + 1)));
    LLS_RETURN_IF_ERROR(tx.Commit());
  }
  return Status::Ok();
}

// --- Transaction -----------------------------------------------------------------------------

bool Database::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

Result<Transaction> Transaction::Begin(Database& db) {
  if (db.InTransaction()) {
    static uint64_t counter = 0;  // names only need to be unique among open savepoints
    std::string name = "lls_sp_" + std::to_string(++counter);
    LLS_RETURN_IF_ERROR(db.Exec("SAVEPOINT " + name));
    return Transaction(&db, std::move(name));
  }
  LLS_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  return Transaction(&db, "");
}

Transaction::~Transaction() {
  if (db_ == nullptr) return;
  if (savepoint_.empty()) {
    (void)db_->Exec("ROLLBACK");
  } else {
    (void)db_->Exec("ROLLBACK TO " + savepoint_ + "; RELEASE " + savepoint_);
  }
}

Status Transaction::Commit() {
  if (db_ == nullptr) return Status(Code::kInternal, "transaction already finished");
  Status status = db_->Exec(savepoint_.empty() ? "COMMIT" : "RELEASE " + savepoint_);
  if (!status.ok()) return status;  // still open: the destructor rolls back
  db_ = nullptr;
  return Status::Ok();
}

}  // namespace lls::db
