// ServerTransport: the hub's CURVE ROUTER socket behind a fail-closed ZAP handler.
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
}  // namespace

struct ServerTransport::Impl {
  zmq::context_t context;
  std::unique_ptr<ZapHandler> zap;  // bound before the router: no window without a handler
  zmq::socket_t router;
  ServerOptions options;
  std::string bound_endpoint;
  std::array<uint8_t, 32> secret{};  // the CURVE secret, for rebinding; wiped on destruction

  ~Impl() {
    // Close sockets before the context so its destructor does not wait on them.
    router.close();
    zap.reset();
    std::fill(secret.begin(), secret.end(), 0);
  }

  Status Open(const std::string& endpoint);
};

Status ServerTransport::Impl::Open(const std::string& endpoint) {
  try {
    zmq::socket_t socket(context, zmq::socket_type::router);
    socket.set(zmq::sockopt::linger, kLingerMs);
    socket.set(zmq::sockopt::curve_server, true);
    socket.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(secret.data(), secret.size()));
    socket.set(zmq::sockopt::zap_domain, options.zap_domain);
    socket.set(ZapEnforceDomain{}, true);
    socket.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(options.socket_limit_bytes));
    socket.bind(endpoint);
    bound_endpoint = socket.get(zmq::sockopt::last_endpoint);
    router = std::move(socket);
    return Status::Ok();
  } catch (const zmq::error_t& e) {
    return Status(Code::kUnavailable, "cannot listen on " + endpoint + ": " + e.what());
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
  LLS_RETURN_IF_ERROR(impl->Open(options.endpoint));
  return std::unique_ptr<ServerTransport>(new ServerTransport(std::move(impl)));
}

const std::string& ServerTransport::endpoint() const { return impl_->bound_endpoint; }

uint64_t ServerTransport::zap_admitted() const { return impl_->zap->admitted(); }
uint64_t ServerTransport::zap_refused() const { return impl_->zap->refused(); }

namespace {

// Reads one whole ZeroMQ message (routing id + frames) from a ROUTER, if one is waiting.
bool ReadOne(zmq::socket_t& router, InboundFrame& out) {
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
        {impl_->router.handle(), 0, ZMQ_POLLIN, 0},
    };
    zmq::poll(items, timeout);
    if (items[0].revents & ZMQ_POLLIN) impl_->zap->HandlePending();
    while (frames.size() < max_frames) {
      InboundFrame frame;
      if (!ReadOne(impl_->router, frame)) break;
      frames.push_back(std::move(frame));
    }
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return frames;  // a signal: let the caller check for shutdown
    return Status(Code::kInternal, std::string("transport poll: ") + e.what());
  }
  return frames;
}

Status ServerTransport::Send(const std::string& peer, std::span<const uint8_t> payload) {
  try {
    if (!impl_->router.send(zmq::buffer(peer), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
      return Status::Ok();  // peer's queue full: drop, the node resends
    }
    (void)impl_->router.send(zmq::buffer(payload.data(), payload.size()),
                             zmq::send_flags::dontwait);
  } catch (const zmq::error_t& e) {
    return Status(Code::kInternal, std::string("transport send: ") + e.what());
  }
  return Status::Ok();
}

Status ServerTransport::DropConnections() {
  // Unanswered frames are dropped with the socket; their senders resend and are re-checked.
  impl_->router.set(zmq::sockopt::linger, 0);
  impl_->router.close();
  // ZeroMQ closes the listener asynchronously (in its reaper thread), so the port may still be
  // taken for a moment: retry the bind, on the concrete endpoint so that a wildcard port stays
  // the same for reconnecting nodes.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    Status opened = impl_->Open(impl_->bound_endpoint);
    if (opened.ok() || std::chrono::steady_clock::now() >= deadline) return opened;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace lls::transport
