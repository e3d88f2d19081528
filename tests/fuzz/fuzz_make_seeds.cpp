// Writes the binary seed inputs of fuzz_envelope and fuzz_ingest (signed envelopes of every
// kind, replies, subscribe frames, ingest batches) into CORPUS/envelope and CORPUS/ingest.
// Not a fuzzer: run it by hand when the schema changes, then commit what it wrote.
//   build-fuzz/tests/fuzz/fuzz_make_seeds tests/fuzz/corpus
// The text seeds (CSV, JSON, Markdown, TOML, scrubber text) are written by hand.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/crypto.h"
#include "schema/codec.h"
#include "tests/fuzz/fuzz_util.h"

namespace lls::fuzz {
namespace {

constexpr int64_t kNow = 1'772'323'200'000;  // fuzz_ingest's fixed clock
constexpr std::string_view kSeparator = "\xF0LLS";

void Write(const std::filesystem::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) Fail("cannot write " + path.string());
}

ProjectSummary Summary() {
  ProjectSummary s;
  s.project_id = "5f0c2a9d41e8b7c3";
  s.organisation = "RXA";
  s.title = "CO screening at booking";
  s.area = ClinicalArea::kSmokeFreePregnancy;
  s.aim = "95% of women CO-screened at booking";
  s.change_ideas = {"opt-out referral", "CO monitor in every room"};
  s.pdsa_cycles = 4;
  s.stage = ProjectStage::kTesting;
  s.start_month = "2026-01";
  s.measures = {{"SATOD", {{"2026-01", 23, 212, false, false}, {"2026-02", 0, 198, true, false}}}};
  return s;
}

LearningItem Learning() {
  LearningItem l;
  l.item_id = "9a1b2c3d4e5f6071";
  l.organisation = "RXA";
  l.title = "Opt-out referral doubled uptake";
  l.kind = LearningKind::kExcellence;
  l.area = ClinicalArea::kSmokeFreePregnancy;
  l.tags = {"referral"};
  l.text = "We changed referral to opt-out in March.";
  l.project_id = "5f0c2a9d41e8b7c3";
  return l;
}

Bytes Frame(uint8_t flags, const std::vector<Bytes>& payloads) {
  Bytes out{flags};
  for (size_t i = 0; i < payloads.size(); ++i) {
    if (i > 0) out.insert(out.end(), kSeparator.begin(), kSeparator.end());
    out.insert(out.end(), payloads[i].begin(), payloads[i].end());
  }
  return out;
}

}  // namespace
}  // namespace lls::fuzz

int main(int argc, char** argv) {
  using namespace lls;
  using namespace lls::fuzz;
  if (argc != 2) {
    fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path root = argv[1];
  std::filesystem::create_directories(root / "envelope");
  std::filesystem::create_directories(root / "ingest");
  const crypto::Identity trust = LoadIdentity(FuzzKey::kTrust);
  const crypto::Identity facilitator = LoadIdentity(FuzzKey::kFacilitator);

  // One envelope of every kind.
  const Envelope summary = crypto::Seal(trust, 1, kNow, Summary());
  const Envelope learning = crypto::Seal(trust, 2, kNow, Learning());
  Curation curation{learning.message_id, CurationAction::kApprove, "useful", {"referral"}};
  Aggregate aggregate{"north", "SATOD", "2026-01", 3, 1, 40, 600, 1,
                      SpcSignal{0.066, 0.07, 0.01, 0.13, 1, 1, 2, 0, 12}};
  MeasureCatalogue catalogue{1, {{"SATOD", "Smoking at time of delivery",
                                  ClinicalArea::kSmokeFreePregnancy, "smokers", "deliveries",
                                  "%", Improvement::kDecrease, "MSDS"}}};
  const std::vector<std::pair<std::string, Envelope>> envelopes = {
      {"summary", summary},
      {"learning", learning},
      {"curation", crypto::Seal(facilitator, 1, kNow, curation)},
      {"aggregate", crypto::Seal(trust, 3, kNow, aggregate)},
      {"retraction", crypto::Seal(trust, 4, kNow, Retraction{summary.message_id, "duplicate"})},
      {"catalogue", crypto::Seal(facilitator, 2, kNow, catalogue)},
      {"bulletin", crypto::Seal(facilitator, 3, kNow,
                                Bulletin{"Study day", "Tuesday", ClinicalArea::kDeterioration})},
      {"relay", crypto::Seal(facilitator, 4, kNow,
                             Relay{EncodeEnvelope(learning), EncodeEnvelope(crypto::Seal(
                                                                 facilitator, 5, kNow, curation))})},
  };
  for (const auto& [name, envelope] : envelopes) {
    Write(root / "envelope" / (name + ".bin"), EncodeEnvelope(envelope));
  }
  Write(root / "envelope" / "body-summary.bin", EncodeBody(Summary()));
  Write(root / "envelope" / "reply-ack.bin", EncodeReply(Ack{summary.message_id, 7, true}));
  Write(root / "envelope" / "reply-nack.bin",
        EncodeReply(Nack{summary.message_id, NackCode::kStale, "createdAt is too old"}));
  Write(root / "envelope" / "subscribe-request.bin", EncodeSubscribeRequest({1, 100, 5000}));
  Write(root / "envelope" / "subscribe-reply.bin",
        EncodeSubscribeReply(SubscribeBatch{{{1, EncodeEnvelope(summary), "RXA"}}, 1, 1, 2}));

  // Ingest batches: flags byte (see fuzz_ingest.cpp), then frames.
  const Bytes s = EncodeEnvelope(summary), l = EncodeEnvelope(learning);
  const Bytes retract = EncodeEnvelope(
      crypto::Seal(trust, 5, kNow, Retraction{learning.message_id, "posted twice"}));
  const Bytes cur = EncodeEnvelope(envelopes[2].second), agg = EncodeEnvelope(envelopes[3].second);
  Write(root / "ingest" / "trust-summary-as-is.bin", Frame(0, {s}));
  Write(root / "ingest" / "trust-summary-fixed.bin", Frame(4 | 8 | 16, {s}));
  Write(root / "ingest" / "trust-learning-then-retract.bin", Frame(4 | 8 | 16, {l, retract}));
  Write(root / "ingest" / "trust-summary-twice.bin", Frame(4 | 8 | 16, {s, s}));
  Write(root / "ingest" / "trust-aggregate-wrong-role.bin", Frame(4 | 8 | 16, {agg}));
  Write(root / "ingest" / "facilitator-curation.bin", Frame(1 | 4 | 8 | 16, {cur}));
  Write(root / "ingest" / "trust-learning-facilitator-curation.bin", Frame(4 | 8 | 16, {l}));
  Write(root / "ingest" / "revoked-summary.bin", Frame(2 | 4 | 8 | 16, {s}));
  Write(root / "ingest" / "unknown-user.bin", Frame(3, {s}));
  Write(root / "ingest" / "multipart.bin", Frame(32 | 4 | 8 | 16, {s}));
  Write(root / "ingest" / "garbage.bin", Frame(0, {Bytes{0, 0, 0, 0, 1, 0, 0, 0}}));
  printf("wrote seeds into %s/envelope and %s/ingest\n", root.c_str(), root.c_str());
  return 0;
}
