#include "dashboard/answer_cache.h"

#include <utility>

namespace lls::dashboard {

std::shared_ptr<const std::string> AnswerCache::Get(const std::string& key,
                                                    int64_t version) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.version != version) return nullptr;
  return it->second.answer;
}

void AnswerCache::Put(const std::string& key, int64_t version,
                      std::shared_ptr<const std::string> answer) {
  std::lock_guard lock(mu_);
  // Answers made under another version will never be served again (versions move forward):
  // they go now rather than hold their megabytes until their key is asked for.
  std::erase_if(entries_, [&](const auto& entry) { return entry.second.version != version; });
  if (entries_.size() >= kMaxEntries && !entries_.contains(key)) entries_.clear();
  entries_[key] = Entry{version, std::move(answer)};
}

}  // namespace lls::dashboard
