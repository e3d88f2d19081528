// Log: one line per event on stderr, "2026-11-27T14:40:38.123Z lls-hub warn: text".
// Thread-safe (each line is written with one call). Programs set their name once in main().
#pragma once

#include <string>
#include <string_view>

namespace lls::log {

enum class Level { kDebug, kInfo, kWarn, kError };

void SetProgram(std::string_view name);
void SetLevel(Level level);
void Write(Level level, std::string_view text);

inline void Debug(std::string_view text) { Write(Level::kDebug, text); }
inline void Info(std::string_view text) { Write(Level::kInfo, text); }
inline void Warn(std::string_view text) { Write(Level::kWarn, text); }
inline void Error(std::string_view text) { Write(Level::kError, text); }

}  // namespace lls::log
