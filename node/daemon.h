// NodeDaemon: `lls-node run` — the trust node as a service.
//
// One thread owns the socket and the database and loops in slices of at most 200 ms, so that
// SIGTERM/SIGINT end it within a second and nothing is lost (everything it has accepted is in
// node.db before it is sent):
//   - keeps the outbox flowing: sends what is due, with exponential, jittered backoff per
//     message; applies Acks and Nacks;
//   - when the hub refuses this node's key, records it and tries again with a fresh connection
//     after a minute (an operator may enrol it meanwhile);
//   - keeps the inbox current when hub.subscribe_endpoint is set (node/inbox.h): a long-poll
//     of ~2 s at the hub, answered within a slice of it arriving, never blocking the loop;
//   - watches the drop folder (if configured): each new file is imported (all or nothing),
//     then moved to processed/ or, with a FILE.error.txt listing its problems, to failed/;
//     with drop.publish its pending items are published (refused, and logged, when they hold
//     identifiers, unless drop.redact).
// Idle, it sleeps in zmq_poll: no busy waiting.
//
// Not thread-safe; `stop` may be set from a signal handler.
#pragma once

#include <atomic>
#include <memory>

#include "crypto/crypto.h"
#include "exchange/clock.h"
#include "exchange/publisher.h"
#include "exchange/transport.h"
#include "node/inbox.h"
#include "node/node_config.h"
#include "node/node_store.h"
#include "node/scrubber.h"

namespace lls::node {

class NodeDaemon {
 public:
  // `clock` must outlive the daemon.
  NodeDaemon(NodeConfig config, crypto::Identity identity, crypto::PublicIdentity hub,
             std::unique_ptr<NodeStore> store, Scrubber scrubber, const Clock& clock);
  ~NodeDaemon();

  Status Run(const std::atomic<bool>& stop);

 private:
  Status EnsureConnected();
  Status PumpInbox();
  Status ScanDropFolder();
  Status ImportDropped(const std::filesystem::path& file);
  // With drop.publish: queues what is pending (after a dropped file's import, before the file
  // is moved to processed/), unless the text holds possible identifiers and redact is off.
  Status QueueDropped();

  NodeConfig config_;
  crypto::Identity identity_;
  crypto::PublicIdentity hub_;
  std::unique_ptr<NodeStore> store_;
  Scrubber scrubber_;
  const Clock& clock_;
  std::unique_ptr<transport::ClientTransport> transport_;
  std::unique_ptr<Publisher> publisher_;
  std::chrono::steady_clock::time_point reconnect_at_{};
  std::unique_ptr<transport::ClientTransport> inbox_transport_;  // to the subscribe endpoint
  std::unique_ptr<InboxClient> inbox_;
  std::chrono::steady_clock::time_point inbox_reconnect_at_{};
  std::chrono::steady_clock::time_point next_drop_scan_{};
};

}  // namespace lls::node
