// "connections": what each concurrent node connection costs the hub in resident memory.
//
// The hub's RSS is read idle (every member enrolled, nobody connected) and again with one
// CURVE connection per member, all handshakes complete; the difference over the count is the
// figure. The simulated nodes live in forked client processes (connections_shard.h), as few
// as RLIMIT_NOFILE allows, and in each they share one ZeroMQ context
// (transport::ClientContext): 5,000 transports with a context each would be 10,000 threads.
// A sample of them then sends a signed summary and must get its Ack, so the connections
// measured were live, not half-open.
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "tools/bench/connections_shard.h"
#include "tools/bench/hub_rig.h"
#include "tools/bench/load.h"
#include "tools/bench/scenarios.h"

namespace lls::bench {

namespace {

constexpr size_t kSpareDescriptors = 512;  // per client process: logs, contexts, pipes
constexpr size_t kLiveSample = 50;
constexpr auto kSettle = std::chrono::seconds(2);
constexpr auto kReadyWait = std::chrono::minutes(5);
constexpr auto kProveWait = std::chrono::minutes(2);

// Raises the RLIMIT_NOFILE soft limit to the hard one, for the client processes and for the
// hub started next (children inherit it). Returns the new soft limit.
Result<size_t> RaiseDescriptorLimit(const BenchContext& ctx) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return Status(Code::kInternal, std::string("getrlimit: ") + std::strerror(errno));
  }
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return Status(Code::kInternal, std::string("setrlimit: ") + std::strerror(errno));
  }
  ctx.progress("connections: RLIMIT_NOFILE soft limit raised from " + std::to_string(before) +
               " to the hard limit, " + std::to_string(limit.rlim_cur) +
               " (the hub and the client processes inherit it)");
  if (limit.rlim_cur == RLIM_INFINITY) return size_t{1} << 20;
  return static_cast<size_t>(limit.rlim_cur);
}

// The hub's RSS after letting it settle (allocations of the last step returned or kept).
Result<int64_t> SettledResidentKiB(const HubRig& rig) {
  std::this_thread::sleep_for(kSettle);
  return ResidentKiB(rig.pid());
}

// Every trust of the rig connected, over as few client processes as `descriptors` allow.
Result<std::vector<std::unique_ptr<ClientShard>>> ConnectShards(const HubRig& rig,
                                                                size_t descriptors,
                                                                const BenchContext& ctx) {
  const size_t count = rig.trusts().size();
  if (descriptors < kSpareDescriptors + 100 * kDescriptorsPerNode) {
    return Status(Code::kUnavailable, "RLIMIT_NOFILE is " + std::to_string(descriptors) +
                                          ": too low to hold connections (raise ulimit -Hn)");
  }
  const size_t per_process = (descriptors - kSpareDescriptors) / kDescriptorsPerNode;
  const size_t processes = (count + per_process - 1) / per_process;
  ctx.progress("connections: opening " + std::to_string(count) + " CURVE connections from " +
               std::to_string(processes) + " client process(es)");
  // A write to a client process that died must be an error, not the bench's death.
  signal(SIGPIPE, SIG_IGN);
  std::vector<std::unique_ptr<ClientShard>> shards;
  for (size_t p = 0; p < processes; ++p) {
    LLS_ASSIGN_OR_RETURN(std::unique_ptr<ClientShard> shard,
                         ClientShard::Fork(rig, count * p / processes,
                                           count * (p + 1) / processes));
    shards.push_back(std::move(shard));
  }
  for (auto& shard : shards) LLS_RETURN_IF_ERROR(shard->WaitReady(kReadyWait));
  ctx.progress("connections: " + std::to_string(count) + " handshakes complete");
  return shards;
}

// `sample` nodes across the shards send a signed summary each and get its Ack. Returns the
// reconnections the shards saw.
Result<uint64_t> ProveLive(std::vector<std::unique_ptr<ClientShard>>& shards, size_t count,
                           size_t sample) {
  uint64_t reconnections = 0;
  for (auto& shard : shards) {
    const size_t share = std::max<size_t>(1, sample * shard->size() / count);
    LLS_ASSIGN_OR_RETURN(uint64_t seen, shard->ProveLive(share, kProveWait));
    reconnections += seen;
  }
  return reconnections;
}

Figure KiBFigure(const char* key, const char* label, double value, std::string note) {
  return MakeFigure(key, label, "KiB", value, false, std::move(note));
}

}  // namespace

Result<std::vector<Figure>> RunConnections(const BenchContext& ctx) {
  const size_t count = ctx.Pick<size_t>(200, 5000);
  LLS_ASSIGN_OR_RETURN(size_t descriptors, RaiseDescriptorLimit(ctx));
  LLS_ASSIGN_OR_RETURN(std::filesystem::path folder, ctx.Folder("connections"));
  HubRigOptions rig_options;
  rig_options.trusts = count;
  rig_options.subscribe = false;  // ingest connections only: what a node holds open
  ctx.progress("connections: enrolling " + std::to_string(count) + " members");
  LLS_ASSIGN_OR_RETURN(std::unique_ptr<HubRig> rig, HubRig::Create(folder / "hub", rig_options));
  LLS_RETURN_IF_ERROR(rig->Start(ctx.hub_program));
  LLS_ASSIGN_OR_RETURN(int64_t idle_kib, SettledResidentKiB(*rig));

  LLS_ASSIGN_OR_RETURN(auto shards, ConnectShards(*rig, descriptors, ctx));
  LLS_ASSIGN_OR_RETURN(int64_t connected_kib, SettledResidentKiB(*rig));
  const size_t sample = std::min(kLiveSample, count);
  LLS_ASSIGN_OR_RETURN(uint64_t reconnections, ProveLive(shards, count, sample));
  shards.clear();  // the client processes drop their connections and exit
  LLS_RETURN_IF_ERROR(rig->Stop());

  ctx.progress("connections: hub RSS " + std::to_string(idle_kib) + " KiB idle, " +
               std::to_string(connected_kib) + " KiB with " + std::to_string(count) +
               " connections");
  const double per_connection =
      static_cast<double>(connected_kib - idle_kib) / static_cast<double>(count);
  return std::vector<Figure>{
      KiBFigure(kConnectionKey, "hub resident memory per node connection", per_connection,
                std::to_string(count) + " concurrent CURVE connections; hub RSS " +
                    std::to_string(idle_kib) + " -> " + std::to_string(connected_kib) +
                    " KiB; " + std::to_string(sample) +
                    " of them sent a signed summary and were acked; " +
                    std::to_string(reconnections) + " reconnections"),
      KiBFigure("hub_rss_idle_kib", "hub resident memory, idle",
                static_cast<double>(idle_kib),
                std::to_string(count) + " members enrolled, none connected")};
}

}  // namespace lls::bench
