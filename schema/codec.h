// Codec: the only code that touches generated Cap'n Proto types (lls.capnp.h).
//
// Converts the plain values of schema/messages.h to and from wire bytes. Decoding treats every
// input as hostile: the frame size is checked before anything is parsed, Cap'n Proto's
// ReaderOptions bound traversal and nesting (a small message cannot make the reader walk
// gigabytes or recurse deeply), segment tables and pointers are validated by the reader, and
// every failure comes back as a WireError with the Nack code a hub would send. No input makes
// these functions crash or throw. Input need not be word-aligned (it is copied when it is not).
//
// All functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "schema/messages.h"
#include "schema/status.h"

namespace lls {

// Bounds for decoding untrusted bytes. The defaults suit the hub's ingest socket.
struct DecodeLimits {
  // Frames larger than this are refused with kTooLarge before any parsing.
  size_t max_frame_bytes = 1 << 20;
  // Cap'n Proto traversal limit in 8-byte words; stops "amplification" where shared or
  // overlapping pointers make a small message read as a huge one. 0 means 2 x frame words.
  uint64_t traversal_limit_words = 0;
  // Maximum struct/list nesting; stops stack exhaustion by deeply nested pointers.
  int nesting_limit = 16;
};

// Why bytes did not decode: the Nack code to send and one human-readable line, plus the
// envelope's message id when it could be read (so the Nack can name the refused message and
// the sender's outbox can retire it); all zero otherwise.
struct WireError {
  NackCode code = NackCode::kUnspecified;
  std::string text;
  MessageId message_id{};
};

template <typename T>
using WireResult = Result<T, WireError>;

// Envelope <-> bytes. Decode checks: size, framing, field sizes (id 16, signer 32, signature
// 64 bytes), version (kSchemaVersion if 0 or newer than kProtocolVersion), kind in range
// (kUnsupportedKind otherwise). It does not verify the signature nor look inside `body`.
// Text fields must be valid UTF-8; enum values unknown to this build read as their zero value
// (the schema only ever adds values); bytes after the message are refused.
Bytes EncodeEnvelope(const Envelope& envelope);
WireResult<Envelope> DecodeEnvelope(std::span<const uint8_t> bytes,
                                    const DecodeLimits& limits = {});

// Body <-> bytes (the bytes carried in Envelope.body). Decode fails with kUnsupportedKind for a
// union member this build does not know, kMalformed for anything unreadable.
Bytes EncodeBody(const Body& body);
WireResult<Body> DecodeBody(std::span<const uint8_t> bytes, const DecodeLimits& limits = {});

// Reply (Ack or Nack) <-> bytes: what the hub sends back for every ingest frame.
Bytes EncodeReply(const Reply& reply);
WireResult<Reply> DecodeReply(std::span<const uint8_t> bytes, const DecodeLimits& limits = {});

// The subscribe endpoint. A request is a few words: the hub decodes it with small limits.
// Decoding a reply checks framing, limits and UTF-8 (LogEntry.organisation, SubscribeError.text)
// but not the entries' envelopes: the subscriber decodes and verifies each one itself.
Bytes EncodeSubscribeRequest(const SubscribeRequest& request);
WireResult<SubscribeRequest> DecodeSubscribeRequest(std::span<const uint8_t> bytes,
                                                    const DecodeLimits& limits = {});
Bytes EncodeSubscribeReply(const SubscribeReply& reply);
WireResult<SubscribeReply> DecodeSubscribeReply(std::span<const uint8_t> bytes,
                                                const DecodeLimits& limits = {});

}  // namespace lls
