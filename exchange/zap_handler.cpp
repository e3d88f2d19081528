#include "exchange/zap_handler.h"

#include <cstring>

namespace lls::transport {

namespace {
constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";
// version, request id, domain, address, identity, mechanism: every request has these; then the
// mechanism's credentials (none for NULL, two for PLAIN, the client key for CURVE).
constexpr size_t kZapHeaderFrames = 6;
constexpr size_t kZapCurveFrames = kZapHeaderFrames + 1;
}  // namespace

Result<std::unique_ptr<ZapHandler>> ZapHandler::Bind(zmq::context_t& context, std::string domain,
                                                     ZapAuthority& authority) {
  if (domain.empty()) {
    return Status(Code::kInvalidArgument, "a ZAP domain is required (fail-closed authentication)");
  }
  try {
    zmq::socket_t socket(context, zmq::socket_type::rep);
    socket.set(zmq::sockopt::linger, 0);
    socket.bind(kZapEndpoint);
    return std::unique_ptr<ZapHandler>(
        new ZapHandler(std::move(socket), std::move(domain), authority));
  } catch (const zmq::error_t& e) {
    return Status(Code::kInternal, std::string("cannot start the ZAP handler: ") + e.what());
  }
}

void ZapHandler::HandlePending() {
  for (;;) {
    std::vector<zmq::message_t> request;
    try {
      zmq::message_t part;
      if (!socket_.recv(part, zmq::recv_flags::dontwait)) return;
      bool more = part.more();
      request.push_back(std::move(part));
      while (more) {
        zmq::message_t next;
        (void)socket_.recv(next, zmq::recv_flags::none);  // rest of a multipart is already here
        more = next.more();
        request.push_back(std::move(next));
      }
      HandleOne(request);
    } catch (const zmq::error_t&) {
      return;  // context closing; nothing to answer
    }
  }
}

void ZapHandler::HandleOne(std::vector<zmq::message_t>& request) {
  static const zmq::message_t kNoId;
  if (request.size() < kZapHeaderFrames) {
    ++refused_;
    Reply(request.size() > 1 ? request[1] : kNoId, "500", "malformed ZAP request", "");
    return;
  }
  const zmq::message_t& request_id = request[1];
  if (request[0].to_string_view() != "1.0") {
    ++refused_;
    Reply(request_id, "500", "unsupported ZAP version", "");
    return;
  }
  if (request[2].to_string_view() != domain_ || request[5].to_string_view() != "CURVE" ||
      request.size() != kZapCurveFrames || request[6].size() != 32) {
    ++refused_;
    Reply(request_id, "400", "only CURVE clients of this domain are accepted", "");
    return;
  }
  crypto::CurveKey key;
  std::memcpy(key.data(), request[6].data(), key.size());
  std::optional<std::string> user = authority_.Admit(key);
  if (!user) {
    ++refused_;
    Reply(request_id, "400", "key not enrolled or revoked", "");
    return;
  }
  ++admitted_;
  Reply(request_id, "200", "OK", *user);
}

void ZapHandler::Reply(const zmq::message_t& request_id, const char* status, const char* text,
                       const std::string& user_id) {
  socket_.send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(request_id.data(), request_id.size()), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(std::string_view(status)), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(std::string_view(text)), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(user_id), zmq::send_flags::sndmore);
  socket_.send(zmq::message_t(), zmq::send_flags::none);  // no metadata
}

}  // namespace lls::transport
