// DashboardServer: the hub's web pages and JSON API over HTTP (cpp-httplib, wrapped here and
// nowhere else), bound to loopback unless configured otherwise. Read-only: nothing served
// here changes the hub. Pages render with no network access (inline CSS, SVG drawn on the
// server, no scripts needed); every page has a JSON twin under /api.
//
//   GET /                     overview: each measure's latest value, SPC icons; members; counts
//   GET /measure/CODE         the main SPC chart, the parts' small multiples, a funnel plot
//   GET /learning             the learning feed with curation state
//   GET /members              members, role, last seen
//   GET /api/overview | /api/measures/CODE | /api/learning | /api/members   the same as JSON
//   GET /metrics              Prometheus text format
//   GET /healthz              200 "ok" or 503 with the reason
//
// Only requests whose Host header names this server (127.0.0.1, localhost, [::1] or the bind
// address, with or without the port) are answered; others get 421 (DNS rebinding,
// dashboard/host_check.h). The server runs its own threads; Source must be thread-safe
// (dashboard/source.h). A measure's JSON is kept until the Source's Version() changes
// (dashboard/answer_cache.h).
#pragma once

#include <memory>
#include <string>

#include "dashboard/source.h"
#include "schema/status.h"

namespace lls::dashboard {

struct ServerOptions {
  std::string address = "127.0.0.1";
  int port = 7480;  // 0: a free port, see DashboardServer::port()
};

class DashboardServer {
 public:
  // Binds and starts serving on background threads; kUnavailable when the address cannot be
  // bound (in use, not local). `source` must outlive the server.
  static Result<std::unique_ptr<DashboardServer>> Start(const ServerOptions& options,
                                                        Source& source);
  virtual ~DashboardServer() = default;
  virtual int port() const = 0;
  virtual std::string url() const = 0;  // "http://127.0.0.1:PORT/"
  // Stops accepting, finishes requests in flight, joins the threads. Idempotent.
  virtual void Stop() = 0;
};

}  // namespace lls::dashboard
