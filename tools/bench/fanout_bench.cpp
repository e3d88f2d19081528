// "fanout": kSubscribers members follow the log over the subscribe socket (long-poll, as a
// node's inbox does) while kPublishers nodes publish. First at the maximum publish rate
// (deliveries/s: entries received by all subscribers per second), then paced at half of the
// rate the subscribers kept up with, for publish->delivery latency: the time from a
// publisher's send to a subscriber's receipt, joined by hub sequence (the Ack names it, every
// entry carries it).
// Subscribers decode each batch but do not verify signatures here (the comparison with
// Mosquitto is of the transport; a node verifies what it keeps, docs/performance.md).
#include <algorithm>
#include <atomic>
#include <latch>
#include <thread>
#include <unordered_map>

#include "exchange/subscribe_client.h"
#include "tools/bench/hub_rig.h"
#include "tools/bench/load.h"
#include "tools/bench/scenarios.h"

namespace lls::bench {

namespace {

using Clock = std::chrono::steady_clock;

// One subscriber's record: when each hub sequence arrived.
struct Follower {
  std::vector<std::pair<uint64_t, Clock::time_point>> received;
  std::atomic<uint64_t> next_seq{1};
  Status status = Status::Ok();
};

Status Follow(const crypto::Identity& me, const HubRig& rig, std::latch& ready,
              const std::atomic<bool>& stop, Follower& out) {
  transport::ClientOptions options;
  options.endpoint = rig.subscribe_endpoint();
  options.server_key = rig.hub_key().curve;
  auto transport = transport::ClientTransport::Connect(me, options);
  Status connected =
      transport.ok() ? (*transport)->WaitConnected(std::chrono::seconds(30)) : transport.status();
  ready.count_down();
  LLS_RETURN_IF_ERROR(connected);
  Subscriber subscriber(**transport);
  uint64_t next = 1;
  while (!stop.load()) {
    LLS_RETURN_IF_ERROR(subscriber.Request(next, 1000, 500));
    LLS_ASSIGN_OR_RETURN(std::optional<SubscribeBatch> batch,
                         subscriber.Receive(std::chrono::milliseconds(200)));
    if (!batch) continue;
    const Clock::time_point now = Clock::now();
    for (const LogEntry& entry : batch->entries) out.received.emplace_back(entry.hub_seq, now);
    next = batch->next_seq;
    out.next_seq.store(next);
  }
  return Status::Ok();
}

// Waits until every follower has read past `head` (or 60 s).
bool CatchUp(std::vector<Follower>& followers, uint64_t head) {
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  for (Follower& f : followers) {
    while (f.next_seq.load() <= head) {
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  return true;
}

uint64_t MaxSeq(const IngestRun& run) {
  uint64_t head = 0;
  for (const auto& [seq, at] : run.ack_log) head = std::max(head, seq);
  return head;
}

}  // namespace

Result<std::vector<Figure>> RunFanout(const BenchContext& ctx) {
  const double seconds = ctx.Seconds(2, 10);
  LLS_ASSIGN_OR_RETURN(std::filesystem::path folder, ctx.Folder("fanout"));
  HubRigOptions rig_options;
  rig_options.trusts = kPublishers + kSubscribers;
  LLS_ASSIGN_OR_RETURN(std::unique_ptr<HubRig> rig, HubRig::Create(folder / "hub", rig_options));
  LLS_RETURN_IF_ERROR(rig->Start(ctx.hub_program));

  std::vector<Follower> followers(kSubscribers);
  std::latch ready(static_cast<std::ptrdiff_t>(kSubscribers));
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (size_t i = 0; i < kSubscribers; ++i) {
    threads.emplace_back([&, i] {
      followers[i].status = Follow(rig->trusts()[kPublishers + i], *rig, ready, stop, followers[i]);
    });
  }
  ready.wait();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let the first long-polls park
  auto finish = [&]() -> Status {
    stop.store(true);
    for (std::thread& t : threads) {
      if (t.joinable()) t.join();
    }
    for (Follower& f : followers) LLS_RETURN_IF_ERROR(f.status);
    return Status::Ok();
  };

  // Phase 1: the maximum.
  Clock::time_point started;
  DriveOptions max_options;
  max_options.seconds = seconds;
  max_options.ack_log = true;
  max_options.presign_rate = 3000;  // publishing competes with 100 subscribers' reads
  max_options.on_start = [&] { started = Clock::now(); };
  Result<IngestRun> max = DriveIngest(*rig, max_options);
  if (!max.ok()) {
    (void)finish();
    return max.status();
  }
  const Clock::time_point from = started + std::chrono::seconds(1);
  const Clock::time_point until =
      from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  if (!CatchUp(followers, MaxSeq(*max))) {
    (void)finish();
    return Status(Code::kUnavailable, "subscribers did not catch up within 60 s");
  }
  uint64_t deliveries = 0;
  for (Follower& f : followers) {
    for (const auto& [seq, at] : f.received) deliveries += (at >= from && at < until) ? 1 : 0;
  }
  const double per_s = static_cast<double>(deliveries) / seconds;
  ctx.progress("fan-out: " + std::to_string(static_cast<int64_t>(per_s)) + " deliveries/s to " +
               std::to_string(kSubscribers) + " subscribers while publishing " +
               std::to_string(static_cast<int64_t>(max->msgs_per_s)) + " msg/s");

  // Phase 2: half the rate the subscribers kept up with (the Mosquitto twin uses the same rule):
  // beyond it, latency would measure a growing queue.
  const double half = std::min(max->msgs_per_s, per_s / static_cast<double>(kSubscribers)) / 2;
  DriveOptions paced_options;
  paced_options.seconds = seconds;
  paced_options.rate_per_s = half;
  paced_options.first_sequence = 100'000'000;
  paced_options.ack_log = true;
  Result<IngestRun> paced = DriveIngest(*rig, paced_options);
  if (!paced.ok()) {
    (void)finish();
    return paced.status();
  }
  const bool caught_up = CatchUp(followers, MaxSeq(*paced));
  LLS_RETURN_IF_ERROR(finish());
  if (!caught_up) return Status(Code::kUnavailable, "subscribers did not catch up within 60 s");
  std::unordered_map<uint64_t, Clock::time_point> sent;
  for (const auto& [seq, at] : paced->ack_log) sent.emplace(seq, at);
  std::vector<double> latencies_us;
  for (Follower& f : followers) {
    for (const auto& [seq, at] : f.received) {
      auto it = sent.find(seq);
      if (it != sent.end()) {
        latencies_us.push_back(std::chrono::duration<double, std::micro>(at - it->second).count());
      }
    }
  }
  if (latencies_us.size() != sent.size() * kSubscribers) {
    return Status(Code::kInternal, "subscribers received " + std::to_string(latencies_us.size()) +
                                       " of " + std::to_string(sent.size() * kSubscribers) +
                                       " expected deliveries");
  }
  ctx.progress("publish->delivery at " + std::to_string(static_cast<int64_t>(half)) +
               " msg/s: p50 " + std::to_string(Percentile(latencies_us, 50) / 1000) + " ms, p99 " +
               std::to_string(Percentile(latencies_us, 99) / 1000) + " ms");
  LLS_RETURN_IF_ERROR(rig->Stop());

  std::vector<Figure> figures;
  figures.push_back(
      MakeFigure(kFanoutKey, "fan-out to 100 subscribers", "deliveries/s", per_s, true,
                 std::to_string(kSubscribers) + " long-poll subscribers, " +
                     std::to_string(kPublishers) + " publishers at full window (" +
                     std::to_string(static_cast<int64_t>(max->msgs_per_s)) + " msg/s published)"));
  figures.push_back(MakeFigure("delivery_p50_ms", "publish->delivery p50 at half load", "ms",
                               Percentile(latencies_us, 50) / 1000, false,
                               "paced at " + std::to_string(static_cast<int64_t>(half)) +
                                   " msg/s, " + std::to_string(latencies_us.size()) +
                                   " deliveries"));
  figures.push_back(MakeFigure(kDeliveryP99Key, "publish->delivery p99 at half load", "ms",
                               Percentile(latencies_us, 99) / 1000, false, ""));
  return figures;
}

}  // namespace lls::bench
