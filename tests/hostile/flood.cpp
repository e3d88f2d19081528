#include "tests/hostile/flood.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <random>
#include <vector>

#include <zmq.hpp>

#include "tests/hostile/hostile_region.h"

namespace lls::hostile {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kVerdictTimeout = std::chrono::seconds(10);
constexpr auto kGarbageHold = std::chrono::seconds(2);

int64_t MsSince(Clock::time_point t) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - t).count();
}

// --- hand-made ZMTP 3 bytes (rfc.zeromq.org/spec/23, 25, 26) -----------------------------------

Bytes Signature() { return {0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0x7F}; }

// The 64-byte greeting of a client offering `mechanism`.
Bytes Greeting(const std::string& mechanism) {
  Bytes g = Signature();
  g.push_back(3);  // version 3.0
  g.push_back(0);
  Bytes name(20, 0);
  std::copy(mechanism.begin(), mechanism.end(), name.begin());
  g.insert(g.end(), name.begin(), name.end());
  g.push_back(0);                     // as-server: no
  g.insert(g.end(), 31, uint8_t{0});  // filler
  return g;
}

// A short command frame: flags 0x04, one size byte, then "\x<len>NAME" and the data.
Bytes Command(const std::string& name, const Bytes& data) {
  Bytes body;
  body.push_back(static_cast<uint8_t>(name.size()));
  body.insert(body.end(), name.begin(), name.end());
  body.insert(body.end(), data.begin(), data.end());
  Bytes frame = {0x04, static_cast<uint8_t>(body.size())};
  frame.insert(frame.end(), body.begin(), body.end());
  return frame;
}

Bytes Property(const std::string& name, const std::string& value) {
  Bytes p;
  p.push_back(static_cast<uint8_t>(name.size()));
  p.insert(p.end(), name.begin(), name.end());
  const uint32_t n = htonl(static_cast<uint32_t>(value.size()));
  const auto* b = reinterpret_cast<const uint8_t*>(&n);
  p.insert(p.end(), b, b + 4);
  p.insert(p.end(), value.begin(), value.end());
  return p;
}

Bytes Random(std::mt19937_64& rng, size_t n) {
  Bytes out(n);
  for (uint8_t& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

Bytes Join(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// The malformed openings the garbage connections cycle through.
Bytes GarbageOpening(int variant, std::mt19937_64& rng) {
  switch (variant % 6) {
    case 0:  // noise
      return Random(rng, 1 + rng() % 4096);
    case 1: {  // not ZeroMQ at all
      std::string http = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
      return Bytes(http.begin(), http.end());
    }
    case 2:  // a NULL client: the mechanism does not match the hub's CURVE
      return Join(Greeting("NULL"), Command("READY", Property("Socket-Type", "DEALER")));
    case 3: {  // a PLAIN client with a user name and password
      Bytes hello = {4, 'u', 's', 'e', 'r', 4, 'p', 'a', 's', 's'};
      return Join(Greeting("PLAIN"), Command("HELLO", hello));
    }
    case 4: {  // a CURVE HELLO of the right size whose box is random bytes
      Bytes hello = {1, 0};
      hello.insert(hello.end(), 72, uint8_t{0});
      Bytes rest = Random(rng, 32 + 8 + 80);
      hello.insert(hello.end(), rest.begin(), rest.end());
      return Join(Greeting("CURVE"), Command("HELLO", hello));
    }
    default: {  // a long command frame claiming 2^63 - 1 bytes
      Bytes frame = {0x06, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
      return Join(Greeting("CURVE"), Join(frame, Random(rng, 64)));
    }
  }
}

// --- ZeroMQ clients with unknown keys ---------------------------------------------------------

struct CurveSlot {
  std::string public_key, secret_key;  // Z85
  zmq::socket_t dealer, monitor;
  Clock::time_point opened{};
  std::optional<Clock::time_point> reopen_at;  // set while closed
  bool refused_once = false;
};

std::atomic<uint64_t> monitor_counter{0};

}  // namespace

Flood::Flood(FloodOptions options) : options_(std::move(options)) {}

Flood::~Flood() { Stop(); }

Status Flood::Start() {
  if (options_.port <= 0) return Status(Code::kInvalidArgument, "flood: no port");
  stop_ = false;
  curve_thread_ = std::thread([this] { RunCurve(); });
  tcp_thread_ = std::thread([this] { RunTcp(); });
  return Status::Ok();
}

void Flood::Stop() {
  stop_ = true;
  if (curve_thread_.joinable()) curve_thread_.join();
  if (tcp_thread_.joinable()) tcp_thread_.join();
}

FloodCounts Flood::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

void Flood::RunCurve() {
  if (options_.curve_clients <= 0) return;
  if (options_.cpu >= 0) PinThisThread(options_.cpu);  // before the context's I/O threads start
  zmq::context_t context;
  context.set(zmq::ctxopt::io_threads, options_.io_threads);
  context.set(zmq::ctxopt::max_sockets, 2 * options_.curve_clients + 16);
  const std::string endpoint = "tcp://" + options_.host + ":" + std::to_string(options_.port);
  std::vector<CurveSlot> slots(static_cast<size_t>(options_.curve_clients));
  for (CurveSlot& s : slots) {
    char pub[41], sec[41];
    zmq_curve_keypair(pub, sec);
    s.public_key.assign(pub, 40);
    s.secret_key.assign(sec, 40);
    s.reopen_at = Clock::now();
  }
  auto close = [&](CurveSlot& s) {
    if (s.dealer) zmq_socket_monitor(s.dealer.handle(), nullptr, 0);
    s.monitor.close();
    s.dealer.close();
    s.reopen_at = Clock::now() + options_.reopen_after;
  };
  auto open = [&](CurveSlot& s) {
    try {
      s.dealer = zmq::socket_t(context, zmq::socket_type::dealer);
      s.dealer.set(zmq::sockopt::linger, 0);
      s.dealer.set(zmq::sockopt::curve_serverkey,
                   zmq::const_buffer(options_.server_key.data(), options_.server_key.size()));
      s.dealer.set(zmq::sockopt::curve_publickey, s.public_key);
      s.dealer.set(zmq::sockopt::curve_secretkey, s.secret_key);
      const std::string mon = "inproc://flood-monitor-" + std::to_string(monitor_counter++);
      zmq_socket_monitor(s.dealer.handle(), mon.c_str(),
                         ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                             ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                             ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL);
      s.monitor = zmq::socket_t(context, zmq::socket_type::pair);
      s.monitor.connect(mon);
      s.dealer.connect(endpoint);
      // Queued until a handshake succeeds, which it never may: if it ever reached the hub, the
      // hub would refuse it as malformed and count it.
      (void)s.dealer.send(zmq::str_buffer("flood frame"), zmq::send_flags::dontwait);
      s.opened = Clock::now();
      s.reopen_at.reset();
      std::lock_guard lock(mu_);
      ++counts_.curve_connections;
    } catch (const zmq::error_t&) {
      close(s);  // out of sockets or descriptors: try again later
    }
  };
  std::vector<zmq::pollitem_t> items;
  std::vector<size_t> item_slot;
  while (!stop_) {
    const auto now = Clock::now();
    items.clear();
    item_slot.clear();
    for (size_t i = 0; i < slots.size(); ++i) {
      CurveSlot& s = slots[i];
      if (s.reopen_at && *s.reopen_at <= now) open(s);
      if (s.reopen_at) continue;
      if (now - s.opened > kVerdictTimeout) {
        {
          std::lock_guard lock(mu_);
          ++counts_.curve_no_verdict;
        }
        close(s);
        continue;
      }
      items.push_back({s.monitor.handle(), 0, ZMQ_POLLIN, 0});
      item_slot.push_back(i);
    }
    if (items.empty()) {
      std::this_thread::sleep_for(milliseconds(5));
      continue;
    }
    try {
      zmq::poll(items, milliseconds(10));
    } catch (const zmq::error_t&) {
      continue;  // EINTR
    }
    for (size_t k = 0; k < items.size(); ++k) {
      if (!(items[k].revents & ZMQ_POLLIN)) continue;
      CurveSlot& s = slots[item_slot[k]];
      bool verdict = false;
      for (;;) {
        zmq::message_t event, address;
        if (!s.monitor.recv(event, zmq::recv_flags::dontwait)) break;
        if (event.more()) (void)s.monitor.recv(address, zmq::recv_flags::none);
        if (event.size() < 6) continue;
        uint16_t id = 0;
        uint32_t value = 0;
        std::memcpy(&id, event.data(), sizeof id);
        std::memcpy(&value, static_cast<const uint8_t*>(event.data()) + 2, sizeof value);
        std::lock_guard lock(mu_);
        if (id == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
          ++counts_.curve_admitted;
        } else if (id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH && value == 400) {
          ++counts_.curve_refused_400;
          if (!s.refused_once) ++counts_.curve_clients_refused;
          s.refused_once = true;
        } else {
          ++counts_.curve_refused_other;
        }
        verdict = true;
      }
      if (verdict) close(s);
    }
  }
  for (CurveSlot& s : slots) close(s);
}

// --- raw TCP: stalled handshakes and garbage ---------------------------------------------------

namespace {

enum class TcpKind { kStalled, kGarbage };

struct TcpSlot {
  TcpKind kind = TcpKind::kStalled;
  int variant = 0;
  int fd = -1;
  bool connecting = false;
  Bytes out;
  size_t written = 0;
  Clock::time_point opened{};
  std::optional<Clock::time_point> reopen_at;
};

// A non-blocking connect to host:port; -1 on an immediate failure.
int ConnectNonBlocking(const std::string& host, int port, bool* in_progress) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  if (rc == 0) {
    *in_progress = false;
    return fd;
  }
  if (errno == EINPROGRESS) {
    *in_progress = true;
    return fd;
  }
  ::close(fd);
  return -1;
}

}  // namespace

void Flood::RunTcp() {
  if (options_.cpu >= 0) PinThisThread(options_.cpu);
  std::mt19937_64 rng(options_.seed);
  std::vector<TcpSlot> slots;
  for (int i = 0; i < options_.stalled; ++i) {
    slots.push_back({TcpKind::kStalled, i % 3, -1, false, {}, 0, {}, Clock::now()});
  }
  for (int i = 0; i < options_.garbage; ++i) {
    slots.push_back({TcpKind::kGarbage, i, -1, false, {}, 0, {}, Clock::now()});
  }
  if (slots.empty()) return;
  auto close = [&](TcpSlot& s) {
    if (s.fd >= 0) ::close(s.fd);
    s.fd = -1;
    s.reopen_at = Clock::now() + options_.reopen_after;
  };
  auto hung_up = [&](TcpSlot& s) {
    std::lock_guard lock(mu_);
    const int64_t age = MsSince(s.opened);
    if (s.kind == TcpKind::kStalled) {
      ++counts_.stalled_closed_by_hub;
      counts_.stalled_max_open_ms = std::max(counts_.stalled_max_open_ms, age);
      if (counts_.stalled_min_closed_ms < 0 || age < counts_.stalled_min_closed_ms) {
        counts_.stalled_min_closed_ms = age;
      }
    } else {
      ++counts_.garbage_closed_by_hub;
    }
  };
  auto open = [&](TcpSlot& s) {
    bool in_progress = false;
    s.fd = ConnectNonBlocking(options_.host, options_.port, &in_progress);
    s.reopen_at.reset();
    s.opened = Clock::now();
    s.written = 0;
    if (s.fd < 0) {
      std::lock_guard lock(mu_);
      ++counts_.tcp_connect_failures;
      close(s);
      return;
    }
    s.connecting = in_progress;
    if (s.kind == TcpKind::kStalled) {
      s.out = s.variant == 0 ? Bytes{} : s.variant == 1 ? Signature() : Greeting("CURVE");
    } else {
      s.out = GarbageOpening(s.variant++, rng);
    }
    std::lock_guard lock(mu_);
    if (s.kind == TcpKind::kStalled) {
      ++counts_.stalled_opened;
    } else {
      ++counts_.garbage_connections;
      counts_.garbage_bytes += static_cast<int64_t>(s.out.size());
    }
  };
  std::vector<pollfd> fds;
  std::vector<size_t> fd_slot;
  while (!stop_) {
    const auto now = Clock::now();
    fds.clear();
    fd_slot.clear();
    for (size_t i = 0; i < slots.size(); ++i) {
      TcpSlot& s = slots[i];
      if (s.reopen_at && *s.reopen_at <= now) open(s);
      if (s.fd < 0) continue;
      if (s.kind == TcpKind::kGarbage && !s.connecting && now - s.opened > kGarbageHold) {
        close(s);  // the hub kept it open: not counted as a hang-up
        continue;
      }
      short events = POLLIN;
      if (s.connecting || s.written < s.out.size()) events |= POLLOUT;
      fds.push_back({s.fd, events, 0});
      fd_slot.push_back(i);
    }
    if (fds.empty()) {
      std::this_thread::sleep_for(milliseconds(5));
      continue;
    }
    if (poll(fds.data(), fds.size(), 10) <= 0) continue;
    for (size_t k = 0; k < fds.size(); ++k) {
      TcpSlot& s = slots[fd_slot[k]];
      const short revents = fds[k].revents;
      if (revents == 0) continue;
      if (s.connecting) {
        int error = 0;
        socklen_t len = sizeof error;
        getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &error, &len);
        if (error != 0) {
          {
            std::lock_guard lock(mu_);
            ++counts_.tcp_connect_failures;
          }
          close(s);
          continue;
        }
        s.connecting = false;
      }
      if ((revents & POLLOUT) && s.written < s.out.size()) {
        ssize_t n = send(s.fd, s.out.data() + s.written, s.out.size() - s.written, MSG_NOSIGNAL);
        if (n > 0) s.written += static_cast<size_t>(n);
      }
      if (revents & (POLLIN | POLLHUP | POLLERR)) {
        char buffer[4096];
        ssize_t n = recv(s.fd, buffer, sizeof buffer, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
          hung_up(s);
          close(s);
        }
        // n > 0: the hub's own greeting or an ERROR command; wait for it to hang up.
      }
    }
    // How long the hub has held a stalled connection so far (it may never let go).
    std::lock_guard lock(mu_);
    for (const TcpSlot& s : slots) {
      if (s.kind == TcpKind::kStalled && s.fd >= 0 && !s.connecting) {
        counts_.stalled_max_open_ms = std::max(counts_.stalled_max_open_ms, MsSince(s.opened));
      }
    }
  }
  for (TcpSlot& s : slots) close(s);
}

}  // namespace lls::hostile
