#include "tests/hostile/stream_client.h"

#include <algorithm>

#include "exchange/clock.h"
#include "schema/codec.h"
#include "tests/hostile/hostile_region.h"

namespace lls::hostile {

namespace {
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
}  // namespace

Bytes SealSummary(const crypto::Identity& identity, uint64_t sequence,
                  const std::string& organisation, const std::string& title) {
  ProjectSummary s;
  s.project_id = "P" + std::to_string(sequence % 8);
  s.organisation = organisation;
  s.title = title + " " + std::to_string(sequence);
  s.area = ClinicalArea::kSmokeFreePregnancy;
  s.aim = "Keep the hub honest under attack";
  s.stage = ProjectStage::kTesting;
  s.start_month = "2026-01";
  MeasurePoint point{"2026-01", static_cast<uint32_t>(sequence % 50), 140, false, false};
  s.measures = {{"SATOD", {point}}};
  return EncodeEnvelope(crypto::Seal(identity, sequence, SystemClock().NowMs(), s));
}

Result<Reply> SendAndWait(transport::ClientTransport& transport, const Bytes& frame,
                          std::chrono::milliseconds timeout) {
  auto envelope = DecodeEnvelope(frame);
  // Garbage has no id: its Nack carries the empty id, so that is the one to wait for.
  const MessageId want = envelope.ok() ? envelope->message_id : envelope.error().message_id;
  LLS_RETURN_IF_ERROR(transport.Send(frame));
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return Status(Code::kTimeout, "no reply within " + std::to_string(timeout.count()) + " ms");
    }
    LLS_ASSIGN_OR_RETURN(std::optional<std::vector<uint8_t>> got, transport.Receive(left));
    if (!got) continue;
    WireResult<Reply> reply = DecodeReply(*got);
    if (!reply.ok()) return Status(Code::kCorrupt, "undecodable reply: " + reply.error().text);
    const MessageId id = std::visit([](const auto& r) { return r.message_id; }, *reply);
    if (id == want) return *reply;
  }
}

StreamClient::StreamClient(crypto::Identity identity, std::string organisation,
                           transport::ClientOptions hub, StreamOptions options)
    : identity_(std::move(identity)),
      name_(identity_.name()),
      organisation_(std::move(organisation)),
      hub_(std::move(hub)),
      options_(std::move(options)) {}

StreamClient::~StreamClient() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void StreamClient::Start() {
  thread_ = std::thread([this] { Run(); });
}

bool StreamClient::Finish(std::chrono::milliseconds limit) {
  finishing_ = true;
  const auto deadline = Clock::now() + limit;
  while (!drained_ && Clock::now() < deadline) std::this_thread::sleep_for(milliseconds(5));
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  return in_flight_ == 0;
}

std::vector<StreamRecord> StreamClient::records() const {
  std::lock_guard lock(mu_);
  return records_;
}

std::optional<SteadyTime> StreamClient::refused_at() const {
  std::lock_guard lock(mu_);
  return refused_at_;
}

std::string StreamClient::refusal() const {
  std::lock_guard lock(mu_);
  return refusal_;
}

int64_t StreamClient::stray_replies() const {
  std::lock_guard lock(mu_);
  return stray_;
}

void StreamClient::HandleReply(const std::vector<uint8_t>& frame) {
  WireResult<Reply> reply = DecodeReply(frame);
  std::lock_guard lock(mu_);
  if (!reply.ok()) {
    ++stray_;
    return;
  }
  const MessageId id = std::visit([](const auto& r) { return r.message_id; }, *reply);
  auto it = index_.find(id);
  if (it == index_.end() || records_[it->second].state != StreamRecord::State::kInFlight) {
    ++stray_;  // unknown id, or a second answer (a resend's): never overwrites the first
    return;
  }
  StreamRecord& r = records_[it->second];
  r.answered = Clock::now();
  if (const Ack* ack = std::get_if<Ack>(&*reply)) {
    r.state = StreamRecord::State::kAcked;
    r.hub_seq = ack->hub_seq;
    r.duplicate = ack->duplicate;
  } else {
    const Nack& nack = std::get<Nack>(*reply);
    r.state = StreamRecord::State::kNacked;
    r.code = nack.code;
    r.text = nack.text;
  }
  --in_flight_;
}

void StreamClient::Run() {
  if (options_.cpu >= 0) PinThisThread(options_.cpu);  // before the transport's I/O thread
  auto connected = transport::ClientTransport::Connect(identity_, hub_);
  if (!connected.ok()) {
    std::lock_guard lock(mu_);
    refused_at_ = Clock::now();
    refusal_ = connected.status().message();
    drained_ = true;
    return;
  }
  std::unique_ptr<transport::ClientTransport> transport = std::move(*connected);
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(1.0 / options_.rate_per_second));
  uint64_t sequence = options_.first_sequence;
  auto next_due = Clock::now();
  while (!stop_) {
    auto now = Clock::now();
    size_t in_flight = 0;
    {
      std::lock_guard lock(mu_);
      in_flight = in_flight_;
    }
    if (finishing_ && in_flight == 0) {
      drained_ = true;
      break;
    }
    if (!finishing_ && now >= next_due && in_flight < options_.window) {
      Bytes frame = SealSummary(identity_, sequence, organisation_, options_.title);
      auto envelope = DecodeEnvelope(frame);
      StreamRecord r;
      r.id = envelope->message_id;
      r.sequence = sequence++;
      r.first_sent = r.last_sent = Clock::now();
      r.sends = 1;
      {
        std::lock_guard lock(mu_);
        index_[r.id] = records_.size();
        records_.push_back(r);
        ++in_flight_;
      }
      frames_.push_back(frame);
      // A full queue only delays the frame; the resend below (if on) tries again.
      (void)transport->Send(frame);
      next_due += interval;
      // Behind by more than 100 ms (a stalled machine): do not catch up in one burst.
      if (next_due < now - milliseconds(100)) next_due = now;
      continue;
    }
    if (options_.resend_after.count() > 0) {
      std::vector<size_t> due;
      {
        std::lock_guard lock(mu_);
        for (size_t i = 0; i < records_.size(); ++i) {
          StreamRecord& r = records_[i];
          if (r.state == StreamRecord::State::kInFlight &&
              now - r.last_sent >= options_.resend_after) {
            r.last_sent = now;
            ++r.sends;
            due.push_back(i);
          }
        }
      }
      for (size_t i : due) (void)transport->Send(frames_[i]);
    }
    // With the window full (or finishing) nothing is due until a reply comes: wait for it.
    const bool may_send = !finishing_ && in_flight < options_.window;
    auto wait = !may_send ? milliseconds(5)
                          : std::clamp(std::chrono::duration_cast<milliseconds>(next_due - now),
                                       milliseconds(0), milliseconds(5));
    auto frame = transport->Receive(wait);
    if (!frame.ok()) {
      std::lock_guard lock(mu_);
      refused_at_ = Clock::now();
      refusal_ = frame.status().message();
      drained_ = true;  // nothing more will be answered on a refused connection
      break;
    }
    if (*frame) HandleReply(**frame);
  }
  // Replies already delivered count; read them without waiting.
  for (;;) {
    auto frame = transport->Receive(milliseconds(0));
    if (!frame.ok() || !*frame) break;
    HandleReply(**frame);
  }
}

}  // namespace lls::hostile
