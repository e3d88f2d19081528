#include "tools/bench/mosquitto_load.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <random>
#include <unordered_map>

namespace lls::bench {
namespace {

using std::chrono::steady_clock;
using Nanos = std::chrono::nanoseconds;

constexpr std::chrono::milliseconds kMaxPumpWait{5};
constexpr std::chrono::seconds kKeepalive{60};

int64_t ToNs(SteadyTime t) {
  return std::chrono::duration_cast<Nanos>(t.time_since_epoch()).count();
}

double MicrosBetween(SteadyTime from, SteadyTime to) {
  return std::chrono::duration<double, std::micro>(to - from).count();
}

// Random bytes, so that nothing on the way can make the payload smaller than the LLS one.
std::vector<uint8_t> RandomPayload(uint64_t seed) {
  std::vector<uint8_t> payload(kPayloadBytes);
  std::mt19937_64 random(seed);
  for (uint8_t& b : payload) b = static_cast<uint8_t>(random());
  return payload;
}

void Stamp(std::vector<uint8_t>& payload, SteadyTime at, uint64_t number) {
  const int64_t ns = ToNs(at);
  std::memcpy(payload.data(), &ns, sizeof(ns));
  std::memcpy(payload.data() + sizeof(ns), &number, sizeof(number));
}

// When and how much one publisher sends.
struct Schedule {
  std::string topic;
  SteadyTime first_send;  // this publisher's first slot (publishers are staggered)
  SteadyTime measure_from;
  SteadyTime measure_to;
  Nanos interval{0};   // between this publisher's sends; 0: whenever the window allows
  uint64_t count = 0;  // count-bounded when not 0
};

struct Publisher {
  std::unique_ptr<MqttClient> client;
  std::vector<uint8_t> payload;
  uint64_t number_base = 0;  // publisher index << 48: numbers never collide across publishers
  std::unordered_map<int, SteadyTime> sent_at;  // by message id, until its PUBACK
  uint64_t published = 0;
  uint64_t acked = 0;  // in the measured phase
  uint64_t acked_total = 0;
  std::vector<double> latencies_us;
  Status status;
};

void OnPuback(Publisher& p, const Schedule& s, int mid) {
  auto it = p.sent_at.find(mid);
  if (it == p.sent_at.end()) return;
  const SteadyTime now = steady_clock::now();
  ++p.acked_total;
  if (s.count == 0 && now >= s.measure_from && now < s.measure_to) {
    ++p.acked;
    p.latencies_us.push_back(MicrosBetween(it->second, now));
  }
  p.sent_at.erase(it);
}

bool MaySend(const Publisher& p, const Schedule& s, SteadyTime now, SteadyTime next) {
  if (p.sent_at.size() >= kWindow) return false;
  if (s.count != 0 && p.published >= s.count) return false;
  return s.interval.count() == 0 || now >= next;
}

bool Finished(const Publisher& p, const Schedule& s, SteadyTime now) {
  if (s.count != 0) return p.published >= s.count && p.sent_at.empty();
  return now >= s.measure_to;
}

Status PublishLoop(Publisher& p, const Schedule& s) {
  SteadyTime next = s.first_send;
  std::this_thread::sleep_until(s.first_send);
  while (true) {
    SteadyTime now = steady_clock::now();
    if (Finished(p, s, now)) return Status::Ok();
    while (MaySend(p, s, now, next)) {
      Stamp(p.payload, now, p.number_base + p.published);
      LLS_ASSIGN_OR_RETURN(int mid, p.client->Publish(s.topic, p.payload.data(), p.payload.size()));
      p.sent_at[mid] = now;
      ++p.published;
      next += s.interval;
    }
    // Sleep in poll until the next PUBACK, or the next slot of a paced publisher.
    Nanos wait = kMaxPumpWait;
    if (s.interval.count() != 0 && p.sent_at.size() < kWindow) {
      wait = std::clamp<Nanos>(next - now, Nanos(0), kMaxPumpWait);
    }
    LLS_RETURN_IF_ERROR(
        PumpClients({p.client.get()}, std::chrono::duration_cast<std::chrono::microseconds>(wait)));
  }
}

void RunPublisher(Publisher& p, const Schedule& s) {
  p.client->on_publish = [&p, &s](int mid) { OnPuback(p, s, mid); };
  p.status = PublishLoop(p, s);
  if (!p.status.ok()) return;
  // Collect the PUBACKs still owed, so the next phase starts on a quiet broker.
  p.status = PumpUntil(
      {p.client.get()}, [&p] { return p.sent_at.empty(); }, std::chrono::seconds(10),
      "the last PUBACKs");
  if (p.status.ok()) p.status = p.client->Disconnect();
}

Result<std::vector<Publisher>> ConnectPublishers(const MqttEndpoint& endpoint, uint64_t seed) {
  std::vector<Publisher> publishers(kPublishers);
  std::vector<MqttClient*> clients;
  for (size_t i = 0; i < kPublishers; ++i) {
    LLS_ASSIGN_OR_RETURN(publishers[i].client,
                         MqttClient::Create("", /*clean_session=*/true, endpoint, kWindow));
    LLS_RETURN_IF_ERROR(publishers[i].client->Connect(kKeepalive));
    publishers[i].payload = RandomPayload(seed * 1000 + i);
    publishers[i].number_base = (static_cast<uint64_t>(i) << 48) + 1;
    clients.push_back(publishers[i].client.get());
  }
  LLS_RETURN_IF_ERROR(PumpUntil(
      clients,
      [&clients] {
        return std::all_of(clients.begin(), clients.end(),
                           [](MqttClient* c) { return c->connected(); });
      },
      std::chrono::seconds(10), "connecting publishers"));
  return publishers;
}

std::vector<Schedule> MakeSchedules(const MqttPublishPlan& plan) {
  const SteadyTime start = steady_clock::now() + std::chrono::milliseconds(20);
  const auto seconds = [](double s) {
    return std::chrono::duration_cast<Nanos>(std::chrono::duration<double>(s));
  };
  Nanos interval{0};
  if (plan.rate_per_s > 0) interval = seconds(kPublishers / plan.rate_per_s);
  std::vector<Schedule> schedules(kPublishers);
  for (size_t i = 0; i < kPublishers; ++i) {
    Schedule& s = schedules[i];
    s.topic = plan.topic;
    s.first_send = start + interval * static_cast<int64_t>(i) / static_cast<int64_t>(kPublishers);
    s.measure_from = start + seconds(plan.warmup_s);
    s.measure_to = s.measure_from + seconds(plan.seconds);
    s.interval = interval;
    if (plan.count != 0) {
      // Spread the count; the first publishers take the remainder.
      s.count = plan.count / kPublishers + (i < plan.count % kPublishers ? 1 : 0);
    }
  }
  return schedules;
}

}  // namespace

uint64_t PayloadNumber(const uint8_t* payload, size_t size) {
  uint64_t number = 0;
  if (size >= 2 * sizeof(number)) std::memcpy(&number, payload + sizeof(int64_t), sizeof(number));
  return number;
}

Result<MqttPublishRun> DrivePublishers(const MqttEndpoint& endpoint, const MqttPublishPlan& plan) {
  LLS_ASSIGN_OR_RETURN(std::vector<Publisher> publishers, ConnectPublishers(endpoint, plan.seed));
  const std::vector<Schedule> schedules = MakeSchedules(plan);
  if (plan.on_window) plan.on_window(schedules[0].measure_from, schedules[0].measure_to);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < kPublishers; ++i) {
    threads.emplace_back(RunPublisher, std::ref(publishers[i]), std::cref(schedules[i]));
  }
  for (std::thread& t : threads) t.join();

  MqttPublishRun run;
  run.measure_from = schedules[0].measure_from;
  run.measure_to = schedules[0].measure_to;
  run.seconds = plan.count != 0 ? 0 : plan.seconds;
  for (Publisher& p : publishers) {
    LLS_RETURN_IF_ERROR(p.status);
    run.acked += p.acked;
    run.acked_total += p.acked_total;
    run.latencies_us.insert(run.latencies_us.end(), p.latencies_us.begin(), p.latencies_us.end());
  }
  if (run.seconds > 0) run.msgs_per_s = static_cast<double>(run.acked) / run.seconds;
  return run;
}

// --- SubscriberPool ---------------------------------------------------------------------

struct SubscriberPool::Shared {
  std::atomic<int64_t> from_ns{std::numeric_limits<int64_t>::max()};
  std::atomic<int64_t> to_ns{std::numeric_limits<int64_t>::min()};
  std::atomic<bool> record_latency{false};
  std::atomic<bool> stop{false};
};

struct SubscriberPool::Worker {
  std::vector<std::unique_ptr<MqttClient>> clients;
  std::atomic<uint64_t> received{0};
  std::atomic<bool> ready{false};   // subscribed, or failed trying
  std::atomic<bool> failed{false};  // could not subscribe; `status` says why
  // Owned by the thread until it ends:
  uint64_t delivered = 0;
  std::vector<double> latencies_us;
  Status status;
};

namespace {

void OnDelivery(SubscriberPool::Worker& w, const SubscriberPool::Shared& shared,
                const uint8_t* payload, size_t size) {
  const int64_t now = ToNs(steady_clock::now());
  w.received.fetch_add(1, std::memory_order_relaxed);
  const int64_t from = shared.from_ns.load(std::memory_order_relaxed);
  const int64_t to = shared.to_ns.load(std::memory_order_relaxed);
  if (now >= from && now < to) ++w.delivered;
  if (!shared.record_latency.load(std::memory_order_relaxed) || size < sizeof(int64_t)) return;
  // Timed by when it was published, so that the last messages of the phase count however
  // late they arrive.
  int64_t sent = 0;
  std::memcpy(&sent, payload, sizeof(sent));
  if (sent >= from && sent < to) w.latencies_us.push_back(static_cast<double>(now - sent) / 1e3);
}

std::vector<MqttClient*> Raw(const std::vector<std::unique_ptr<MqttClient>>& clients) {
  std::vector<MqttClient*> raw;
  for (const auto& c : clients) raw.push_back(c.get());
  return raw;
}

Status ConnectAndSubscribe(SubscriberPool::Worker& w, const std::string& topic) {
  const std::vector<MqttClient*> clients = Raw(w.clients);
  for (MqttClient* c : clients) LLS_RETURN_IF_ERROR(c->Connect(kKeepalive));
  LLS_RETURN_IF_ERROR(PumpUntil(
      clients,
      [&clients] {
        return std::all_of(clients.begin(), clients.end(),
                           [](MqttClient* c) { return c->connected(); });
      },
      std::chrono::seconds(30), "connecting subscribers"));
  size_t subacks = 0;
  for (MqttClient* c : clients) {
    c->on_subscribe = [&subacks](int) { ++subacks; };
    LLS_RETURN_IF_ERROR(c->Subscribe(topic).status());
  }
  LLS_RETURN_IF_ERROR(PumpUntil(
      clients, [&] { return subacks == clients.size(); }, std::chrono::seconds(30), "subscribing"));
  for (MqttClient* c : clients) c->on_subscribe = nullptr;
  return Status::Ok();
}

void RunSubscribers(SubscriberPool::Worker& w, const SubscriberPool::Shared& shared,
                    const std::string& topic) {
  w.status = ConnectAndSubscribe(w, topic);
  w.failed = !w.status.ok();
  w.ready = true;
  const std::vector<MqttClient*> clients = Raw(w.clients);
  while (w.status.ok() && !shared.stop.load()) {
    w.status = PumpClients(clients, std::chrono::milliseconds(10));
  }
  for (MqttClient* c : clients) (void)c->Disconnect();
}

}  // namespace

SubscriberPool::SubscriberPool() : shared_(std::make_unique<Shared>()) {}

SubscriberPool::~SubscriberPool() { (void)Stop(); }

Result<std::unique_ptr<SubscriberPool>> SubscriberPool::Start(const MqttEndpoint& endpoint,
                                                              const std::string& topic,
                                                              size_t count, size_t threads) {
  std::unique_ptr<SubscriberPool> pool(new SubscriberPool());
  for (size_t t = 0; t < threads; ++t) pool->workers_.push_back(std::make_unique<Worker>());
  for (size_t i = 0; i < count; ++i) {
    Worker& w = *pool->workers_[i % threads];
    LLS_ASSIGN_OR_RETURN(auto client,
                         MqttClient::Create("", /*clean_session=*/true, endpoint, kWindow));
    Shared& shared = *pool->shared_;
    client->on_message = [&w, &shared](const uint8_t* payload, size_t size) {
      OnDelivery(w, shared, payload, size);
    };
    w.clients.push_back(std::move(client));
  }
  for (auto& w : pool->workers_) {
    pool->threads_.emplace_back(RunSubscribers, std::ref(*w), std::cref(*pool->shared_), topic);
  }
  // Wait for every thread to have its subscribers in place; a failed one ends its thread,
  // and Stop() then returns its error.
  while (!std::all_of(pool->workers_.begin(), pool->workers_.end(),
                      [](const auto& w) { return w->ready.load(); })) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& w : pool->workers_) {
    if (w->failed.load()) return pool->Stop().status();
  }
  return pool;
}

void SubscriberPool::SetWindow(SteadyTime from, SteadyTime to, bool record_latency) {
  shared_->record_latency = record_latency;
  shared_->from_ns = ToNs(from);
  shared_->to_ns = ToNs(to);
}

uint64_t SubscriberPool::received() const {
  uint64_t sum = 0;
  for (const auto& w : workers_) sum += w->received.load(std::memory_order_relaxed);
  return sum;
}

Result<DeliveryRun> SubscriberPool::Stop() {
  shared_->stop = true;
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  DeliveryRun run;
  for (auto& w : workers_) {
    LLS_RETURN_IF_ERROR(w->status);
    run.delivered += w->delivered;
    run.latencies_us.insert(run.latencies_us.end(), w->latencies_us.begin(), w->latencies_us.end());
  }
  return run;
}

}  // namespace lls::bench
