// The dashboard's routes as a plain function from (method, path) to a reply, so the pages can
// be served (and tested) without a socket. The HTTP server (http_server.cpp) calls Route() for
// every request. Thread-safe when the Source is.
//
//   GET|HEAD  /  /measure/CODE  /learning  /members             HTML
//   GET|HEAD  /api/overview  /api/measures/CODE  /api/learning  /api/members   JSON
//   GET|HEAD  /metrics   Prometheus text 0.0.4;   /healthz   "ok" or 503 with the reason
//   other methods: 405 (Allow: GET, HEAD); other paths: 404; a Source error: 500 with a
//   one-line reason (also written to stderr). Never throws.
#pragma once

#include <memory>
#include <string>

#include "dashboard/answer_cache.h"
#include "dashboard/source.h"

namespace lls::dashboard {

inline constexpr const char* kHtmlType = "text/html; charset=utf-8";
inline constexpr const char* kJsonType = "application/json";
inline constexpr const char* kTextType = "text/plain; charset=utf-8";
inline constexpr const char* kMetricsType = "text/plain; version=0.0.4; charset=utf-8";

struct Reply {
  int status = 200;
  std::string content_type = kHtmlType;
  std::string body;
  // Instead of `body` when set: an answer shared with an AnswerCache (12 MB for a measure's
  // JSON at a big LLS hub: not copied per request). Text() gives whichever is set.
  std::shared_ptr<const std::string> shared_body = nullptr;

  const std::string& Text() const { return shared_body ? *shared_body : body; }
};

// `path` is the decoded path without the query string. With a `cache`, a measure's JSON is
// kept there until the Source's Version() changes.
Reply Route(Source& source, const std::string& method, const std::string& path,
            AnswerCache* cache = nullptr);

}  // namespace lls::dashboard
