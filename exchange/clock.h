// Clock: the time seam. Code that needs "now" takes a Clock&, so tests can hand in a fake.
// SystemClock is stateless and thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace lls {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() const = 0;  // milliseconds since the Unix epoch, UTC
};

class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// "2026-11-27T14:40:38.123Z"
std::string FormatTimeMs(int64_t ms);

}  // namespace lls
