#include "tools/bench/mosquitto_client.h"

#include <mosquitto.h>
#include <poll.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace lls::bench {
namespace {

// libmosquitto's error as a Status; MOSQ_ERR_ERRNO means "look at errno".
Status MosquittoError(int rc, const std::string& what) {
  std::string text = rc == MOSQ_ERR_ERRNO ? std::strerror(errno) : mosquitto_strerror(rc);
  Code code = rc == MOSQ_ERR_NOMEM ? Code::kInternal : Code::kUnavailable;
  return Status(code, "mosquitto " + what + ": " + text);
}

}  // namespace

MosquittoLibrary::MosquittoLibrary() { mosquitto_lib_init(); }
MosquittoLibrary::~MosquittoLibrary() { mosquitto_lib_cleanup(); }

Result<std::unique_ptr<MqttClient>> MqttClient::Create(const std::string& id, bool clean_session,
                                                       const MqttEndpoint& endpoint,
                                                       int send_window) {
  mosquitto* handle = mosquitto_new(id.empty() ? nullptr : id.c_str(), clean_session, nullptr);
  if (handle == nullptr) {
    return Status(Code::kInternal, std::string("mosquitto_new: ") + std::strerror(errno));
  }
  // Owned from here on, so every early return below destroys the handle.
  std::unique_ptr<MqttClient> client(new MqttClient(handle));
  mosquitto_user_data_set(handle, client.get());
  mosquitto_connect_callback_set(handle, &MqttClient::ConnectCallback);
  mosquitto_disconnect_callback_set(handle, &MqttClient::DisconnectCallback);
  mosquitto_publish_callback_set(handle, &MqttClient::PublishCallback);
  mosquitto_subscribe_callback_set(handle, &MqttClient::SubscribeCallback);
  mosquitto_message_callback_set(handle, &MqttClient::MessageCallback);

  int rc = mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  if (rc != MOSQ_ERR_SUCCESS) return MosquittoError(rc, "protocol version");
  // ZeroMQ sets TCP_NODELAY on LLS Exchange's sockets; Nagle here would add latency that has
  // nothing to do with the broker.
  rc = mosquitto_int_option(handle, MOSQ_OPT_TCP_NODELAY, 1);
  if (rc != MOSQ_ERR_SUCCESS) return MosquittoError(rc, "tcp nodelay");
  // The library queues publishes beyond this many unacknowledged ones (default 20); the bench
  // keeps its own window, so this only has to be at least that big.
  rc = mosquitto_int_option(handle, MOSQ_OPT_SEND_MAXIMUM, send_window);
  if (rc != MOSQ_ERR_SUCCESS) return MosquittoError(rc, "send maximum");
  rc = mosquitto_tls_set(handle, endpoint.ca_file.c_str(), nullptr, nullptr, nullptr, nullptr);
  if (rc != MOSQ_ERR_SUCCESS) return MosquittoError(rc, "tls_set");
  client->port_ = endpoint.port;
  return client;
}

MqttClient::~MqttClient() { mosquitto_destroy(handle_); }

Status MqttClient::Connect(std::chrono::seconds keepalive) {
  int rc = mosquitto_connect(handle_, "127.0.0.1", port_, static_cast<int>(keepalive.count()));
  if (rc != MOSQ_ERR_SUCCESS) return MosquittoError(rc, "connect");
  return Status::Ok();
}

Result<int> MqttClient::Publish(const std::string& topic, const void* payload, size_t size) {
  int mid = 0;
  int rc = mosquitto_publish(handle_, &mid, topic.c_str(), static_cast<int>(size), payload,
                             /*qos=*/1, /*retain=*/false);
  if (rc != MOSQ_ERR_SUCCESS) return MosquittoError(rc, "publish");
  return mid;
}

Result<int> MqttClient::Subscribe(const std::string& topic) {
  int mid = 0;
  int rc = mosquitto_subscribe(handle_, &mid, topic.c_str(), /*qos=*/1);
  if (rc != MOSQ_ERR_SUCCESS) return MosquittoError(rc, "subscribe");
  return mid;
}

Status MqttClient::Disconnect() {
  connected_ = false;
  int rc = mosquitto_disconnect(handle_);
  if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN) return MosquittoError(rc, "disconnect");
  return Status::Ok();
}

int MqttClient::socket() const { return mosquitto_socket(handle_); }

bool MqttClient::want_write() const { return mosquitto_want_write(handle_); }

Status MqttClient::Handle(short revents) {
  if (revents & (POLLIN | POLLERR | POLLHUP)) {
    int rc = mosquitto_loop_read(handle_, 1);
    if (rc != MOSQ_ERR_SUCCESS) return MosquittoError(rc, "read");
  }
  if (refused_ != 0) {
    return Status(Code::kRefused, std::string("mosquitto refused the connection: ") +
                                      mosquitto_connack_string(refused_));
  }
  if ((revents & POLLOUT) && socket() >= 0) {
    int rc = mosquitto_loop_write(handle_, 1);
    if (rc != MOSQ_ERR_SUCCESS) return MosquittoError(rc, "write");
  }
  int rc = mosquitto_loop_misc(handle_);
  if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN) return MosquittoError(rc, "keepalive");
  return Status::Ok();
}

void MqttClient::ConnectCallback(mosquitto*, void* self, int rc) {
  auto* client = static_cast<MqttClient*>(self);
  client->connected_ = rc == 0;
  client->refused_ = rc;
}

void MqttClient::DisconnectCallback(mosquitto*, void* self, int) {
  static_cast<MqttClient*>(self)->connected_ = false;
}

void MqttClient::PublishCallback(mosquitto*, void* self, int mid) {
  auto* client = static_cast<MqttClient*>(self);
  if (client->on_publish) client->on_publish(mid);
}

void MqttClient::SubscribeCallback(mosquitto*, void* self, int mid, int, const int*) {
  auto* client = static_cast<MqttClient*>(self);
  if (client->on_subscribe) client->on_subscribe(mid);
}

void MqttClient::MessageCallback(mosquitto*, void* self, const mosquitto_message* message) {
  auto* client = static_cast<MqttClient*>(self);
  if (client->on_message) {
    client->on_message(static_cast<const uint8_t*>(message->payload),
                       static_cast<size_t>(message->payloadlen));
  }
}

Status PumpClients(const std::vector<MqttClient*>& clients, std::chrono::microseconds timeout) {
  std::vector<pollfd> fds;
  std::vector<MqttClient*> polled;
  fds.reserve(clients.size());
  polled.reserve(clients.size());
  for (MqttClient* client : clients) {
    const int fd = client->socket();
    if (fd < 0) continue;
    short events = POLLIN;
    if (client->want_write()) events |= POLLOUT;
    fds.push_back(pollfd{fd, events, 0});
    polled.push_back(client);
  }
  const auto us = std::max<int64_t>(0, timeout.count());
  timespec ts{static_cast<time_t>(us / 1'000'000), static_cast<long>(us % 1'000'000) * 1000};
  int ready = ppoll(fds.data(), fds.size(), &ts, nullptr);
  if (ready < 0) {
    if (errno == EINTR) return Status::Ok();
    return Status(Code::kIoError, std::string("poll: ") + std::strerror(errno));
  }
  for (size_t i = 0; i < fds.size(); ++i) {
    // Handle() also runs keepalive for clients with nothing to read.
    LLS_RETURN_IF_ERROR(polled[i]->Handle(fds[i].revents));
  }
  return Status::Ok();
}

Status PumpUntil(const std::vector<MqttClient*>& clients, const std::function<bool()>& done,
                 std::chrono::milliseconds timeout, const std::string& what) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status(Code::kTimeout,
                    "mosquitto: " + what + " took over " + std::to_string(timeout.count()) + " ms");
    }
    LLS_RETURN_IF_ERROR(PumpClients(clients, std::chrono::milliseconds(10)));
  }
  return Status::Ok();
}

}  // namespace lls::bench
