// NotifySystemd: the sd_notify datagram reaches the socket named by $NOTIFY_SOCKET (a path, as
// systemd passes it), and without the variable nothing is sent and nothing fails.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "exchange/systemd_notify.h"
#include "tests/support/support.h"

namespace lls {
namespace {

TEST_CASE("NotifySystemd sends one datagram to $NOTIFY_SOCKET", "[systemd]") {
  test::TempDir dir;
  const std::string path = (dir.path() / "notify.sock").string();
  int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  REQUIRE(path.size() < sizeof(address.sun_path));
  std::memcpy(address.sun_path, path.data(), path.size());
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);

  REQUIRE(::setenv("NOTIFY_SOCKET", path.c_str(), 1) == 0);
  Status sent = NotifySystemd("READY=1");
  ::unsetenv("NOTIFY_SOCKET");
  REQUIRE(sent.ok());
  char buffer[64] = {};
  ssize_t n = ::recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
  ::close(fd);
  REQUIRE(n == 7);
  CHECK(std::string(buffer, static_cast<size_t>(n)) == "READY=1");

  CHECK(NotifySystemd("READY=1").ok());  // no $NOTIFY_SOCKET: a no-op
  REQUIRE(::setenv("NOTIFY_SOCKET", "relative/name", 1) == 0);
  Status refused = NotifySystemd("READY=1");
  ::unsetenv("NOTIFY_SOCKET");
  CHECK(refused.code() == Code::kInvalidArgument);
}

}  // namespace
}  // namespace lls
