// A minimal HTTP/1.1 GET over loopback for the dashboard scenario: one request per
// connection (the dashboard closes each connection after its answer, docs/dashboard.md), the
// body read to its Content-Length. Written on POSIX sockets rather than cpp-httplib, whose
// Debian build must be compiled with the library's own feature macros (TLS, compression) to
// match its class layouts, and which only the dashboard component includes.
// Thread-safe (no shared state).
#pragma once

#include <chrono>
#include <string>

#include "schema/status.h"

namespace lls::bench {

struct HttpReply {
  int status = 0;
  std::string body;
};

// GET `path` from `base_url` ("http://127.0.0.1:PORT/"), waiting at most `timeout`. An HTTP
// error status is a reply, not an error; a connection that fails or an answer that does not
// parse is.
Result<HttpReply> HttpGet(const std::string& base_url, const std::string& path,
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace lls::bench
