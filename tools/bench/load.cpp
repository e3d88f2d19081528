#include "tools/bench/load.h"

#include <algorithm>
#include <cmath>
#include <atomic>
#include <cstring>
#include <latch>
#include <thread>

#include "exchange/clock.h"
#include "schema/codec.h"
#include "tools/bench/hub_rig.h"

namespace lls::bench {

namespace {

// A trust's summary as a node publishes it: two years of one smoke-free measure.
Body SummaryBody(const std::string& name, const std::string& aim) {
  ProjectSummary summary;
  summary.project_id = "bench-" + name;
  summary.organisation = "BENCH";
  summary.title = "Smoke-free pregnancy pathway (benchmark load)";
  summary.area = ClinicalArea::kSmokeFreePregnancy;
  summary.aim = aim;
  summary.change_ideas = {"opt-out referral at booking", "CO monitoring at every visit"};
  summary.pdsa_cycles = 6;
  summary.stage = ProjectStage::kTesting;
  summary.start_month = "2024-01";
  MeasureSeries series;
  series.measure_code = "SATOD";
  for (int m = 0; m < 24; ++m) {
    MeasurePoint point;
    point.period = std::to_string(2024 + m / 12) + "-" + (m % 12 < 9 ? "0" : "") +
                   std::to_string(m % 12 + 1);
    point.denominator = 300 + static_cast<uint32_t>(m * 7 % 40);
    point.numerator = 20 + static_cast<uint32_t>(m * 5 % 17);
    series.points.push_back(point);
  }
  summary.measures.push_back(std::move(series));
  return summary;
}

}  // namespace

SummaryMaker::SummaryMaker(const crypto::Identity& identity, size_t target_bytes,
                           uint64_t first_sequence)
    : identity_(identity), sequence_(first_sequence) {
  // Encoded sizes grow with the aim in steps of 8 bytes (Cap'n Proto words): fill the aim until
  // the envelope reaches the target.
  std::string aim;
  body_ = SummaryBody(identity.name(), aim);
  size_t size = EncodeEnvelope(crypto::Seal(identity_, 1, 0, body_)).size();
  if (size < target_bytes) {
    aim.assign(target_bytes - size, 'a');
    body_ = SummaryBody(identity.name(), aim);
    size = EncodeEnvelope(crypto::Seal(identity_, 1, 0, body_)).size();
    while (size > target_bytes && aim.size() >= 8) {
      aim.resize(aim.size() - 8);
      body_ = SummaryBody(identity.name(), aim);
      size = EncodeEnvelope(crypto::Seal(identity_, 1, 0, body_)).size();
    }
  }
}

Envelope SummaryMaker::NextEnvelope() {
  return crypto::Seal(identity_, sequence_++, SystemClock().NowMs(), body_);
}

Bytes SummaryMaker::Next(MessageId* id) {
  Envelope envelope = NextEnvelope();
  if (id != nullptr) *id = envelope.message_id;
  return EncodeEnvelope(envelope);
}

size_t NodeClient::IdHash::operator()(const MessageId& id) const {
  size_t h = 0;
  std::memcpy(&h, id.data(), sizeof h);  // message ids are random
  return h;
}

Result<std::unique_ptr<NodeClient>> NodeClient::Connect(const crypto::Identity& identity,
                                                        const std::string& endpoint,
                                                        const crypto::PublicIdentity& hub) {
  transport::ClientOptions options;
  options.endpoint = endpoint;
  options.server_key = hub.curve;
  LLS_ASSIGN_OR_RETURN(std::unique_ptr<transport::ClientTransport> transport,
                       transport::ClientTransport::Connect(identity, options));
  return std::unique_ptr<NodeClient>(new NodeClient(std::move(transport)));
}

Status NodeClient::WaitConnected(std::chrono::milliseconds timeout) {
  return transport_->WaitConnected(timeout);
}

Status NodeClient::Send(const MessageId& id, const Bytes& encoded) {
  sent_at_[id] = std::chrono::steady_clock::now();
  return transport_->Send(encoded);
}

Status NodeClient::Collect(std::chrono::milliseconds timeout, std::vector<double>* latencies_us) {
  std::chrono::milliseconds wait = timeout;
  for (;;) {
    LLS_ASSIGN_OR_RETURN(std::optional<std::vector<uint8_t>> frame, transport_->Receive(wait));
    if (!frame) return Status::Ok();
    const auto now = std::chrono::steady_clock::now();
    wait = std::chrono::milliseconds(0);  // drain what is already here, then return
    WireResult<Reply> reply = DecodeReply(*frame);
    if (!reply.ok()) return Status(Code::kCorrupt, "the hub sent a reply that does not decode");
    if (const Nack* nack = std::get_if<Nack>(&*reply)) {
      return Status(Code::kRefused, std::string("the hub refused a benchmark message: ") +
                                        NackCodeName(nack->code) + ": " + nack->text);
    }
    const Ack& ack = std::get<Ack>(*reply);
    auto it = sent_at_.find(ack.message_id);
    if (it == sent_at_.end()) continue;  // a second Ack for a resend: already counted
    if (latencies_us != nullptr) {
      latencies_us->push_back(
          std::chrono::duration<double, std::micro>(now - it->second).count());
    }
    if (keep_ack_log_) ack_log_.emplace_back(ack.hub_seq, it->second);
    sent_at_.erase(it);
    ++acked_;
  }
}

namespace {

// One publisher's part of DriveIngest.
struct PublisherRun {
  uint64_t acked = 0;
  std::vector<double> latencies_us;
  std::vector<std::pair<uint64_t, SteadyTime>> ack_log;
  Status status = Status::Ok();
};

using Clock = std::chrono::steady_clock;

// Start-up in two steps: every publisher signals `ready` once connected and signed (whatever
// happened: a failure must not leave the others waiting), then waits for `go`, which opens
// once the start time is set.
struct StartLine {
  std::latch ready;
  std::latch go{1};
  Clock::time_point start;
  explicit StartLine(size_t publishers) : ready(static_cast<std::ptrdiff_t>(publishers)) {}
};

Status PublishFor(const crypto::Identity& identity, const HubRig& rig, const DriveOptions& options,
                  size_t publishers, StartLine& line, std::atomic<bool>& abort,
                  PublisherRun& out) {
  auto client = NodeClient::Connect(identity, rig.endpoint(), rig.hub_key());
  Status connected = client.ok() ? (*client)->WaitConnected(std::chrono::seconds(30))
                                 : client.status();
  // Sign everything this publisher can send before the clock starts. At most: the window's
  // worth beyond what the rate (or, unpaced, DriveOptions::presign_rate) allows.
  const double rate = options.rate_per_s > 0 ? options.rate_per_s : options.presign_rate;
  const size_t count = static_cast<size_t>(rate * (options.seconds + 1.5) /
                                           static_cast<double>(publishers)) + kWindow;
  std::vector<std::pair<MessageId, Bytes>> queue(connected.ok() ? count : 0);
  SummaryMaker maker(identity, kPayloadBytes, options.first_sequence);
  for (auto& [id, bytes] : queue) bytes = maker.Next(&id);
  line.ready.count_down();
  line.go.wait();
  LLS_RETURN_IF_ERROR(connected);
  if (abort.load()) return Status::Ok();
  NodeClient* client_ptr = client->get();
  client_ptr->KeepAckLog(options.ack_log);
  auto& c = *client_ptr;

  const Clock::time_point start = line.start;
  const Clock::time_point measure_from = start + std::chrono::seconds(1);
  const Clock::time_point until =
      measure_from + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(options.seconds));
  const double per_publisher = options.rate_per_s / static_cast<double>(publishers);
  const auto interval = per_publisher > 0
                            ? std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(1.0 / per_publisher))
                            : Clock::duration::zero();
  Clock::time_point next_send = start;
  size_t next = 0;
  uint64_t acked_before = 0;
  bool measuring = false;
  Clock::time_point last_progress = start;
  uint64_t last_acked = 0;
  std::vector<double> latencies;
  while (!abort.load()) {
    Clock::time_point now = Clock::now();
    if (!measuring && now >= measure_from) {
      measuring = true;
      acked_before = c.acked();
      latencies.clear();
      if (options.ack_log) out.ack_log.clear();
    }
    if (now >= until) break;
    while (c.in_flight() < kWindow && (interval == Clock::duration::zero() || now >= next_send)) {
      if (next == queue.size()) {
        // Ran out of pre-signed messages (the hub is faster than the ceiling): sign on the go.
        queue.emplace_back();
        queue.back().second = maker.Next(&queue.back().first);
      }
      LLS_RETURN_IF_ERROR(c.Send(queue[next].first, queue[next].second));
      Bytes().swap(queue[next].second);  // sent: free its memory
      ++next;
      next_send += interval;
    }
    LLS_RETURN_IF_ERROR(c.Collect(std::chrono::milliseconds(2), &latencies));
    if (c.acked() != last_acked) {
      last_acked = c.acked();
      last_progress = now;
    } else if (c.in_flight() > 0 && now - last_progress > std::chrono::seconds(10)) {
      return Status(Code::kUnavailable, "the hub answered nothing for 10 s");
    }
  }
  out.acked = c.acked() - acked_before;
  out.latencies_us = std::move(latencies);
  if (options.ack_log) {
    for (const auto& entry : c.ack_log()) {
      if (entry.second >= measure_from) out.ack_log.push_back(entry);
    }
  }
  // Let the last answers in, so that the hub is idle for whatever is measured next.
  const Clock::time_point drain_until = Clock::now() + std::chrono::seconds(10);
  while (c.in_flight() > 0 && Clock::now() < drain_until) {
    LLS_RETURN_IF_ERROR(c.Collect(std::chrono::milliseconds(50), nullptr));
  }
  return Status::Ok();
}

}  // namespace

Result<IngestRun> DriveIngest(const HubRig& rig, double seconds, double rate_per_s,
                              uint64_t first_sequence) {
  DriveOptions options;
  options.seconds = seconds;
  options.rate_per_s = rate_per_s;
  options.first_sequence = first_sequence;
  return DriveIngest(rig, options);
}

Result<IngestRun> DriveIngest(const HubRig& rig, const DriveOptions& options) {
  const size_t publishers = std::min(kPublishers, rig.trusts().size());
  if (publishers == 0) return Status(Code::kInvalidArgument, "the rig has no trusts to publish");
  std::vector<PublisherRun> runs(publishers);
  StartLine line(publishers);
  std::atomic<bool> abort{false};
  std::vector<std::thread> threads;
  for (size_t i = 0; i < publishers; ++i) {
    threads.emplace_back([&, i] {
      runs[i].status =
          PublishFor(rig.trusts()[i], rig, options, publishers, line, abort, runs[i]);
      if (!runs[i].status.ok()) abort.store(true);
    });
  }
  line.ready.wait();  // everyone connected (or failed) and signed
  line.start = Clock::now();
  if (options.on_start) options.on_start();
  line.go.count_down();
  for (std::thread& t : threads) t.join();
  IngestRun run;
  run.seconds = options.seconds;
  for (PublisherRun& r : runs) {
    LLS_RETURN_IF_ERROR(r.status);
    run.acked += r.acked;
    run.latencies_us.insert(run.latencies_us.end(), r.latencies_us.begin(), r.latencies_us.end());
    run.ack_log.insert(run.ack_log.end(), r.ack_log.begin(), r.ack_log.end());
  }
  run.msgs_per_s = static_cast<double>(run.acked) / options.seconds;
  return run;
}

double Percentile(std::vector<double> sample, double p) {
  if (sample.empty()) return 0;
  std::sort(sample.begin(), sample.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sample.size())));
  if (rank == 0) rank = 1;
  return sample[std::min(rank, sample.size()) - 1];
}

}  // namespace lls::bench
