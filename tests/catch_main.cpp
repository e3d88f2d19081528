// The main of every Catch2 test binary.
//
// ctest runs each test case by name (catch_discover_tests). A name that does not match exactly —
// for instance one cut in two at a ';', which CMake reads as a list separator — used to run
// nothing and pass. Warning about "no tests" makes Catch return 2 then, so such a test fails
// instead of vanishing. A whole-binary run always has tests, so this costs nothing else.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

int main(int argc, char* argv[]) {
  Catch::Session session;
  session.configData().warnings =
      static_cast<Catch::WarnAbout::What>(session.configData().warnings | Catch::WarnAbout::NoTests);
  int status = session.applyCommandLine(argc, argv);
  if (status != 0) return status;
  return session.run();
}
