// Unit tests for what the disk-fault harness led to (tests/disk/disk_fault.cpp):
//   - exchange/sqlite.h names a storage fault's cause, file and OS error, and StorageFaultOf
//     recovers the cause (real faults: a file size limit on this process, a full tmpfs, a
//     query-only connection);
//   - hub/ingest.h logs a storage fault once per episode (a reminder a minute, one line when it
//     ends), never once per message, counts it by cause for /metrics, and tells the member the
//     kind of fault, not the hub's paths.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "exchange/sqlite.h"
#include "hub/hub_metrics.h"
#include "hub/ingest.h"
#include "tests/disk/fault_fs.h"
#include "tests/hub/test_util.h"
#include "tests/support/support.h"

namespace lls {
namespace {

namespace fs = std::filesystem;
using hub::test::kNow;
using test::TempDir;

// Lowers this process's soft RLIMIT_FSIZE (SIGXFSZ ignored, as lls-hub and lls-node do) and
// restores both on destruction. Every regular file this process writes is subject to it:
// keep what the test writes meanwhile small.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(uint64_t bytes) {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGXFSZ, &ignore, &old_action_);
    getrlimit(RLIMIT_FSIZE, &old_);
    struct rlimit set = old_;
    set.rlim_cur = static_cast<rlim_t>(bytes);
    REQUIRE(setrlimit(RLIMIT_FSIZE, &set) == 0);
  }
  ~FileSizeLimit() { Lift(); }
  void Lift() {
    if (lifted_) return;
    lifted_ = true;
    setrlimit(RLIMIT_FSIZE, &old_);
    sigaction(SIGXFSZ, &old_action_, nullptr);
  }

 private:
  struct rlimit old_ {};
  struct sigaction old_action_ {};
  bool lifted_ = false;
};

// Sends this process's stderr (where lls::log writes) to a file until destroyed.
class StderrCapture {
 public:
  explicit StderrCapture(const fs::path& file) : file_(file) {
    saved_ = dup(STDERR_FILENO);
    int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    dup2(fd, STDERR_FILENO);
    close(fd);
  }
  ~StderrCapture() {
    dup2(saved_, STDERR_FILENO);
    close(saved_);
  }
  std::vector<std::string> Lines(const std::string& needle) const {
    std::vector<std::string> out;
    std::string text = test::ReadText(file_), line;
    for (char c : text) {
      if (c != '\n') {
        line += c;
        continue;
      }
      if (line.find(needle) != std::string::npos) out.push_back(line);
      line.clear();
    }
    return out;
  }

 private:
  fs::path file_;
  int saved_ = -1;
};

db::Database OpenDb(const fs::path& path) {
  auto db = db::Database::Open(path);
  REQUIRE(db.ok());
  REQUIRE(db->Exec("CREATE TABLE t (x BLOB)").ok());
  return std::move(db).value();
}

TEST_CASE("a write past the file size limit is a file-too-large fault naming the file and EFBIG",
          "[disk][sqlite]") {
  TempDir dir("lls-disk-unit");
  db::Database db = OpenDb(dir / "t.db");
  Status failed;
  {
    FileSizeLimit limit(16 * 1024);
    failed = db.Exec("INSERT INTO t VALUES (randomblob(200000))");
  }
  INFO(failed.message());
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.code() == Code::kIoError);
  CHECK(db::StorageFaultOf(failed) == db::StorageFault::kFileTooLarge);
  CHECK(failed.message().find("file size limit reached at " + (dir / "t.db").string()) !=
        std::string::npos);
  CHECK(failed.message().find("File too large") != std::string::npos);
  // Once the limit is lifted the same connection writes again.
  CHECK(db.Exec("INSERT INTO t VALUES (randomblob(200000))").ok());
}

TEST_CASE("a full filesystem is a disk-full fault naming the file", "[disk][sqlite]") {
  TempDir dir("lls-disk-unit");
  auto tmpfs = disk::Tmpfs::Mount(dir / "small", 1 << 20);
  if (!tmpfs.ok()) {
    WARN("SKIPPED: cannot mount a tmpfs here (" << tmpfs.status().message() << ")");
    return;
  }
  db::Database db = OpenDb(tmpfs->dir() / "t.db");
  REQUIRE(tmpfs->Fill().ok());
  Status failed = db.Exec("INSERT INTO t VALUES (randomblob(200000))");
  INFO(failed.message());
  CHECK(db::StorageFaultOf(failed) == db::StorageFault::kDiskFull);
  CHECK(failed.message().find("disk full at " + (tmpfs->dir() / "t.db").string()) !=
        std::string::npos);
  tmpfs->Free();
  CHECK(db.Exec("INSERT INTO t VALUES (randomblob(200000))").ok());
}

TEST_CASE("a database that refuses writes is a read-only fault", "[disk][sqlite]") {
  TempDir dir("lls-disk-unit");
  db::Database db = OpenDb(dir / "t.db");
  REQUIRE(db.Exec("PRAGMA query_only = 1").ok());
  Status failed = db.Exec("INSERT INTO t VALUES (1)");
  INFO(failed.message());
  CHECK(db::StorageFaultOf(failed) == db::StorageFault::kReadOnly);
  CHECK(failed.message().find("storage is read-only at ") != std::string::npos);
}

TEST_CASE("StorageFaultOf: only kIoError is a storage fault, context in front is fine",
          "[disk][sqlite]") {
  CHECK(db::StorageFaultOf(Status::Ok()) == db::StorageFault::kNone);
  CHECK(db::StorageFaultOf(Status(Code::kAlreadyExists, "disk full at x")) ==
        db::StorageFault::kNone);
  CHECK(db::StorageFaultOf(Status(Code::kIoError, "cannot write /x/ingest.endpoint")) ==
        db::StorageFault::kIoError);
  Status full(Code::kIoError, "disk full at /x/hub.db: COMMIT: database or disk is full");
  CHECK(db::StorageFaultOf(full.Context("importing a.csv")) == db::StorageFault::kDiskFull);
  CHECK(std::string(db::StorageFaultName(db::StorageFault::kDiskFull)) == "disk-full");
  CHECK(std::string(db::StorageFaultName(db::StorageFault::kFileTooLarge)) == "file-too-large");
  CHECK(std::string(db::StorageFaultName(db::StorageFault::kReadOnly)) == "read-only");
  CHECK(std::string(db::StorageFaultName(db::StorageFault::kIoError)) == "io-error");
}

TEST_CASE("the hub logs a storage fault once per episode, counts it, and acks nothing unstored",
          "[disk][ingest]") {
  using namespace hub;
  TempDir dir("lls-disk-unit");
  hub::test::FakeClock clock;
  HubStore store = hub::test::OpenStore(dir / "hub.db");
  crypto::Identity trust = lls::test::NewIdentity("trust-a");
  hub::test::MustEnrol(store, trust, Role::kTrust, "RXA");
  MemberDirectory members;
  REQUIRE(members.Reload(store).ok());
  Ingest ingest(store, members, clock, IngestOptions{});
  const std::optional<std::string> user = members.Admit(trust.curve_public());
  REQUIRE(user.has_value());
  uint64_t next = 1;
  auto batch = [&](int n) {
    std::vector<transport::InboundFrame> frames;
    for (int i = 0; i < n; ++i) {
      ProjectSummary s = hub::test::Summary("summary " + std::to_string(next));
      s.project_id = "p-" + std::to_string(next);
      frames.push_back({"peer", *user, EncodeEnvelope(crypto::Seal(trust, next++, kNow, s))});
    }
    return frames;
  };
  auto stored = [&] {
    auto stats = store.Stats();
    REQUIRE(stats.ok());
    return stats->messages;
  };
  REQUIRE(std::holds_alternative<Ack>(ingest.Handle(batch(1))[0].reply));

  StderrCapture log(dir / "log.txt");
  std::vector<transport::InboundFrame> held = batch(100);
  {
    // hub.db's WAL may not grow: the next batch cannot be committed.
    FileSizeLimit limit(fs::file_size(dir / "hub.db-wal"));
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (attempt == 2) clock.now += 61 * 1000;  // a minute on: one reminder
      std::vector<OutboundReply> replies = ingest.Handle(held);
      REQUIRE(replies.size() == held.size());
      for (const OutboundReply& r : replies) {
        const Nack* nack = std::get_if<Nack>(&r.reply);
        REQUIRE(nack != nullptr);
        CHECK(nack->code == NackCode::kInternal);
        CHECK(nack->text.find("file-too-large") != std::string::npos);
        CHECK(nack->text.find('/') == std::string::npos);  // no paths to members
      }
      clock.now += 1000;
    }
  }
  CHECK(stored() == 1);
  const size_t cause = static_cast<size_t>(db::StorageFault::kFileTooLarge);
  CHECK(ingest.counters().storage_failures[cause] == 3);
  CHECK(ingest.counters().nacks[static_cast<size_t>(NackCode::kInternal)] == 300);
  HubMetrics metrics;
  metrics.PublishIngest(ingest.counters());
  CHECK(metrics.Render().find("lls_hub_storage_failures_total{cause=\"file-too-large\"} 3\n") !=
        std::string::npos);

  // Space returns: the resends are stored, as new messages. A commit within 5 s of the last
  // failure does not end the episode yet (a disk that flaps is one episode), one after does.
  std::vector<OutboundReply> replies = ingest.Handle(held);
  for (const OutboundReply& r : replies) {
    const Ack* ack = std::get_if<Ack>(&r.reply);
    REQUIRE(ack != nullptr);
    CHECK_FALSE(ack->duplicate);
  }
  CHECK(stored() == 101);
  CHECK(log.Lines("storage works again").empty());
  {
    FileSizeLimit limit(fs::file_size(dir / "hub.db-wal"));
    std::vector<OutboundReply> again = ingest.Handle(batch(5));
    CHECK(std::holds_alternative<Nack>(again[0].reply));
  }
  CHECK(log.Lines("storage fault (").size() == 2);  // the first line and the reminder only
  clock.now += 6000;
  REQUIRE(std::holds_alternative<Ack>(ingest.Handle(batch(1))[0].reply));
  const std::vector<std::string> first = log.Lines("storage fault (file-too-large): ");
  REQUIRE(first.size() == 1);
  CHECK(first[0].find(" error: ") != std::string::npos);
  CHECK(first[0].find("file size limit reached at " + (dir / "hub.db").string()) !=
        std::string::npos);
  CHECK(first[0].find("100 message(s) Nacked internal") != std::string::npos);
  CHECK(log.Lines("still there after 63 s: 3 failure(s), 300 message(s)").size() == 1);
  const std::vector<std::string> worked = log.Lines("storage works again");
  REQUIRE(worked.size() == 1);
  CHECK(worked[0].find("6 s after the last; 4 failure(s), 305 message(s)") != std::string::npos);
  CHECK(log.Lines("refused").empty());  // no line per message
  CHECK(log.Lines("lls").size() == 3);
}

}  // namespace
}  // namespace lls
