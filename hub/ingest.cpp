#include "hub/ingest.h"

#include <map>
#include <set>

#include "crypto/crypto.h"
#include "exchange/log.h"
#include "hub/curation.h"
#include "hub/verify_pool.h"

namespace lls::hub {

namespace {

std::string Describe(const Member* member) {
  if (member == nullptr) return "an unknown connection";
  return "member '" + member->name + "' (" + member->organisation + ")";
}

std::string ShortId(const MessageId& id) { return crypto::ToHex(id).substr(0, 12); }

}  // namespace

// The first measure code in `body` that the catalogue does not define, or "".
std::string Ingest::UnknownMeasure(const Body& body) const {
  auto known = [&](const std::string& code) { return FindMeasure(catalogue_, code) != nullptr; };
  if (const auto* summary = std::get_if<ProjectSummary>(&body)) {
    for (const MeasureSeries& series : summary->measures) {
      if (!known(series.measure_code)) return series.measure_code;
    }
  } else if (const auto* aggregate = std::get_if<Aggregate>(&body)) {
    if (!known(aggregate->measure_code)) return aggregate->measure_code;
  }
  return "";
}

namespace {

// A month as the protocol writes it: "YYYY-MM", years 1900-2099.
bool IsPeriod(const std::string& p) {
  auto digit = [&](size_t i) { return p[i] >= '0' && p[i] <= '9'; };
  if (p.size() != 7 || p[4] != '-' || !digit(0) || !digit(1) || !digit(2) || !digit(3) ||
      !digit(5) || !digit(6)) {
    return false;
  }
  int century = (p[0] - '0') * 10 + (p[1] - '0');
  int month = (p[5] - '0') * 10 + (p[6] - '0');
  return (century == 19 || century == 20) && month >= 1 && month <= 12;
}

// Bounds the work one summary can cause downstream (aggregate cells, forwards to the parent):
// 50 measures x 10 years of months is 6,000 points.
constexpr size_t kMaxPointsPerSummary = 6000;

}  // namespace

// Why the months in `body` cannot be accepted, or "".
std::string Ingest::BadPeriods(const Body& body) const {
  if (const auto* summary = std::get_if<ProjectSummary>(&body)) {
    size_t points = 0;
    for (const MeasureSeries& series : summary->measures) {
      for (const MeasurePoint& point : series.points) {
        if (!IsPeriod(point.period)) {
          return "period '" + point.period.substr(0, 16) + "' of " + series.measure_code +
                 " is not YYYY-MM";
        }
        // A numerator counts a subset of its denominator: more is a broken export, and would
        // make rates above 100 % in every sum it joins.
        if (!point.numerator_suppressed && !point.denominator_suppressed &&
            point.numerator > point.denominator) {
          return series.measure_code + " " + point.period + ": numerator " +
                 std::to_string(point.numerator) + " is larger than its denominator " +
                 std::to_string(point.denominator);
        }
        ++points;
      }
    }
    if (points > kMaxPointsPerSummary) {
      return std::to_string(points) + " monthly points in one summary; at most " +
             std::to_string(kMaxPointsPerSummary);
    }
  } else if (const auto* aggregate = std::get_if<Aggregate>(&body)) {
    if (!IsPeriod(aggregate->period)) {
      return "aggregate period '" + aggregate->period.substr(0, 16) + "' is not YYYY-MM";
    }
    if (aggregate->numerator > aggregate->denominator) {
      return "aggregate " + aggregate->measure_code + " " + aggregate->period + ": numerator " +
             std::to_string(aggregate->numerator) + " is larger than its denominator " +
             std::to_string(aggregate->denominator);
    }
  }
  return "";
}

Ingest::Ingest(HubStore& store, const MemberDirectory& members, const Clock& clock,
               IngestOptions options, const MeasureCatalogue& catalogue)
    : store_(store), members_(members), clock_(clock), options_(options), catalogue_(catalogue) {
  if (options_.verify_threads > 1) {
    verify_pool_ = std::make_unique<VerifyPool>(options_.verify_threads - 1);
  }
}

Ingest::~Ingest() = default;

const char* IngestOutcomeName(IngestOutcome outcome) {
  switch (outcome) {
    case IngestOutcome::kStored: return "stored";
    case IngestOutcome::kDuplicate: return "duplicate";
    case IngestOutcome::kRefused: return "refused";
  }
  return "unknown";
}

void Ingest::Count(IngestOutcome outcome) {
  size_t kind = static_cast<size_t>(frame_kind_);
  if (kind > kMaxKind) kind = 0;
  ++counters_.by_kind[kind][static_cast<size_t>(outcome)];
}

Nack Ingest::Refuse(const transport::InboundFrame& frame, const MessageId& id, NackCode code,
                    std::string text) {
  ++counters_.nacks[static_cast<size_t>(code)];
  Count(IngestOutcome::kRefused);
  log::Warn("refused " + std::string(NackCodeName(code)) + " from " +
            Describe(members_.ActiveById(frame.user_id)) + ": " + text);
  return Nack{id, code, std::move(text)};
}

Nack Ingest::Defer(const MessageId& id, const Status& cause) {
  ++counters_.nacks[static_cast<size_t>(NackCode::kInternal)];
  Count(IngestOutcome::kRefused);
  // The member learns the kind of fault, not the hub's paths.
  const db::StorageFault fault = db::StorageFaultOf(cause);
  return Nack{id, NackCode::kInternal,
              std::string("the hub could not store the message now (") +
                  (fault == db::StorageFault::kNone ? "internal error"
                                                    : db::StorageFaultName(fault)) +
                  "); it was not acknowledged: resend it later"};
}

namespace {
// While a storage fault lasts, one reminder a minute: enough for whoever reads the journal to
// see it is still going on, never a line per frame (a busy hub gets hundreds a second).
constexpr int64_t kTroubleRemindEveryMs = 60 * 1000;
// A nearly full disk lets some batches through and not others (one that fits into space the
// WAL already holds): the episode ends with the first commit after this long without a
// failure, so that a flapping disk is one episode, not two lines per flap.
constexpr int64_t kTroubleSettleMs = 5 * 1000;

std::string Seconds(int64_t ms) { return std::to_string((ms + 500) / 1000) + " s"; }
}  // namespace

void Ingest::StoreFailed(const Status& cause, size_t messages) {
  const db::StorageFault fault = db::StorageFaultOf(cause);
  const std::string count = std::to_string(messages) + " message(s)";
  if (fault == db::StorageFault::kNone) {
    // Not the disk: an applier's error or a broken invariant, worth a line each time.
    log::Error("could not store " + count + ": " + cause.message() +
               "; Nacked internal, not acknowledged (their senders resend)");
    return;
  }
  ++counters_.storage_failures[static_cast<size_t>(fault)];
  const int64_t now = clock_.NowMs();
  if (!trouble_) {
    trouble_ = Trouble{now, now, now, 1, messages};
    log::Error("storage fault (" + std::string(db::StorageFaultName(fault)) + "): " +
               cause.message() + "; " + count +
               " Nacked internal, not acknowledged (their senders keep and resend them); the "
               "hub keeps serving; free space or repair the disk (docs/operations.md, "
               "\"Disk full and I/O errors\")");
    return;
  }
  ++trouble_->failures;
  trouble_->messages += messages;
  trouble_->last_failure_ms = now;
  if (now - trouble_->logged_ms >= kTroubleRemindEveryMs) {
    trouble_->logged_ms = now;
    log::Error("storage fault (" + std::string(db::StorageFaultName(fault)) +
               ") still there after " + Seconds(now - trouble_->since_ms) + ": " +
               std::to_string(trouble_->failures) + " failure(s), " +
               std::to_string(trouble_->messages) + " message(s) Nacked internal so far; last: " +
               cause.message());
  }
}

void Ingest::StoreWorked() {
  if (!trouble_ || clock_.NowMs() - trouble_->last_failure_ms < kTroubleSettleMs) return;
  log::Info("storage works again: a batch was committed " +
            Seconds(clock_.NowMs() - trouble_->since_ms) + " after the first failure, " +
            Seconds(clock_.NowMs() - trouble_->last_failure_ms) + " after the last; " +
            std::to_string(trouble_->failures) + " failure(s), " +
            std::to_string(trouble_->messages) +
            " message(s) were Nacked internal meanwhile (their senders resend them)");
  trouble_.reset();
}

std::variant<Ingest::Accepted, Nack, Ack> Ingest::Validate(const transport::InboundFrame& frame,
                                                           Prechecked& pre) {
  const MessageId none{};
  if (frame.payload.size() > options_.limits.max_frame_bytes) {
    // Read just the id (the frame is already in memory, below the socket limit) so the
    // sender's outbox can retire the message instead of resending it forever.
    DecodeLimits generous = options_.limits;
    generous.max_frame_bytes = frame.payload.size();
    WireResult<Envelope> peek = DecodeEnvelope(frame.payload, generous);
    MessageId id = peek.ok() ? peek->message_id : peek.error().message_id;
    return Refuse(frame, id, NackCode::kTooLarge,
                  "frame of " + std::to_string(frame.payload.size()) + " bytes exceeds the " +
                      std::to_string(options_.limits.max_frame_bytes) + "-byte limit");
  }
  if (frame.multipart) {
    return Refuse(frame, none, NackCode::kMalformed, "one envelope per single-part frame");
  }
  WireResult<Envelope> decoded = pre.decoded ? std::move(*pre.decoded)
                                             : DecodeEnvelope(frame.payload, options_.limits);
  if (!decoded.ok()) {
    const WireError& error = decoded.error();
    return Refuse(frame, error.message_id, error.code, error.text);
  }
  Accepted accepted{std::move(decoded).value(), {}, nullptr, std::nullopt, Body{}};
  const Envelope& e = accepted.envelope;
  frame_kind_ = e.kind;

  accepted.member = members_.ActiveById(frame.user_id);
  if (accepted.member == nullptr) {
    return Refuse(frame, e.message_id, NackCode::kUnknownSigner,
                  "the key on this connection is no longer enrolled (revoked)");
  }
  // The signature is checked before anything in the body is interpreted (by the verify pool,
  // before this loop, when it decoded the envelope).
  if (!(pre.decoded ? pre.verified : crypto::Verify(e))) {
    return Refuse(frame, e.message_id, NackCode::kBadSignature,
                  "signature does not verify for kind " + std::string(KindName(e.kind)));
  }
  if (e.signer != accepted.member->keys.sign) {
    const Member* author = members_.BySignKey(e.signer);
    if (author == nullptr) {
      return Refuse(frame, e.message_id, NackCode::kUnknownSigner,
                    "signer " + crypto::ToHex(e.signer).substr(0, 16) + "... is not enrolled");
    }
    return Refuse(frame, e.message_id, NackCode::kSignerMismatch,
                  "signed by '" + author->name + "' but sent on the connection of '" +
                      accepted.member->name + "'");
  }
  // Replay by message id, before the checks that can change with time (role, clock window):
  // a resend of a message already stored is acked again whatever has happened since.
  accepted.canonical = EncodeEnvelope(e);
  auto stored = store_.FindMessage(e.message_id);
  if (!stored.ok()) {
    StoreFailed(stored.status(), 1);
    return Defer(e.message_id, stored.status());
  }
  if (stored->has_value()) {
    if ((*stored)->envelope == accepted.canonical) {
      ++counters_.duplicates;
      Count(IngestOutcome::kDuplicate);
      return Ack{e.message_id, (*stored)->hub_seq, true};
    }
    return Refuse(frame, e.message_id, NackCode::kReplay,
                  "message id " + ShortId(e.message_id) +
                      " was already used for a different message");
  }
  if (!RoleMaySend(accepted.member->role, e.kind)) {
    return Refuse(frame, e.message_id, NackCode::kWrongRole,
                  std::string("role '") + RoleName(accepted.member->role) + "' may not send " +
                      KindName(e.kind));
  }
  int64_t now = clock_.NowMs();
  if (e.created_at_ms > now + options_.max_future_skew_ms ||
      e.created_at_ms < now - options_.max_age_ms) {
    return Refuse(frame, e.message_id, NackCode::kStale,
                  "createdAt " + std::to_string(e.created_at_ms) +
                      " is outside the accepted window (check the sender's clock)");
  }
  WireResult<Body> body = DecodeBody(e.body, options_.limits);
  if (!body.ok()) return Refuse(frame, e.message_id, body.error().code, body.error().text);
  if (KindOf(*body) != e.kind) {
    return Refuse(frame, e.message_id, NackCode::kKindMismatch,
                  std::string("envelope says ") + KindName(e.kind) + ", body holds " +
                      KindName(KindOf(*body)));
  }
  if (std::string bad = BadPeriods(*body); !bad.empty()) {
    return Refuse(frame, e.message_id, NackCode::kMalformed, bad);
  }
  if (std::string unknown = UnknownMeasure(*body); !unknown.empty()) {
    return Refuse(frame, e.message_id, NackCode::kUnknownMeasure,
                  "measure code '" + unknown + "' is not in this hub's catalogue (version " +
                      std::to_string(catalogue_.version) + ")");
  }
  if (const auto* curation = std::get_if<lls::Curation>(&*body); curation && curation_) {
    auto refusal = curation_->Check(*accepted.member, *curation);
    if (!refusal.ok()) {
      StoreFailed(refusal.status(), 1);
      return Defer(e.message_id, refusal.status());
    }
    if (refusal->has_value()) {
      return Refuse(frame, e.message_id, (*refusal)->code, std::move((*refusal)->text));
    }
  }
  if (const Retraction* retraction = std::get_if<Retraction>(&*body)) {
    accepted.retraction_target = retraction->target;
  }
  accepted.body = std::move(body).value();
  return accepted;
}

std::vector<OutboundReply> Ingest::Handle(const std::vector<transport::InboundFrame>& frames) {
  std::vector<OutboundReply> replies(frames.size());
  appended_.clear();
  std::vector<Accepted> pending;
  std::vector<size_t> pending_reply;                 // reply index of each pending message
  std::vector<std::pair<size_t, size_t>> batch_dups;  // (reply index, pending index)
  std::map<MessageId, size_t> batch_ids;
  std::set<std::pair<SignPublicKey, uint64_t>> batch_seqs;

  // Decode and verify every frame on all cores first; the checks that need the log follow,
  // one frame at a time, in order.
  std::vector<Prechecked> pre(frames.size());
  if (verify_pool_) {
    verify_pool_->ParallelFor(frames.size(), [&](size_t i) {
      const transport::InboundFrame& frame = frames[i];
      if (frame.multipart || frame.payload.size() > options_.limits.max_frame_bytes) return;
      WireResult<Envelope> decoded = DecodeEnvelope(frame.payload, options_.limits);
      pre[i].verified = decoded.ok() && crypto::Verify(*decoded);
      pre[i].decoded.emplace(std::move(decoded));
    });
  }

  for (size_t i = 0; i < frames.size(); ++i) {
    const transport::InboundFrame& frame = frames[i];
    replies[i].peer = frame.peer;
    frame_kind_ = Kind::kUnknown;  // Validate sets it once the envelope decodes
    auto validated = Validate(frame, pre[i]);
    if (Nack* nack = std::get_if<Nack>(&validated)) {
      replies[i].reply = std::move(*nack);
      continue;
    }
    if (Ack* duplicate = std::get_if<Ack>(&validated)) {
      replies[i].reply = *duplicate;
      continue;
    }
    Accepted accepted = std::get<Accepted>(std::move(validated));
    const Envelope& e = accepted.envelope;

    // Replay by message id within this batch (the log was checked in Validate).
    if (auto it = batch_ids.find(e.message_id); it != batch_ids.end()) {
      if (pending[it->second].canonical == accepted.canonical) {
        batch_dups.emplace_back(i, it->second);
      } else {
        replies[i].reply = Refuse(frame, e.message_id, NackCode::kReplay,
                                  "message id reused within one batch");
      }
      continue;
    }
    // A retraction may only withdraw the signer's own message, stored or earlier in this batch.
    if (accepted.retraction_target) {
      const MessageId& target = *accepted.retraction_target;
      bool owned = false;
      if (auto it = batch_ids.find(target); it != batch_ids.end()) {
        owned = pending[it->second].envelope.signer == e.signer;
      } else {
        auto stored = store_.FindMessage(target);
        if (!stored.ok()) {
          StoreFailed(stored.status(), 1);
          replies[i].reply = Defer(e.message_id, stored.status());
          continue;
        }
        owned = stored->has_value() && (*stored)->signer == e.signer;
      }
      if (!owned) {
        replies[i].reply = Refuse(frame, e.message_id, NackCode::kNotOwner,
                                  "retraction target " + ShortId(target) +
                                      " is not a message of this signer");
        continue;
      }
    }
    // Replay by per-signer sequence.
    auto used = store_.SequenceUsed(e.signer, e.sequence);
    if (!used.ok()) {
      StoreFailed(used.status(), 1);
      replies[i].reply = Defer(e.message_id, used.status());
      continue;
    }
    if (*used || batch_seqs.contains({e.signer, e.sequence})) {
      replies[i].reply = Refuse(frame, e.message_id, NackCode::kReplay,
                                "sequence " + std::to_string(e.sequence) +
                                    " was already used by this signer");
      continue;
    }
    batch_ids.emplace(e.message_id, pending.size());
    batch_seqs.insert({e.signer, e.sequence});
    pending_reply.push_back(i);
    pending.push_back(std::move(accepted));
  }

  // Group commit: one transaction, one fsync, for everything that passed.
  std::vector<LogRecord> records;
  records.reserve(pending.size());
  int64_t now = clock_.NowMs();
  for (size_t p = 0; p < pending.size(); ++p) {
    records.push_back({&pending[p].envelope, &pending[p].canonical, pending[p].member->id, now,
                       &pending[p].body, pending[p].member});
  }
  auto seqs = store_.AppendBatch(records, appliers_);
  if (!pending.empty()) {
    if (seqs.ok()) {
      StoreWorked();
    } else {
      StoreFailed(seqs.status(), pending.size() + batch_dups.size());
    }
  }
  for (size_t p = 0; p < pending.size(); ++p) {
    size_t i = pending_reply[p];
    const MessageId& id = pending[p].envelope.message_id;
    frame_kind_ = pending[p].envelope.kind;
    if (seqs.ok()) {
      ++counters_.accepted;
      Count(IngestOutcome::kStored);
      appended_.push_back({(*seqs)[p], pending[p].envelope.kind});
      replies[i].reply = Ack{id, (*seqs)[p], false};
    } else {
      replies[i].reply = Defer(id, seqs.status());
    }
  }
  if (seqs.ok()) {  // messages the appliers authored (relays on approval) wake readers too
    appended_.insert(appended_.end(), store_.authored().begin(), store_.authored().end());
  }
  for (auto [i, p] : batch_dups) {
    const MessageId& id = pending[p].envelope.message_id;
    frame_kind_ = pending[p].envelope.kind;
    if (seqs.ok()) {
      ++counters_.duplicates;
      Count(IngestOutcome::kDuplicate);
      replies[i].reply = Ack{id, (*seqs)[p], true};
    } else {
      replies[i].reply = Defer(id, seqs.status());
    }
  }
  return replies;
}

}  // namespace lls::hub
