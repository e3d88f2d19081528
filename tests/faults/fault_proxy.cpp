#include "tests/faults/fault_proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <fstream>
#include <iterator>
#include <list>
#include <optional>
#include <random>
#include <vector>

namespace lls::faults {

namespace {

using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kIdleTurn = 20ms;  // longest poll wait: bounds how late a command is seen
constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kMaxQueued = 4u << 20;  // per direction; beyond it the source is not read
constexpr int kBacklog = 128;            // parked connections wait here (kPark)

void CloseReset(int fd) {
  // SO_LINGER {on, 0}: close() sends RST instead of FIN and drops unsent data.
  if (fd < 0) return;
  linger l{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(fd);
}

void SetNonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK); }

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

struct Chunk {
  std::vector<uint8_t> bytes;
  size_t offset = 0;
  SteadyClock::time_point due;
};

// One direction of a connection pair: bytes read from `from`, waiting to be written to `to`.
struct Direction {
  Flow flow = Flow::kForward;
  std::deque<Chunk> queue;
  size_t queued = 0;
  bool eof = false;   // the source sent FIN
  bool shut = false;  // FIN passed on (shutdown(to, SHUT_WR))

  bool Readable() const { return flow != Flow::kHold && !eof && queued < kMaxQueued; }
  bool Due(SteadyClock::time_point now) const {
    return flow != Flow::kHold && flow != Flow::kDiscard && !queue.empty() &&
           queue.front().due <= now;
  }
  int64_t Clear() {
    const int64_t n = static_cast<int64_t>(queued);
    queue.clear();
    queued = 0;
    return n;
  }
};

struct Pair {
  int client = -1;
  int server = -1;
  bool connecting = true;  // the upstream connect() has not completed
  bool pinned = false;
  size_t reset_after = 0;  // 0: never; else RST once this many client bytes were passed on
  int64_t up_passed = 0;
  Direction up, down;  // up: client -> server
};

}  // namespace

FaultMode HealthyMode() { return FaultMode{}; }

FaultMode DelayMode(std::chrono::milliseconds latency) {
  FaultMode m;
  m.name = "delay";
  m.up = m.down = m.fresh_up = m.fresh_down = Flow::kDelay;
  m.delay = latency;
  return m;
}

FaultMode DropMode() {
  FaultMode m;
  m.name = "drop";
  m.admit = Admit::kPark;
  m.up = m.down = Flow::kDiscard;
  m.pin = true;
  return m;
}

FaultMode StallMode() {
  FaultMode m;
  m.name = "stall";
  m.admit = Admit::kPark;
  m.up = m.down = Flow::kHold;
  return m;
}

FaultMode HalfOpenAcksMode() {
  FaultMode m;
  m.name = "half-open-replies";
  m.down = Flow::kDiscard;
  m.pin = true;
  return m;
}

FaultMode HalfOpenSendsMode() {
  FaultMode m;
  m.name = "half-open-sends";
  m.up = Flow::kDiscard;
  m.pin = true;
  return m;
}

FaultMode HandshakeResetMode(size_t max_bytes) {
  FaultMode m;
  m.name = "handshake-reset";
  m.reset_after_bytes = std::max<size_t>(1, max_bytes);
  return m;
}

FaultMode PartitionMode() {
  FaultMode m;
  m.name = "partition";
  m.admit = Admit::kRefuse;
  return m;
}

struct FaultProxy::Impl {
  int upstream_port = 0;
  int port = 0;
  int listener = -1;
  int wake[2] = {-1, -1};
  std::mt19937_64 rng;
  std::list<Pair> pairs;
  FaultMode mode;
  ProxyCounters counters;  // owned by the proxy thread; published under `mu`

  // Shared with the harness thread.
  mutable std::mutex mu;
  std::condition_variable applied_cv;
  std::optional<FaultMode> pending_mode;
  bool pending_reset = false;
  uint64_t requested = 0, applied = 0;
  bool stop = false;
  ProxyCounters published;
  std::string published_mode = "healthy";
  std::thread thread;

  void Run();
  void TakeCommands();
  void Listen();
  void Accept();
  void ApplyMode(const FaultMode& m);
  enum class Cause { kInjected, kMidHandshake, kPropagated };
  void Reset(Pair& p, Cause cause);
  void Service(Pair& p, short client_events, short server_events, SteadyClock::time_point now);
  std::chrono::milliseconds PollSet(std::vector<pollfd>& fds, bool accepting,
                                    SteadyClock::time_point now);
  void Reap();
  bool ReadInto(int from, Direction& d, int64_t& discarded, SteadyClock::time_point now);
  bool WriteFrom(int to, Direction& d, int64_t& passed, size_t limit);
  void Wake() {
    char c = 1;
    (void)!write(wake[1], &c, 1);
  }
};

void FaultProxy::Impl::Listen() {
  if (listener >= 0) return;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr = Loopback(port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, kBacklog) != 0) {
    close(fd);  // tried again next turn
    return;
  }
  SetNonBlocking(fd);
  listener = fd;
}

void FaultProxy::Impl::ApplyMode(const FaultMode& m) {
  mode = m;
  for (Pair& p : pairs) {
    if (p.pinned) continue;
    p.up.flow = m.up;
    p.down.flow = m.down;
    if (m.up == Flow::kDiscard) counters.discarded_up += p.up.Clear();
    if (m.down == Flow::kDiscard) counters.discarded_down += p.down.Clear();
    p.pinned = m.pin;
  }
  if (m.admit == Admit::kRefuse && listener >= 0) {
    // Closing the listening socket makes the kernel answer SYNs with RST (ECONNREFUSED) and
    // resets whatever was waiting in its accept queue.
    close(listener);
    listener = -1;
    ++counters.refusals;
  } else if (m.admit != Admit::kRefuse) {
    // Heal: listen again before SetMode returns, so a connect() right after it is not refused
    // (seen under ASan, where the proxy thread's next turn came after the test's connect).
    Listen();
  }
}

void FaultProxy::Impl::TakeCommands() {
  std::optional<FaultMode> m;
  bool reset = false;
  uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(mu);
    m.swap(pending_mode);
    reset = pending_reset;
    pending_reset = false;
    generation = requested;
  }
  char buf[64];
  while (read(wake[0], buf, sizeof buf) > 0) {
  }
  if (reset) {
    for (Pair& p : pairs) Reset(p, Cause::kInjected);
  }
  if (m) ApplyMode(*m);
  counters.open = static_cast<int64_t>(pairs.size());
  std::lock_guard<std::mutex> lock(mu);
  applied = generation;
  published = counters;  // the caller sees the effect of its command in counters() at once
  published_mode = mode.name;
  applied_cv.notify_all();
}

void FaultProxy::Impl::Reset(Pair& p, Cause cause) {
  if (p.client < 0 && p.server < 0) return;
  CloseReset(p.client);
  CloseReset(p.server);
  p.client = p.server = -1;
  if (cause == Cause::kPropagated) {
    ++counters.propagated_resets;
  } else {
    ++counters.resets;
    if (cause == Cause::kMidHandshake) ++counters.mid_handshake_resets;
  }
}

void FaultProxy::Impl::Accept() {
  for (;;) {
    int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN: nothing more waiting
    ++counters.accepted;
    if (pairs.size() >= static_cast<size_t>(kMaxConnections)) {
      ++counters.rejected_over_limit;
      CloseReset(fd);
      continue;
    }
    SetNonBlocking(fd);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    Pair p;
    p.client = fd;
    p.up.flow = mode.fresh_up;
    p.down.flow = mode.fresh_down;
    if (mode.reset_after_bytes > 0) {
      p.reset_after = std::uniform_int_distribution<size_t>(1, mode.reset_after_bytes)(rng);
    }
    p.server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    SetNonBlocking(p.server);
    setsockopt(p.server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr = Loopback(upstream_port);
    int rc = connect(p.server, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    if (rc == 0) {
      p.connecting = false;
    } else if (errno != EINPROGRESS) {
      ++counters.upstream_failures;
      CloseReset(p.client);
      close(p.server);
      continue;
    }
    pairs.push_back(std::move(p));
  }
}

// Reads what `from` has into `d` (or throws it away). False when `from` failed (RST, error).
bool FaultProxy::Impl::ReadInto(int from, Direction& d, int64_t& discarded,
                                SteadyClock::time_point now) {
  uint8_t buf[kReadChunk];
  while (d.Readable()) {
    ssize_t n = recv(from, buf, sizeof buf, 0);
    if (n == 0) {
      d.eof = true;
      return true;
    }
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    if (d.flow == Flow::kDiscard) {
      discarded += n;
      continue;
    }
    Chunk c;
    c.bytes.assign(buf, buf + n);
    c.due = d.flow == Flow::kDelay ? now + mode.delay : now;
    d.queued += static_cast<size_t>(n);
    d.queue.push_back(std::move(c));
  }
  return true;
}

// Writes the due bytes of `d` to `to`, at most `limit` of them. False when `to` failed.
bool FaultProxy::Impl::WriteFrom(int to, Direction& d, int64_t& passed, size_t limit) {
  const auto now = SteadyClock::now();
  while (limit > 0 && d.Due(now)) {
    Chunk& c = d.queue.front();
    const size_t n = std::min(c.bytes.size() - c.offset, limit);
    ssize_t sent = send(to, c.bytes.data() + c.offset, n, MSG_NOSIGNAL);
    if (sent < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    c.offset += static_cast<size_t>(sent);
    d.queued -= static_cast<size_t>(sent);
    passed += sent;
    limit -= static_cast<size_t>(sent);
    if (c.offset == c.bytes.size()) d.queue.pop_front();
    if (static_cast<size_t>(sent) < n) break;  // the socket buffer is full
  }
  return true;
}

void FaultProxy::Impl::Service(Pair& p, short client_events, short server_events,
                               SteadyClock::time_point now) {
  if (p.connecting && p.server >= 0 && (server_events & (POLLOUT | POLLERR | POLLHUP))) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(p.server, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      ++counters.upstream_failures;
      Reset(p, Cause::kPropagated);
      return;
    }
    p.connecting = false;
  }
  // A side that failed (RST or error): its peer learns it too, unless the direction from the
  // failed side discards (a dead direction carries no RST either; the peer must notice alone).
  auto side_failed = [&](bool client_side) {
    int& fd = client_side ? p.client : p.server;
    const Direction& from_failed = client_side ? p.up : p.down;
    if (from_failed.flow == Flow::kDiscard) {
      close(fd);
      fd = -1;
    } else {
      Reset(p, Cause::kPropagated);
    }
  };
  // POLLERR: the socket failed (a RST came in) even if its direction is held.
  if (p.client >= 0 && (client_events & POLLERR)) side_failed(true);
  if (p.server >= 0 && !p.connecting && (server_events & POLLERR)) side_failed(false);
  if (p.client >= 0 && (client_events & (POLLIN | POLLHUP))) {
    if (!ReadInto(p.client, p.up, counters.discarded_up, now)) side_failed(true);
  }
  if (p.server >= 0 && !p.connecting && (server_events & (POLLIN | POLLHUP))) {
    if (!ReadInto(p.server, p.down, counters.discarded_down, now)) side_failed(false);
  }
  if (p.client < 0 && p.server < 0) return;
  // Bytes no one can receive any more are dropped.
  if (p.client < 0) p.down.Clear();
  if (p.server < 0) p.up.Clear();
  if (p.server >= 0 && !p.connecting) {
    size_t limit = SIZE_MAX;
    if (p.reset_after > 0) limit = p.reset_after - static_cast<size_t>(p.up_passed);
    int64_t passed = 0;
    const bool ok = WriteFrom(p.server, p.up, passed, limit);
    p.up_passed += passed;
    counters.bytes_up += passed;
    if (!ok) side_failed(false);
  }
  if (p.client >= 0) {
    int64_t passed = 0;
    const bool ok = WriteFrom(p.client, p.down, passed, SIZE_MAX);
    counters.bytes_down += passed;
    if (!ok) side_failed(true);
  }
  // FIN is passed on once everything before it was (never through a discarding direction).
  if (p.up.eof && !p.up.shut && p.up.queue.empty() && p.server >= 0 && !p.connecting &&
      p.up.flow != Flow::kDiscard) {
    shutdown(p.server, SHUT_WR);
    p.up.shut = true;
  }
  if (p.down.eof && !p.down.shut && p.down.queue.empty() && p.client >= 0 &&
      p.down.flow != Flow::kDiscard) {
    shutdown(p.client, SHUT_WR);
    p.down.shut = true;
  }
}

// The descriptors to poll this turn (the wake pipe, the listener, then two per pair, in the
// order of `pairs`) and how long the poll may wait: the next delayed chunk, or kIdleTurn.
std::chrono::milliseconds FaultProxy::Impl::PollSet(std::vector<pollfd>& fds, bool accepting,
                                                    SteadyClock::time_point now) {
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(kIdleTurn);
  fds.push_back({wake[0], POLLIN, 0});
  fds.push_back({accepting ? listener : -1, POLLIN, 0});
  for (Pair& p : pairs) {
    short ce = 0, se = 0;
    if (p.client >= 0) {
      if (p.up.Readable()) ce |= POLLIN;
      if (p.down.Due(now)) ce |= POLLOUT;
    }
    if (p.server >= 0) {
      if (p.connecting) {
        se |= POLLOUT;
      } else {
        if (p.down.Readable()) se |= POLLIN;
        if (p.up.Due(now)) se |= POLLOUT;
      }
    }
    for (const Direction* d : {&p.up, &p.down}) {
      if (d->flow == Flow::kDelay && !d->queue.empty() && d->queue.front().due > now) {
        wait = std::min(wait,
                        std::chrono::ceil<std::chrono::milliseconds>(d->queue.front().due - now));
      }
    }
    // A socket with nothing to wait for is left out (a negative fd): poll would otherwise
    // report its hang-up at once, every turn, while its direction is held.
    fds.push_back({ce != 0 ? p.client : -1, ce, 0});
    fds.push_back({se != 0 ? p.server : -1, se, 0});
  }
  return std::max(wait, std::chrono::milliseconds(1));
}

// Resets the pairs that passed their reset point, closes the finished ones, forgets both.
void FaultProxy::Impl::Reap() {
  // Both ends have finished sending (a FIN swallowed by a discarding direction included):
  // nothing more can happen on this pair.
  auto finished = [](const Direction& d) { return d.shut || (d.eof && d.flow == Flow::kDiscard); };
  for (auto it = pairs.begin(); it != pairs.end();) {
    Pair& p = *it;
    if (p.reset_after > 0 && p.up_passed >= static_cast<int64_t>(p.reset_after)) {
      Reset(p, Cause::kMidHandshake);
    }
    const bool both_shut = finished(p.up) && finished(p.down);
    // One end is gone (it failed behind a discarding direction) and the other has closed.
    const bool half_gone = (p.client < 0) != (p.server < 0) &&
                           ((p.client >= 0 && p.up.eof) || (p.server >= 0 && p.down.eof));
    if (both_shut || half_gone) {
      if (p.client >= 0) close(p.client);
      if (p.server >= 0) close(p.server);
      p.client = p.server = -1;
      ++counters.closed;
    }
    it = p.client < 0 && p.server < 0 ? pairs.erase(it) : std::next(it);
  }
  counters.open = static_cast<int64_t>(pairs.size());
}

void FaultProxy::Impl::Run() {
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (stop) break;
    }
    TakeCommands();
    if (mode.admit != Admit::kRefuse) Listen();
    const bool accepting = mode.admit == Admit::kAccept && listener >= 0;
    std::vector<pollfd> fds;
    const auto wait = PollSet(fds, accepting, SteadyClock::now());
    poll(fds.data(), fds.size(), static_cast<int>(wait.count()));

    const auto now = SteadyClock::now();
    if (accepting && (fds[1].revents & POLLIN)) Accept();
    size_t i = 2;
    for (Pair& p : pairs) {
      if (i + 1 >= fds.size()) break;  // accepted this turn: serviced next turn
      Service(p, fds[i].revents, fds[i + 1].revents, now);
      i += 2;
    }
    Reap();
    std::lock_guard<std::mutex> lock(mu);
    published = counters;
  }
  for (Pair& p : pairs) Reset(p, Cause::kInjected);
  pairs.clear();
  if (listener >= 0) close(listener);
  listener = -1;
}

Result<std::unique_ptr<FaultProxy>> FaultProxy::Start(int upstream_port, uint64_t seed,
                                                      int listen_port) {
  std::unique_ptr<FaultProxy> proxy(new FaultProxy());
  proxy->impl_ = std::make_unique<Impl>();
  Impl& impl = *proxy->impl_;
  impl.upstream_port = upstream_port;
  impl.rng.seed(seed);
  impl.port = listen_port != 0 ? listen_port : FreeLowLoopbackPort(seed);
  if (impl.port == 0) return Status(Code::kUnavailable, "no free loopback port for the proxy");
  impl.Listen();
  if (impl.listener < 0) {
    return Status(Code::kUnavailable, "cannot listen on 127.0.0.1:" + std::to_string(impl.port));
  }
  if (pipe2(impl.wake, O_CLOEXEC) != 0) return Status(Code::kInternal, "pipe");
  SetNonBlocking(impl.wake[0]);
  SetNonBlocking(impl.wake[1]);
  proxy->port_ = impl.port;
  impl.thread = std::thread([&impl] { impl.Run(); });
  return proxy;
}

FaultProxy::~FaultProxy() {
  if (!impl_) return;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stop = true;
  }
  impl_->Wake();
  if (impl_->thread.joinable()) impl_->thread.join();
  close(impl_->wake[0]);
  close(impl_->wake[1]);
}

void FaultProxy::SetMode(const FaultMode& mode) {
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->pending_mode = mode;
  const uint64_t generation = ++impl_->requested;
  impl_->Wake();
  impl_->applied_cv.wait(lock, [&] { return impl_->applied >= generation; });
}

void FaultProxy::ResetAll() {
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->pending_reset = true;
  const uint64_t generation = ++impl_->requested;
  impl_->Wake();
  impl_->applied_cv.wait(lock, [&] { return impl_->applied >= generation; });
}

ProxyCounters FaultProxy::counters() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->published;
}

std::string FaultProxy::mode_name() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->published_mode;
}

int FreeLowLoopbackPort(uint64_t seed) {
  int low = 32768;
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  if (!(range >> low)) low = 32768;
  if (low <= 10001) return 0;
  std::mt19937_64 rng(seed ^ 0x5deece66dULL);
  std::uniform_int_distribution<int> pick(10000, low - 1);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int port = pick(rng);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr = Loopback(port);
    const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    if (ok) return port;
  }
  return 0;
}

}  // namespace lls::faults
