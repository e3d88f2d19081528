// Helpers shared by the hub tests (beyond tests/support/support.h): a fake clock, a store
// with enrolled members, and envelope builders.
#pragma once

#include <stdlib.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <string_view>

#include "crypto/crypto.h"
#include "exchange/clock.h"
#include "tests/support/support.h"
#include "hub/hub_store.h"
#include "hub/member_directory.h"
#include "schema/codec.h"
#include "schema/messages.h"

namespace lls::hub::test {

using lls::test::NewIdentity;
using lls::test::TempDir;

// 2026-03-01T00:00:00Z: the fake clock's default "now".
inline constexpr int64_t kNow = 1'772'323'200'000;

class FakeClock final : public Clock {
 public:
  int64_t NowMs() const override { return now; }
  int64_t now = kNow;
};

inline HubStore OpenStore(const std::filesystem::path& path) {
  auto store = HubStore::Open(path);
  INFO(store.status().ToString());
  REQUIRE(store.ok());
  return std::move(store).value();
}

inline EnrolRequest RequestFor(const crypto::Identity& id, Role role,
                               const std::string& organisation) {
  EnrolRequest request;
  request.keys = id.public_identity();
  request.organisation = organisation;
  request.display_name = "Display " + id.name();
  request.role = role;
  request.lls = "north";
  request.actor = "operator";
  return request;
}

inline Member MustEnrol(HubStore& store, const crypto::Identity& id, Role role,
                        const std::string& organisation, int64_t now = kNow) {
  auto member = store.Enrol(RequestFor(id, role, organisation), now);
  INFO(member.status().ToString());
  REQUIRE(member.ok());
  return std::move(member).value();
}

inline ProjectSummary Summary(const std::string& title = "CO screening") {
  ProjectSummary s;
  s.project_id = "p-1";
  s.organisation = "RXA";
  s.title = title;
  s.area = ClinicalArea::kSmokeFreePregnancy;
  s.measures = {{"SATOD", {{"2026-01", 10, 140, false, false}}}};
  return s;
}

inline LearningItem Learning(const std::string& title = "Early feeding support") {
  LearningItem item;
  item.item_id = "item-1";
  item.organisation = "RXA";
  item.title = title;
  item.kind = LearningKind::kExcellence;
  item.area = ClinicalArea::kNeonatalHypoglycaemia;
  item.text = "What worked";
  return item;
}

// An envelope with every field set and signed, for a body that may disagree with `kind`.
inline Envelope SignedEnvelope(const crypto::Identity& id, uint64_t sequence, int64_t created_at,
                               Kind kind, const Body& body, uint16_t version = kProtocolVersion) {
  Envelope e;
  e.version = version;
  e.message_id = crypto::RandomMessageId();
  e.sequence = sequence;
  e.created_at_ms = created_at;
  e.kind = kind;
  e.body = EncodeBody(body);
  crypto::Sign(e, id);
  return e;
}

}  // namespace lls::hub::test
