#include "hub/downward.h"

#include <algorithm>

#include "exchange/log.h"
#include "hub/curation.h"
#include "schema/codec.h"

namespace lls::hub {

namespace {

// Migration 1 of the "downward" component: where this hub stands in its parent's log.
const char* const kDownwardV1 = R"sql(
CREATE TABLE parent_cursor (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  next_seq INTEGER NOT NULL
);
)sql";

std::string Short(const SignPublicKey& key) { return crypto::ToHex(key).substr(0, 16) + "..."; }

DownVerdict Skip(std::string why) { return {DownDecision::kSkip, std::move(why)}; }
DownVerdict Reject(std::string why) { return {DownDecision::kReject, std::move(why)}; }

}  // namespace

DownVerdict DecideDownward(const LogEntry& entry, const SignPublicKey& self,
                           const SignPublicKey& parent) {
  Result<VerifiedEntry> verified = VerifyEntry(entry);
  if (!verified.ok()) return Reject(verified.status().message());
  const Envelope& e = verified->envelope;
  if (e.signer == self) return Skip("signed by this hub (an echo of what it sent up)");
  switch (e.kind) {
    case Kind::kBulletin:
    case Kind::kMeasureCatalogue:
      return {DownDecision::kRelay, ""};
    case Kind::kRelay: {
      if (e.signer != parent) {
        return Skip("a relay by another hub (" + Short(e.signer) + "): not national learning");
      }
      const auto& relay = std::get<Relay>(verified->body);
      DecodeLimits limits;
      limits.max_frame_bytes = kMaxEntryBytes;
      WireResult<Envelope> original = DecodeEnvelope(relay.original, limits);
      if (!original.ok()) return Reject("a relay whose original does not decode");
      if (!crypto::Verify(*original)) {
        return Reject("a relay whose original's signature does not verify (signer " +
                      Short(original->signer) + ")");
      }
      if (original->signer == self) return Skip("a relay of a message this hub signed");
      return {DownDecision::kRelay, ""};
    }
    default:
      return Skip(std::string("kind ") + KindName(e.kind) + " is not relayed down");
  }
}

Result<std::unique_ptr<DownwardRelay>> DownwardRelay::Open(HubStore& store,
                                                           const crypto::Identity& identity,
                                                           const SignPublicKey& parent) {
  LLS_RETURN_IF_ERROR(store.RegisterSchema("downward", {kDownwardV1}));
  return std::unique_ptr<DownwardRelay>(new DownwardRelay(store, identity, parent));
}

Result<uint64_t> DownwardRelay::NextSeq() {
  LLS_ASSIGN_OR_RETURN(db::Statement select,
                       store_.database().Prepare("SELECT next_seq FROM parent_cursor WHERE id = 1"));
  LLS_ASSIGN_OR_RETURN(bool row, select.Step());
  return row ? std::max<uint64_t>(static_cast<uint64_t>(select.ColumnInt(0)), 1) : uint64_t{1};
}

Result<std::vector<Appended>> DownwardRelay::Apply(const SubscribeBatch& batch, int64_t now_ms) {
  std::vector<Appended> appended;
  LLS_ASSIGN_OR_RETURN(const uint64_t cursor, NextSeq());
  if (std::max<uint64_t>(batch.from_seq, 1) != cursor) return appended;  // not ours: ignore
  db::Database& db = store_.database();
  LLS_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Begin(db));
  DownwardCounters counted;
  uint64_t last = cursor - 1;
  for (const LogEntry& entry : batch.entries) {
    if (entry.hub_seq <= last) continue;  // a parent never sends these; never go backwards
    last = entry.hub_seq;
    DownVerdict verdict = DecideDownward(entry, identity_.sign_public(), parent_);
    if (verdict.decision == DownDecision::kReject) {
      ++counted.rejected;
      log::Warn("parent hub sequence " + std::to_string(entry.hub_seq) + ": " + verdict.why +
                "; not relayed");
      continue;
    }
    if (verdict.decision == DownDecision::kSkip) {
      ++counted.skipped;
      continue;
    }
    Envelope e;
    e.message_id = crypto::RandomMessageId();
    LLS_ASSIGN_OR_RETURN(e.sequence, NextSignerSequence(db, identity_.sign_public()));
    e.created_at_ms = now_ms;
    e.kind = Kind::kRelay;
    e.body = EncodeBody(lls::Relay{entry.envelope, {}});
    crypto::Sign(e, identity_);
    LLS_ASSIGN_OR_RETURN(uint64_t seq, store_.AppendAuthored(e, EncodeEnvelope(e), now_ms));
    appended.push_back({seq, Kind::kRelay});
    ++counted.relayed;
  }
  const uint64_t next = std::max(last + 1, std::max(cursor, batch.next_seq));
  LLS_ASSIGN_OR_RETURN(
      db::Statement upsert,
      db.Prepare("INSERT INTO parent_cursor (id, next_seq) VALUES (1, ?) "
                 "ON CONFLICT (id) DO UPDATE SET next_seq = excluded.next_seq"));
  upsert.Bind(1, static_cast<int64_t>(next));
  LLS_RETURN_IF_ERROR(upsert.Run());
  LLS_RETURN_IF_ERROR(tx.Commit());
  counters_.relayed += counted.relayed;
  counters_.skipped += counted.skipped;
  counters_.rejected += counted.rejected;
  if (counted.relayed > 0) {
    log::Info("relayed " + std::to_string(counted.relayed) + " message(s) from the parent hub");
  }
  return appended;
}

ParentSubscription::~ParentSubscription() = default;

void ParentSubscription::Reset(std::chrono::seconds delay) {
  subscriber_.reset();
  transport_.reset();
  reconnect_at_ = std::chrono::steady_clock::now() + delay;
}

std::vector<Appended> ParentSubscription::Pump() {
  using SteadyClock = std::chrono::steady_clock;
  if (!subscriber_) {
    if (SteadyClock::now() < reconnect_at_) return {};
    transport::ClientOptions options;
    options.endpoint = options_.endpoint;
    options.server_key = options_.parent.curve;
    options.max_message_bytes = kMaxReplyBytes;
    auto connected = transport::ClientTransport::Connect(identity_, options);
    if (!connected.ok()) {
      log::Error("parent subscribe " + options_.endpoint + ": " + connected.status().message());
      Reset(kRetryAfterError);
      return {};
    }
    transport_ = std::move(connected).value();
    subscriber_ = std::make_unique<Subscriber>(*transport_);
  }
  auto next = relay_.NextSeq();
  if (!next.ok()) {
    log::Error("parent subscribe: " + next.status().message());
    return {};
  }
  Status asked = subscriber_->Request(*next, options_.max_messages, options_.wait_ms);
  if (!asked.ok()) {
    log::Error("parent subscribe " + options_.endpoint + ": " + asked.message());
    Reset(kRetryAfterError);
    return {};
  }
  auto batch = subscriber_->Receive(std::chrono::milliseconds(0));
  if (!batch.ok()) {
    // Handshakes that only broke off (refusal_certain() false) may be the network's doing.
    const bool refused =
        batch.status().code() == Code::kUnauthenticated && transport_->refusal_certain();
    log::Error("parent subscribe " + options_.endpoint + ": " + batch.status().message() +
               (refused ? " (is this hub enrolled there with --role hub?)" : ""));
    Reset(refused ? kRetryRefused : kRetryAfterError);
    return {};
  }
  if (!batch->has_value()) return {};
  auto appended = relay_.Apply(**batch, clock_.NowMs());
  if (!appended.ok()) {
    log::Error("relaying from the parent hub: " + appended.status().message());
    return {};
  }
  return std::move(appended).value();
}

}  // namespace lls::hub
