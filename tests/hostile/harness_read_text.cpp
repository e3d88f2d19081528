// hostile_flood is not a Catch program, so it cannot link tests/support/support.cpp (whose
// helpers use REQUIRE); tests/support/process.cpp needs only this one of them.
#include <fstream>
#include <sstream>

#include "tests/support/support.h"

namespace lls::test {

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace lls::test
