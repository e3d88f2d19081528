#include "dashboard/routes.h"

#include <exception>
#include <iostream>
#include <mutex>

#include "dashboard/analysis.h"
#include "dashboard/api_json.h"
#include "dashboard/pages.h"

namespace lls::dashboard {

namespace {

constexpr const char* kDefaultHubName = "LLS Exchange hub";

// A request failed for a reason worth a status code: carried up to Route() as a value.
struct Failure {
  int status;
  std::string reason;
};

template <typename T>
using Got = Result<T, Failure>;

void Log(const std::string& method, const std::string& path, const std::string& reason) {
  static std::mutex mu;  // keeps concurrent lines whole
  std::lock_guard<std::mutex> lock(mu);
  std::cerr << "dashboard: " << method << " " << path << ": " << reason << std::endl;
}

template <typename T>
Got<T> Need(Result<T> r, const char* what) {
  if (!r.ok()) return Failure{500, std::string(what) + ": " + r.status().ToString()};
  return std::move(r).value();
}

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

Got<std::vector<OverviewRow>> OverviewRows(Source& source) {
  auto measures = Need(source.Measures(), "reading the measures");
  if (!measures.ok()) return measures.error();
  std::vector<OverviewRow> rows;
  for (const MeasureInfo& m : *measures) {
    // The overview shows the main series only: MeasureSummary lets the hub skip the parts.
    auto data = Need(source.MeasureSummary(m.code), "reading a measure");
    if (!data.ok()) return data.error();
    OverviewRow row{m, std::nullopt, {}};
    if (*data) {
      row.target = (*data)->target;
      row.main = ChartSeries((*data)->main, (*data)->measure, (*data)->target);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

Got<MeasureView> MeasureFor(Source& source, const std::string& code) {
  auto data = Need(source.Measure(code), "reading the measure");
  if (!data.ok()) return data.error();
  if (!*data) return Failure{404, "no measure with the code \"" + code + "\""};
  return Analyse(**data);
}

// A measure's page or JSON. The JSON is kept in `cache` (when given) until the Source's
// Version() changes (answer_cache.h).
Got<Reply> MeasureReply(Source& source, const std::string& path, const std::string& code,
                        bool api, const HubInfo& hub, AnswerCache* cache) {
  std::optional<int64_t> version;
  if (api && cache != nullptr) {
    auto got = Need(source.Version(), "reading the data version");
    if (!got.ok()) return got.error();
    version = *got;
    if (version) {
      if (std::shared_ptr<const std::string> kept = cache->Get(path, *version)) {
        return Reply{200, kJsonType, {}, std::move(kept)};
      }
    }
  }
  auto view = MeasureFor(source, code);
  if (!view.ok()) return view.error();
  if (!api) return Reply{200, kHtmlType, MeasurePage(hub, *view)};
  if (!version) return Reply{200, kJsonType, MeasureJson(*view)};
  auto json = std::make_shared<const std::string>(MeasureJson(*view));
  // Made from data at least as new as `version`: kept under it, it is replaced at the next
  // change at the latest.
  cache->Put(path, *version, json);
  return Reply{200, kJsonType, {}, std::move(json)};
}

// The page or JSON for a GET of `path`; a Failure for 404s and Source errors.
Got<Reply> Dispatch(Source& source, const std::string& path, AnswerCache* cache) {
  const bool api = StartsWith(path, "/api/");
  if (path == "/healthz") {
    Status health = source.Health();
    if (health.ok()) return Reply{200, kTextType, "ok\n"};
    return Reply{503, kTextType, health.ToString() + "\n"};
  }
  if (path == "/metrics") {
    auto text = Need(source.Metrics(), "reading the metrics");
    if (!text.ok()) return text.error();
    return Reply{200, kMetricsType, *text};
  }
  const std::string measure_prefix = api ? "/api/measures/" : "/measure/";
  const bool is_measure = StartsWith(path, measure_prefix) && path.size() > measure_prefix.size();
  const bool known = path == "/" || path == "/learning" || path == "/members" ||
                     path == "/api/overview" || path == "/api/learning" || path == "/api/members" ||
                     is_measure;
  if (!known) return Failure{404, "no page at " + path};

  // Every page needs the hub's name; the JSON routes read only what they return.
  HubInfo hub;
  if (!api || path == "/api/overview" || path == "/api/members") {
    auto info = Need(source.Info(), "reading the hub's status");
    if (!info.ok()) return info.error();
    hub = *info;
  }
  if (is_measure) {
    return MeasureReply(source, path, path.substr(measure_prefix.size()), api, hub, cache);
  }
  if (path == "/" || path == "/api/overview") {
    auto rows = OverviewRows(source);
    if (!rows.ok()) return rows.error();
    auto members = Need(source.Members(), "reading the members");
    if (!members.ok()) return members.error();
    const MembersSummary summary = Summarise(*members);
    return api ? Reply{200, kJsonType, OverviewJson(hub, *rows, summary)}
               : Reply{200, kHtmlType, OverviewPage(hub, *rows, summary)};
  }
  if (path == "/learning" || path == "/api/learning") {
    auto entries = Need(source.Learning(), "reading the learning feed");
    if (!entries.ok()) return entries.error();
    return api ? Reply{200, kJsonType, LearningJson(*entries)}
               : Reply{200, kHtmlType, LearningPage(hub, *entries)};
  }
  auto members = Need(source.Members(), "reading the members");
  if (!members.ok()) return members.error();
  return api ? Reply{200, kJsonType, MembersJson(*members, hub.now_ms)}
             : Reply{200, kHtmlType, MembersPage(hub, *members)};
}

std::string HubName(Source& source) {
  try {
    Result<HubInfo> info = source.Info();
    if (info.ok() && !info->name.empty()) return info->name;
  } catch (...) {
  }
  return kDefaultHubName;
}

Reply FailureReply(Source& source, const std::string& path, const Failure& f) {
  if (StartsWith(path, "/api/")) return Reply{f.status, kJsonType, ErrorJson(f.reason)};
  if (path == "/metrics" || path == "/healthz") {
    return Reply{f.status, kTextType, f.reason + "\n"};
  }
  // A 500's page is drawn without asking the failing Source again.
  const std::string hub = f.status == 500 ? kDefaultHubName : HubName(source);
  return Reply{f.status, kHtmlType, MessagePage(hub, f.status, f.reason)};
}

}  // namespace

Reply Route(Source& source, const std::string& method, const std::string& path,
            AnswerCache* cache) {
  if (method != "GET" && method != "HEAD") {
    return Reply{405, kTextType, "method not allowed: only GET and HEAD\n"};
  }
  try {
    Got<Reply> reply = Dispatch(source, path, cache);
    if (reply.ok()) {
      if (reply->status >= 500) Log(method, path, reply->Text().substr(0, reply->Text().find('\n')));
      return std::move(reply).value();
    }
    if (reply.error().status >= 500) Log(method, path, reply.error().reason);
    return FailureReply(source, path, reply.error());
  } catch (const std::exception& e) {
    Log(method, path, std::string("internal error: ") + e.what());
    return Reply{500, kTextType, std::string("internal error: ") + e.what() + "\n"};
  } catch (...) {
    Log(method, path, "internal error");
    return Reply{500, kTextType, "internal error\n"};
  }
}

}  // namespace lls::dashboard
