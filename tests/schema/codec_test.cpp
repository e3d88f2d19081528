// Codec tests: round trips of every message, then hostile input (truncation, corruption, broken
// segment tables, nesting and amplification bombs, oversize frames, wrong field sizes).
#include "schema/codec.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "tests/schema/samples.h"
#include "tests/schema/wire_craft.h"

namespace lls {
namespace {

using test::FullBodies;
using test::IdFrom;
using test::SampleEnvelope;

bool IsOneOf(NackCode code, std::initializer_list<NackCode> codes) {
  for (NackCode c : codes) {
    if (c == code) return true;
  }
  return false;
}

Envelope SmallEnvelope() {
  return SampleEnvelope(EncodeBody(test::FullRetraction()), Kind::kRetraction);
}

// ---- Round trips ----------------------------------------------------------------------------

TEST_CASE("every body kind round-trips with all fields set", "[codec][body]") {
  std::vector<Body> bodies = FullBodies();
  for (const auto& more : {test::EmptyListBodies(), test::DefaultBodies()}) {
    bodies.insert(bodies.end(), more.begin(), more.end());
  }
  for (const Body& body : bodies) {
    CAPTURE(KindName(KindOf(body)));
    const Bytes bytes = EncodeBody(body);
    auto decoded = DecodeBody(bytes);
    REQUIRE(decoded.ok());
    CHECK(*decoded == body);
    CHECK(EncodeBody(*decoded) == bytes);  // encoding is deterministic
  }
}

TEST_CASE("the sample bodies cover every kind once, in Kind order", "[codec][body]") {
  const std::vector<Body> bodies = FullBodies();
  REQUIRE(bodies.size() == kMaxKind);
  for (size_t i = 0; i < bodies.size(); ++i) {
    CHECK(static_cast<size_t>(KindOf(bodies[i])) == i + 1);
  }
}

TEST_CASE("every body kind round-trips inside an envelope", "[codec][envelope]") {
  for (const Body& body : FullBodies()) {
    CAPTURE(KindName(KindOf(body)));
    const Envelope envelope = SampleEnvelope(EncodeBody(body), KindOf(body));
    auto decoded = DecodeEnvelope(EncodeEnvelope(envelope));
    REQUIRE(decoded.ok());
    CHECK(*decoded == envelope);
    auto inner = DecodeBody(decoded->body);
    REQUIRE(inner.ok());
    CHECK(*inner == body);
  }
}

TEST_CASE("an envelope with an empty body round-trips", "[codec][envelope]") {
  const Envelope envelope = SampleEnvelope(Bytes{}, Kind::kBulletin);
  auto decoded = DecodeEnvelope(EncodeEnvelope(envelope));
  REQUIRE(decoded.ok());
  CHECK(*decoded == envelope);
}

TEST_CASE("replies round-trip", "[codec][reply]") {
  const std::vector<Reply> replies = {
      Ack{IdFrom(3), 0xFFFFFFFFFFFFFFFEull, true},
      Ack{IdFrom(9), 1, false},
      Nack{IdFrom(5), NackCode::kReplay, "message id reused — différent content"},
      Nack{MessageId{}, NackCode::kMalformed, ""},  // no id could be read
      Nack{IdFrom(0), NackCode::kInternal, "disk full"},
  };
  for (const Reply& reply : replies) {
    auto decoded = DecodeReply(EncodeReply(reply));
    REQUIRE(decoded.ok());
    CHECK(*decoded == reply);
  }
}

TEST_CASE("every nack code survives the wire", "[codec][reply]") {
  for (uint16_t n = 0; n <= kMaxNackCode; ++n) {
    const Nack nack{IdFrom(1), static_cast<NackCode>(n), NackCodeName(static_cast<NackCode>(n))};
    auto decoded = DecodeReply(EncodeReply(nack));
    REQUIRE(decoded.ok());
    REQUIRE(std::holds_alternative<Nack>(*decoded));
    CHECK(std::get<Nack>(*decoded).code == nack.code);
  }
}

TEST_CASE("a body larger than one default segment is still written as one segment",
          "[codec][body]") {
  MeasureCatalogue catalogue;
  catalogue.version = 3;
  for (int i = 0; i < 400; ++i) {
    MeasureDefinition d = test::FullCatalogue().measures[0];
    d.code = "M-" + std::to_string(i);
    d.numerator_definition = std::string(100, 'n');
    catalogue.measures.push_back(d);
  }
  const Bytes bytes = EncodeBody(catalogue);
  REQUIRE(bytes.size() > 8 * 1024 * 8);  // past MallocMessageBuilder's first 1024-word segment
  CHECK(test::WordAt(bytes, 0) == (bytes.size() / 8 - 1) << 32);  // one segment, all words
  auto decoded = DecodeBody(bytes);
  REQUIRE(decoded.ok());
  CHECK(*decoded == Body(catalogue));
}

TEST_CASE("decoding does not need aligned input", "[codec]") {
  const Bytes bytes = EncodeEnvelope(SmallEnvelope());
  Bytes shifted(bytes.size() + 1);
  std::copy(bytes.begin(), bytes.end(), shifted.begin() + 1);
  auto decoded = DecodeEnvelope(std::span<const uint8_t>(shifted).subspan(1));
  REQUIRE(decoded.ok());
  CHECK(*decoded == SmallEnvelope());
}

// ---- Enum and text policy -------------------------------------------------------------------

TEST_CASE("enum numbers this build does not know decode as the zero value", "[codec][enum]") {
  LearningItem item = test::FullLearningItem();
  item.kind = static_cast<LearningKind>(77);
  item.area = static_cast<ClinicalArea>(500);
  item.scope = static_cast<Scope>(2);
  auto decoded = DecodeBody(EncodeBody(item));
  REQUIRE(decoded.ok());
  const auto& got = std::get<LearningItem>(*decoded);
  CHECK(got.kind == LearningKind::kUnspecified);
  CHECK(got.area == ClinicalArea::kUnspecified);
  CHECK(got.scope == Scope::kLls);
  CHECK(got.title == item.title);

  auto reply = DecodeReply(EncodeReply(Nack{IdFrom(1), static_cast<NackCode>(99), "new"}));
  REQUIRE(reply.ok());
  CHECK(std::get<Nack>(*reply).code == NackCode::kUnspecified);
}

TEST_CASE("text that is not UTF-8 is malformed", "[codec][text]") {
  const std::vector<std::string> bad = {
      "\xFF", "ok\xC3", "\xC0\xAF" /* overlong */, "\xED\xA0\x80" /* surrogate */,
      "\xF4\x90\x80\x80" /* above U+10FFFF */, "\x80"};
  for (const std::string& text : bad) {
    CAPTURE(text);
    Bulletin bulletin = test::FullBulletin();
    bulletin.title = text;
    auto decoded = DecodeBody(EncodeBody(bulletin));
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.error().code == NackCode::kMalformed);
    CHECK(decoded.error().text.find("Bulletin.title") != std::string::npos);
  }
  Curation curation = test::FullCuration();
  curation.tags.push_back("\xFE");
  auto decoded = DecodeBody(EncodeBody(curation));
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.error().code == NackCode::kMalformed);

  Bulletin fine = test::FullBulletin();
  fine.title = "\xF0\x9F\x99\x82 \xE4\xB8\xAD \xC3\xA9 \xEF\xBF\xBF";  // 4-, 3-, 2-byte forms
  CHECK(DecodeBody(EncodeBody(fine)).ok());
}

// ---- Envelope field checks ------------------------------------------------------------------

// Envelope pointers (capnp compile -ocapnp): messageId 0, signer 1, body 2, signature 3.
WireResult<Envelope> DecodeWithFieldCount(int pointer, uint32_t count) {
  Bytes bytes = EncodeEnvelope(SmallEnvelope());
  test::SetByteListCount(bytes, test::StructPointerWord(bytes, test::kRootWord, pointer), count);
  return DecodeEnvelope(bytes);
}

TEST_CASE("envelope fields of the wrong size are malformed", "[codec][envelope]") {
  REQUIRE(DecodeWithFieldCount(0, 16).ok());  // the patch itself keeps a valid message valid
  for (auto [pointer, count] : {std::pair{0, 15u}, {0, 0u}, {1, 31u}, {1, 16u}, {3, 63u}}) {
    CAPTURE(pointer, count);
    auto decoded = DecodeWithFieldCount(pointer, count);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.error().code == NackCode::kMalformed);
  }
  CHECK(DecodeWithFieldCount(2, 0).ok());  // the body may be any length, even empty
}

TEST_CASE("envelope version 0 or newer than ours is a schema-version refusal",
          "[codec][envelope]") {
  for (uint16_t version : {0, 2, 0xFFFF}) {
    Envelope e = SmallEnvelope();
    e.version = version;
    auto decoded = DecodeEnvelope(EncodeEnvelope(e));
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.error().code == NackCode::kSchemaVersion);
  }
}

TEST_CASE("envelope kinds outside 1..kMaxKind are unsupported", "[codec][envelope]") {
  for (uint16_t kind : {0, kMaxKind + 1, 0xFFFF}) {
    Envelope e = SmallEnvelope();
    e.kind = static_cast<Kind>(kind);
    auto decoded = DecodeEnvelope(EncodeEnvelope(e));
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.error().code == NackCode::kUnsupportedKind);
  }
}

TEST_CASE("ids inside bodies must be 16 bytes", "[codec][body]") {
  // Body pointer 0 -> Curation; Curation pointer 0 is `target`.
  for (uint32_t count : {15u, 0u}) {
    Bytes bytes = EncodeBody(test::FullCuration());
    const size_t curation = test::StructPointerWord(bytes, test::kRootWord, 0);
    test::SetByteListCount(bytes, test::StructPointerWord(bytes, curation, 0), count);
    auto decoded = DecodeBody(bytes);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.error().code == NackCode::kMalformed);
  }
}

TEST_CASE("an ack without a 16-byte id is malformed", "[codec][reply]") {
  Bytes bytes = EncodeReply(Ack{IdFrom(1), 1, false});
  const size_t ack = test::StructPointerWord(bytes, test::kRootWord, 0);
  test::SetByteListCount(bytes, test::StructPointerWord(bytes, ack, 0), 8);
  auto decoded = DecodeReply(bytes);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.error().code == NackCode::kMalformed);
}

TEST_CASE("union members this build does not know are unsupported", "[codec]") {
  // The union tag is the first 16 bits of the root struct's data section.
  Bytes body = EncodeBody(test::FullBulletin());
  const size_t data = test::StructDataWord(body, test::kRootWord);
  test::SetWordAt(body, data, (test::WordAt(body, data) & ~0xFFFFull) | kMaxKind);
  auto decoded = DecodeBody(body);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.error().code == NackCode::kUnsupportedKind);

  Bytes reply = EncodeReply(Ack{IdFrom(1), 1, false});
  const size_t reply_data = test::StructDataWord(reply, test::kRootWord);
  test::SetWordAt(reply, reply_data, (test::WordAt(reply, reply_data) & ~0xFFFFull) | 2);
  auto decoded_reply = DecodeReply(reply);
  REQUIRE_FALSE(decoded_reply.ok());
  CHECK(decoded_reply.error().code == NackCode::kUnsupportedKind);
}

// ---- Framing --------------------------------------------------------------------------------

TEST_CASE("every truncation of a valid frame is malformed", "[codec][hostile]") {
  const std::vector<Bytes> frames = {EncodeEnvelope(SmallEnvelope()),
                                     EncodeBody(test::FullProjectSummary()),
                                     EncodeReply(Nack{IdFrom(2), NackCode::kStale, "late"})};
  for (const Bytes& full : frames) {
    for (size_t n = 0; n < full.size(); ++n) {
      CAPTURE(full.size(), n);
      const std::span<const uint8_t> cut(full.data(), n);
      auto envelope = DecodeEnvelope(cut);
      REQUIRE_FALSE(envelope.ok());
      CHECK(envelope.error().code == NackCode::kMalformed);
      auto body = DecodeBody(cut);
      REQUIRE_FALSE(body.ok());
      CHECK(body.error().code == NackCode::kMalformed);
      auto reply = DecodeReply(cut);
      REQUIRE_FALSE(reply.ok());
      CHECK(reply.error().code == NackCode::kMalformed);
    }
  }
}

TEST_CASE("bytes after the last segment are malformed", "[codec][hostile]") {
  Bytes bytes = EncodeEnvelope(SmallEnvelope());
  bytes.resize(bytes.size() + 8, 0);
  auto decoded = DecodeEnvelope(bytes);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.error().code == NackCode::kMalformed);
}

TEST_CASE("flipping any byte never crashes and yields only frame-level codes", "[codec][hostile]") {
  const Bytes original = EncodeEnvelope(SmallEnvelope());
  size_t refused = 0;
  for (uint8_t mask : {0xFF, 0x01, 0x80, 0x10}) {
    for (size_t i = 0; i < original.size(); ++i) {
      Bytes bytes = original;
      bytes[i] ^= mask;
      auto decoded = DecodeEnvelope(bytes);
      if (decoded.ok()) continue;
      ++refused;
      CAPTURE(i, int{mask}, decoded.error().text);
      CHECK(IsOneOf(decoded.error().code, {NackCode::kMalformed, NackCode::kSchemaVersion,
                                           NackCode::kUnsupportedKind}));
      CHECK_FALSE(decoded.error().text.empty());
      CHECK(decoded.error().text.find('\n') == std::string::npos);
    }
  }
  CHECK(refused > 0);  // the corruption reached the checks at all
}

TEST_CASE("segment tables claiming absurd segment counts are malformed", "[codec][hostile]") {
  const Bytes valid = EncodeEnvelope(SmallEnvelope());
  for (uint32_t count_minus_one : {999u, 0xFFFFFFFFu, 0xFFFFFFFEu, 512u}) {
    CAPTURE(count_minus_one);
    Bytes bytes = valid;
    for (int i = 0; i < 4; ++i) bytes[i] = static_cast<uint8_t>(count_minus_one >> (8 * i));
    auto decoded = DecodeEnvelope(bytes);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.error().code == NackCode::kMalformed);
  }
  // A table whose sizes overflow 32 bits when summed carelessly.
  Bytes big;
  test::PutLe32(big, 1);
  test::PutLe32(big, 0xFFFFFFFFu);
  test::PutLe32(big, 2);
  test::PutLe32(big, 0);
  test::PutLe64(big, 0);
  auto decoded = DecodeEnvelope(big);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.error().code == NackCode::kMalformed);
}

// Root Body -> Retraction{target: bytes 0..15}, written by hand. It shows the hand-made frames
// below are otherwise valid, so their refusals come from the attack, not from a typo.
std::vector<uint64_t> HandmadeRetraction() {
  return {test::StructPtr(0, 1, 1, 1),  // root -> Body: data at 1, pointer at 2
          uint64_t{static_cast<uint16_t>(Kind::kRetraction) - 1u},  // union tag
          test::StructPtr(2, 3, 0, 2),  // -> Retraction: pointers at 3 (target), 4 (reason)
          test::ListPtr(3, 5, test::kByte, 16),
          0,  // reason: null, reads as ""
          0x0706050403020100ull,
          0x0F0E0D0C0B0A0908ull};
}

TEST_CASE("hand-made frames decode, in one segment or across two", "[codec][hostile]") {
  auto one = DecodeBody(test::Frame({HandmadeRetraction()}));
  REQUIRE(one.ok());
  CHECK(std::get<Retraction>(*one) == Retraction{IdFrom(0), ""});

  // Segment 0 holds only a far pointer to a landing pad at word 0 of segment 1; the
  // hand-made words start with a root pointer, which serves as that landing pad.
  auto two = DecodeBody(test::Frame({{test::FarPtr(0, 1)}, HandmadeRetraction()}));
  REQUIRE(two.ok());
  CHECK(std::get<Retraction>(*two) == Retraction{IdFrom(0), ""});
}

TEST_CASE("a consistent segment table with too many segments is malformed", "[codec][hostile]") {
  std::vector<std::vector<uint64_t>> segments(3);
  segments[0] = HandmadeRetraction();  // the rest stay empty
  REQUIRE(DecodeBody(test::Frame(segments)).ok());
  segments.resize(600);
  auto decoded = DecodeBody(test::Frame(segments));
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.error().code == NackCode::kMalformed);
  CHECK(decoded.error().text.find("segments") != std::string::npos);
}

// ---- Bombs ----------------------------------------------------------------------------------

// Body -> ProjectSummary whose eighth pointer (a field this schema does not have) leads into a
// chain of `depth` structs, each holding only a pointer to the next.
Bytes NestingBomb(size_t depth) {
  std::vector<uint64_t> w = {test::StructPtr(0, 1, 1, 1), 0 /* tag: projectSummary */,
                             test::StructPtr(2, 3, 0, 8)};
  for (int i = 0; i < 7; ++i) w.push_back(0);  // the seven known pointers, all null
  for (size_t i = 0; i < depth; ++i) {
    const size_t here = w.size();
    w.push_back(test::StructPtr(here, here + 1, 0, 1));
  }
  w.push_back(0);  // the innermost struct's pointer is null
  return test::Frame({w});
}

TEST_CASE("a pointer chain deeper than the nesting limit is malformed", "[codec][hostile]") {
  auto shallow = DecodeBody(NestingBomb(3));
  REQUIRE(shallow.ok());  // unknown fields are fine in themselves
  CHECK(std::get<ProjectSummary>(*shallow) == ProjectSummary{});

  auto deep = DecodeBody(NestingBomb(100));
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.error().code == NackCode::kMalformed);
  CHECK(deep.error().text.find("nested") != std::string::npos);

  DecodeLimits generous;
  generous.nesting_limit = 200;
  CHECK(DecodeBody(NestingBomb(100), generous).ok());
}

TEST_CASE("the nesting limit applies along the schema's own fields", "[codec][hostile]") {
  // Body > ProjectSummary > measures > MeasureSeries > points > MeasurePoint > period.
  const Bytes bytes = EncodeBody(test::FullProjectSummary());
  REQUIRE(DecodeBody(bytes).ok());
  DecodeLimits tight;
  tight.nesting_limit = 3;
  auto decoded = DecodeBody(bytes, tight);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.error().code == NackCode::kMalformed);
}

// Body -> ProjectSummary whose changeIdeas holds `copies` pointers to one shared text of
// `text_words` words: a frame of about copies + text_words words that reads as their product.
Bytes AmplificationBomb(uint32_t copies, uint32_t text_words) {
  std::vector<uint64_t> w = {test::StructPtr(0, 1, 1, 1), 0, test::StructPtr(2, 3, 0, 5)};
  for (int i = 0; i < 4; ++i) w.push_back(0);  // projectId, organisation, title, aim
  const size_t list = w.size() + 1, text = list + copies;
  w.push_back(test::ListPtr(w.size(), list, test::kPointer, copies));  // changeIdeas
  for (uint32_t i = 0; i < copies; ++i) {
    w.push_back(test::ListPtr(list + i, text, test::kByte, text_words * 8));
  }
  for (uint32_t i = 0; i + 1 < text_words; ++i) w.push_back(0x6161616161616161ull);  // "a"s
  w.push_back(0x0061616161616161ull);  // NUL-terminated
  return test::Frame({w});
}

TEST_CASE("shared pointers that read as far more than the frame are malformed",
          "[codec][hostile]") {
  const Bytes bomb = AmplificationBomb(200, 500);  // ~6 KiB that reads as ~800 KiB
  auto refused = DecodeBody(bomb);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == NackCode::kMalformed);
  CHECK(refused.error().text.find("limit") != std::string::npos);

  DecodeLimits generous;
  generous.traversal_limit_words = 1'000'000;
  auto accepted = DecodeBody(bomb, generous);  // the same bytes are otherwise well formed
  REQUIRE(accepted.ok());
  const auto& ideas = std::get<ProjectSummary>(*accepted).change_ideas;
  REQUIRE(ideas.size() == 200);
  CHECK(ideas[199] == std::string(500 * 8 - 1, 'a'));
}

// ---- Size -----------------------------------------------------------------------------------

TEST_CASE("frames over max_frame_bytes are too large, before any parsing", "[codec][hostile]") {
  const Bytes garbage((1u << 20) + 8, 0xFF);  // would be malformed if it were parsed
  for (auto decoded : {DecodeEnvelope(garbage).error(), DecodeBody(garbage).error(),
                       DecodeReply(garbage).error()}) {
    CHECK(decoded.code == NackCode::kTooLarge);
  }
  const Bytes exact(1u << 20, 0xFF);  // at the limit: parsed, and refused as malformed
  CHECK(DecodeEnvelope(exact).error().code == NackCode::kMalformed);

  const Bytes valid = EncodeEnvelope(SmallEnvelope());
  DecodeLimits limits;
  limits.max_frame_bytes = valid.size();
  CHECK(DecodeEnvelope(valid, limits).ok());
  limits.max_frame_bytes = valid.size() - 1;
  auto decoded = DecodeEnvelope(valid, limits);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.error().code == NackCode::kTooLarge);
}

TEST_CASE("empty and unaligned input is malformed", "[codec][hostile]") {
  CHECK(DecodeEnvelope({}).error().code == NackCode::kMalformed);
  const Bytes seven(7, 0), nine(9, 0);
  CHECK(DecodeBody(seven).error().code == NackCode::kMalformed);
  CHECK(DecodeReply(nine).error().code == NackCode::kMalformed);
  const Bytes empty_message(8, 0);  // one segment of zero words: no root pointer
  CHECK(DecodeBody(empty_message).error().code == NackCode::kMalformed);
}

}  // namespace
}  // namespace lls

namespace lls {
namespace {

TEST_CASE("Aggregate.spc: absent, present, and refused when no chart could hold it",
          "[codec][body]") {
  Aggregate plain = test::FullAggregate();
  plain.spc.reset();
  auto decoded = DecodeBody(EncodeBody(plain));
  REQUIRE(decoded.ok());
  CHECK_FALSE(std::get<Aggregate>(*decoded).spc.has_value());

  auto refused = [](SpcSignal signal) {
    Aggregate a = test::FullAggregate();
    a.spc = signal;
    auto result = DecodeBody(EncodeBody(a));
    return !result.ok() && result.error().code == NackCode::kMalformed;
  };
  const SpcSignal good = *test::FullAggregate().spc;
  SpcSignal s = good;
  s.centre = std::nan("");
  CHECK(refused(s));
  s = good;
  s.upper = INFINITY;
  CHECK(refused(s));
  s = good;
  s.lower = s.upper + 1;  // limits out of order
  CHECK(refused(s));
  s = good;
  s.points = 0;
  CHECK(refused(s));
  s = good;
  s.variation = 8;
  CHECK(refused(s));
  s = good;
  s.rules = 16;
  CHECK(refused(s));
  CHECK_FALSE(refused(good));
}

}  // namespace
}  // namespace lls
