// AnswerCache: rendered answers kept until the data under them changes.
//
// The JSON of one measure at an LLS hub with 150 trusts over ten years is 12 MB; analysing and
// writing it took ~25 ms of a 30 ms request (docs/performance.md), while the figures change a
// few times a month. An answer is kept with the Source's Version() it was made from and served
// as long as Version() still says the same. A Source that gives no version is never cached.
//
// Thread-safe (the HTTP server's workers share one). Bounded: only answers of the newest
// version put are kept, at most kMaxEntries of them; a new one beyond that replaces them all
// (there is one per catalogue measure, far fewer). Versions are expected to move forward.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace lls::dashboard {

class AnswerCache {
 public:
  static constexpr size_t kMaxEntries = 64;

  // The answer for `key` made at `version`, or null.
  std::shared_ptr<const std::string> Get(const std::string& key, int64_t version) const;
  void Put(const std::string& key, int64_t version, std::shared_ptr<const std::string> answer);

 private:
  struct Entry {
    int64_t version = 0;
    std::shared_ptr<const std::string> answer;
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

}  // namespace lls::dashboard
