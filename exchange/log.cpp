#include "exchange/log.h"

#include <unistd.h>

#include <atomic>
#include <string>

#include "exchange/clock.h"

namespace lls::log {
namespace {
std::string program = "lls";  // set once in main, before threads start
std::atomic<Level> threshold{Level::kInfo};

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "?";
}
}  // namespace

void SetProgram(std::string_view name) { program = std::string(name); }
void SetLevel(Level level) { threshold = level; }

void Write(Level level, std::string_view text) {
  if (level < threshold.load()) return;
  std::string line = FormatTimeMs(SystemClock().NowMs()) + " " + program + " " +
                     LevelName(level) + ": " + std::string(text) + "\n";
  // One write(2) per line, so lines from different threads or processes never interleave.
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace lls::log
