// DashboardServer over cpp-httplib: the only file that includes httplib.h. Every request goes
// through one pre-routing handler to Route() (routes.h), so httplib's own router, file
// serving and error pages are never used.
#include <httplib.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "dashboard/host_check.h"
#include "dashboard/routes.h"
#include "dashboard/server.h"

namespace lls::dashboard {

namespace {

// Limits on what a client may send: the dashboard takes no request bodies, and a slow client
// must not hold a worker thread for long. httplib gives each connection a worker for as long
// as it lasts, so a client that sends half a request line holds one until the read timeout,
// and an idle keep-alive connection holds one until the keep-alive timeout: 8 workers keep a
// few stalled or idle clients (a browser opens up to 6) from blocking /healthz and the pages.
constexpr size_t kWorkerThreads = 8;
constexpr time_t kReadTimeoutSeconds = 5;
constexpr time_t kWriteTimeoutSeconds = 10;
constexpr size_t kPayloadLimit = 8 * 1024;
constexpr time_t kKeepAliveSeconds = 2;
// One request per connection. httplib never reads the body of a GET (or HEAD, OPTIONS), so on
// a kept-alive connection such a body would be parsed as a second request: a desync that a
// proxy in front could be fooled by (tests/hostile/dashboard_test.cpp). Pages are one request
// each, and the worker is free again as soon as the answer is written.
constexpr size_t kKeepAliveMaxRequests = 1;

// Whether a request says it carries a body (a Content-Length other than 0, or a transfer
// coding such as chunked).
bool HasBody(const httplib::Request& req) {
  if (req.has_header("Transfer-Encoding")) return true;
  return req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0";
}

class HttpDashboardServer final : public DashboardServer {
 public:
  HttpDashboardServer(Source& source, std::string address)
      : source_(source), address_(std::move(address)) {
    server_.new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
    server_.set_read_timeout(kReadTimeoutSeconds, 0);
    server_.set_write_timeout(kWriteTimeoutSeconds, 0);
    server_.set_keep_alive_timeout(kKeepAliveSeconds);
    server_.set_keep_alive_max_count(kKeepAliveMaxRequests);
    server_.set_payload_max_length(kPayloadLimit);
    // httplib's default also sets SO_REUSEPORT, which lets a second server bind the same port
    // and silently share its connections; SO_REUSEADDR alone allows a quick restart and still
    // makes a port in use an error.
    server_.set_socket_options([](socket_t sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    // Every answer carries these, refusals included.
    server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      res.set_header("Cache-Control", "no-store");
      res.set_header("X-Content-Type-Options", "nosniff");
      // Pages carry no scripts and load nothing from elsewhere; say so to the browser.
      res.set_header("Content-Security-Policy",
                     "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                     "frame-ancestors 'none'");
      // This handler runs before httplib reads a request body, so answering here would leave
      // the body unread and the 8 KiB limit unapplied. A request with a body goes on to
      // httplib, which reads a POST's, PUT's, PATCH's or DELETE's within the limit (413 above
      // it) and then calls Answer through the catch-all routes below. It never reads a GET's:
      // see kKeepAliveMaxRequests.
      if (HasBody(req)) return httplib::Server::HandlerResponse::Unhandled;
      Answer(req, res);
      return httplib::Server::HandlerResponse::Handled;
    });
    const auto answer = [this](const httplib::Request& req, httplib::Response& res) {
      Answer(req, res);
    };
    server_.Get(".*", answer);
    server_.Post(".*", answer);
    server_.Put(".*", answer);
    server_.Patch(".*", answer);
    server_.Delete(".*", answer);
    server_.Options(".*", answer);
    server_.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
          res.status = 500;
          res.set_content("internal error\n", kTextType);
        });
  }

  ~HttpDashboardServer() override { Stop(); }

  // The answer to any request (headers were set by the pre-routing handler).
  void Answer(const httplib::Request& req, httplib::Response& res) {
    // DNS rebinding (host_check.h): a request naming another host gets nothing but a refusal.
    const std::string host = req.get_header_value("Host");
    const bool allowed =
        HostAllowed(req.has_header("Host") ? std::optional<std::string_view>(host) : std::nullopt,
                    req.remote_addr, address_, port_);
    Reply reply = allowed ? Route(source_, req.method, req.path, &answers_)
                          : Reply{421, kTextType,
                                  "misdirected request: this dashboard answers only Host "
                                  "127.0.0.1, localhost, [::1] or its bind address\n"};
    if (HasBody(req) && reply.status < 400) {
      reply = Reply{400, kTextType, "this server takes no request bodies\n"};  // a GET with one
    }
    res.status = reply.status;
    if (reply.status == 405) res.set_header("Allow", "GET, HEAD");
    if (reply.shared_body) {
      // Written from the kept answer itself: a 12 MB measure is not copied per request.
      const size_t size = reply.shared_body->size();
      res.set_content_provider(
          size, reply.content_type,
          [body = std::move(reply.shared_body)](size_t offset, size_t length,
                                                httplib::DataSink& sink) {
            return sink.write(body->data() + offset, length);
          });
      return;
    }
    res.set_content(std::move(reply.body), reply.content_type.c_str());
  }

  Status Bind(int port) {
    if (port == 0) {
      port_ = server_.bind_to_any_port(address_);
      if (port_ < 0) {
        return Status(Code::kUnavailable, "dashboard: cannot bind " + address_ + " on any port");
      }
    } else {
      if (!server_.bind_to_port(address_, port)) {
        return Status(Code::kUnavailable, "dashboard: cannot bind " + address_ + ":" +
                                              std::to_string(port) +
                                              " (in use, or not an address of this host)");
      }
      port_ = port;
    }
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // httplib's stop() does nothing until the listening loop has begun, so a Stop() right
    // after Start() would leave the loop blocked in accept() and the join hanging. Wait for it.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!server_.is_running()) {
      if (std::chrono::steady_clock::now() > deadline) {
        return Status(Code::kUnavailable, "dashboard: the HTTP server did not start");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return Status::Ok();
  }

  int port() const override { return port_; }

  std::string url() const override {
    const bool v6 = address_.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + address_ + "]" : address_) + ":" + std::to_string(port_) + "/";
  }

  void Stop() override {
    std::lock_guard<std::mutex> lock(stop_mu_);
    if (stopped_) return;
    stopped_ = true;
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  Source& source_;  // must outlive the server
  AnswerCache answers_;  // measures' JSON, kept until the Source's Version() changes
  std::string address_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex stop_mu_;
  bool stopped_ = false;
};

}  // namespace

Result<std::unique_ptr<DashboardServer>> DashboardServer::Start(const ServerOptions& options,
                                                                Source& source) {
  if (options.port < 0 || options.port > 65535) {
    return Status(Code::kInvalidArgument,
                  "dashboard: port " + std::to_string(options.port) + " is out of range");
  }
  auto server = std::make_unique<HttpDashboardServer>(source, options.address);
  LLS_RETURN_IF_ERROR(server->Bind(options.port));
  return std::unique_ptr<DashboardServer>(std::move(server));
}

}  // namespace lls::dashboard
