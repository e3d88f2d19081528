// MqttClient: one libmosquitto client (MQTT 3.1.1 over TLS, QoS 1), the Mosquitto twin of
// NodeClient (load.h). The bench drives it from its owner's thread with poll() — never with
// libmosquitto's own network thread — so that a handful of threads can carry thousands of
// clients and a publisher's callbacks run on the thread that publishes.
//
// Thread-safety: an MqttClient is used by one thread at a time (it may be created on one thread
// and handed to another before use). MosquittoLibrary must outlive every client.
// mosquitto.h is included only in mosquitto_client.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "schema/status.h"

struct mosquitto;          // libmosquitto's client handle
struct mosquitto_message;  // a received message

namespace lls::bench {

// mosquitto_lib_init / mosquitto_lib_cleanup for the lifetime of the object. Create one, on
// one thread, before any client (mosquitto_lib_init itself is not thread-safe).
class MosquittoLibrary {
 public:
  MosquittoLibrary();
  ~MosquittoLibrary();
  MosquittoLibrary(const MosquittoLibrary&) = delete;
  MosquittoLibrary& operator=(const MosquittoLibrary&) = delete;
};

// Where a broker listens and the CA that signed its certificate.
struct MqttEndpoint {
  uint16_t port = 0;              // on 127.0.0.1
  std::filesystem::path ca_file;  // PEM
};

class MqttClient {
 public:
  // A client with the given id (empty: the library picks one; must be set when
  // `clean_session` is false), TLS with the endpoint's CA, TCP_NODELAY, and at most
  // `send_window` of its own QoS 1 publishes in flight. Not connected yet.
  static Result<std::unique_ptr<MqttClient>> Create(const std::string& id, bool clean_session,
                                                    const MqttEndpoint& endpoint, int send_window);
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  // TCP connect, TLS handshake and CONNECT sent (blocking); CONNACK arrives through Handle(),
  // after which connected() is true.
  Status Connect(std::chrono::seconds keepalive);
  bool connected() const { return connected_; }
  // A QoS 1 publish; returns its message id (on_publish gets the same id at PUBACK).
  Result<int> Publish(const std::string& topic, const void* payload, size_t size);
  // A QoS 1 subscription; returns its message id (on_subscribe gets it at SUBACK).
  Result<int> Subscribe(const std::string& topic);
  // Sends DISCONNECT and closes the socket.
  Status Disconnect();

  // For the owner's poll loop: the socket (-1 when closed), whether it has bytes to write, and
  // the handling of what poll reported (reads, writes, keepalive). Callbacks run inside Handle.
  int socket() const;
  bool want_write() const;
  Status Handle(short revents);

  // Events (set before connecting). The payload pointer is valid only during the call.
  std::function<void(int mid)> on_publish;  // PUBACK received
  std::function<void(int mid)> on_subscribe;
  std::function<void(const uint8_t* payload, size_t size)> on_message;

 private:
  explicit MqttClient(mosquitto* handle) : handle_(handle) {}
  static void ConnectCallback(mosquitto*, void* self, int rc);
  static void DisconnectCallback(mosquitto*, void* self, int rc);
  static void PublishCallback(mosquitto*, void* self, int mid);
  static void SubscribeCallback(mosquitto*, void* self, int mid, int count, const int* qos);
  static void MessageCallback(mosquitto*, void* self, const mosquitto_message* message);

  mosquitto* handle_;  // owned: mosquitto_destroy
  uint16_t port_ = 0;
  bool connected_ = false;
  int refused_ = 0;  // CONNACK return code, when the broker refused
};

// Waits up to `timeout` for any of `clients` to have something to read (or room to write, for
// those that want to), then lets each ready one handle it. The first client error ends it.
Status PumpClients(const std::vector<MqttClient*>& clients, std::chrono::microseconds timeout);

// Pumps `clients` until `done()` is true; kTimeout after `timeout`.
Status PumpUntil(const std::vector<MqttClient*>& clients, const std::function<bool()>& done,
                 std::chrono::milliseconds timeout, const std::string& what);

}  // namespace lls::bench
