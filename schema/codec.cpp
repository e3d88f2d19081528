// The codec's framing, limits and exception boundary, plus the Envelope and Reply converters.
// Body conversions live in body_codec.cpp.
#include "schema/codec.h"

#include <capnp/any.h>
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/array.h>
#include <kj/exception.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <new>
#include <optional>
#include <string_view>

#include "lls.capnp.h"
#include "schema/body_codec_internal.h"
#include "schema/wire_fields_internal.h"

namespace lls {
namespace {

using codec_internal::DataOf;
using codec_internal::DecodeContext;
using codec_internal::EnumFromWire;
using codec_internal::EnumToWire;
using codec_internal::TextOf;

static_assert(static_cast<uint16_t>(wire::NackCode::UNKNOWN_TARGET) == kMaxNackCode);
static_assert(static_cast<uint16_t>(wire::Kind::RELAY) == kMaxKind);
static_assert(wire::PROTOCOL_VERSION == kProtocolVersion);

constexpr size_t kWordBytes = sizeof(capnp::word);
// The same bound Cap'n Proto's stream reader applies. Our encoder always writes one segment;
// the bound only stops a segment table from claiming billions of segments.
constexpr uint64_t kMaxSegments = 512;

WireError Malformed(std::string text) { return WireError{NackCode::kMalformed, std::move(text)}; }

uint32_t LoadLe32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

// Everything that can be refused without Cap'n Proto: size first, then the word framing and
// the segment table. The table must describe the frame exactly; trailing bytes are refused.
std::optional<WireError> CheckFrame(std::span<const uint8_t> bytes, const DecodeLimits& limits) {
  if (bytes.size() > limits.max_frame_bytes) {
    return WireError{NackCode::kTooLarge, "frame of " + std::to_string(bytes.size()) +
                                              " bytes exceeds the limit of " +
                                              std::to_string(limits.max_frame_bytes)};
  }
  if (bytes.empty()) return Malformed("empty frame");
  if (bytes.size() % kWordBytes != 0) {
    return Malformed("frame of " + std::to_string(bytes.size()) +
                     " bytes is not a whole number of 8-byte words");
  }
  const uint64_t segments = uint64_t{LoadLe32(bytes.data())} + 1;
  if (segments > kMaxSegments) {
    return Malformed("segment table claims " + std::to_string(segments) + " segments");
  }
  const uint64_t table_bytes = (segments / 2 + 1) * kWordBytes;
  if (table_bytes > bytes.size()) return Malformed("frame ends inside its segment table");
  uint64_t body_bytes = 0;
  for (uint64_t i = 0; i < segments; ++i) {
    body_bytes += uint64_t{LoadLe32(bytes.data() + 4 + 4 * i)} * kWordBytes;
  }
  if (table_bytes + body_bytes != bytes.size()) {
    return Malformed("segment table describes " + std::to_string(table_bytes + body_bytes) +
                     " bytes but the frame holds " + std::to_string(bytes.size()));
  }
  return std::nullopt;
}

// Cap'n Proto reads words in place and needs them 8-byte aligned; a span from a socket or a
// std::vector<uint8_t> promises no alignment, so decode always reads from its own copy.
kj::Array<capnp::word> CopyToWords(std::span<const uint8_t> bytes) {
  auto words = kj::heapArray<capnp::word>(bytes.size() / kWordBytes);
  std::memcpy(words.begin(), bytes.data(), bytes.size());
  return words;
}

capnp::ReaderOptions OptionsFor(const DecodeLimits& limits, size_t words) {
  capnp::ReaderOptions options;
  options.traversalLimitInWords =
      limits.traversal_limit_words != 0 ? limits.traversal_limit_words : 2 * uint64_t{words};
  options.nestingLimit = limits.nesting_limit;
  return options;
}

// The reason from a kj description, on one line. KJ_REQUIRE failures read "expected <condition
// as source code> [values]; <reason>"; only the reason means anything to a sender.
std::string Reason(std::string text) {
  constexpr std::string_view kExpected = "expected ";
  if (text.starts_with(kExpected)) {
    const size_t end = text.find("; ");
    if (end != std::string::npos) text.erase(0, end + 2);
  }
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  constexpr size_t kMaxText = 200;
  if (text.size() > kMaxText) text.resize(kMaxText);
  return text;
}

// The single exception boundary for decoding: parses `bytes` as a message whose root is
// `Root` and hands the reader to `convert`. Before converting, a first pass walks every pointer
// in the message, including fields this build's schema does not read, so a pointer chain
// deeper than the nesting limit or a graph larger than the traversal limit is refused even
// where the converter would never look. Each pass has its own reader and so its own budget.
template <typename Root, typename T, typename Convert>
WireResult<T> DecodeFrame(std::span<const uint8_t> bytes, const DecodeLimits& limits,
                          const char* what, Convert convert) {
  if (auto error = CheckFrame(bytes, limits)) return *std::move(error);
  try {
    const kj::Array<capnp::word> words = CopyToWords(bytes);
    const capnp::ReaderOptions options = OptionsFor(limits, words.size());
    {
      capnp::FlatArrayMessageReader walk(words, options);
      (void)walk.getRoot<capnp::AnyPointer>().targetSize();
    }
    capnp::FlatArrayMessageReader reader(words, options);
    return convert(reader.getRoot<Root>());
  } catch (const kj::Exception& e) {
    return Malformed(std::string("undecodable ") + what + ": " +
                     Reason(e.getDescription().cStr()));
  } catch (const std::bad_alloc&) {
    // Limits keep hostile input far from this; running out of memory is the hub's trouble,
    // not the sender's, so it is reported as transient.
    return WireError{NackCode::kInternal, std::string("out of memory decoding ") + what};
  } catch (const std::exception& e) {
    return Malformed(std::string("undecodable ") + what + ": " + Reason(e.what()));
  }
}

// Serializes as a single segment, as lls.capnp promises for Body. A message that outgrew its
// first segment is copied into one segment sized to fit.
Bytes Serialize(capnp::MallocMessageBuilder& message) {
  kj::Array<capnp::word> words;
  if (message.getSegmentsForOutput().size() == 1) {
    words = capnp::messageToFlatArray(message);
  } else {
    auto root = message.getRoot<capnp::AnyPointer>().asReader();
    const size_t size = root.targetSize().wordCount + 1;  // + the root pointer
    capnp::MallocMessageBuilder single(size, capnp::AllocationStrategy::FIXED_SIZE);
    single.getRoot<capnp::AnyPointer>().set(root);
    words = capnp::messageToFlatArray(single);
  }
  auto bytes = words.asBytes();
  return Bytes(bytes.begin(), bytes.end());
}

// Version is checked before anything else in the envelope: a newer version need not share
// this one's field layout, so its sender is told "schema version", not "malformed".
WireResult<Envelope> EnvelopeFromWire(wire::Envelope::Reader r) {
  Envelope e;
  // The id, when readable, is echoed in any refusal so the sender can retire that message.
  MessageId id{};
  if (r.hasMessageId() && r.getMessageId().size() == id.size()) {
    std::copy(r.getMessageId().begin(), r.getMessageId().end(), id.begin());
  }
  e.version = r.getVersion();
  if (e.version == 0 || e.version > kProtocolVersion) {
    return WireError{NackCode::kSchemaVersion,
                     "envelope version " + std::to_string(e.version) + "; this build reads " +
                         std::to_string(kProtocolVersion),
                     id};
  }
  DecodeContext cx;
  cx.Fixed(r.getMessageId(), e.message_id, "Envelope.messageId");
  cx.Fixed(r.getSigner(), e.signer, "Envelope.signer");
  cx.Fixed(r.getSignature(), e.signature, "Envelope.signature");
  if (!cx.ok()) {
    WireError error = cx.error();
    error.message_id = id;
    return error;
  }
  const auto kind = static_cast<uint16_t>(r.getKind());
  if (kind == 0 || kind > kMaxKind) {
    return WireError{NackCode::kUnsupportedKind,
                     "envelope kind " + std::to_string(kind) + " is not known to this build", id};
  }
  e.kind = static_cast<Kind>(kind);
  e.sequence = r.getSequence();
  e.created_at_ms = r.getCreatedAt();
  e.body = cx.Data(r.getBody());
  return e;
}

WireResult<Reply> ReplyFromWire(wire::Reply::Reader r) {
  DecodeContext cx;
  Reply reply;
  switch (r.which()) {
    case wire::Reply::ACK: {
      auto in = r.getAck();
      Ack ack;
      cx.Fixed(in.getMessageId(), ack.message_id, "Ack.messageId");
      ack.hub_seq = in.getHubSeq();
      ack.duplicate = in.getDuplicate();
      reply = ack;
      break;
    }
    case wire::Reply::NACK: {
      auto in = r.getNack();
      Nack nack;
      cx.FixedOrEmpty(in.getMessageId(), nack.message_id, "Nack.messageId");
      nack.code = EnumFromWire(in.getCode(), NackCode::kUnknownTarget);
      nack.text = cx.Text(in.getText(), "Nack.text");
      reply = std::move(nack);
      break;
    }
    default:
      return WireError{NackCode::kUnsupportedKind,
                       "reply union member " + std::to_string(static_cast<uint16_t>(r.which())) +
                           " is not known to this build"};
  }
  if (!cx.ok()) return cx.error();
  return reply;
}

void AckToWire(const Ack& ack, wire::Reply::Builder out) {
  auto b = out.initAck();
  b.setMessageId(DataOf(ack.message_id));
  b.setHubSeq(ack.hub_seq);
  b.setDuplicate(ack.duplicate);
}

void NackToWire(const Nack& nack, wire::Reply::Builder out) {
  auto b = out.initNack();
  // An all-zero id means "none could be read"; on the wire that is the empty field.
  if (nack.message_id != MessageId{}) b.setMessageId(DataOf(nack.message_id));
  b.setCode(EnumToWire<wire::NackCode>(nack.code));
  b.setText(TextOf(nack.text));
}

WireResult<SubscribeRequest> SubscribeRequestFromWire(wire::SubscribeRequest::Reader r) {
  SubscribeRequest request;
  request.from_seq = r.getFromSeq();
  request.max_messages = r.getMaxMessages();
  request.wait_ms = r.getWaitMs();
  return request;
}

WireResult<SubscribeReply> SubscribeReplyFromWire(wire::SubscribeReply::Reader r) {
  DecodeContext cx;
  SubscribeReply reply;
  switch (r.which()) {
    case wire::SubscribeReply::BATCH: {
      auto in = r.getBatch();
      SubscribeBatch batch;
      batch.head_seq = in.getHeadSeq();
      batch.from_seq = in.getFromSeq();
      batch.next_seq = in.getNextSeq();
      auto entries = in.getEntries();
      batch.entries.reserve(entries.size());
      for (auto entry : entries) {
        LogEntry out;
        out.hub_seq = entry.getHubSeq();
        out.envelope = cx.Data(entry.getEnvelope());
        out.organisation = cx.Text(entry.getOrganisation(), "LogEntry.organisation");
        batch.entries.push_back(std::move(out));
      }
      reply = std::move(batch);
      break;
    }
    case wire::SubscribeReply::ERROR: {
      auto in = r.getError();
      SubscribeError error;
      error.code = EnumFromWire(in.getCode(), NackCode::kUnknownTarget);
      error.text = cx.Text(in.getText(), "SubscribeError.text");
      reply = std::move(error);
      break;
    }
    default:
      return WireError{NackCode::kUnsupportedKind,
                       "subscribe reply union member " +
                           std::to_string(static_cast<uint16_t>(r.which())) +
                           " is not known to this build"};
  }
  if (!cx.ok()) return cx.error();
  return reply;
}

}  // namespace

Bytes EncodeEnvelope(const Envelope& envelope) {
  capnp::MallocMessageBuilder message;
  auto b = message.initRoot<wire::Envelope>();
  b.setVersion(envelope.version);
  b.setMessageId(DataOf(envelope.message_id));
  b.setSigner(DataOf(envelope.signer));
  b.setSequence(envelope.sequence);
  b.setCreatedAt(envelope.created_at_ms);
  b.setKind(EnumToWire<wire::Kind>(envelope.kind));
  b.setBody(DataOf(envelope.body));
  b.setSignature(DataOf(envelope.signature));
  return Serialize(message);
}

WireResult<Envelope> DecodeEnvelope(std::span<const uint8_t> bytes, const DecodeLimits& limits) {
  return DecodeFrame<wire::Envelope, Envelope>(bytes, limits, "envelope", &EnvelopeFromWire);
}

Bytes EncodeBody(const Body& body) {
  capnp::MallocMessageBuilder message;
  codec_internal::BodyToWire(body, message.initRoot<wire::Body>());
  return Serialize(message);
}

WireResult<Body> DecodeBody(std::span<const uint8_t> bytes, const DecodeLimits& limits) {
  return DecodeFrame<wire::Body, Body>(bytes, limits, "body", &codec_internal::BodyFromWire);
}

Bytes EncodeReply(const Reply& reply) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<wire::Reply>();
  if (const auto* ack = std::get_if<Ack>(&reply)) {
    AckToWire(*ack, root);
  } else {
    NackToWire(std::get<Nack>(reply), root);
  }
  return Serialize(message);
}

WireResult<Reply> DecodeReply(std::span<const uint8_t> bytes, const DecodeLimits& limits) {
  return DecodeFrame<wire::Reply, Reply>(bytes, limits, "reply", &ReplyFromWire);
}

Bytes EncodeSubscribeRequest(const SubscribeRequest& request) {
  capnp::MallocMessageBuilder message;
  auto b = message.initRoot<wire::SubscribeRequest>();
  b.setFromSeq(request.from_seq);
  b.setMaxMessages(request.max_messages);
  b.setWaitMs(request.wait_ms);
  return Serialize(message);
}

WireResult<SubscribeRequest> DecodeSubscribeRequest(std::span<const uint8_t> bytes,
                                                    const DecodeLimits& limits) {
  return DecodeFrame<wire::SubscribeRequest, SubscribeRequest>(bytes, limits, "subscribe request",
                                                               &SubscribeRequestFromWire);
}

Bytes EncodeSubscribeReply(const SubscribeReply& reply) {
  // Sized for the batch up front, so a large batch is built in one segment, not copied into one.
  size_t words = 16;
  if (const auto* batch = std::get_if<SubscribeBatch>(&reply)) {
    for (const LogEntry& e : batch->entries) {
      words += 6 + (e.envelope.size() + 7) / 8 + (e.organisation.size() + 8) / 8;
    }
  }
  capnp::MallocMessageBuilder message(static_cast<unsigned>(std::min<size_t>(words, 1u << 28)));
  auto root = message.initRoot<wire::SubscribeReply>();
  if (const auto* batch = std::get_if<SubscribeBatch>(&reply)) {
    auto b = root.initBatch();
    b.setHeadSeq(batch->head_seq);
    b.setFromSeq(batch->from_seq);
    b.setNextSeq(batch->next_seq);
    auto entries = b.initEntries(static_cast<unsigned>(batch->entries.size()));
    for (size_t i = 0; i < batch->entries.size(); ++i) {
      const LogEntry& e = batch->entries[i];
      entries[i].setHubSeq(e.hub_seq);
      entries[i].setEnvelope(DataOf(e.envelope));
      entries[i].setOrganisation(TextOf(e.organisation));
    }
  } else {
    const SubscribeError& error = std::get<SubscribeError>(reply);
    auto b = root.initError();
    b.setCode(EnumToWire<wire::NackCode>(error.code));
    b.setText(TextOf(error.text));
  }
  return Serialize(message);
}

WireResult<SubscribeReply> DecodeSubscribeReply(std::span<const uint8_t> bytes,
                                                const DecodeLimits& limits) {
  return DecodeFrame<wire::SubscribeReply, SubscribeReply>(bytes, limits, "subscribe reply",
                                                           &SubscribeReplyFromWire);
}

}  // namespace lls
