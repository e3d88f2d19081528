// ClientShard: a share of the "connections" scenario's simulated nodes, held open by a forked
// process. Each node takes four descriptors on the client side (its TCP connection and the
// eventfds of its three ZeroMQ sockets), so 5,000 need 20,000: more than one process may
// open under many hard RLIMIT_NOFILE limits. The scenario therefore splits the nodes over as
// many processes as the limit requires (one, where it allows all).
//
// The child is forked from the bench before it connects anything, and talks to the parent
// over two pipes in lines: it says "ready" once every handshake of its share completed; on
// "prove N" it has N of its nodes each send a signed summary and wait for the Ack, and
// answers "ok R" (R: reconnections seen) or "error TEXT"; on end of input it closes its
// connections and exits. The child never returns into the bench (it ends with _exit), so it
// never runs the destructors of the parent's objects (the hub's ChildProcess would stop the
// hub). Fork safety: RunBench runs scenarios one at a time and joins their threads, so the
// bench is single-threaded when it forks. Not thread-safe; one owner.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>

#include "schema/status.h"
#include "tools/bench/hub_rig.h"

namespace lls::bench {

// Descriptors one simulated node takes in its process.
inline constexpr size_t kDescriptorsPerNode = 4;

class ClientShard {
 public:
  // Forks a process that connects rig.trusts()[first, end) to the rig's (started) hub.
  static Result<std::unique_ptr<ClientShard>> Fork(const HubRig& rig, size_t first, size_t end);
  ~ClientShard();  // closes the pipes and waits for the child (killing it after 30 s)
  ClientShard(const ClientShard&) = delete;
  ClientShard& operator=(const ClientShard&) = delete;

  // Waits up to `timeout` for "ready": every handshake of the share complete.
  Status WaitReady(std::chrono::milliseconds timeout);
  // Has `sample` nodes of the share, spread over it, each send one signed summary and get its
  // Ack. Returns the reconnections the share saw since connecting.
  Result<uint64_t> ProveLive(size_t sample, std::chrono::milliseconds timeout);
  size_t size() const { return end_ - first_; }

 private:
  ClientShard(pid_t pid, int to_child, int from_child, size_t first, size_t end)
      : pid_(pid), to_child_(to_child), from_child_(from_child), first_(first), end_(end) {}
  Result<std::string> ReadLine(std::chrono::milliseconds timeout);
  pid_t pid_;
  int to_child_;
  int from_child_;
  size_t first_, end_;
};

}  // namespace lls::bench
