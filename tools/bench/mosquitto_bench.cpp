// The Mosquitto twins of ingest, latency, fan-out, replay and connections (scenarios.h).
//
// Each part runs against a broker of its own (mosquitto_broker.h), started fresh so that one
// part's backlog or heap does not weigh on the next; all share one CA made at the start. The
// load is load.h's shape (mosquitto_load.h). What Mosquitto's acknowledgements mean differs
// from LLS Exchange's, and each progress line says so: a PUBACK means the broker holds the
// message in memory (or, with no subscriber, has dropped it), never that it is on disk.
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <thread>
#include <unordered_set>

#include "tools/bench/child.h"
#include "tools/bench/load.h"
#include "tools/bench/mosquitto_broker.h"
#include "tools/bench/mosquitto_client.h"
#include "tools/bench/mosquitto_load.h"
#include "tools/bench/scenarios.h"

namespace lls::bench {
namespace {

namespace fs = std::filesystem;
using Figures = std::map<std::string, double>;

constexpr size_t kSubscriberThreads = 4;
constexpr const char* kReplayClientId = "lls-bench-replay";

// What every part needs: the context, the run's folder and the CA.
struct Setup {
  const BenchContext& ctx;
  fs::path program;
  fs::path folder;
  BrokerCertificates certificates;
};

std::string Number(double value, int decimals = 0) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  return text;
}

Result<MosquittoBroker> StartBroker(const Setup& setup, const std::string& part) {
  const fs::path folder = setup.folder / part;
  std::error_code error;
  fs::create_directories(folder, error);
  if (error) return Status(Code::kIoError, "cannot create " + folder.string());
  return MosquittoBroker::Start(setup.program, folder, setup.certificates);
}

// Waits until `pool` has received `expected` messages (or `timeout` passed: the caller
// measures what arrived; a shortfall shows in the figure).
void AwaitDeliveries(const SubscriberPool& pool, uint64_t expected, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (pool.received() < expected && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Status MeasureIngest(const Setup& setup, Figures& figures) {
  LLS_ASSIGN_OR_RETURN(MosquittoBroker broker, StartBroker(setup, "ingest"));
  const double seconds = setup.ctx.Seconds(2, 10);
  MqttPublishPlan plan;
  plan.topic = "lls/bench/ingest";
  plan.seconds = seconds;
  LLS_ASSIGN_OR_RETURN(MqttPublishRun max, DrivePublishers(broker.endpoint(), plan));
  if (max.acked == 0) return Status(Code::kUnavailable, "mosquitto acknowledged nothing");
  figures[kIngestKey] = max.msgs_per_s;
  setup.ctx.progress("mosquitto ingest: " + Number(max.msgs_per_s) + " msg/s PUBACKed (" +
                     std::to_string(kPublishers) + " publishers x " + std::to_string(kWindow) +
                     " in flight, " + std::to_string(kPayloadBytes) +
                     " B, TLS, QoS 1; no subscriber, so Mosquitto keeps nothing: a PUBACK here "
                     "is not a stored message)");

  plan.rate_per_s = max.msgs_per_s / 2;
  plan.seed = 2;
  LLS_ASSIGN_OR_RETURN(MqttPublishRun paced, DrivePublishers(broker.endpoint(), plan));
  figures[kAckP50Key] = Percentile(paced.latencies_us, 50) / 1000;
  figures[kAckP99Key] = Percentile(paced.latencies_us, 99) / 1000;
  figures[kAckP999Key] = Percentile(paced.latencies_us, 99.9) / 1000;
  setup.ctx.progress("mosquitto publish->PUBACK at " + Number(plan.rate_per_s) +
                     " msg/s (half its max): p50 " + Number(figures[kAckP50Key], 3) + " ms, p99 " +
                     Number(figures[kAckP99Key], 3) + " ms, p99.9 " +
                     Number(figures[kAckP999Key], 3) + " ms over " +
                     std::to_string(paced.latencies_us.size()) + " messages");
  return Status::Ok();
}

// Deliveries/s to kSubscribers while the publishers keep full windows; returns the publish
// rate Mosquitto accepted meanwhile.
Result<double> MeasureFanoutRate(const Setup& setup, const std::string& topic, Figures& figures) {
  LLS_ASSIGN_OR_RETURN(MosquittoBroker broker, StartBroker(setup, "fanout"));
  LLS_ASSIGN_OR_RETURN(
      auto pool, SubscriberPool::Start(broker.endpoint(), topic, kSubscribers, kSubscriberThreads));
  MqttPublishPlan plan;
  plan.topic = topic;
  plan.seconds = setup.ctx.Seconds(2, 10);
  plan.on_window = [&pool](SteadyTime from, SteadyTime to) {
    pool->SetWindow(from, to, /*record_latency=*/false);
  };
  LLS_ASSIGN_OR_RETURN(MqttPublishRun run, DrivePublishers(broker.endpoint(), plan));
  // The backlog this leaves is not waited for: the broker goes with it.
  LLS_ASSIGN_OR_RETURN(DeliveryRun delivered, pool->Stop());
  const double per_s = static_cast<double>(delivered.delivered) / run.seconds;
  figures[kFanoutKey] = per_s;
  setup.ctx.progress("mosquitto fan-out: " + Number(per_s) + " deliveries/s to " +
                     std::to_string(kSubscribers) + " QoS 1 subscribers while " +
                     std::to_string(kPublishers) + " publishers had " + Number(run.msgs_per_s) +
                     " msg/s PUBACKed (held in memory, queues unlimited)");
  return run.msgs_per_s;
}

Status MeasureFanout(const Setup& setup, Figures& figures) {
  const std::string topic = "lls/bench/fanout";
  LLS_ASSIGN_OR_RETURN(double publish_rate, MeasureFanoutRate(setup, topic, figures));
  // Half of what was published, or of what the subscribers could take if they fell behind,
  // so that the latency is not that of a growing queue.
  const double rate =
      std::min(publish_rate, figures[kFanoutKey] / static_cast<double>(kSubscribers)) / 2;
  LLS_ASSIGN_OR_RETURN(MosquittoBroker broker, StartBroker(setup, "delivery"));
  LLS_ASSIGN_OR_RETURN(
      auto pool, SubscriberPool::Start(broker.endpoint(), topic, kSubscribers, kSubscriberThreads));
  MqttPublishPlan plan;
  plan.topic = topic;
  plan.rate_per_s = rate;
  plan.seconds = setup.ctx.Seconds(2, 10);
  plan.on_window = [&pool](SteadyTime from, SteadyTime to) {
    pool->SetWindow(from, to, /*record_latency=*/true);
  };
  LLS_ASSIGN_OR_RETURN(MqttPublishRun run, DrivePublishers(broker.endpoint(), plan));
  const uint64_t expected = run.acked_total * kSubscribers;
  const uint64_t backlog = expected - std::min(expected, pool->received());
  AwaitDeliveries(*pool, expected, std::chrono::seconds(30));
  LLS_ASSIGN_OR_RETURN(DeliveryRun delivered, pool->Stop());
  // More than 100 ms of deliveries still queued: the rate was not sustainable this time (on a
  // shared machine the capacity moves), and the latency is mostly queueing; say so.
  std::string behind;
  if (static_cast<double>(backlog) > rate * kSubscribers / 10) {
    behind = "; " + std::to_string(backlog) +
             " deliveries still queued when publishing stopped: the machine gave Mosquitto "
             "less than when its fan-out rate was measured";
  }
  figures[kDeliveryP99Key] = Percentile(delivered.latencies_us, 99) / 1000;
  setup.ctx.progress("mosquitto publish->delivery at " + Number(rate) + " msg/s x " +
                     std::to_string(kSubscribers) + " subscribers: p50 " +
                     Number(Percentile(delivered.latencies_us, 50) / 1000, 3) + " ms, p99 " +
                     Number(figures[kDeliveryP99Key], 3) + " ms, max " +
                     Number(Percentile(delivered.latencies_us, 100) / 1000, 3) + " ms over " +
                     std::to_string(delivered.latencies_us.size()) + " deliveries" + behind);
  return Status::Ok();
}

// A persistent session (clean_session false, fixed id) that subscribes and leaves, so the
// broker queues what is published meanwhile.
Status LeavePersistentSubscription(const MqttEndpoint& endpoint, const std::string& topic) {
  LLS_ASSIGN_OR_RETURN(auto client, MqttClient::Create(kReplayClientId, /*clean_session=*/false,
                                                       endpoint, static_cast<int>(kWindow)));
  LLS_RETURN_IF_ERROR(client->Connect(std::chrono::seconds(60)));
  std::vector<MqttClient*> clients{client.get()};
  LLS_RETURN_IF_ERROR(PumpUntil(
      clients, [&] { return client->connected(); }, std::chrono::seconds(10),
      "connecting the late joiner"));
  bool subscribed = false;
  client->on_subscribe = [&subscribed](int) { subscribed = true; };
  LLS_RETURN_IF_ERROR(client->Subscribe(topic).status());
  LLS_RETURN_IF_ERROR(PumpUntil(
      clients, [&] { return subscribed; }, std::chrono::seconds(10),
      "subscribing the late joiner"));
  LLS_RETURN_IF_ERROR(client->Disconnect());
  return PumpUntil(
      clients, [&] { return client->socket() < 0; }, std::chrono::seconds(10),
      "disconnecting the late joiner");
}

Status MeasureReplay(const Setup& setup, Figures& figures) {
  const std::string topic = "lls/bench/replay";
  const uint64_t count = setup.ctx.Pick<uint64_t>(10'000, 1'000'000);
  LLS_ASSIGN_OR_RETURN(MosquittoBroker broker, StartBroker(setup, "replay"));
  LLS_RETURN_IF_ERROR(LeavePersistentSubscription(broker.endpoint(), topic));
  MqttPublishPlan plan;
  plan.topic = topic;
  plan.count = count;
  plan.seed = 3;
  LLS_ASSIGN_OR_RETURN(MqttPublishRun published, DrivePublishers(broker.endpoint(), plan));
  if (published.acked_total != count) {
    return Status(Code::kInternal, "mosquitto acknowledged " +
                                       std::to_string(published.acked_total) + " of " +
                                       std::to_string(count));
  }
  LLS_ASSIGN_OR_RETURN(int64_t queued_kib, ResidentKiB(broker.pid()));

  LLS_ASSIGN_OR_RETURN(
      auto client, MqttClient::Create(kReplayClientId, /*clean_session=*/false, broker.endpoint(),
                                      static_cast<int>(kWindow)));
  // Done when every distinct message has arrived: a redelivery counts once.
  uint64_t received = 0;
  std::unordered_set<uint64_t> distinct;
  distinct.reserve(count);
  SteadyTime last{};
  client->on_message = [&](const uint8_t* payload, size_t size) {
    ++received;
    distinct.insert(PayloadNumber(payload, size));
    if (distinct.size() == count) last = std::chrono::steady_clock::now();
  };
  const SteadyTime start = std::chrono::steady_clock::now();
  LLS_RETURN_IF_ERROR(client->Connect(std::chrono::seconds(60)));
  const auto timeout = std::chrono::seconds(std::max<uint64_t>(60, count / 1000));
  LLS_RETURN_IF_ERROR(PumpUntil(
      {client.get()}, [&] { return distinct.size() >= count; }, timeout,
      "replaying " + std::to_string(count) + " messages"));
  const double per_s =
      static_cast<double>(count) / std::chrono::duration<double>(last - start).count();
  figures[kReplayKey] = per_s;
  setup.ctx.progress("mosquitto replay: " + Number(per_s) + " msg/s to a late joiner, " +
                     std::to_string(count) + " queued messages, " +
                     std::to_string(received - count) + " redelivered (broker RSS " +
                     Number(static_cast<double>(queued_kib) / 1024) +
                     " MiB holding them: Mosquitto queues in memory and writes its "
                     "persistence file only at autosave or exit)");
  // Let the last PUBACKs reach the broker, so the session it saves at exit is empty.
  (void)PumpUntil(
      {client.get()}, [] { return false; }, std::chrono::seconds(1), "");
  (void)client->Disconnect();
  return Status::Ok();
}

// The broker inherits this process's limits, and both ends need a descriptor per connection.
Status RaiseFileLimit(size_t needed) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return Status(Code::kIoError, "getrlimit");
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) return Status(Code::kIoError, "setrlimit");
  }
  if (limit.rlim_cur < needed) {
    return Status(Code::kUnavailable, "open-file limit " + std::to_string(limit.rlim_cur) +
                                          " is below the " + std::to_string(needed) + " needed");
  }
  return Status::Ok();
}

Result<std::vector<std::unique_ptr<MqttClient>>> ConnectIdleClients(const MqttEndpoint& endpoint,
                                                                    size_t count) {
  std::vector<std::unique_ptr<MqttClient>> clients;
  std::vector<MqttClient*> raw;
  for (size_t i = 0; i < count; ++i) {
    LLS_ASSIGN_OR_RETURN(auto client,
                         MqttClient::Create("", true, endpoint, static_cast<int>(kWindow)));
    // Keepalive beyond the measurement, so idle means idle.
    LLS_RETURN_IF_ERROR(client->Connect(std::chrono::seconds(600)));
    raw.push_back(client.get());
    clients.push_back(std::move(client));
  }
  LLS_RETURN_IF_ERROR(PumpUntil(
      raw,
      [&raw] {
        return std::all_of(raw.begin(), raw.end(), [](MqttClient* c) { return c->connected(); });
      },
      std::chrono::seconds(60), "connecting " + std::to_string(count) + " clients"));
  return clients;
}

Status MeasureConnections(const Setup& setup, Figures& figures) {
  const size_t count = setup.ctx.Pick<size_t>(200, 5000);
  LLS_RETURN_IF_ERROR(RaiseFileLimit(count + 256));
  LLS_ASSIGN_OR_RETURN(MosquittoBroker broker, StartBroker(setup, "connections"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  LLS_ASSIGN_OR_RETURN(int64_t idle_kib, ResidentKiB(broker.pid()));
  LLS_ASSIGN_OR_RETURN(auto clients, ConnectIdleClients(broker.endpoint(), count));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  LLS_ASSIGN_OR_RETURN(int64_t loaded_kib, ResidentKiB(broker.pid()));
  const double per_connection =
      static_cast<double>(loaded_kib - idle_kib) / static_cast<double>(count);
  figures[kConnectionKey] = per_connection;
  setup.ctx.progress("mosquitto connections: " + Number(per_connection, 1) + " KiB RSS each (" +
                     std::to_string(count) + " idle TLS clients; broker " +
                     std::to_string(idle_kib) + " KiB -> " + std::to_string(loaded_kib) + " KiB)");
  return Status::Ok();
}

}  // namespace

Result<std::map<std::string, double>> RunMosquitto(const BenchContext& ctx) {
  fs::path program =
      ctx.mosquitto_program.empty() ? fs::path("/usr/sbin/mosquitto") : ctx.mosquitto_program;
  if (!fs::exists(program)) {
    return Status(Code::kNotFound, program.string() + " is missing (Debian: mosquitto)");
  }
  LLS_ASSIGN_OR_RETURN(fs::path folder, ctx.Folder("mosquitto"));
  LLS_ASSIGN_OR_RETURN(BrokerCertificates certificates, MakeCertificates(folder));
  const Setup setup{ctx, program, folder, certificates};
  MosquittoLibrary library;
  ctx.progress("mosquitto: brokers from " + program.string() + ", configs under " +
               folder.string() + " (TLS, QoS 1, persistence on, queues unlimited)");

  // A part that fails leaves its keys out and the others still run; the run fails only when
  // nothing could be measured.
  Figures figures;
  Status first_error;
  const std::pair<const char*, Status (*)(const Setup&, Figures&)> parts[] = {
      {"ingest", MeasureIngest},
      {"fan-out", MeasureFanout},
      {"replay", MeasureReplay},
      {"connections", MeasureConnections},
  };
  for (const auto& [name, measure] : parts) {
    Status status = measure(setup, figures);
    if (!status.ok()) {
      ctx.progress(std::string("mosquitto ") + name + " not measured: " + status.ToString());
      if (first_error.ok()) first_error = status.Context(std::string("mosquitto ") + name);
    }
  }
  if (figures.empty()) return first_error;
  return figures;
}

}  // namespace lls::bench
