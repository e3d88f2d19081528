#include "tools/bench/mosquitto_broker.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace lls::bench {
namespace {

namespace fs = std::filesystem;

constexpr const char* kOpenssl = "/usr/bin/openssl";

// Broker-side window of unacknowledged QoS 1 messages per subscriber (Mosquitto's default
// is 20). It is what paces fan-out and replay: a round trip per window. 1,000 x 2 KiB keeps
// a subscriber's socket busy on loopback without letting the broker turn a million queued
// messages into a million packets at once, which 0 ("no maximum") would.
constexpr int kBrokerInflight = 1000;

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

// A port nobody listens on now: bind port 0, read what the kernel chose, close. Another
// process could take it before the broker does; Start then fails and says so.
Result<uint16_t> FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Status(Code::kIoError, std::string("socket: ") + std::strerror(errno));
  sockaddr_in address = Loopback(0);
  socklen_t size = sizeof(address);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0;
  const int error = errno;
  ::close(fd);
  if (!ok) return Status(Code::kIoError, std::string("free port: ") + std::strerror(error));
  return static_cast<uint16_t>(ntohs(address.sin_port));
}

bool Accepts(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address = Loopback(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return ok;
}

// Mosquitto started as root drops to the user named in its config (default "mosquitto"),
// which could not write our folder; naming the current user keeps it as it is (and the
// setting is ignored when not root).
std::string CurrentUser() {
  const passwd* entry = getpwuid(geteuid());
  return entry != nullptr ? entry->pw_name : "root";
}

Status WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status(Code::kIoError, "cannot write " + path.string());
  return Status::Ok();
}

}  // namespace

Result<BrokerCertificates> MakeCertificates(const fs::path& folder) {
  if (!fs::exists(kOpenssl)) {
    return Status(Code::kNotFound, std::string(kOpenssl) + " is missing (Debian: openssl)");
  }
  BrokerCertificates certs{folder / "ca.crt", folder / "server.crt", folder / "server.key"};
  const fs::path ca_key = folder / "ca.key";
  const fs::path csr = folder / "server.csr";
  const fs::path extensions = folder / "server.ext";
  const fs::path log = folder / "openssl.log";
  LLS_RETURN_IF_ERROR(WriteFile(extensions,
                                "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                                "extendedKeyUsage=serverAuth\n"));
  // Laid out by hand: clang-format would put each word on a line of its own.
  // clang-format off
  const std::vector<std::string> make_ca = {
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
      "-keyout", ca_key.string(), "-out", certs.ca_file.string(), "-days", "2",
      "-subj", "/CN=LLS bench CA",
      "-addext", "basicConstraints=critical,CA:TRUE",
      "-addext", "keyUsage=critical,keyCertSign,cRLSign"};
  const std::vector<std::string> make_request = {
      "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
      "-keyout", certs.server_key.string(), "-out", csr.string(), "-subj", "/CN=127.0.0.1"};
  const std::vector<std::string> sign = {
      "x509", "-req", "-in", csr.string(), "-CA", certs.ca_file.string(),
      "-CAkey", ca_key.string(), "-set_serial", "2", "-days", "2", "-sha256",
      "-extfile", extensions.string(), "-out", certs.server_cert.string()};
  // clang-format on
  for (const auto* args : {&make_ca, &make_request, &sign}) {
    std::vector<std::string> argv{kOpenssl};
    argv.insert(argv.end(), args->begin(), args->end());
    LLS_RETURN_IF_ERROR(RunToCompletion(argv, log));
  }
  return certs;
}

std::string MosquittoConfig(uint16_t port, const fs::path& folder,
                            const BrokerCertificates& certificates) {
  std::ostringstream c;
  c << "# Written by `lls bench` (tools/bench/mosquitto_broker.cpp) for one run.\n"
    << "user " << CurrentUser() << "\n"
    << "listener " << port << " 127.0.0.1\n"
    << "cafile " << certificates.ca_file.string() << "\n"
    << "certfile " << certificates.server_cert.string() << "\n"
    << "keyfile " << certificates.server_key.string() << "\n"
    << "require_certificate false\n"
    << "allow_anonymous true\n"
    << "set_tcp_nodelay true\n"
    // Persistence on, as the issue asks. Mosquitto writes its in-memory state to this file
    // every autosave_interval seconds (1800 is the default, stated here) and at exit — never
    // per message, so a PUBACK promises nothing about the disk.
    << "persistence true\n"
    << "persistence_location " << (folder / "").string() << "\n"
    << "persistence_file mosquitto.db\n"
    << "autosave_interval 1800\n"
    << "max_inflight_messages " << kBrokerInflight
    << "\n"
    // No limit on queued messages or bytes: Mosquitto drops QoS 1 messages past these
    // limits (default 1,000 per client), which would break fan-out counts and make the
    // million-message replay impossible.
    << "max_queued_messages 0\n"
    << "max_queued_bytes 0\n"
    << "log_dest file " << (folder / "mosquitto.log").string() << "\n"
    << "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n"
    // Thousands of connections would otherwise write a line each.
    << "connection_messages false\n";
  return c.str();
}

Result<MosquittoBroker> MosquittoBroker::Start(const fs::path& program, const fs::path& folder,
                                               const BrokerCertificates& certificates) {
  LLS_ASSIGN_OR_RETURN(uint16_t port, FreeLoopbackPort());
  const fs::path config = folder / "mosquitto.conf";
  LLS_RETURN_IF_ERROR(WriteFile(config, MosquittoConfig(port, folder, certificates)));
  LLS_ASSIGN_OR_RETURN(
      ChildProcess process,
      ChildProcess::Start({program.string(), "-c", config.string()}, folder / "mosquitto.out"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!Accepts(port)) {
    if (!process.running()) {
      return Status(Code::kUnavailable, "mosquitto exited at start (see " +
                                            (folder / "mosquitto.log").string() + ", " +
                                            (folder / "mosquitto.out").string() + ")");
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status(Code::kTimeout,
                    "mosquitto did not listen on port " + std::to_string(port) + " within 10 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return MosquittoBroker(std::move(process), MqttEndpoint{port, certificates.ca_file});
}

}  // namespace lls::bench
