// MemberDirectory: the running hub's in-memory view of the member registry.
//
// It is the ZAP authority (only enrolled, unrevoked CURVE keys are admitted) and answers
// "which member is on this connection" for ingest. Reload() re-reads the registry; the server
// calls it when the database's data_version changes (an operator ran `members revoke`), and
// learns from its result whether anyone lost access. Not thread-safe: owned by the hub thread.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "exchange/transport.h"
#include "hub/hub_store.h"

namespace lls::hub {

class MemberDirectory final : public transport::ZapAuthority {
 public:
  // Re-reads all members. Sets *revoked_any when a member admitted before is now revoked.
  Status Reload(HubStore& store, bool* revoked_any = nullptr);

  // ZapAuthority: the member id as text for active members, nullopt otherwise.
  std::optional<std::string> Admit(const crypto::CurveKey& client_key) override;

  // The member with this ZAP user id (as returned by Admit), if it is still active.
  const Member* ActiveById(const std::string& user_id) const;
  // Any member (active or revoked) with this signing key.
  const Member* BySignKey(const SignPublicKey& key) const;

  size_t active_count() const;

 private:
  std::map<int64_t, Member> by_id_;
  std::map<crypto::CurveKey, int64_t> by_curve_;
  std::map<SignPublicKey, int64_t> by_sign_;
};

}  // namespace lls::hub
