// Which requests the dashboard answers, by their Host header: the defence against DNS
// rebinding. A web page on evil.example can point its own name at 127.0.0.1 and then read the
// dashboard as "same origin"; its requests still carry `Host: evil.example`, so the server
// answers only Host values that name this server by an address (docs/dashboard.md). Pure
// functions, thread-safe.
#pragma once

#include <optional>
#include <string_view>

namespace lls::dashboard {

// True for a loopback peer address as cpp-httplib reports it: 127.0.0.0/8, ::1, or an
// IPv4-mapped loopback (::ffff:127.x.x.x).
bool IsLoopbackPeer(std::string_view peer_address);

// Whether to answer a request. `host` is the Host header (nullopt when absent; an empty one
// counts as absent), compared without regard to case. Allowed: 127.0.0.1, localhost, [::1],
// and `bind_address` (bracketed when IPv6) unless it is a wildcard (0.0.0.0, ::, empty), each
// alone or followed by ":`port`" (the bound port). A request without a Host (HTTP/1.0) is
// answered only from a loopback peer: browsers always send a Host, so a local probe without
// one is no rebinding attack, and a server bound beyond loopback still answers remote clients
// only when they name it.
bool HostAllowed(std::optional<std::string_view> host, std::string_view peer_address,
                 std::string_view bind_address, int port);

}  // namespace lls::dashboard
