# LLS Exchange wire schema, version 1.
#
# Evolution follows Cap'n Proto's rules: fields and enumerants are only ever added, never
# renumbered or removed. `Envelope.version` names the schema version the body was written
# against; a hub refuses versions it cannot read with Nack `schemaVersion`.
#
# docs/protocol.md describes the frames, the exact bytes that are signed and every Nack code.

@0x948aaa20c5f1fef3;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("lls::wire");

const protocolVersion :UInt16 = 1;

# The kind of body an envelope carries. It is part of the signature's domain tag
# ("lls/v1/" + kind name), so a signature made for one kind never verifies as another.
enum Kind {
  unknown @0;
  projectSummary @1;
  learningItem @2;
  curation @3;
  aggregate @4;
  retraction @5;
  measureCatalogue @6;
  bulletin @7;
  relay @8;
}

# What travels on the wire: the signed header and the body as its own serialized bytes.
# The body bytes are exactly what is signed, so every receiver verifies the same bytes.
struct Envelope {
  version @0 :UInt16;      # schema version of the body (protocolVersion)
  messageId @1 :Data;      # 16 random bytes; the idempotency key
  signer @2 :Data;         # 32-byte Ed25519 public key of the author
  sequence @3 :UInt64;     # per-signer sequence number, starting at 1
  createdAt @4 :Int64;     # author's clock, milliseconds since the Unix epoch (UTC)
  kind @5 :Kind;           # which member of Body.union `body` holds
  body @6 :Data;           # a serialized `Body` message (single segment, unpacked)
  signature @7 :Data;      # 64-byte Ed25519 signature, see docs/protocol.md
}

enum ClinicalArea {
  unspecified @0;
  smokeFreePregnancy @1;
  veryPretermInfant @2;
  diabetesInPregnancy @3;
  neonatalHypoglycaemia @4;
  deterioration @5;
  safetyCulture @6;
}

enum ProjectStage {
  unspecified @0;
  planning @1;
  testing @2;
  implementing @3;
  spreading @4;
  sustaining @5;
  closed @6;
}

# One month of one measure, after the trust's disclosure control. A suppressed count is
# carried as 0 with its flag set; a rate is never shown when either count is suppressed.
struct MeasurePoint {
  period @0 :Text;                 # "YYYY-MM"
  numerator @1 :UInt32;
  denominator @2 :UInt32;
  numeratorSuppressed @3 :Bool;
  denominatorSuppressed @4 :Bool;
}

struct MeasureSeries {
  measureCode @0 :Text;            # a code from the measure catalogue
  points @1 :List(MeasurePoint);
}

struct ProjectSummary {
  projectId @0 :Text;              # stable per trust; a pseudonym, never a local record id
  organisation @1 :Text;           # ODS code of the trust
  title @2 :Text;
  area @3 :ClinicalArea;
  aim @4 :Text;
  changeIdeas @5 :List(Text);
  pdsaCycles @6 :UInt32;
  stage @7 :ProjectStage;
  startMonth @8 :Text;             # "YYYY-MM"
  measures @9 :List(MeasureSeries);
}

enum LearningKind {
  unspecified @0;
  error @1;
  excellence @2;
  changeIdea @3;
  resource @4;
  event @5;
}

enum Scope {
  lls @0;                          # shared within the author's local learning system
  national @1;                     # may be forwarded to the national hub once approved
}

struct LearningItem {
  itemId @0 :Text;                 # stable per author, so a revised item can replace the old
  organisation @1 :Text;
  title @2 :Text;
  kind @3 :LearningKind;
  area @4 :ClinicalArea;
  tags @5 :List(Text);
  text @6 :Text;                   # scrubbed of identifiers before it left the trust
  scope @7 :Scope;
  projectId @8 :Text;              # optional link to a ProjectSummary.projectId
}

enum CurationAction {
  unspecified @0;
  approve @1;
  reject @2;
  feature @3;
  tag @4;
}

struct Curation {
  target @0 :Data;                 # messageId of the LearningItem envelope
  action @1 :CurationAction;
  reason @2 :Text;                 # required for reject
  tags @3 :List(Text);             # for tag
}

struct Aggregate {
  scope @0 :Text;                  # LLS name, or "national"
  measureCode @1 :Text;
  period @2 :Text;                 # "YYYY-MM"
  contributingTrusts @3 :UInt32;
  contributingLlss @4 :UInt32;     # 1 at an LLS hub; the count of LLSs at the national hub
  numerator @5 :UInt64;
  denominator @6 :UInt64;
  suppressedCells @7 :UInt32;      # trust-months left out because a count was suppressed
  spc @8 :SpcSignal;               # the sender's SPC reading of this scope's series for the
                                   # measure, as of this period; absent: none (no data, or an
                                   # older sender)
}

# An XmR chart ("Making Data Count") over the sender's series of monthly rates, in the
# measure's unit (percent, or per 1000), computed on the series up to and including the
# Aggregate's period: a stable reading of what the chart showed at that month.
struct SpcSignal {
  value @0 :Float64;      # the rate plotted at this period
  centre @1 :Float64;     # the mean of the point's segment
  lower @2 :Float64;      # process limits: centre -/+ 2.66 x mean moving range
  upper @3 :Float64;
  rules @4 :UInt8;        # bit set: 1 outside the limits, 2 trend, 4 shift, 8 two of three
  signal @5 :UInt8;       # 0 common cause, 1 improvement, 2 concern, 3 neutral special cause
  variation @6 :UInt8;    # MDC variation icon: 0 none, 1 common cause, 2/3 improvement
                          # high/low, 4/5 concern high/low, 6/7 neutral high/low
  assurance @7 :UInt8;    # MDC assurance icon: 0 none (no target), 1 pass, 2 fail, 3 hit and miss
  points @8 :UInt32;      # points the chart was computed on
}

struct Retraction {
  target @0 :Data;                 # messageId of the signer's own earlier message
  reason @1 :Text;
}

enum Improvement {
  neutral @0;
  increase @1;
  decrease @2;
}

struct MeasureDefinition {
  code @0 :Text;
  name @1 :Text;
  area @2 :ClinicalArea;
  numeratorDefinition @3 :Text;
  denominatorDefinition @4 :Text;
  unit @5 :Text;                   # "percent", "per 1000", ...
  improvement @6 :Improvement;
  source @7 :Text;                 # where the definition comes from
}

struct MeasureCatalogue {
  version @0 :UInt32;              # increases with every published revision
  measures @1 :List(MeasureDefinition);
}

struct Bulletin {
  title @0 :Text;
  text @1 :Text;
  area @2 :ClinicalArea;
}

# A hub passing on another member's message with its origin signature intact.
struct Relay {
  original @0 :Data;               # the origin Envelope, as received
  curation @1 :Data;               # the Curation Envelope that approved it, if any (may be empty)
}

struct Body {
  union {
    projectSummary @0 :ProjectSummary;
    learningItem @1 :LearningItem;
    curation @2 :Curation;
    aggregate @3 :Aggregate;
    retraction @4 :Retraction;
    measureCatalogue @5 :MeasureCatalogue;
    bulletin @6 :Bulletin;
    relay @7 :Relay;
  }
}

# Stable refusal codes. Numbers never change; see docs/protocol.md for each meaning.
enum NackCode {
  unspecified @0;
  malformed @1;          # not a decodable Envelope/Body, or fields of the wrong size
  tooLarge @2;           # frame over the hub's max_message_bytes
  schemaVersion @3;      # Envelope.version the hub cannot read
  badSignature @4;       # signature does not verify over the signed bytes
  unknownSigner @5;      # signer is not an enrolled, unrevoked member
  signerMismatch @6;     # signer is not the member authenticated on this connection
  wrongRole @7;          # the member's role may not send this kind
  replay @8;             # message id already used for different content, or sequence reused
  stale @9;              # createdAt outside the hub's accepted time window
  unknownMeasure @10;    # a measure code the hub's catalogue does not hold
  notOwner @11;          # retraction of a message the signer did not author
  kindMismatch @12;      # Envelope.kind differs from the Body union's member
  internal @13;          # the hub could not store it now; retry later (transient)
  unsupportedKind @14;   # a kind this hub does not accept yet
  unknownTarget @15;     # a curation whose target is not a current learning item in this hub
}

struct Ack {
  messageId @0 :Data;
  hubSeq @1 :UInt64;     # position in the hub's append-only log
  duplicate @2 :Bool;    # true when this message was already stored: acked again, not stored twice
}

struct Nack {
  messageId @0 :Data;    # empty when the frame was too broken to read one
  code @1 :NackCode;
  text @2 :Text;         # one human-readable line
}

# The hub's reply to every frame sent on the ingest socket.
struct Reply {
  union {
    ack @0 :Ack;
    nack @1 :Nack;
  }
}

# ---- Subscribe endpoint (docs/protocol.md section 12) ---------------------------------------
# A member pulls what the hub redistributes: it asks by hub sequence, the hub answers with the
# log entries from that sequence on that this member may read. Long-poll: when nothing is
# readable yet and waitMs > 0, the hub holds the request until a commit adds something or the
# wait ends. One SubscribeReply per SubscribeRequest, on the subscribe socket only.

struct SubscribeRequest {
  fromSeq @0 :UInt64;      # first hub sequence wanted (the client's cursor; 0 and 1 both mean "from the start")
  maxMessages @1 :UInt32;  # at most this many entries; 0 or above the hub's cap means the cap (1000)
  waitMs @2 :UInt32;       # long-poll: how long the hub may hold the request (capped at 30000)
}

# One message from the hub's log.
struct LogEntry {
  hubSeq @0 :UInt64;       # its position in the hub's log
  envelope @1 :Data;       # the Envelope as the hub stored it (verify it: the hub does not re-sign)
  organisation @2 :Text;   # the ODS code the hub enrolled its sender with (the hub's word, unsigned)
}

struct SubscribeBatch {
  entries @0 :List(LogEntry);  # ascending hubSeq, each >= fromSeq and < nextSeq
  headSeq @1 :UInt64;          # the hub's last hub sequence when it answered (0: empty log)
  fromSeq @2 :UInt64;          # the request's fromSeq, echoed so a late reply can be recognised
  nextSeq @3 :UInt64;          # ask from here next: every entry below it readable by this member was sent
}

struct SubscribeError {
  code @0 :NackCode;       # malformed, tooLarge, unknownSigner (revoked), internal
  text @1 :Text;           # one human-readable line
}

struct SubscribeReply {
  union {
    batch @0 :SubscribeBatch;
    error @1 :SubscribeError;
  }
}
