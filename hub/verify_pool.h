// VerifyPool: the signature checks of one ingest batch, spread over every core.
//
// Ed25519 verification is the largest fixed cost of a message at the hub (docs/performance.md),
// and it needs nothing but the envelope: the pool's threads decode and verify frames while the
// hub thread waits, then the hub thread goes on with every check that needs the log, in order,
// exactly as before. The pool's threads touch no socket and no database (the hub thread owns
// those); they only call pure functions (DecodeEnvelope, crypto::Verify, both thread-safe).
//
// ParallelFor is called from one thread (the hub thread), which works too; `threads` helpers
// are started once and wait on a condition variable between batches.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace lls::hub {

class VerifyPool {
 public:
  // `helpers` threads besides the caller; 0 runs everything on the caller.
  explicit VerifyPool(unsigned helpers);
  ~VerifyPool();
  VerifyPool(const VerifyPool&) = delete;
  VerifyPool& operator=(const VerifyPool&) = delete;

  // Calls fn(i) once for every i in [0, n), on the helpers and the caller; returns when all
  // calls have returned. fn must not throw.
  void ParallelFor(size_t n, const std::function<void(size_t)>& fn);

  unsigned helpers() const { return static_cast<unsigned>(threads_.size()); }

  // One helper per core beyond the first (the hub thread is the first).
  static unsigned DefaultHelpers();

 private:
  void Work();
  // Takes indices of the current batch, and calls its function, until none are left.
  void Drain();

  std::mutex mu_;
  std::condition_variable wake_;   // helpers: a batch has started, or stop
  std::condition_variable done_;   // caller: every index is finished
  const std::function<void(size_t)>* fn_ = nullptr;
  size_t n_ = 0;
  size_t next_ = 0;       // the next index to hand out
  size_t finished_ = 0;   // indices whose call has returned
  uint64_t batch_ = 0;    // increases with every ParallelFor
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace lls::hub
