#include "tests/support/support.h"

#include <stdlib.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace lls::test {

TempDir::TempDir(const std::string& prefix) {
  std::string templ = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  REQUIRE(::mkdtemp(templ.data()) != nullptr);
  path_ = templ;
}

TempDir::~TempDir() {
  if (std::getenv("LLS_KEEP_TEST_DIRS") != nullptr) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteText(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  REQUIRE(out.good());
}

crypto::Identity NewIdentity(const std::string& name) {
  Result<crypto::Identity> identity = crypto::Identity::Generate(name);
  INFO(identity.status().ToString());
  REQUIRE(identity.ok());
  return std::move(identity).value();
}

bool WaitUntil(std::chrono::milliseconds limit, const std::function<bool()>& predicate,
               std::chrono::milliseconds every) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (predicate()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(every);
  }
}

}  // namespace lls::test
