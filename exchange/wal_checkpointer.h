// Checkpoints a database's write-ahead log on a connection and a thread of its own.
//
// SQLite's automatic checkpoint runs inside the commit that crosses its threshold, on the
// committing connection: on the hub that is the ingest thread, and every thirtieth commit or
// so at half load took 3-5 ms longer, which was the whole publish->ack p99 (docs/performance.md).
// WalCheckpointer turns the writer's automatic checkpoint off and, from a WAL hook, wakes a
// thread that runs a PASSIVE checkpoint on its own connection: WAL mode lets it copy pages into
// the database while the writer goes on committing, and a PASSIVE checkpoint never waits for a
// reader or the writer. Once it has copied every frame, the writer's next transaction starts
// the WAL from its beginning again, so the file stays as small as with the automatic one.
//
// A WAL is only started again from the top once a checkpoint has copied all of it, and a busy
// writer outruns any concurrent checkpoint (each ends a few commits short): alone, the thread
// would copy forever behind a growing WAL. So the writer finishes the job: once the thread has
// copied all but the last `wal_pages / 8` pages, the next commit runs a PASSIVE checkpoint on
// the writer's connection, as SQLite's own would (a few dozen pages instead of a thousand),
// and the WAL starts over. The same happens at `4 × wal_pages` whatever the thread has done,
// so the WAL file reaches at most about 4 × wal_pages pages (16 MiB for the hub's 1,000)
// when the thread lags — SQLite's own keeps it near 1 × — and, as with SQLite's, the file is
// reused from its start rather than shrunk.
//
// A new generation of the WAL is noticed by the page count going down after a commit. If the
// first commit after a restart is at least as large as the WAL was (a huge transaction, or
// another process that restarted it and wrote much), the thread's last result is taken as
// current for a while: that only moves a checkpoint between the thread and the writer, never
// skips one (the 4 × rule still holds).
//
// Durability is SQLite's either way: a checkpoint only copies frames already committed and
// synced. If checkpoints fail (a full disk), the WAL grows and readers search a longer log;
// nothing is lost, and the next checkpoint that works catches up.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "exchange/sqlite.h"
#include "schema/status.h"

namespace lls::db {

struct CheckpointCounters {
  uint64_t runs = 0;         // checkpoints the thread attempted
  uint64_t failures = 0;     // of which failed (a storage fault, usually)
  uint64_t on_writer = 0;    // checkpoints the writer asked for itself (the tail, or at
                             // 4 × wal_pages); one that found the thread busy counts too
  int max_wal_frames = 0;    // the longest WAL a checkpoint of the thread found
};

class WalCheckpointer {
 public:
  // Called on the checkpointer's thread: with the error of the first failed checkpoint after a
  // good one (or the start), and with Ok() at the first good one after failures. One call per
  // episode, not per attempt.
  using Report = std::function<void(const Status&)>;

  // Opens a second connection to `writer`'s file and starts the thread. From then on a commit
  // on `writer` that leaves `wal_pages` or more pages in the WAL wakes the thread (or
  // checkpoints the tail on the writer, see above). `writer`
  // must outlive the checkpointer, and its connection must not move to another Database
  // object that closes first (the hook is on the connection).
  static Result<std::unique_ptr<WalCheckpointer>> Start(Database& writer, int wal_pages = 1000,
                                                        Report report = {});
  // Stops the thread (after a checkpoint in progress) and gives `writer` SQLite's automatic
  // checkpoint back.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  CheckpointCounters counters() const;

 private:
  WalCheckpointer(Database& writer, Database own, int wal_pages, Report report);
  bool OnCommit(int wal_pages);  // on the writer's thread: true to checkpoint there
  void Loop();

  Database& writer_;
  Database own_;  // used by the thread only
  const int wal_pages_;
  const int tail_pages_;  // what the writer checkpoints itself
  Report report_;
  int last_pages_ = 0;  // the writer's: pages in the WAL after its last commit
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool due_ = false;
  bool stop_ = false;
  // The WAL's generation: one more each time the writer starts it over. The thread's last
  // result (frames copied) counts only in the generation it was made in.
  uint64_t generation_ = 0;
  uint64_t copied_generation_ = 0;
  int copied_ = 0;
  CheckpointCounters counters_;
  std::thread thread_;  // last: starts once everything above is ready
};

}  // namespace lls::db
