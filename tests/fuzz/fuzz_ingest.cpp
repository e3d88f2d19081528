// Ingest validation: Ingest::Handle on a batch of frames arriving on connections of enrolled
// members, wired as the hub wires it (learning curation and aggregates as state appliers).
//
// Input: one flags byte, then up to kMaxFrames frame payloads separated by kSeparator.
//   flags & 3   the connection: 0 trust "fuzz-trust", 1 facilitator, 2 revoked trust
//               "fuzz-other", 3 a user id no member has;
//   flags & 4   fix-up: when a payload decodes as an Envelope, sign it with the connection's
//               key (so the fuzzer reaches the checks after the signature);
//   flags & 8   fix-up: set createdAt to the fake clock's now;
//   flags & 16  fix-up: give it a fresh per-signer sequence number;
//   flags & 32  mark the frames multipart.
// Without fix-ups the payload is sent as it is (what a hostile member could send).
//
// Properties: no crash or sanitizer report; exactly one reply per frame, to that frame's peer;
// every Nack carries a code in 1..kMaxNackCode and a reason; every Ack a hub sequence.
//
// State: one in-memory SQLite store is reused across inputs (members enrolled once) and rebuilt
// every kResetEvery inputs or when it holds kMaxMessages messages, so memory stays bounded and
// nothing is written to disk. An input's outcome can depend on earlier inputs (a duplicate, a
// replayed sequence): to replay a crash alone, set LLS_FUZZ_FRESH=1, which rebuilds the store
// before every input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/crypto.h"
#include "exchange/clock.h"
#include "hub/aggregates.h"
#include "hub/curation.h"
#include "hub/hub_store.h"
#include "hub/ingest.h"
#include "hub/member_directory.h"
#include "schema/codec.h"
#include "tests/fuzz/fuzz_util.h"

namespace lls::fuzz {
namespace {

constexpr std::string_view kSeparator = "\xF0LLS";
constexpr size_t kMaxFrames = 8;
constexpr uint64_t kResetEvery = 5000;
constexpr int64_t kMaxMessages = 2000;
constexpr int64_t kNow = 1'772'323'200'000;  // 2026-03-01T00:00:00Z

class FixedClock final : public Clock {
 public:
  int64_t NowMs() const override { return kNow; }
};

// The identities never change; the store and everything holding a reference to it do.
struct Keys {
  crypto::Identity trust = LoadIdentity(FuzzKey::kTrust);
  crypto::Identity facilitator = LoadIdentity(FuzzKey::kFacilitator);
  crypto::Identity revoked = LoadIdentity(FuzzKey::kOther);
  crypto::Identity hub = LoadIdentity(FuzzKey::kHub);
};

template <typename T>
T Must(Result<T> result, const char* what) {
  if (!result.ok()) Fail(std::string(what) + ": " + result.status().ToString());
  return std::move(result).value();
}
void Must(const Status& status, const char* what) {
  if (!status.ok()) Fail(std::string(what) + ": " + status.ToString());
}

struct Hub {
  explicit Hub(const Keys& keys) : store(Must(hub::HubStore::Open(":memory:"), "open store")) {
    const auto enrol = [&](const crypto::Identity& id, hub::Role role, const char* org) {
      hub::EnrolRequest request;
      request.keys = id.public_identity();
      request.organisation = org;
      request.display_name = id.name();
      request.role = role;
      request.lls = "north";
      request.actor = "fuzz";
      return Must(store.Enrol(request, kNow - 1000), "enrol");
    };
    enrol(keys.trust, hub::Role::kTrust, "RXA");
    enrol(keys.facilitator, hub::Role::kFacilitator, "LLS-N");
    enrol(keys.revoked, hub::Role::kTrust, "RXB");
    // Admitted while active (as a connection opened before the revocation would be).
    Must(members_before_revoke.Reload(store), "reload members");
    revoked_user = members_before_revoke.Admit(keys.revoked.curve_public()).value_or("0");
    Must(store.Revoke(keys.revoked.name(), "fuzz", "left", kNow - 500), "revoke");
    Must(members.Reload(store), "reload members");
    trust_user = members.Admit(keys.trust.curve_public()).value_or("0");
    facilitator_user = members.Admit(keys.facilitator.curve_public()).value_or("0");
    curation = Must(hub::LearningCuration::Open(store, keys.hub, hub::CurationOptions{}),
                    "open curation");
    Must(hub::Aggregates::RegisterSchema(store), "aggregates schema");
    ingest = std::make_unique<hub::Ingest>(store, members, clock, hub::IngestOptions{});
    ingest->AddApplier(curation.get());
    ingest->SetCuration(curation.get());
    ingest->AddApplier(&aggregates);
  }

  hub::HubStore store;
  hub::MemberDirectory members_before_revoke;
  hub::MemberDirectory members;
  FixedClock clock;
  std::unique_ptr<hub::LearningCuration> curation;
  hub::Aggregates aggregates;
  std::unique_ptr<hub::Ingest> ingest;  // last: holds references to the members above
  std::string trust_user, facilitator_user, revoked_user;
  uint64_t next_sequence = 1;
};

std::vector<std::string_view> SplitFrames(std::string_view rest) {
  std::vector<std::string_view> frames;
  while (frames.size() + 1 < kMaxFrames) {
    const size_t at = rest.find(kSeparator);
    if (at == std::string_view::npos) break;
    frames.push_back(rest.substr(0, at));
    rest.remove_prefix(at + kSeparator.size());
  }
  frames.push_back(rest);
  return frames;
}

void CheckReplies(const std::vector<transport::InboundFrame>& frames,
                  const std::vector<hub::OutboundReply>& replies) {
  if (replies.size() != frames.size()) Fail("not exactly one reply per frame");
  std::multiset<std::string> expected, got;
  for (const auto& frame : frames) expected.insert(frame.peer);
  for (const auto& out : replies) {
    got.insert(out.peer);
    if (const Nack* nack = std::get_if<Nack>(&out.reply)) {
      const auto code = static_cast<uint16_t>(nack->code);
      if (code == 0 || code > kMaxNackCode) Fail("a Nack with no documented code");
      if (nack->text.empty()) Fail("a Nack without a reason");
    } else if (std::get<Ack>(out.reply).hub_seq == 0) {
      Fail("an Ack without a hub sequence");
    }
  }
  if (expected != got) Fail("replies do not go to the frames' peers");
}

}  // namespace
}  // namespace lls::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lls;
  using namespace lls::fuzz;
  static const Keys keys;
  static std::unique_ptr<Hub> hub;
  static uint64_t runs = 0;
  static const bool fresh_each_input = getenv("LLS_FUZZ_FRESH") != nullptr;
  static const bool verbose = getenv("LLS_FUZZ_VERBOSE") != nullptr;

  const auto too_big = [](Hub& h) {
    auto stats = h.store.Stats();
    return !stats.ok() || stats->messages > kMaxMessages;
  };
  if (!hub || fresh_each_input || ++runs % kResetEvery == 0 ||
      (runs % 64 == 0 && too_big(*hub))) {
    hub.reset();  // the old Ingest goes before the store it refers to
    hub = std::make_unique<Hub>(keys);
  }
  if (size == 0) return 0;

  const uint8_t flags = data[0];
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const crypto::Identity* const connection_keys[] = {&keys.trust, &keys.facilitator,
                                                     &keys.revoked, nullptr};
  const std::string users[] = {hub->trust_user, hub->facilitator_user, hub->revoked_user,
                               "999999"};
  const crypto::Identity* signer = connection_keys[flags & 3];

  std::vector<transport::InboundFrame> frames;
  for (std::string_view payload : SplitFrames(rest)) {
    transport::InboundFrame frame;
    frame.peer = "peer-" + std::to_string(frames.size());
    frame.user_id = users[flags & 3];
    frame.payload.assign(payload.begin(), payload.end());
    frame.multipart = (flags & 32) != 0;
    if ((flags & (4 | 8 | 16)) != 0) {
      auto envelope = DecodeEnvelope(frame.payload);
      if (envelope.ok()) {
        if (flags & 8) envelope->created_at_ms = kNow;
        if (flags & 16) envelope->sequence = hub->next_sequence++;
        if ((flags & 4) && signer != nullptr) crypto::Sign(*envelope, *signer);
        frame.payload = EncodeEnvelope(*envelope);
      }
    }
    frames.push_back(std::move(frame));
  }
  const std::vector<hub::OutboundReply> replies = hub->ingest->Handle(frames);
  CheckReplies(frames, replies);
  if (verbose) {  // LLS_FUZZ_VERBOSE=1: what happened to each frame, to check the seeds
    for (const auto& out : replies) {
      const Nack* nack = std::get_if<Nack>(&out.reply);
      fprintf(stderr, "%s: %s\n", out.peer.c_str(),
              nack ? (std::string("nack ") + NackCodeName(nack->code) + ": " + nack->text).c_str()
                   : (std::get<Ack>(out.reply).duplicate ? "ack (duplicate)" : "ack"));
    }
  }
  return 0;
}
