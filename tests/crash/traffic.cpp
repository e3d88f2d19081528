#include "tests/crash/traffic.h"

#include <algorithm>
#include <set>
#include <thread>
#include <utility>

#include "exchange/clock.h"
#include "schema/codec.h"

namespace lls::crash {

namespace {

using Clock = std::chrono::steady_clock;

// Measures from the built-in catalogue (exchange/measures.json): summaries use a few, so that
// the trusts' points meet in the same aggregate cells.
constexpr const char* kMeasures[] = {"SATOD", "CO_BOOKING", "SMOKING_REFERRAL",
                                     "ANTENATAL_STEROIDS"};
constexpr int kProjectsPerTrust = 4;

std::string Month(int index) {  // 0 -> 2025-01
  const int year = 2025 + index / 12;
  const int month = 1 + index % 12;
  return std::to_string(year) + (month < 10 ? "-0" : "-") + std::to_string(month);
}

std::string ShortHex(const MessageId& id) { return crypto::ToHex(id).substr(0, 12); }

}  // namespace

// --- Ledger -----------------------------------------------------------------------------------

void Ledger::RecordAck(const MessageId& id, Kind kind, uint64_t hub_seq, bool duplicate) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = acked_.try_emplace(id, AckedMessage{hub_seq, kind});
  if (!inserted && it->second.hub_seq != hub_seq) {
    violations_.push_back("message " + ShortHex(id) + " acked with hub_seq " +
                          std::to_string(it->second.hub_seq) + " and later with " +
                          std::to_string(hub_seq) + (duplicate ? " (duplicate)" : ""));
  }
}

void Ledger::Violation(std::string text) {
  std::lock_guard lock(mu_);
  violations_.push_back(std::move(text));
}

void Ledger::OfferLearningItem(const MessageId& id, bool national) {
  std::lock_guard lock(mu_);
  learning_.push_back(id);
  if (national) national_items_.insert(id);
}

std::optional<MessageId> Ledger::TakeLearningItem() {
  std::lock_guard lock(mu_);
  if (learning_.empty()) return std::nullopt;
  MessageId id = learning_.front();
  learning_.pop_front();
  return id;
}

void Ledger::RecordApproval(const MessageId& curation, const MessageId& item) {
  std::lock_guard lock(mu_);
  approvals_.emplace_back(curation, item);
}

std::map<MessageId, AckedMessage> Ledger::acked() const {
  std::lock_guard lock(mu_);
  return acked_;
}

std::vector<std::pair<MessageId, MessageId>> Ledger::approvals() const {
  std::lock_guard lock(mu_);
  return approvals_;
}

std::set<MessageId> Ledger::national_items() const {
  std::lock_guard lock(mu_);
  return national_items_;
}

std::vector<std::string> Ledger::violations() const {
  std::lock_guard lock(mu_);
  return violations_;
}

TrafficCounts Ledger::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

void Ledger::AddCounts(const TrafficCounts& c) {
  std::lock_guard lock(mu_);
  counts_.sent_frames += c.sent_frames;
  counts_.resent_frames += c.resent_frames;
  counts_.acked += c.acked;
  counts_.duplicate_acks += c.duplicate_acks;
  counts_.transient_nacks += c.transient_nacks;
  for (size_t k = 0; k <= kMaxKind; ++k) counts_.by_kind[k] += c.by_kind[k];
}

// --- Client -----------------------------------------------------------------------------------

Client::Client(crypto::Identity identity, std::string organisation, bool facilitator,
               uint64_t seed, Ledger& ledger)
    : identity_(std::move(identity)),
      organisation_(std::move(organisation)),
      facilitator_(facilitator),
      rng_(seed),
      ledger_(ledger) {}

Outgoing Client::Seal(const Body& body, std::optional<MessageId> target) {
  Envelope envelope = crypto::Seal(identity_, ++sequence_, SystemClock().NowMs(), body);
  Outgoing out;
  out.id = envelope.message_id;
  out.kind = envelope.kind;
  out.frame = EncodeEnvelope(envelope);
  out.target = target;
  return out;
}

ProjectSummary Client::MakeSummary(const std::string& project_id) {
  ProjectSummary s;
  s.project_id = project_id;
  s.organisation = organisation_;
  s.title = "Crash harness project " + project_id;
  s.area = ClinicalArea::kSmokeFreePregnancy;
  s.aim = "Exercise the hub under SIGKILL";
  s.stage = ProjectStage::kTesting;
  s.start_month = "2025-01";
  std::uniform_int_distribution<int> n_measures(1, 3), first(0, 17), length(1, 6),
      denominator(20, 200), percent(0, 100);
  std::vector<std::string> codes(std::begin(kMeasures), std::end(kMeasures));
  std::shuffle(codes.begin(), codes.end(), rng_);
  codes.resize(static_cast<size_t>(n_measures(rng_)));
  for (const std::string& code : codes) {
    MeasureSeries series{code, {}};
    const int start = first(rng_);
    const int months = length(rng_);
    for (int m = start; m < start + months && m < 18; ++m) {
      MeasurePoint p;
      p.period = Month(m);
      p.denominator = static_cast<uint32_t>(denominator(rng_));
      p.numerator = p.denominator * static_cast<uint32_t>(percent(rng_)) / 100;
      // Now and then a small count the trust suppressed: counted apart in the aggregates.
      if (percent(rng_) < 8) p.numerator_suppressed = true, p.numerator = 0;
      series.points.push_back(p);
    }
    s.measures.push_back(std::move(series));
  }
  return s;
}

std::optional<Outgoing> Client::Next() {
  if (facilitator_) {
    std::optional<MessageId> item = ledger_.TakeLearningItem();
    if (!item) return std::nullopt;
    lls::Curation c;
    c.target = *item;
    c.action = CurationAction::kApprove;
    return Seal(c, *item);
  }
  const int roll = std::uniform_int_distribution<int>(0, 99)(rng_);
  if (roll < 10 && !retractable_.empty()) {
    // Retract one of our acknowledged summaries (the current one of its project or an older
    // revision: both are legal; only the current one changes the aggregates).
    std::uniform_int_distribution<size_t> pick(0, retractable_.size() - 1);
    const size_t i = pick(rng_);
    const MessageId target = retractable_[i];
    retractable_.erase(retractable_.begin() + static_cast<std::ptrdiff_t>(i));
    return Seal(Retraction{target, "crash harness"}, target);
  }
  if (roll < 25) {
    LearningItem item;
    item.item_id = "L-" + identity_.name() + "-" + std::to_string(++learning_made_);
    item.organisation = organisation_;
    item.title = "Learning " + item.item_id;
    item.kind = LearningKind::kChangeIdea;
    item.area = ClinicalArea::kSmokeFreePregnancy;
    item.text = "Written by the crash harness.";
    // Every other item is scoped `national`: with a parent hub, those are forwarded once
    // approved and the others must never leave the LLS (tests/crash/forwarding.h, F3).
    item.scope = learning_made_ % 2 == 0 ? Scope::kNational : Scope::kLls;
    Outgoing out = Seal(item, std::nullopt);
    out.national = item.scope == Scope::kNational;
    return out;
  }
  const int project = std::uniform_int_distribution<int>(1, kProjectsPerTrust)(rng_);
  return Seal(MakeSummary("P" + std::to_string(project)), std::nullopt);
}

void Client::OnAcked(const Outgoing& m) {
  switch (m.kind) {
    case Kind::kProjectSummary: retractable_.push_back(m.id); break;
    case Kind::kLearningItem: ledger_.OfferLearningItem(m.id, m.national); break;
    case Kind::kCuration: ledger_.RecordApproval(m.id, *m.target); break;
    default: break;
  }
}

void Client::HandleReply(const std::vector<uint8_t>& frame, TrafficCounts& counts) {
  WireResult<Reply> reply = DecodeReply(frame);
  if (!reply.ok()) {
    ledger_.Violation(name() + ": undecodable reply: " + reply.error().text);
    return;
  }
  const MessageId id = std::visit([](const auto& r) { return r.message_id; }, *reply);
  auto it = std::find_if(pending_.begin(), pending_.end(),
                         [&](const Outgoing& m) { return m.id == id; });
  if (const Ack* ack = std::get_if<Ack>(&*reply)) {
    if (it != pending_.end() && it->committed_seq &&
        (!ack->duplicate || ack->hub_seq != *it->committed_seq)) {
      ledger_.Violation(name() + ": message " + ShortHex(id) + " was in the log at hub_seq " +
                        std::to_string(*it->committed_seq) + " after the kill, but the Ack " +
                        "after restart says hub_seq " + std::to_string(ack->hub_seq) +
                        (ack->duplicate ? " (duplicate)" : " (new: stored twice?)"));
    }
    ledger_.RecordAck(id, it != pending_.end() ? it->kind : Kind::kUnknown, ack->hub_seq,
                      ack->duplicate);
    if (ack->duplicate) ++counts.duplicate_acks;
    if (it != pending_.end()) {
      ++counts.acked;
      ++counts.by_kind[static_cast<size_t>(it->kind)];
      OnAcked(*it);
      pending_.erase(it);
    }
    sent_at_.erase(id);
    in_flight_ = static_cast<int64_t>(sent_at_.size());
    return;
  }
  const Nack& nack = std::get<Nack>(*reply);
  if (NackIsTransient(nack.code)) {
    ++counts.transient_nacks;  // stays in flight; resent after resend_after
    return;
  }
  ledger_.Violation(name() + ": message " + ShortHex(id) + " (" +
                    (it != pending_.end() ? KindName(it->kind) : "unknown") + ") refused: " +
                    NackCodeName(nack.code) + ": " + nack.text);
  if (it != pending_.end()) pending_.erase(it);
  sent_at_.erase(id);
  in_flight_ = static_cast<int64_t>(sent_at_.size());
}

void Client::RunCycle(const transport::ClientOptions& hub, const ClientOptions& options,
                      const std::atomic<bool>& stop, std::chrono::milliseconds drain) {
  TrafficCounts counts;
  auto connected = transport::ClientTransport::Connect(identity_, hub);
  if (!connected.ok()) {
    ledger_.Violation(name() + ": connect: " + connected.status().message());
    return;
  }
  std::unique_ptr<transport::ClientTransport> transport = std::move(*connected);
  std::set<MessageId> sent_this_cycle;
  sent_at_.clear();

  auto send = [&](Outgoing& m) {
    if (!transport->Send(m.frame).ok()) return false;  // queue full: try again next turn
    ++counts.sent_frames;
    if (m.ever_sent) ++counts.resent_frames;
    m.ever_sent = true;
    sent_this_cycle.insert(m.id);
    sent_at_[m.id] = Clock::now();
    in_flight_ = static_cast<int64_t>(sent_at_.size());
    return true;
  };

  // Pacing of new messages: the earliest time the next one may be made.
  const auto new_every =
      options.max_new_per_second > 0
          ? std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(1)) /
                options.max_new_per_second
          : Clock::duration::zero();
  auto next_new_at = Clock::now();

  while (!stop.load()) {
    // Carried-over messages first, in the order they were made, then new ones.
    for (Outgoing& m : pending_) {
      if (sent_at_.size() >= options.window) break;
      if (!sent_this_cycle.count(m.id) && !send(m)) break;
    }
    while (options.generate && sent_at_.size() < options.window) {
      if (new_every != Clock::duration::zero()) {
        const auto now = Clock::now();
        if (now < next_new_at) break;
        // The loop wakes every few ms (a reply or a 20 ms timeout): up to 100 ms of credit
        // keeps the rate, and a longer stall is not made up in one burst.
        next_new_at = std::max(next_new_at, now - std::chrono::milliseconds(100)) + new_every;
      }
      std::optional<Outgoing> next = Next();
      if (!next) break;
      pending_.push_back(std::move(*next));
      if (!send(pending_.back())) break;
    }
    const auto now = Clock::now();
    for (Outgoing& m : pending_) {
      auto at = sent_at_.find(m.id);
      if (at != sent_at_.end() && now - at->second > options.resend_after) send(m);
    }
    auto frame = transport->Receive(std::chrono::milliseconds(20));
    if (!frame.ok()) {
      // A handshake cut by the kill can read as a refusal: start a fresh connection.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      auto again = transport::ClientTransport::Connect(identity_, hub);
      if (!again.ok()) break;
      transport = std::move(*again);
      sent_this_cycle.clear();
      sent_at_.clear();
      continue;
    }
    if (*frame) HandleReply(**frame, counts);
  }
  // Replies the hub sent before it died may still sit in our queue: they count.
  const auto until = Clock::now() + drain;
  while (Clock::now() < until) {
    auto frame = transport->Receive(std::chrono::milliseconds(10));
    if (!frame.ok() || !*frame) break;
    HandleReply(**frame, counts);
  }
  sent_at_.clear();
  in_flight_ = 0;
  ledger_.AddCounts(counts);
}

}  // namespace lls::crash
