// ZapHandler: the ZeroMQ Authentication Protocol (RFC 27) server for CURVE, failing closed.
// Private to the transport code (it includes zmq.hpp); see transport.h for the contract.
//
// It answers on inproc://zeromq.zap.01 of one context. Anything it does not positively
// recognise — another mechanism, another domain, a malformed request, a key the authority does
// not know — gets status 400 (or 500 for a protocol error), so no client gets in by accident.
// Not thread-safe: owned and polled by the thread that owns the context's other sockets.
#pragma once

#include <cstdint>
#include <string>

#include <zmq.hpp>

#include "exchange/transport.h"

namespace lls::transport {

class ZapHandler {
 public:
  // Binds inproc://zeromq.zap.01 in `context`; fails if a handler is already bound there.
  static Result<std::unique_ptr<ZapHandler>> Bind(zmq::context_t& context, std::string domain,
                                                  ZapAuthority& authority);

  zmq::socket_t& socket() { return socket_; }
  // Answers every request waiting on the socket (non-blocking).
  void HandlePending();

  uint64_t admitted() const { return admitted_; }
  uint64_t refused() const { return refused_; }

 private:
  ZapHandler(zmq::socket_t socket, std::string domain, ZapAuthority& authority)
      : socket_(std::move(socket)), domain_(std::move(domain)), authority_(authority) {}
  void HandleOne(std::vector<zmq::message_t>& request);
  void Reply(const zmq::message_t& request_id, const char* status, const char* text,
             const std::string& user_id);

  zmq::socket_t socket_;
  std::string domain_;
  ZapAuthority& authority_;  // must outlive the handler
  uint64_t admitted_ = 0;
  uint64_t refused_ = 0;
};

}  // namespace lls::transport
