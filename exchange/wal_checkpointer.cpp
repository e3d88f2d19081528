#include "exchange/wal_checkpointer.h"

#include <algorithm>
#include <utility>

namespace lls::db {

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(Database& writer, int wal_pages,
                                                                 Report report) {
  OpenOptions options;
  options.create = false;
  LLS_ASSIGN_OR_RETURN(Database own, Database::Open(writer.path(), options));
  std::unique_ptr<WalCheckpointer> checkpointer(
      new WalCheckpointer(writer, std::move(own), wal_pages, std::move(report)));
  // The hook last: from here on the writer's commits call into a fully built object.
  writer.SetCommitHook([raw = checkpointer.get()](int pages) { return raw->OnCommit(pages); });
  return checkpointer;
}

WalCheckpointer::WalCheckpointer(Database& writer, Database own, int wal_pages, Report report)
    : writer_(writer),
      own_(std::move(own)),
      wal_pages_(wal_pages > 0 ? wal_pages : 1),
      tail_pages_(std::max(wal_pages_ / 8, 1)),
      report_(std::move(report)),
      thread_([this] { Loop(); }) {}

WalCheckpointer::~WalCheckpointer() {
  // The hook first, so that no commit wakes a thread that is going away.
  writer_.SetCommitHook({});
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

CheckpointCounters WalCheckpointer::counters() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counters_;
}

bool WalCheckpointer::OnCommit(int wal_pages) {
  const bool started_over = wal_pages < last_pages_;  // within a generation it only grows
  last_pages_ = wal_pages;
  if (!started_over && wal_pages < wal_pages_) return false;
  std::lock_guard<std::mutex> lock(mutex_);
  if (started_over) ++generation_;
  if (wal_pages < wal_pages_) return false;
  const int copied = copied_generation_ == generation_ ? copied_ : 0;
  if (wal_pages - copied <= tail_pages_ || wal_pages >= 4 * wal_pages_) {
    ++counters_.on_writer;
    return true;
  }
  if (!due_) {  // else the thread has not started on the last request yet
    due_ = true;
    wake_.notify_one();
  }
  return false;
}

void WalCheckpointer::Loop() {
  bool failing = false;
  for (;;) {
    uint64_t generation = 0;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return due_ || stop_; });
      if (stop_) return;
      due_ = false;  // commits from now on may ask for the next one
      generation = generation_;
    }
    Result<Database::CheckpointResult> done = own_.CheckpointPassive();
    // Busy: another connection is checkpointing (one closing, or `lls-hub backup`'s); the
    // next commit over the threshold asks again. Not a failure.
    if (!done.ok() && done.status().code() == Code::kUnavailable) continue;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++counters_.runs;
      if (done.ok()) {
        // If the writer started the WAL over meanwhile, `generation` is already old and this
        // result is ignored.
        copied_generation_ = generation;
        copied_ = done->checkpointed;
        counters_.max_wal_frames = std::max(counters_.max_wal_frames, done->wal_frames);
      } else {
        ++counters_.failures;
      }
    }
    if (report_ && done.ok() == failing) report_(done.status());
    failing = !done.ok();
  }
}

}  // namespace lls::db
