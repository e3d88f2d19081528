// Plain C++ values for everything in schema/lls.capnp.
//
// Code outside schema/ never sees generated Cap'n Proto types: it builds and reads these
// structs, and schema/codec.h converts them to and from wire bytes. They are values:
// copyable, comparable, no ownership beyond their members, thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace lls {

using Bytes = std::vector<uint8_t>;
using MessageId = std::array<uint8_t, 16>;
using SignPublicKey = std::array<uint8_t, 32>;   // Ed25519
using Signature = std::array<uint8_t, 64>;       // Ed25519

inline constexpr uint16_t kProtocolVersion = 1;

// Numbers match the Cap'n Proto enums; they are part of the protocol.
enum class Kind : uint16_t {
  kUnknown = 0,
  kProjectSummary = 1,
  kLearningItem = 2,
  kCuration = 3,
  kAggregate = 4,
  kRetraction = 5,
  kMeasureCatalogue = 6,
  kBulletin = 7,
  kRelay = 8,
};
inline constexpr uint16_t kMaxKind = 8;

// "project-summary", "learning-item", ...: the name used in the signature's domain tag and in
// JSON output. Returns "unknown" for values outside the enum.
const char* KindName(Kind kind);

enum class ClinicalArea : uint16_t {
  kUnspecified = 0,
  kSmokeFreePregnancy = 1,
  kVeryPretermInfant = 2,
  kDiabetesInPregnancy = 3,
  kNeonatalHypoglycaemia = 4,
  kDeterioration = 5,
  kSafetyCulture = 6,
};
const char* AreaName(ClinicalArea area);  // "smoke-free-pregnancy", ...

enum class ProjectStage : uint16_t {
  kUnspecified = 0, kPlanning, kTesting, kImplementing, kSpreading, kSustaining, kClosed,
};
const char* StageName(ProjectStage stage);

enum class LearningKind : uint16_t {
  kUnspecified = 0, kError, kExcellence, kChangeIdea, kResource, kEvent,
};
const char* LearningKindName(LearningKind kind);

enum class Scope : uint16_t { kLls = 0, kNational = 1 };
const char* ScopeName(Scope scope);

enum class CurationAction : uint16_t { kUnspecified = 0, kApprove, kReject, kFeature, kTag };
const char* CurationActionName(CurationAction action);

enum class Improvement : uint16_t { kNeutral = 0, kIncrease = 1, kDecrease = 2 };
const char* ImprovementName(Improvement improvement);

struct MeasurePoint {
  std::string period;  // YYYY-MM
  uint32_t numerator = 0;
  uint32_t denominator = 0;
  bool numerator_suppressed = false;
  bool denominator_suppressed = false;
  bool operator==(const MeasurePoint&) const = default;
};

struct MeasureSeries {
  std::string measure_code;
  std::vector<MeasurePoint> points;
  bool operator==(const MeasureSeries&) const = default;
};

struct ProjectSummary {
  std::string project_id;
  std::string organisation;
  std::string title;
  ClinicalArea area = ClinicalArea::kUnspecified;
  std::string aim;
  std::vector<std::string> change_ideas;
  uint32_t pdsa_cycles = 0;
  ProjectStage stage = ProjectStage::kUnspecified;
  std::string start_month;
  std::vector<MeasureSeries> measures;
  bool operator==(const ProjectSummary&) const = default;
};

struct LearningItem {
  std::string item_id;
  std::string organisation;
  std::string title;
  LearningKind kind = LearningKind::kUnspecified;
  ClinicalArea area = ClinicalArea::kUnspecified;
  std::vector<std::string> tags;
  std::string text;
  Scope scope = Scope::kLls;
  std::string project_id;
  bool operator==(const LearningItem&) const = default;
};

struct Curation {
  MessageId target{};
  CurationAction action = CurationAction::kUnspecified;
  std::string reason;
  std::vector<std::string> tags;
  bool operator==(const Curation&) const = default;
};

// See SpcSignal in schema/lls.capnp: an XmR reading of the series as of the period.
struct SpcSignal {
  double value = 0;
  double centre = 0;
  double lower = 0;
  double upper = 0;
  uint8_t rules = 0;
  uint8_t signal = 0;     // 0..3
  uint8_t variation = 0;  // 0..7
  uint8_t assurance = 0;  // 0..3
  uint32_t points = 0;
  bool operator==(const SpcSignal&) const = default;
};

struct Aggregate {
  std::string scope;
  std::string measure_code;
  std::string period;
  uint32_t contributing_trusts = 0;
  uint32_t contributing_llss = 0;
  uint64_t numerator = 0;
  uint64_t denominator = 0;
  uint32_t suppressed_cells = 0;
  std::optional<SpcSignal> spc;
  bool operator==(const Aggregate&) const = default;
};

struct Retraction {
  MessageId target{};
  std::string reason;
  bool operator==(const Retraction&) const = default;
};

struct MeasureDefinition {
  std::string code;
  std::string name;
  ClinicalArea area = ClinicalArea::kUnspecified;
  std::string numerator_definition;
  std::string denominator_definition;
  std::string unit;
  Improvement improvement = Improvement::kNeutral;
  std::string source;
  bool operator==(const MeasureDefinition&) const = default;
};

struct MeasureCatalogue {
  uint32_t version = 0;
  std::vector<MeasureDefinition> measures;
  bool operator==(const MeasureCatalogue&) const = default;
};

struct Bulletin {
  std::string title;
  std::string text;
  ClinicalArea area = ClinicalArea::kUnspecified;
  bool operator==(const Bulletin&) const = default;
};

struct Relay {
  Bytes original;  // origin envelope bytes, as received
  Bytes curation;  // approving curation envelope bytes, or empty
  bool operator==(const Relay&) const = default;
};

// The Body union. The variant's index + 1 equals the Kind number (see KindOf).
using Body = std::variant<ProjectSummary, LearningItem, Curation, Aggregate, Retraction,
                          MeasureCatalogue, Bulletin, Relay>;
Kind KindOf(const Body& body);

// The signed header and the body bytes, exactly as on the wire.
struct Envelope {
  uint16_t version = kProtocolVersion;
  MessageId message_id{};
  SignPublicKey signer{};
  uint64_t sequence = 0;
  int64_t created_at_ms = 0;
  Kind kind = Kind::kUnknown;
  Bytes body;  // a serialized Body (schema/codec.h EncodeBody)
  Signature signature{};
  bool operator==(const Envelope&) const = default;
};

// Stable refusal codes; numbers match NackCode in lls.capnp and docs/protocol.md.
enum class NackCode : uint16_t {
  kUnspecified = 0,
  kMalformed = 1,
  kTooLarge = 2,
  kSchemaVersion = 3,
  kBadSignature = 4,
  kUnknownSigner = 5,
  kSignerMismatch = 6,
  kWrongRole = 7,
  kReplay = 8,
  kStale = 9,
  kUnknownMeasure = 10,
  kNotOwner = 11,
  kKindMismatch = 12,
  kInternal = 13,
  kUnsupportedKind = 14,
  kUnknownTarget = 15,
};
inline constexpr uint16_t kMaxNackCode = 15;
const char* NackCodeName(NackCode code);  // "malformed", "too-large", ...
// True when resending the same message later may succeed (only kInternal).
bool NackIsTransient(NackCode code);

struct Ack {
  MessageId message_id{};
  uint64_t hub_seq = 0;
  bool duplicate = false;
  bool operator==(const Ack&) const = default;
};

struct Nack {
  MessageId message_id{};  // all zero when the frame was too broken to read one
  NackCode code = NackCode::kUnspecified;
  std::string text;
  bool operator==(const Nack&) const = default;
};

using Reply = std::variant<Ack, Nack>;

// ---- The subscribe endpoint (docs/protocol.md section 12) ------------------------------------

struct SubscribeRequest {
  uint64_t from_seq = 0;      // first hub sequence wanted
  uint32_t max_messages = 0;  // 0: the hub's cap
  uint32_t wait_ms = 0;       // long-poll; 0 answers at once
  bool operator==(const SubscribeRequest&) const = default;
};

struct LogEntry {
  uint64_t hub_seq = 0;
  Bytes envelope;            // an encoded Envelope, to be verified by the receiver
  std::string organisation;  // the sender's organisation as the hub enrolled it (unsigned)
  bool operator==(const LogEntry&) const = default;
};

struct SubscribeBatch {
  std::vector<LogEntry> entries;
  uint64_t head_seq = 0;  // the hub's last hub sequence
  uint64_t from_seq = 0;  // echo of the request
  uint64_t next_seq = 0;  // the next request's from_seq
  bool operator==(const SubscribeBatch&) const = default;
};

struct SubscribeError {
  NackCode code = NackCode::kUnspecified;
  std::string text;
  bool operator==(const SubscribeError&) const = default;
};

using SubscribeReply = std::variant<SubscribeBatch, SubscribeError>;

}  // namespace lls
