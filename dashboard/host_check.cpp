#include "dashboard/host_check.h"

#include <string>
#include <vector>

namespace lls::dashboard {

namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsWildcard(std::string_view address) {
  return address.empty() || address == "0.0.0.0" || address == "::" || address == "[::]";
}

}  // namespace

bool IsLoopbackPeer(std::string_view peer) {
  if (peer.substr(0, 7) == "::ffff:") peer.remove_prefix(7);
  return peer.substr(0, 4) == "127." || peer == "::1";
}

bool HostAllowed(std::optional<std::string_view> host, std::string_view peer_address,
                 std::string_view bind_address, int port) {
  if (!host || host->empty()) return IsLoopbackPeer(peer_address);
  std::vector<std::string> names = {"127.0.0.1", "localhost", "[::1]"};
  if (!IsWildcard(bind_address)) {
    const std::string bound = Lower(bind_address);
    const bool v6 = bound.find(':') != std::string::npos && bound.front() != '[';
    names.push_back(v6 ? "[" + bound + "]" : bound);
  }
  const std::string given = Lower(*host);
  const std::string suffix = ":" + std::to_string(port);
  for (const std::string& name : names) {
    if (given == name || given == name + suffix) return true;
  }
  return false;
}

}  // namespace lls::dashboard
