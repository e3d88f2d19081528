// The subscribe endpoint's frames: round trips, and hostile input for the request (which the
// hub decodes from any member) and the reply (which a node decodes from its hub).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "schema/codec.h"

namespace lls {
namespace {

SubscribeBatch SampleBatch() {
  SubscribeBatch batch;
  batch.entries = {{3, Bytes{1, 2, 3, 4, 5}, "RXA"}, {7, Bytes(300, 0xab), "RXB"}, {8, {}, ""}};
  batch.head_seq = 12;
  batch.from_seq = 2;
  batch.next_seq = 9;
  return batch;
}

TEST_CASE("subscribe requests round-trip, including extreme values", "[codec][subscribe]") {
  for (const SubscribeRequest& r :
       {SubscribeRequest{}, SubscribeRequest{1, 1000, 2000},
        SubscribeRequest{UINT64_MAX, UINT32_MAX, UINT32_MAX}}) {
    auto decoded = DecodeSubscribeRequest(EncodeSubscribeRequest(r));
    REQUIRE(decoded.ok());
    CHECK(*decoded == r);
  }
}

TEST_CASE("subscribe replies round-trip: batches, empty batches and errors",
          "[codec][subscribe]") {
  std::vector<SubscribeReply> replies = {
      SampleBatch(), SubscribeBatch{{}, 0, 1, 1},
      SubscribeError{NackCode::kUnknownSigner, "revoked"},
      SubscribeError{NackCode::kInternal, ""}};
  for (const SubscribeReply& reply : replies) {
    auto decoded = DecodeSubscribeReply(EncodeSubscribeReply(reply));
    REQUIRE(decoded.ok());
    CHECK(*decoded == reply);
  }
}

TEST_CASE("a batch of large entries is written as one segment and decodes",
          "[codec][subscribe]") {
  SubscribeBatch batch;
  for (uint64_t i = 1; i <= 40; ++i) batch.entries.push_back({i, Bytes(50000, uint8_t(i)), "RXA"});
  batch.head_seq = batch.next_seq = 41;
  Bytes bytes = EncodeSubscribeReply(batch);
  CHECK(bytes[0] == 0);  // segment count - 1
  DecodeLimits limits;
  limits.max_frame_bytes = 4 << 20;
  auto decoded = DecodeSubscribeReply(bytes, limits);
  REQUIRE(decoded.ok());
  CHECK(std::get<SubscribeBatch>(*decoded) == batch);
}

TEST_CASE("hostile subscribe frames are refused, never crash", "[codec][subscribe][hostile]") {
  const Bytes request = EncodeSubscribeRequest({5, 10, 100});
  const Bytes reply = EncodeSubscribeReply(SampleBatch());

  SECTION("every truncation") {
    for (const Bytes* frame : {&request, &reply}) {
      for (size_t n = 0; n < frame->size(); ++n) {
        std::vector<uint8_t> cut(frame->begin(), frame->begin() + static_cast<long>(n));
        CHECK_FALSE(DecodeSubscribeRequest(cut).ok());
        CHECK_FALSE(DecodeSubscribeReply(cut).ok());
      }
    }
  }
  SECTION("every flipped byte decodes or is refused with a frame-level code") {
    for (size_t i = 0; i < reply.size(); ++i) {
      Bytes bad = reply;
      bad[i] ^= 0xff;
      auto decoded = DecodeSubscribeReply(bad);
      if (!decoded.ok()) {
        CHECK((decoded.error().code == NackCode::kMalformed ||
               decoded.error().code == NackCode::kUnsupportedKind));
      }
    }
  }
  SECTION("over the size limit: too-large before parsing") {
    DecodeLimits limits;
    limits.max_frame_bytes = 16;
    auto decoded = DecodeSubscribeRequest(request, limits);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.error().code == NackCode::kTooLarge);
    auto big = DecodeSubscribeReply(reply, limits);
    REQUIRE_FALSE(big.ok());
    CHECK(big.error().code == NackCode::kTooLarge);
  }
  SECTION("an organisation or error text that is not UTF-8 is malformed") {
    SubscribeBatch batch = SampleBatch();
    batch.entries[0].organisation = std::string("R\xff" "A");
    auto decoded = DecodeSubscribeReply(EncodeSubscribeReply(batch));
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.error().code == NackCode::kMalformed);
    auto error = DecodeSubscribeReply(
        EncodeSubscribeReply(SubscribeError{NackCode::kMalformed, std::string("\xc0\x80")}));
    REQUIRE_FALSE(error.ok());
    CHECK(error.error().code == NackCode::kMalformed);
  }
  SECTION("an envelope is not a subscribe request, and garbage is malformed") {
    Bytes garbage(64, 0x41);
    auto decoded = DecodeSubscribeRequest(garbage);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.error().code == NackCode::kMalformed);
  }
  SECTION("a reply union member this build does not know is unsupported") {
    // SubscribeReply's root struct: the union tag is the first 16 bits of its data section.
    Bytes bad = EncodeSubscribeReply(SubscribeError{NackCode::kInternal, "x"});
    // Segment table (8 bytes), root pointer (8 bytes), then the data word: set the tag to 9.
    bad[16] = 9;
    bad[17] = 0;
    auto decoded = DecodeSubscribeReply(bad);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.error().code == NackCode::kUnsupportedKind);
  }
}

}  // namespace
}  // namespace lls
