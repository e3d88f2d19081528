// crypto::Init() must run before anything else in the library, as main() does in programs.
// Listeners are part of Catch2 v2's "external interfaces", off unless asked for.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>

#include "crypto/crypto.h"

namespace {

struct InitCrypto : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  void testRunStarting(const Catch::TestRunInfo&) override {
    const lls::Status status = lls::crypto::Init();
    if (!status.ok()) {
      std::fprintf(stderr, "crypto::Init failed: %s\n", status.ToString().c_str());
      std::exit(1);
    }
  }
};

}  // namespace

CATCH_REGISTER_LISTENER(InitCrypto)
