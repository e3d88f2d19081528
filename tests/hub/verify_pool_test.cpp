// VerifyPool: every index is handed out exactly once per batch, on any number of helpers,
// batch after batch (a helper that wakes late must never run an old batch's function).
#include <catch2/catch.hpp>

#include <atomic>
#include <vector>

#include "hub/verify_pool.h"

namespace lls::hub {

TEST_CASE("VerifyPool runs each index once per batch, batch after batch", "[verify_pool]") {
  const unsigned helpers = GENERATE(0u, 1u, 3u);
  CAPTURE(helpers);
  VerifyPool pool(helpers);
  CHECK(pool.helpers() == helpers);
  for (size_t n : {0u, 1u, 2u, 7u, 256u, 1000u}) {
    for (int round = 0; round < 50; ++round) {
      std::vector<std::atomic<int>> calls(n);
      const int tag = round;  // a fresh function per batch, gone when the batch returns
      std::atomic<int> wrong_tag{0};
      pool.ParallelFor(n, [&, tag](size_t i) {
        if (tag != round) wrong_tag.fetch_add(1);
        calls[i].fetch_add(1);
      });
      for (size_t i = 0; i < n; ++i) REQUIRE(calls[i].load() == 1);
      REQUIRE(wrong_tag.load() == 0);
    }
  }
}

TEST_CASE("VerifyPool::DefaultHelpers leaves the first core to the hub thread", "[verify_pool]") {
  const unsigned cores = std::thread::hardware_concurrency();
  CHECK(VerifyPool::DefaultHelpers() == (cores > 1 ? cores - 1 : 0));
}

}  // namespace lls::hub
