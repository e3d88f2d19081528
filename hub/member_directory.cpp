#include "hub/member_directory.h"

#include <charconv>

namespace lls::hub {

Status MemberDirectory::Reload(HubStore& store, bool* revoked_any) {
  LLS_ASSIGN_OR_RETURN(std::vector<Member> members, store.Members());
  bool revoked = false;
  std::map<int64_t, Member> by_id;
  std::map<crypto::CurveKey, int64_t> by_curve;
  std::map<SignPublicKey, int64_t> by_sign;
  for (Member& m : members) {
    auto old = by_id_.find(m.id);
    if (old != by_id_.end() && old->second.active() && !m.active()) revoked = true;
    by_curve[m.keys.curve] = m.id;
    by_sign[m.keys.sign] = m.id;
    by_id.emplace(m.id, std::move(m));
  }
  by_id_ = std::move(by_id);
  by_curve_ = std::move(by_curve);
  by_sign_ = std::move(by_sign);
  if (revoked_any != nullptr) *revoked_any = revoked;
  return Status::Ok();
}

std::optional<std::string> MemberDirectory::Admit(const crypto::CurveKey& client_key) {
  auto it = by_curve_.find(client_key);
  if (it == by_curve_.end()) return std::nullopt;
  const Member& m = by_id_.at(it->second);
  if (!m.active()) return std::nullopt;
  return std::to_string(m.id);
}

const Member* MemberDirectory::ActiveById(const std::string& user_id) const {
  int64_t id = 0;
  auto [end, ec] = std::from_chars(user_id.data(), user_id.data() + user_id.size(), id);
  if (ec != std::errc() || end != user_id.data() + user_id.size()) return nullptr;
  auto it = by_id_.find(id);
  if (it == by_id_.end() || !it->second.active()) return nullptr;
  return &it->second;
}

const Member* MemberDirectory::BySignKey(const SignPublicKey& key) const {
  auto it = by_sign_.find(key);
  return it == by_sign_.end() ? nullptr : &by_id_.at(it->second);
}

size_t MemberDirectory::active_count() const {
  size_t n = 0;
  for (const auto& [id, m] : by_id_) n += m.active() ? 1 : 0;
  return n;
}

}  // namespace lls::hub
