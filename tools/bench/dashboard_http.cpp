#include "tools/bench/dashboard_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace lls::bench {

namespace {

// Answers larger than this are refused rather than read: the dashboard's largest JSON (one
// measure, 150 trusts x 10 years) is a few MiB.
constexpr size_t kMaxAnswerBytes = 256u << 20;

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

Status Errno(const std::string& what) {
  return Status(Code::kUnavailable, what + ": " + std::strerror(errno));
}

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

// "http://127.0.0.1:8080/" -> {127.0.0.1, 8080}. IPv4 literals only: the bench's hubs bind
// 127.0.0.1.
Result<HostPort> ParseBase(const std::string& url) {
  const std::string scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0) {
    return Status(Code::kInvalidArgument, "not an http:// URL: " + url);
  }
  const std::string authority = url.substr(scheme.size(), url.find('/', scheme.size()) -
                                                              scheme.size());
  const size_t colon = authority.rfind(':');
  if (colon == std::string::npos) return HostPort{authority, 80};
  const int port = std::atoi(authority.c_str() + colon + 1);
  if (port <= 0 || port > 65535) return Status(Code::kInvalidArgument, "bad port in " + url);
  return HostPort{authority.substr(0, colon), static_cast<uint16_t>(port)};
}

Result<std::unique_ptr<Socket>> Dial(const HostPort& to, std::chrono::milliseconds timeout) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(to.port);
  if (inet_pton(AF_INET, to.host.c_str(), &address.sin_addr) != 1) {
    return Status(Code::kInvalidArgument, "not an IPv4 address: " + to.host);
  }
  auto socket = std::make_unique<Socket>(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (socket->fd() < 0) return Errno("socket");
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  setsockopt(socket->fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(socket->fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  setsockopt(socket->fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(socket->fd(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    return Errno("connect to " + to.host + ":" + std::to_string(to.port));
  }
  return socket;
}

Status SendAll(const Socket& socket, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(socket.fd(), data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Errno("send");
    sent += static_cast<size_t>(n);
  }
  return Status::Ok();
}

// Reads until the peer closes or the header's Content-Length has arrived.
Result<std::string> ReadAnswer(const Socket& socket) {
  std::string answer;
  char buffer[64 * 1024];
  size_t wanted = 0;  // header + Content-Length, once the header is in
  for (;;) {
    ssize_t n = recv(socket.fd(), buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("recv");
    if (n == 0) break;
    answer.append(buffer, static_cast<size_t>(n));
    if (answer.size() > kMaxAnswerBytes) return Status(Code::kCorrupt, "answer too large");
    if (wanted == 0) {
      const size_t end = answer.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      std::string head = answer.substr(0, end);
      for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const size_t length = head.find("\r\ncontent-length:");
      if (length == std::string::npos) continue;  // read to the close
      wanted = end + 4 + std::strtoull(head.c_str() + length + 17, nullptr, 10);
    }
    if (wanted != 0 && answer.size() >= wanted) break;
  }
  return answer;
}

Result<HttpReply> ParseAnswer(const std::string& answer) {
  const size_t end = answer.find("\r\n\r\n");
  if (answer.compare(0, 9, "HTTP/1.1 ") != 0 || end == std::string::npos) {
    return Status(Code::kCorrupt, "not an HTTP/1.1 answer");
  }
  HttpReply reply;
  reply.status = std::atoi(answer.c_str() + 9);
  reply.body = answer.substr(end + 4);
  return reply;
}

}  // namespace

Result<HttpReply> HttpGet(const std::string& base_url, const std::string& path,
                          std::chrono::milliseconds timeout) {
  LLS_ASSIGN_OR_RETURN(HostPort to, ParseBase(base_url));
  LLS_ASSIGN_OR_RETURN(std::unique_ptr<Socket> socket, Dial(to, timeout));
  LLS_RETURN_IF_ERROR(SendAll(*socket, "GET " + path + " HTTP/1.1\r\nHost: " + to.host + ":" +
                                           std::to_string(to.port) +
                                           "\r\nConnection: close\r\n\r\n"));
  LLS_ASSIGN_OR_RETURN(std::string answer, ReadAnswer(*socket));
  return ParseAnswer(answer);
}

}  // namespace lls::bench
