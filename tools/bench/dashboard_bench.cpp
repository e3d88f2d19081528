// "dashboard": how long the dashboard's JSON API takes to answer for one measure when the hub
// holds ten years of monthly figures from each of 150 trusts.
//
// The data goes in the real way: each trust, a CURVE client, sends one signed ProjectSummary
// with the measure's months and waits for its Ack, so the hub's own ingest fills its tables.
// Then /api/measures/CODE is fetched over loopback HTTP, one connection per request as the
// dashboard serves them; every answer must be 200 and the same as the first, which is checked
// to hold a series per trust with a point per month. The hub runs alone meanwhile.
#include <nlohmann/json.hpp>

#include "crypto/crypto.h"
#include "exchange/clock.h"
#include "schema/codec.h"
#include "tools/bench/dashboard_http.h"
#include "tools/bench/hub_rig.h"
#include "tools/bench/load.h"
#include "tools/bench/scenarios.h"

namespace lls::bench {

namespace {

constexpr const char* kMeasure = "SATOD";
constexpr int kLastYear = 2025;  // the series end in December of this year
constexpr auto kAckWait = std::chrono::seconds(30);

// The month `back` months before January of kLastYear + 1, as YYYY-MM.
std::string MonthBefore(int back) {
  const int index = (kLastYear + 1) * 12 - back;  // months since year 0
  const int month = index % 12 + 1;
  return std::to_string(index / 12) + (month < 10 ? "-0" : "-") + std::to_string(month);
}

// Trust `t`'s project: `months` monthly points of kMeasure, ending December kLastYear.
// Numerators stay above the small-number suppression range so every point is a figure.
Body TrustSummary(const crypto::Identity& trust, size_t t, int months) {
  ProjectSummary summary;
  summary.project_id = "dashboard-" + trust.name();
  summary.organisation = "BENCH";
  summary.title = "Smoke-free pregnancy pathway (dashboard benchmark)";
  summary.area = ClinicalArea::kSmokeFreePregnancy;
  summary.aim = "Halve smoking at time of delivery";
  summary.stage = ProjectStage::kSustaining;
  summary.start_month = MonthBefore(months);
  MeasureSeries series;
  series.measure_code = kMeasure;
  for (int m = 0; m < months; ++m) {
    MeasurePoint point;
    point.period = MonthBefore(months - m);
    point.denominator = 250 + static_cast<uint32_t>((t * 31 + m * 7) % 150);
    point.numerator = 10 + static_cast<uint32_t>((t * 13 + m * 5) % 40);
    series.points.push_back(point);
  }
  summary.measures.push_back(std::move(series));
  return summary;
}

// Each trust of the rig sends its summary and waits for the Ack, one after the other.
Status LoadSummaries(const HubRig& rig, int months, const BenchContext& ctx) {
  for (size_t t = 0; t < rig.trusts().size(); ++t) {
    const crypto::Identity& trust = rig.trusts()[t];
    LLS_ASSIGN_OR_RETURN(std::unique_ptr<NodeClient> node,
                         NodeClient::Connect(trust, rig.endpoint(), rig.hub_key()));
    LLS_RETURN_IF_ERROR(node->WaitConnected(std::chrono::seconds(30)));
    Envelope envelope = crypto::Seal(trust, 1, SystemClock().NowMs(), TrustSummary(trust, t, months));
    LLS_RETURN_IF_ERROR(node->Send(envelope.message_id, EncodeEnvelope(envelope)));
    const auto deadline = std::chrono::steady_clock::now() + kAckWait;
    while (node->acked() == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        return Status(Code::kUnavailable, trust.name() + ": no Ack for its summary");
      }
      LLS_RETURN_IF_ERROR(node->Collect(std::chrono::milliseconds(500), nullptr));
    }
  }
  ctx.progress("dashboard: " + std::to_string(rig.trusts().size()) + " summaries of " +
               std::to_string(months) + " months acked");
  return Status::Ok();
}

// The answer holds the LLS's series and one per trust, each with a point per month carrying
// counts: a fast answer without the data would be no figure at all.
Status CheckMeasureJson(const std::string& body, size_t trusts, int months) {
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded()) return Status(Code::kCorrupt, "the answer is not JSON");
  auto series_ok = [&](const nlohmann::json& series) {
    if (!series.is_object() || !series["points"].is_array()) return false;
    const nlohmann::json& points = series["points"];
    if (points.size() != static_cast<size_t>(months)) return false;
    for (const nlohmann::json& point : points) {
      if (!point["numerator"].is_number() || !point["denominator"].is_number()) return false;
    }
    return true;
  };
  if (!json.contains("main") || !series_ok(json["main"])) {
    return Status(Code::kCorrupt, "the LLS series does not have " + std::to_string(months) +
                                      " months of counts");
  }
  if (!json["parts"].is_array() || json["parts"].size() != trusts) {
    return Status(Code::kCorrupt, "the answer does not have a series per trust (" +
                                      std::to_string(trusts) + ")");
  }
  for (const nlohmann::json& part : json["parts"]) {
    if (!series_ok(part)) {
      return Status(Code::kCorrupt, "a trust's series does not have " + std::to_string(months) +
                                        " months of counts");
    }
  }
  return Status::Ok();
}

struct Timings {
  std::vector<double> ms;
  size_t bytes = 0;
};

// One checked request untimed (it also warms the hub's caches), then `count` timed, each of
// which must answer 200 with the same body.
Result<Timings> TimeRequests(const HubRig& rig, size_t count, size_t trusts, int months) {
  const std::string path = std::string("/api/measures/") + kMeasure;
  LLS_ASSIGN_OR_RETURN(HttpReply first, HttpGet(rig.dashboard_url(), path));
  if (first.status != 200) {
    return Status(Code::kInternal, path + " answered " + std::to_string(first.status) + ": " +
                                       first.body.substr(0, 200));
  }
  LLS_RETURN_IF_ERROR(CheckMeasureJson(first.body, trusts, months));
  Timings timings;
  timings.bytes = first.body.size();
  for (size_t i = 0; i < count; ++i) {
    const auto start = std::chrono::steady_clock::now();
    LLS_ASSIGN_OR_RETURN(HttpReply reply, HttpGet(rig.dashboard_url(), path));
    const auto stop = std::chrono::steady_clock::now();
    if (reply.status != 200 || reply.body != first.body) {
      return Status(Code::kInternal, path + " answered " + std::to_string(reply.status) +
                                         " with a different body on request " +
                                         std::to_string(i + 1));
    }
    timings.ms.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
  }
  return timings;
}

Figure LatencyFigure(const char* key, const char* label, double value, const std::string& note) {
  return MakeFigure(key, label, "ms", value, false, note);
}

}  // namespace

Result<std::vector<Figure>> RunDashboard(const BenchContext& ctx) {
  const size_t trusts = ctx.Pick<size_t>(10, 150);
  const int months = ctx.Pick(24, 120);
  const size_t requests = ctx.Pick<size_t>(50, 1000);
  LLS_ASSIGN_OR_RETURN(std::filesystem::path folder, ctx.Folder("dashboard"));
  HubRigOptions rig_options;
  rig_options.trusts = trusts;
  rig_options.subscribe = false;
  rig_options.dashboard = true;
  LLS_ASSIGN_OR_RETURN(std::unique_ptr<HubRig> rig, HubRig::Create(folder / "hub", rig_options));
  LLS_RETURN_IF_ERROR(rig->Start(ctx.hub_program));
  LLS_RETURN_IF_ERROR(LoadSummaries(*rig, months, ctx));
  ctx.progress("dashboard: " + std::to_string(requests) + " requests for /api/measures/" +
               kMeasure);
  LLS_ASSIGN_OR_RETURN(Timings timings, TimeRequests(*rig, requests, trusts, months));
  LLS_RETURN_IF_ERROR(rig->Stop());

  const std::string note = std::to_string(requests) + " GETs of /api/measures/" + kMeasure +
                           ", one connection each; " + std::to_string(trusts) + " trusts x " +
                           std::to_string(months) + " months = " +
                           std::to_string(trusts * static_cast<size_t>(months)) +
                           " trust-months, " + std::to_string(timings.bytes / 1024) +
                           " KiB of JSON";
  return std::vector<Figure>{
      LatencyFigure("dashboard_api_p50_ms", "dashboard API, one measure, p50",
                    Percentile(timings.ms, 50), note),
      LatencyFigure("dashboard_api_p99_ms", "dashboard API, one measure, p99",
                    Percentile(timings.ms, 99), note)};
}

}  // namespace lls::bench
