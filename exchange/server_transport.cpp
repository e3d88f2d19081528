// ServerTransport: the hub's CURVE ROUTER sockets (ingest, subscribe) behind one fail-closed ZAP
// handler.
#include <chrono>
#include <thread>

#include <zmq.hpp>

#include "exchange/transport.h"
#include "exchange/zap_handler.h"

namespace lls::transport {

namespace {
// ZMQ_ZAP_ENFORCE_DOMAIN is behind ZMQ_BUILD_DRAFT_API in Debian 12's zmq.h, but libzmq 4.3.4
// honours it by number. With it on, a CURVE server whose ZAP handler is missing refuses every
// client instead of admitting every client (checked on Debian 12).
constexpr int kZapEnforceDomain = 93;
using ZapEnforceDomain = zmq::sockopt::integral_option<kZapEnforceDomain, int, true>;
constexpr int kLingerMs = 200;
// A connection must finish its handshake within this time or be closed. libzmq's default is
// 30 s, so a connection that opens TCP and stalls (an attacker's, or a half-dead link) held a
// descriptor and a half-made session three times as long. A CURVE handshake is four short
// commands: 10 s is ample for a slow link (tests/hostile/mechanism_test.cpp).
constexpr int kHandshakeTimeoutMs = 10000;
}  // namespace

// One CURVE ROUTER socket and the endpoint it is bound to.
struct Listener {
  zmq::socket_t router;
  std::string bound_endpoint;
  size_t limit_bytes = 0;
};

struct ServerTransport::Impl {
  zmq::context_t context;
  std::unique_ptr<ZapHandler> zap;  // bound before the routers: no window without a handler
  Listener ingest;
  Listener subscribe;  // router unset when not configured
  ServerOptions options;
  std::array<uint8_t, 32> secret{};  // the CURVE secret, for rebinding; wiped on destruction

  ~Impl() {
    // Close sockets before the context so its destructor does not wait on them.
    ingest.router.close();
    subscribe.router.close();
    zap.reset();
    std::fill(secret.begin(), secret.end(), 0);
  }

  Status Open(Listener& listener, const std::string& endpoint);
  Status Reopen(Listener& listener);
  zmq::socket_t& Router(Channel channel) {
    return channel == Channel::kIngest ? ingest.router : subscribe.router;
  }
};

Status ServerTransport::Impl::Open(Listener& listener, const std::string& endpoint) {
  try {
    zmq::socket_t socket(context, zmq::socket_type::router);
    socket.set(zmq::sockopt::linger, kLingerMs);
    socket.set(zmq::sockopt::curve_server, true);
    socket.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(secret.data(), secret.size()));
    socket.set(zmq::sockopt::zap_domain, options.zap_domain);
    socket.set(ZapEnforceDomain{}, true);
    socket.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(listener.limit_bytes));
    socket.set(zmq::sockopt::handshake_ivl, kHandshakeTimeoutMs);
    socket.bind(endpoint);
    listener.bound_endpoint = socket.get(zmq::sockopt::last_endpoint);
    listener.router = std::move(socket);
    return Status::Ok();
  } catch (const zmq::error_t& e) {
    return Status(Code::kUnavailable, "cannot listen on " + endpoint + ": " + e.what());
  }
}

Status ServerTransport::Impl::Reopen(Listener& listener) {
  if (!listener.router) return Status::Ok();
  // Frames not yet read are dropped with the socket; their senders resend and are re-checked.
  // Replies already queued are still delivered (the socket lingers up to kLingerMs): the
  // revoked member gets its `unknown-signer` Nacks, the others the Acks of the batch just
  // committed. With linger 0 they raced the close and could be thrown away unsent.
  listener.router.close();
  // ZeroMQ closes the listener asynchronously (in its reaper thread), so the port may still be
  // taken for a moment: retry the bind, on the concrete endpoint so that a wildcard port stays
  // the same for reconnecting clients.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    Status opened = Open(listener, listener.bound_endpoint);
    if (opened.ok() || std::chrono::steady_clock::now() >= deadline) return opened;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

ServerTransport::ServerTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ServerTransport::~ServerTransport() = default;

Result<std::unique_ptr<ServerTransport>> ServerTransport::Start(const crypto::Identity& server,
                                                                ZapAuthority& authority,
                                                                const ServerOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  std::span<const uint8_t, 32> secret = server.curve_secret();
  std::copy(secret.begin(), secret.end(), impl->secret.begin());
  LLS_ASSIGN_OR_RETURN(impl->zap, ZapHandler::Bind(impl->context, options.zap_domain, authority));
  impl->ingest.limit_bytes = options.socket_limit_bytes;
  LLS_RETURN_IF_ERROR(impl->Open(impl->ingest, options.endpoint));
  if (!options.subscribe_endpoint.empty()) {
    impl->subscribe.limit_bytes = options.subscribe_limit_bytes;
    LLS_RETURN_IF_ERROR(impl->Open(impl->subscribe, options.subscribe_endpoint));
  }
  return std::unique_ptr<ServerTransport>(new ServerTransport(std::move(impl)));
}

const std::string& ServerTransport::endpoint() const { return impl_->ingest.bound_endpoint; }
const std::string& ServerTransport::subscribe_endpoint() const {
  return impl_->subscribe.bound_endpoint;
}

uint64_t ServerTransport::zap_admitted() const { return impl_->zap->admitted(); }
uint64_t ServerTransport::zap_refused() const { return impl_->zap->refused(); }

namespace {

// Reads one whole ZeroMQ message (routing id + frames) from a ROUTER, if one is waiting.
bool ReadOne(zmq::socket_t& router, Channel channel, InboundFrame& out) {
  out.channel = channel;
  zmq::message_t identity;
  if (!router.recv(identity, zmq::recv_flags::dontwait)) return false;
  out.peer.assign(static_cast<const char*>(identity.data()), identity.size());
  bool first = true;
  bool more = identity.more();
  while (more) {
    zmq::message_t part;
    (void)router.recv(part, zmq::recv_flags::none);  // parts of one message arrive together
    more = part.more();
    if (first) {
      const auto* data = static_cast<const uint8_t*>(part.data());
      out.payload.assign(data, data + part.size());
      // The ZAP handler's user id travels as message metadata of every frame.
      const char* user = zmq_msg_gets(part.handle(), "User-Id");
      out.user_id = user != nullptr ? user : "";
      first = false;
    } else {
      out.multipart = true;
    }
  }
  return true;
}

}  // namespace

Result<std::vector<InboundFrame>> ServerTransport::Poll(std::chrono::milliseconds timeout,
                                                        size_t max_frames) {
  std::vector<InboundFrame> frames;
  try {
    std::vector<zmq::pollitem_t> items = {
        {impl_->zap->socket().handle(), 0, ZMQ_POLLIN, 0},
        {impl_->ingest.router.handle(), 0, ZMQ_POLLIN, 0},
    };
    if (impl_->subscribe.router) {
      items.push_back({impl_->subscribe.router.handle(), 0, ZMQ_POLLIN, 0});
    }
    zmq::poll(items, timeout);
    if (items[0].revents & ZMQ_POLLIN) impl_->zap->HandlePending();
    // Up to max_frames from each socket, so a flood of requests on one cannot starve the other.
    for (Channel channel : {Channel::kIngest, Channel::kSubscribe}) {
      zmq::socket_t& router = impl_->Router(channel);
      if (!router) continue;
      for (size_t read = 0; read < max_frames; ++read) {
        InboundFrame frame;
        if (!ReadOne(router, channel, frame)) break;
        frames.push_back(std::move(frame));
      }
    }
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return frames;  // a signal: let the caller check for shutdown
    return Status(Code::kInternal, std::string("transport poll: ") + e.what());
  }
  return frames;
}

Status ServerTransport::Send(const std::string& peer, std::span<const uint8_t> payload) {
  return Send(Channel::kIngest, peer, payload);
}

Status ServerTransport::Send(Channel channel, const std::string& peer,
                             std::span<const uint8_t> payload) {
  zmq::socket_t& router = impl_->Router(channel);
  if (!router) return Status(Code::kInternal, "transport send: no subscribe socket");
  try {
    if (!router.send(zmq::buffer(peer), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
      return Status::Ok();  // peer's queue full: drop, the node resends
    }
    (void)router.send(zmq::buffer(payload.data(), payload.size()), zmq::send_flags::dontwait);
  } catch (const zmq::error_t& e) {
    return Status(Code::kInternal, std::string("transport send: ") + e.what());
  }
  return Status::Ok();
}

Status ServerTransport::DropConnections() {
  LLS_RETURN_IF_ERROR(impl_->Reopen(impl_->ingest));
  return impl_->Reopen(impl_->subscribe);
}

}  // namespace lls::transport
