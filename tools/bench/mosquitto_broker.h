// MosquittoBroker: the Debian `mosquitto` 2 binary, started by the bench on a free loopback
// port with a config of its own — TLS with a CA and server certificate made at bench time by
// the `openssl` command line, anonymous clients, QoS 1 queues without limits, persistence on —
// and stopped (SIGTERM, which makes it write its persistence file) when the object goes.
// Never the system's service or port 1883. Not thread-safe; one owner.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "schema/status.h"
#include "tools/bench/child.h"
#include "tools/bench/mosquitto_client.h"

namespace lls::bench {

struct BrokerCertificates {
  std::filesystem::path ca_file;      // the CA clients trust
  std::filesystem::path server_cert;  // CN and subjectAltName IP 127.0.0.1, signed by the CA
  std::filesystem::path server_key;
};

// A fresh EC P-256 CA and server certificate (valid two days) in `folder`, made with
// `openssl` (kNotFound when the command is missing).
Result<BrokerCertificates> MakeCertificates(const std::filesystem::path& folder);

class MosquittoBroker {
 public:
  // Writes `folder`/mosquitto.conf (persistence file and log in `folder` too) and starts
  // `program` with it on a free 127.0.0.1 port; returns once the port accepts connections.
  static Result<MosquittoBroker> Start(const std::filesystem::path& program,
                                       const std::filesystem::path& folder,
                                       const BrokerCertificates& certificates);

  MqttEndpoint endpoint() const { return endpoint_; }
  int pid() const { return process_.pid(); }

 private:
  MosquittoBroker(ChildProcess process, MqttEndpoint endpoint)
      : process_(std::move(process)), endpoint_(std::move(endpoint)) {}
  ChildProcess process_;
  MqttEndpoint endpoint_;
};

// The config Start writes, for a broker on `port` keeping its files in `folder`.
std::string MosquittoConfig(uint16_t port, const std::filesystem::path& folder,
                            const BrokerCertificates& certificates);

}  // namespace lls::bench
