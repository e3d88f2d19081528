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
  // ZMTP heartbeats (RFC 37; docs/protocol.md section 2): a PING every heartbeat_interval; when
  // nothing at all arrives for heartbeat_timeout after one, the connection is dead (a half-open
  // connection, a blackholed route: TCP alone would not notice for many minutes) and ZeroMQ
  // closes it and connects again. heartbeat_ttl, sent in each PING, tells the hub to close the
  // connection after that long without hearing from us. Zero turns each off.
  std::chrono::milliseconds heartbeat_interval{500};
  std::chrono::milliseconds heartbeat_timeout{2000};
  std::chrono::milliseconds heartbeat_ttl{6000};
  // A connection whose handshake has not completed by then is closed and made again (ZeroMQ's
  // default, 30 s, would leave a handshake stranded by a network fault waiting that long:
  // heartbeats start only after the handshake).
  std::chrono::milliseconds handshake_timeout{3000};
};

struct ClientContextOptions {
  int io_threads = 1;
  // ZeroMQ refuses sockets beyond this (its default, 1023). Each ClientTransport takes three:
  // its DEALER, the monitor ZeroMQ attaches to it, and our end of that monitor.
  int max_sockets = 1023;
};

// A ZeroMQ context that many ClientTransports share: one pool of I/O threads for all of them,
// where each transport made without one has a context (and an I/O thread) of its own. For a
// process that plays thousands of nodes (`lls bench`); a node needs none. Must outlive every
// transport made with it. Thread-safe (ZeroMQ contexts are); each transport still belongs to
// the thread that created it.
class ClientContext {
 public:
  static Result<std::unique_ptr<ClientContext>> Create(const ClientContextOptions& options);
  ~ClientContext();
  ClientContext(const ClientContext&) = delete;
  ClientContext& operator=(const ClientContext&) = delete;

  struct Impl;
  Impl& impl() { return *impl_; }  // for ClientTransport

 private:
  explicit ClientContext(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class ClientTransport {
 public:
  // Connects (asynchronously: ZeroMQ reconnects by itself) with `me` as the CURVE client key.
  static Result<std::unique_ptr<ClientTransport>> Connect(const crypto::Identity& me,
                                                          const ClientOptions& options);
  // The same in `context` (not owned; must outlive the transport) instead of a context of its
  // own. kUnavailable when the context has no socket left (ClientContextOptions::max_sockets).
  static Result<std::unique_ptr<ClientTransport>> Connect(const crypto::Identity& me,
                                                          const ClientOptions& options,
                                                          ClientContext& context);
  ~ClientTransport();

  // Queues a frame for the hub; sent once the handshake completes.
  Status Send(std::span<const uint8_t> payload);

  // Waits up to `timeout` for a reply frame. Returns nullopt on timeout, and early (nullopt)
  // when a new handshake completes meanwhile, so that the caller can resend at once what the
  // previous connection may have lost (see handshakes()). Returns kUnauthenticated as soon as
  // the monitor sees the hub refuse this key (not enrolled, or revoked) or the handshake fail
  // because the hub's key is not the one we pinned (see refusal_certain()).
  Result<std::optional<std::vector<uint8_t>>> Receive(std::chrono::milliseconds timeout);

  // True once a CURVE handshake with the hub has succeeded (and no disconnect since).
  bool connected() const;

  // How many CURVE handshakes have succeeded on this transport. A change means a new
  // connection: frames sent on the previous one and not answered may have been lost with it
  // (ZeroMQ drops what it had passed to a dead connection), so resend them.
  uint64_t handshakes() const;

  // After kUnauthenticated: true when the refusal is certain (the hub's ZAP handler said no,
  // or the handshake broke protocol); false when every handshake of a transport that never
  // connected broke off without a word (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL). A hub pinned to
  // another key does that — and so does a network that resets connections mid-handshake, which
  // is worth retrying soon. Such failures after a first successful handshake are not a refusal
  // at all: the key was right, the network is at fault, and ZeroMQ simply connects again.
  bool refusal_certain() const;

  // Waits up to `timeout` for the handshake: OK once connected, kUnauthenticated when the hub
  // refused this key, kUnavailable when nothing answered in time. Used to tell an operator
  // whether the hub is reachable.
  Status WaitConnected(std::chrono::milliseconds timeout);

  struct Impl;

 private:
  explicit ClientTransport(std::unique_ptr<Impl> impl);
  // Makes the sockets in impl->context and connects.
  static Result<std::unique_ptr<ClientTransport>> Open(const crypto::Identity& me,
                                                       const ClientOptions& options,
                                                       std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lls::transport
