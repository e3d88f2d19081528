// Helpers every test binary may use: temporary folders, files, identities, bounded waiting.
// crypto::Init() is called once per test run by the listener in init_listener.cpp.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "crypto/crypto.h"

namespace lls::test {

// A fresh folder under the system temp dir, removed with its contents at scope end (kept when
// LLS_KEEP_TEST_DIRS is set, for looking at logs and databases after a failure).
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "lls-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

std::string ReadText(const std::filesystem::path& path);
void WriteText(const std::filesystem::path& path, std::string_view text);

// A fresh identity; fails the test if one cannot be made.
crypto::Identity NewIdentity(const std::string& name);

// Calls `predicate` every `every` until it is true or `limit` passes; returns whether it was.
bool WaitUntil(std::chrono::milliseconds limit, const std::function<bool()>& predicate,
               std::chrono::milliseconds every = std::chrono::milliseconds(5));

}  // namespace lls::test
