// Transport: CURVE-encrypted ZeroMQ for hubs and nodes. Only transport code includes zmq.hpp.
//
// ServerTransport is the hub side: ROUTER sockets that are CURVE servers — the ingest socket and,
// when configured, the subscribe socket — guarded by one ZAP handler (ZeroMQ RFC 27) that FAILS
// CLOSED: the ZAP domain is set and ZMQ_ZAP_ENFORCE_DOMAIN is
// on, so a client is admitted only when the handler answers "200" — which it does only for keys
// the ZapAuthority names. A server cannot be started without an authority. ClientTransport is the
// node side: a DEALER socket that is a CURVE client pinned to the hub's public key, with a socket
// monitor so that "the hub refused our key" is reported as a value instead of an endless wait.
//
// Threading: each transport object, and every socket in it, belongs to the thread that created
// it (ZeroMQ sockets are not thread-safe). Other threads reach that thread over inproc:// (none
// do yet). Frames are single-part; a multi-part frame is reported so the hub can refuse it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "schema/status.h"

namespace lls::transport {

// Decides who may connect. Called on the transport's thread, during the CURVE handshake.
class ZapAuthority {
 public:
  virtual ~ZapAuthority() = default;
  // The user id to attach to the connection (the hub's member id), or nullopt to refuse.
  virtual std::optional<std::string> Admit(const crypto::CurveKey& client_key) = 0;
};

struct ServerOptions {
  std::string endpoint = "tcp://127.0.0.1:7401";  // "tcp://host:*" binds a free port
  // The subscribe socket (docs/protocol.md section 12); empty: none. Same CURVE key, same ZAP
  // handler and domain, so exactly the members admitted to ingest are admitted here.
  std::string subscribe_endpoint;
  // Subscribe requests are a few words; anything above this makes ZeroMQ drop the connection.
  size_t subscribe_limit_bytes = 64 * 1024;
  std::string zap_domain = "lls";
  // Frames above this are still read (up to the socket limit) so the hub can Nack them with
  // too-large; frames above socket_limit_bytes make ZeroMQ drop the connection instead.
  size_t max_message_bytes = 1 << 20;
  size_t socket_limit_bytes = (2 << 20) + 65536;
};

// Which socket a frame came from (and a reply must go to): routing ids are per socket.
enum class Channel { kIngest, kSubscribe };

struct InboundFrame {
  std::string peer;     // ZeroMQ routing id of the connection on `channel` (opaque bytes)
  std::string user_id;  // what ZapAuthority::Admit returned for this connection
  std::vector<uint8_t> payload;
  bool multipart = false;  // the message had more than one frame (payload is the first)
  Channel channel = Channel::kIngest;  // last, so {peer, user_id, payload} still initialises
};

class ServerTransport {
 public:
  // Creates the context, binds the ZAP handler, then binds the CURVE ROUTER socket(s).
  // `authority` must outlive the transport.
  static Result<std::unique_ptr<ServerTransport>> Start(const crypto::Identity& server,
                                                        ZapAuthority& authority,
                                                        const ServerOptions& options);
  ~ServerTransport();

  // The bound endpoint, with the real port when the configured one was "*".
  const std::string& endpoint() const;
  // The bound subscribe endpoint; empty when there is no subscribe socket.
  const std::string& subscribe_endpoint() const;

  // Services ZAP requests and waits up to `timeout` for frames; returns at most `max_frames`
  // per socket (possibly none), ingest frames first, each tagged with its channel. Returns early, with what it has, once at least one frame arrived and no
  // more are immediately available — this is what lets the hub commit frames as a group.
  Result<std::vector<InboundFrame>> Poll(std::chrono::milliseconds timeout, size_t max_frames);

  // Sends one frame to a peer. A peer that has gone is not an error: its reply is dropped
  // (its node resends, and the hub acks the duplicate).
  Status Send(const std::string& peer, std::span<const uint8_t> payload);
  // The same on either socket. Never blocks: a peer whose queue is full loses the frame (a
  // subscriber asks again; a slow one never stalls the hub).
  Status Send(Channel channel, const std::string& peer, std::span<const uint8_t> payload);

  // Closes and rebinds every ROUTER socket on its endpoint: every live connection is cut
  // and must pass the ZAP handler again. Used when a member is revoked.
  Status DropConnections();

  uint64_t zap_admitted() const;
  uint64_t zap_refused() const;

  struct Impl;

 private:
  explicit ServerTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct ClientOptions {
  std::string endpoint;             // the hub's ingest (or subscribe) endpoint
  crypto::CurveKey server_key{};    // the hub's CURVE public key (from its .public file)
  size_t max_message_bytes = 1 << 20;  // replies above this + 64 KiB drop the connection
};

class ClientTransport {
 public:
  // Connects (asynchronously: ZeroMQ reconnects by itself) with `me` as the CURVE client key.
  static Result<std::unique_ptr<ClientTransport>> Connect(const crypto::Identity& me,
                                                          const ClientOptions& options);
  ~ClientTransport();

  // Queues a frame for the hub; sent once the handshake completes.
  Status Send(std::span<const uint8_t> payload);

  // Waits up to `timeout` for a reply frame. Returns nullopt on timeout. Returns
  // kUnauthenticated as soon as the monitor sees the hub refuse this key (not enrolled, or
  // revoked) or a handshake fail because the hub's key is not the one we pinned.
  Result<std::optional<std::vector<uint8_t>>> Receive(std::chrono::milliseconds timeout);

  // True once a CURVE handshake with the hub has succeeded (and no disconnect since).
  bool connected() const;

  // Waits up to `timeout` for the handshake: OK once connected, kUnauthenticated when the hub
  // refused this key, kUnavailable when nothing answered in time. Used to tell an operator
  // whether the hub is reachable.
  Status WaitConnected(std::chrono::milliseconds timeout);

  struct Impl;

 private:
  explicit ClientTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lls::transport
