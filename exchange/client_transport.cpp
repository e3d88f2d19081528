// ClientTransport: a node's CURVE DEALER socket, with a monitor that turns handshake failures
// into values.
#include <atomic>
#include <cerrno>
#include <cstring>

#include <zmq.hpp>

#include "exchange/transport.h"

namespace lls::transport {

namespace {
constexpr int kLingerMs = 0;  // unsent frames stay in the durable outbox, not in ZeroMQ
// Handshakes of a transport that never connected, broken off without a word in a row, before
// they count as "the hub is not the one pinned" (a hub with another key closes every
// handshake; a network fault that breaks a few is not a refusal). ZeroMQ retries every 100 ms.
constexpr int kBrokenHandshakesToRefuse = 3;
std::atomic<uint64_t> monitor_counter{0};

int Ms(std::chrono::milliseconds d) { return static_cast<int>(d.count()); }

// A socket the context or the process could not give: too many sockets or descriptors.
Status CannotConnect(const std::string& endpoint, int error, const char* what) {
  const Code code = error == EMFILE ? Code::kUnavailable : Code::kInvalidArgument;
  return Status(code, "cannot connect to " + endpoint + ": " + what);
}
}  // namespace

struct ClientContext::Impl {
  zmq::context_t context;
  explicit Impl(const ClientContextOptions& options)
      : context(options.io_threads, options.max_sockets) {}
};

ClientContext::ClientContext(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClientContext::~ClientContext() = default;

Result<std::unique_ptr<ClientContext>> ClientContext::Create(const ClientContextOptions& options) {
  if (options.io_threads < 1 || options.max_sockets < 1) {
    return Status(Code::kInvalidArgument, "a client context needs an I/O thread and a socket");
  }
  try {
    return std::unique_ptr<ClientContext>(new ClientContext(std::make_unique<Impl>(options)));
  } catch (const zmq::error_t& e) {
    return Status(Code::kInternal, std::string("cannot make a ZeroMQ context: ") + e.what());
  }
}

struct ClientTransport::Impl {
  // The transport's own context, or null when it shares one; declared before the sockets so
  // that it goes after them.
  std::unique_ptr<zmq::context_t> own_context;
  zmq::context_t* context = nullptr;
  zmq::socket_t dealer;
  zmq::socket_t monitor;
  std::string endpoint;
  bool connected = false;
  uint64_t handshakes = 0;        // succeeded so far
  int broken_in_a_row = 0;        // NO_DETAIL failures since the last success
  std::optional<Status> refusal;  // set once the monitor saw the hub refuse us
  bool refusal_certain = true;

  ~Impl() {
    if (dealer) zmq_socket_monitor(dealer.handle(), nullptr, 0);
    monitor.close();
    dealer.close();
  }
  void DrainMonitor();
};

ClientTransport::ClientTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClientTransport::~ClientTransport() = default;

Result<std::unique_ptr<ClientTransport>> ClientTransport::Connect(const crypto::Identity& me,
                                                                  const ClientOptions& options) {
  auto impl = std::make_unique<Impl>();
  try {
    impl->own_context = std::make_unique<zmq::context_t>();
  } catch (const zmq::error_t& e) {
    return CannotConnect(options.endpoint, e.num(), e.what());
  }
  impl->context = impl->own_context.get();
  return Open(me, options, std::move(impl));
}

Result<std::unique_ptr<ClientTransport>> ClientTransport::Connect(const crypto::Identity& me,
                                                                  const ClientOptions& options,
                                                                  ClientContext& context) {
  auto impl = std::make_unique<Impl>();
  impl->context = &context.impl().context;
  return Open(me, options, std::move(impl));
}

Result<std::unique_ptr<ClientTransport>> ClientTransport::Open(const crypto::Identity& me,
                                                               const ClientOptions& options,
                                                               std::unique_ptr<Impl> impl) {
  impl->endpoint = options.endpoint;
  try {
    impl->dealer = zmq::socket_t(*impl->context, zmq::socket_type::dealer);
    impl->dealer.set(zmq::sockopt::linger, kLingerMs);
    const crypto::CurveKey& pub = me.curve_public();
    std::span<const uint8_t, 32> secret = me.curve_secret();
    impl->dealer.set(zmq::sockopt::curve_serverkey,
                     zmq::const_buffer(options.server_key.data(), options.server_key.size()));
    impl->dealer.set(zmq::sockopt::curve_publickey, zmq::const_buffer(pub.data(), pub.size()));
    impl->dealer.set(zmq::sockopt::curve_secretkey,
                     zmq::const_buffer(secret.data(), secret.size()));
    impl->dealer.set(zmq::sockopt::maxmsgsize,
                     static_cast<int64_t>(options.max_message_bytes + 65536));
    // Dead connections are noticed by heartbeat, stranded handshakes by their timeout; ZeroMQ
    // then connects again (every 100 ms, its default) and the callers resend (handshakes()).
    impl->dealer.set(zmq::sockopt::heartbeat_ivl, Ms(options.heartbeat_interval));
    impl->dealer.set(zmq::sockopt::heartbeat_timeout, Ms(options.heartbeat_timeout));
    impl->dealer.set(zmq::sockopt::heartbeat_ttl, Ms(options.heartbeat_ttl));
    impl->dealer.set(zmq::sockopt::handshake_ivl, Ms(options.handshake_timeout));

    std::string monitor_endpoint =
        "inproc://lls-client-monitor-" + std::to_string(monitor_counter.fetch_add(1));
    int events = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                 ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                 ZMQ_EVENT_DISCONNECTED;
    if (zmq_socket_monitor(impl->dealer.handle(), monitor_endpoint.c_str(), events) != 0) {
      if (zmq_errno() == EMFILE) {
        return CannotConnect(options.endpoint, EMFILE, "no socket left to monitor it");
      }
      return Status(Code::kInternal, "cannot monitor the hub connection");
    }
    impl->monitor = zmq::socket_t(*impl->context, zmq::socket_type::pair);
    impl->monitor.connect(monitor_endpoint);
    impl->dealer.connect(options.endpoint);
  } catch (const zmq::error_t& e) {
    return CannotConnect(options.endpoint, e.num(), e.what());
  }
  return std::unique_ptr<ClientTransport>(new ClientTransport(std::move(impl)));
}

void ClientTransport::Impl::DrainMonitor() {
  for (;;) {
    zmq::message_t event;
    if (!monitor.recv(event, zmq::recv_flags::dontwait)) return;
    zmq::message_t address;
    if (event.more()) (void)monitor.recv(address, zmq::recv_flags::none);
    if (event.size() < 6) continue;
    uint16_t id = 0;
    uint32_t value = 0;
    std::memcpy(&id, event.data(), sizeof id);
    std::memcpy(&value, static_cast<const uint8_t*>(event.data()) + 2, sizeof value);
    switch (id) {
      case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
        connected = true;
        ++handshakes;
        broken_in_a_row = 0;
        break;
      case ZMQ_EVENT_DISCONNECTED:
        connected = false;
        break;
      case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        refusal = Status(Code::kUnauthenticated,
                         "the hub at " + endpoint + " refused this node's key (ZAP status " +
                             std::to_string(value) +
                             "): it is not enrolled there, or it was revoked");
        break;
      case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        refusal = Status(Code::kUnauthenticated,
                         "the CURVE handshake with " + endpoint +
                             " failed: is hub.public_key the key of the hub listening there?");
        break;
      case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
        // The connection closed or reset mid-handshake (`value` is the errno). A hub pinned to
        // another key does that every time; so does a network fault, now and then or for a
        // while (tests/faults: a reset inside the handshake used to finish the transport, and
        // nodes then waited 60 s). Once a handshake has succeeded the key is known to be right.
        if (handshakes == 0 && ++broken_in_a_row >= kBrokenHandshakesToRefuse && !refusal) {
          refusal_certain = false;
          refusal = Status(Code::kUnauthenticated,
                           "the CURVE handshake with " + endpoint +
                               " failed: is hub.public_key the key of the hub listening there? (" +
                               std::to_string(broken_in_a_row) +
                               " handshakes broke off in a row; a network cutting connections "
                               "looks the same)");
        }
        break;
      default:
        break;
    }
  }
}

Status ClientTransport::Send(std::span<const uint8_t> payload) {
  try {
    if (!impl_->dealer.send(zmq::buffer(payload.data(), payload.size()),
                            zmq::send_flags::dontwait)) {
      return Status(Code::kUnavailable, "send queue to " + impl_->endpoint + " is full");
    }
  } catch (const zmq::error_t& e) {
    return Status(Code::kInternal, std::string("send: ") + e.what());
  }
  return Status::Ok();
}

Result<std::optional<std::vector<uint8_t>>> ClientTransport::Receive(
    std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  const uint64_t handshakes = impl_->handshakes;
  try {
    for (;;) {
      impl_->DrainMonitor();
      if (impl_->refusal) return *impl_->refusal;
      // A new connection: return so that the caller resends now, not after its timeout.
      if (impl_->handshakes != handshakes) return std::optional<std::vector<uint8_t>>();
      zmq::message_t reply;
      if (impl_->dealer.recv(reply, zmq::recv_flags::dontwait)) {
        while (reply.more()) {  // a hub never sends multipart; drop any extra parts
          zmq::message_t extra;
          (void)impl_->dealer.recv(extra, zmq::recv_flags::none);
          if (!extra.more()) break;
        }
        const auto* data = static_cast<const uint8_t*>(reply.data());
        return std::optional<std::vector<uint8_t>>(std::vector<uint8_t>(data, data + reply.size()));
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::optional<std::vector<uint8_t>>();
      std::vector<zmq::pollitem_t> items = {
          {impl_->dealer.handle(), 0, ZMQ_POLLIN, 0},
          {impl_->monitor.handle(), 0, ZMQ_POLLIN, 0},
      };
      zmq::poll(items, left);
    }
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return std::optional<std::vector<uint8_t>>();
    return Status(Code::kInternal, std::string("receive: ") + e.what());
  }
}

Status ClientTransport::WaitConnected(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  try {
    for (;;) {
      impl_->DrainMonitor();
      if (impl_->refusal) return *impl_->refusal;
      if (impl_->connected) return Status::Ok();
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return Status(Code::kUnavailable, "no CURVE handshake with the hub at " +
                                              impl_->endpoint + " within " +
                                              std::to_string(timeout.count()) + " ms");
      }
      std::vector<zmq::pollitem_t> items = {{impl_->monitor.handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, left);
    }
  } catch (const zmq::error_t& e) {
    return Status(Code::kInternal, std::string("waiting for the hub: ") + e.what());
  }
}

bool ClientTransport::connected() const {
  impl_->DrainMonitor();
  return impl_->connected;
}

uint64_t ClientTransport::handshakes() const {
  impl_->DrainMonitor();
  return impl_->handshakes;
}

bool ClientTransport::refusal_certain() const { return impl_->refusal_certain; }

}  // namespace lls::transport
