#include "hub/verify_pool.h"

#include <algorithm>

namespace lls::hub {

VerifyPool::VerifyPool(unsigned helpers) {
  for (unsigned i = 0; i < helpers; ++i) threads_.emplace_back([this] { Work(); });
}

VerifyPool::~VerifyPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
}

unsigned VerifyPool::DefaultHelpers() {
  const unsigned cores = std::thread::hardware_concurrency();
  return cores > 1 ? cores - 1 : 0;
}

void VerifyPool::Drain() {
  std::unique_lock lock(mu_);
  while (next_ < n_) {
    // The function is read with the index, under the lock: an index always belongs to the
    // batch whose function is set (a helper that woke for an earlier batch, late, must not
    // call that batch's function, which may be gone).
    const std::function<void(size_t)>* fn = fn_;
    const size_t i = next_++;
    lock.unlock();
    (*fn)(i);
    lock.lock();
    if (++finished_ == n_) done_.notify_all();
  }
}

void VerifyPool::Work() {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stop_ || (batch_ != seen && next_ < n_); });
      if (stop_) return;
      seen = batch_;
    }
    Drain();
  }
}

void VerifyPool::ParallelFor(size_t n, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  if (threads_.empty() || n == 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  {
    std::lock_guard lock(mu_);
    fn_ = &fn;
    n_ = n;
    next_ = 0;
    finished_ = 0;
    ++batch_;
  }
  wake_.notify_all();
  Drain();
  std::unique_lock lock(mu_);
  done_.wait(lock, [&] { return finished_ == n_; });
  // Helpers that woke late find next_ == n_ and go back to sleep; none still holds fn.
  fn_ = nullptr;
  n_ = 0;
  next_ = 0;
}

}  // namespace lls::hub
