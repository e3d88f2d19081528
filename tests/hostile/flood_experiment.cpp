#include "tests/hostile/flood_experiment.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include <httplib.h>

#include "tests/hostile/hostile_region.h"
#include "tests/hostile/stream_client.h"

namespace lls::hostile {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// utime + stime of a process, in seconds; -1 if it cannot be read.
double CpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = text.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return -1;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  long long utime = 0, stime = 0;
  for (int i = 3; fields >> field; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stoll(field);
    if (i == 15) {
      stime = std::stoll(field);
      break;
    }
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

LatencyFigures Figures(const std::vector<double>& latencies) {
  LatencyFigures f;
  f.samples = latencies.size();
  f.p50_ms = Percentile(latencies, 50);
  f.p99_ms = Percentile(latencies, 99);
  f.max_ms = Percentile(latencies, 100);
  return f;
}

// Sleeps until `until`, sampling the hub's open descriptors every 100 ms into *peak.
void SleepSampling(Clock::time_point until, int pid, int* peak) {
  while (Clock::now() < until) {
    *peak = std::max(*peak, CountOpenFds(pid));
    std::this_thread::sleep_for(std::min<Clock::duration>(100ms, until - Clock::now()));
  }
}

// The hub's ack-latency histogram as it stands: cumulative bucket counts by upper bound (s).
struct Histogram {
  std::map<double, double> buckets;
  double sum = 0, count = 0;
};

Histogram Scrape(const std::string& url) {
  Histogram h;
  static const std::regex kUrl("http://([^:/]+):([0-9]+)/");
  std::smatch m;
  if (!std::regex_search(url, m, kUrl)) return h;
  httplib::Client client(m.str(1), std::stoi(m.str(2)));
  client.set_read_timeout(5, 0);
  auto got = client.Get("/metrics");
  if (!got || got->status != 200) return h;
  std::istringstream lines(got->body);
  static const std::regex kBucket(
      "^lls_hub_ack_latency_seconds_bucket\\{le=\"([^\"]+)\"\\} ([0-9.e+]+)");
  for (std::string line; std::getline(lines, line);) {
    std::smatch b;
    if (std::regex_search(line, b, kBucket)) {
      const double le = b.str(1) == "+Inf" ? 1e9 : std::stod(b.str(1));
      h.buckets[le] = std::stod(b.str(2));
    } else if (line.starts_with("lls_hub_ack_latency_seconds_sum ")) {
      h.sum = std::stod(line.substr(line.find(' ') + 1));
    } else if (line.starts_with("lls_hub_ack_latency_seconds_count ")) {
      h.count = std::stod(line.substr(line.find(' ') + 1));
    }
  }
  return h;
}

// What the hub observed between two scrapes.
HubLatency Between(const Histogram& a, const Histogram& b) {
  HubLatency l;
  const double n = b.count - a.count;
  if (n <= 0) return l;
  l.replies = static_cast<uint64_t>(n);
  l.mean_ms = 1000 * (b.sum - a.sum) / n;
  for (const auto& [le, cumulative] : b.buckets) {
    const double before = a.buckets.count(le) ? a.buckets.at(le) : 0;
    if (cumulative - before >= 0.99 * n) {
      l.p99_bound_ms = 1000 * le;
      break;
    }
  }
  return l;
}

}  // namespace

namespace {

// The checks after the run, each failure a line in report.problems: the flood's verdicts,
// hub.db against the Acks, a fresh member served, and the hub's own count of what it refused.
Status CheckOutcome(Region& region, const ExperimentOptions& options,
                    const std::vector<StreamRecord>& records, ExperimentReport& report) {
  // Flood verdicts: nobody got in; every unknown key was refused; garbage was hung up on.
  const FloodCounts& c = report.flood_counts;
  if (c.curve_admitted != 0) {
    report.problems.push_back(std::to_string(c.curve_admitted) +
                              " handshake(s) of unknown keys SUCCEEDED");
  }
  if (c.curve_clients_refused != options.curve_clients) {
    report.problems.push_back("only " + std::to_string(c.curve_clients_refused) + " of " +
                              std::to_string(options.curve_clients) +
                              " unknown-key clients were refused (ZAP 400) while the flood ran");
  }
  if (options.garbage > 0 && c.garbage_closed_by_hub == 0) {
    report.problems.push_back("the hub never hung up on a garbage connection");
  }

  // hub.db: every Ack is there once, at the acked hub sequence, and nothing else is.
  LLS_ASSIGN_OR_RETURN(std::vector<LogRow> log, region.ReadLog());
  std::map<MessageId, const LogRow*> by_id;
  for (const LogRow& row : log) {
    if (!by_id.emplace(row.id, &row).second) {
      report.problems.push_back("message stored twice at hub_seq " + std::to_string(row.hub_seq));
    }
    if (row.member == "trust-join") continue;  // the member that joined mid-flood
    if (row.member != "trust-legit") {
      report.problems.push_back("a message from '" + row.member + "' is in the log");
    }
  }
  report.log_rows = static_cast<int64_t>(log.size()) - (report.joined_ms >= 0 ? 1 : 0);
  for (const StreamRecord& r : records) {
    if (r.state != StreamRecord::State::kAcked) continue;
    auto it = by_id.find(r.id);
    if (it == by_id.end()) {
      report.problems.push_back("acked message " + std::to_string(r.sequence) +
                                " is not in hub.db");
    } else if (it->second->hub_seq != r.hub_seq) {
      report.problems.push_back("acked message " + std::to_string(r.sequence) +
                                " is at another hub_seq than its Ack said");
    } else {
      ++report.log_rows_acked;
    }
  }
  if (report.log_rows != report.acked) {
    report.problems.push_back("hub.db holds " + std::to_string(report.log_rows) + " messages for " +
                              std::to_string(report.acked) + " Acks");
  }

  // Still serving: a member that was not connected during the flood connects and publishes.
  {
    LLS_ASSIGN_OR_RETURN(crypto::Identity late, region.LoadIdentity("trust-late"));
    LLS_ASSIGN_OR_RETURN(auto transport,
                         transport::ClientTransport::Connect(late, region.IngestClient()));
    auto reply = SendAndWait(*transport, SealSummary(late, 1, "RXT"), 5s);
    report.served_after = reply.ok() && std::holds_alternative<Ack>(*reply);
    if (!report.served_after) {
      report.problems.push_back("after the flood, a fresh connection's publish was not acked: " +
                                (reply.ok() ? std::string("refused") : reply.status().message()));
    }
  }

  LLS_ASSIGN_OR_RETURN(report.hub_exit_code, region.StopHub());
  if (report.hub_exit_code != 0) {
    report.problems.push_back("the hub exited " + std::to_string(report.hub_exit_code) +
                              " on SIGTERM: " + region.HubStderr());
  }
  // The hub's last words count every frame that reached ingest: flood frames must not have.
  const std::string err = region.HubStderr();
  std::smatch m;
  static const std::regex kStopLine(
      "stopping: ([0-9]+) stored, ([0-9]+) duplicate\\(s\\) acked, ([0-9]+) refused this run");
  if (std::regex_search(err, m, kStopLine)) {
    report.hub_stop_line = m.str(0);
    report.hub_refused_this_run = std::stoll(m.str(3));
    const int64_t stored = std::stoll(m.str(1));
    if (report.hub_refused_this_run != 0) {
      report.problems.push_back("the hub refused " + m.str(3) +
                                " frame(s): something other than the legitimate stream reached "
                                "ingest");
    }
    const int64_t expected =
        report.acked + (report.served_after ? 1 : 0) + (report.joined_ms >= 0 ? 1 : 0);
    if (stored != expected) {
      report.problems.push_back("the hub says it stored " + m.str(1) + " message(s), expected " +
                                std::to_string(expected));
    }
  } else {
    report.problems.push_back("no 'stopping:' line in the hub's log");
  }
  return Status::Ok();
}

}  // namespace

// One linear script of phases (set-up, warm-up, baseline, flood, drain), each timed against
// the same clock; the checks are in CheckOutcome.
Result<ExperimentReport> RunFloodExperiment(const ExperimentOptions& options) {
  ExperimentReport report;
  // The flood's own sockets (a DEALER, its monitor and a TCP connection per CURVE client) and
  // the hub's connections all need descriptors; 1,024, a common default, is not enough.
  const uint64_t wanted = 4 * static_cast<uint64_t>(options.curve_clients) +
                          2 * static_cast<uint64_t>(options.stalled + options.garbage) + 2048;
  LLS_ASSIGN_OR_RETURN(report.file_limit, RaiseFileLimit(wanted));
  if (report.file_limit < wanted) {
    return Status(Code::kUnavailable, "RLIMIT_NOFILE is " + std::to_string(report.file_limit) +
                                          " and cannot be raised to " + std::to_string(wanted) +
                                          " (the hard limit); lower --connections");
  }
  RegionOptions region_options;
  region_options.prefix = "lls-flood";
  region_options.keep = options.keep;
  region_options.dashboard = true;  // for the hub's own latency histogram on /metrics
  LLS_ASSIGN_OR_RETURN(std::unique_ptr<Region> region, Region::Create(region_options));
  LLS_RETURN_IF_ERROR(region->AddMember("trust-legit", "RXL"));
  LLS_RETURN_IF_ERROR(region->AddMember("trust-late", "RXT"));
  LLS_RETURN_IF_ERROR(region->AddMember("trust-join", "RXJ"));
  LLS_RETURN_IF_ERROR(region->StartHub());
  const int hub_pid = region->hub()->pid();
  if (options.hub_file_limit > 0) {
    const rlimit limit{options.hub_file_limit, options.hub_file_limit};
    if (prlimit(hub_pid, RLIMIT_NOFILE, &limit, nullptr) != 0) {
      return Status(Code::kUnavailable, "cannot set the hub's RLIMIT_NOFILE");
    }
  }
  if (options.pin && !PinProcess(hub_pid, 0)) {
    return Status(Code::kUnavailable, "cannot pin the hub to CPU 0");
  }
  std::string dashboard;
  for (auto until = Clock::now() + 5s; dashboard.empty() && Clock::now() < until;) {
    dashboard = region->dashboard_url();
    if (dashboard.empty()) std::this_thread::sleep_for(10ms);
  }
  report.hub_fds_before = CountOpenFds(hub_pid);
  report.hub_fds_peak = report.hub_fds_before;

  LLS_ASSIGN_OR_RETURN(crypto::Identity legit, region->LoadIdentity("trust-legit"));
  StreamOptions stream_options;
  stream_options.rate_per_second = options.rate_per_second;
  // No resends: nothing drops the legitimate connection here, so every message must be
  // answered the first time; one that is not is a failure, not something to paper over.
  stream_options.resend_after = 0ms;
  stream_options.cpu = options.pin ? 0 : -1;
  StreamClient stream(std::move(legit), "RXL", region->IngestClient(), stream_options);
  stream.Start();

  const auto started = Clock::now();
  SleepSampling(started + options.warmup, hub_pid, &report.hub_fds_peak);
  const auto baseline_from = Clock::now();
  const double cpu_baseline_from = CpuSeconds(hub_pid);
  const Histogram hist_baseline_from = Scrape(dashboard);
  SleepSampling(baseline_from + options.baseline, hub_pid, &report.hub_fds_peak);
  const auto flood_from = Clock::now();
  const double cpu_flood_from = CpuSeconds(hub_pid);
  const Histogram hist_flood_from = Scrape(dashboard);
  report.hub_cpu_baseline = (cpu_flood_from - cpu_baseline_from) /
                            std::chrono::duration<double>(flood_from - baseline_from).count();

  FloodOptions flood_options;
  flood_options.port = region->port();
  flood_options.server_key = region->hub_curve_key();
  flood_options.curve_clients = options.curve_clients;
  flood_options.stalled = options.stalled;
  flood_options.garbage = options.garbage;
  flood_options.reopen_after = options.reopen_after;
  flood_options.io_threads = options.flood_io_threads;
  flood_options.cpu = options.pin ? 1 : -1;
  Flood flood(flood_options);
  LLS_RETURN_IF_ERROR(flood.Start());
  // Half-way through, a member that was not connected joins: its handshake and first publish
  // queue behind the flood's.
  SleepSampling(flood_from + options.flood / 2, hub_pid, &report.hub_fds_peak);
  {
    LLS_ASSIGN_OR_RETURN(crypto::Identity joining, region->LoadIdentity("trust-join"));
    const auto join_from = Clock::now();
    LLS_ASSIGN_OR_RETURN(auto transport,
                         transport::ClientTransport::Connect(joining, region->IngestClient()));
    auto reply = SendAndWait(*transport, SealSummary(joining, 1, "RXJ"), 15s);
    if (reply.ok() && std::holds_alternative<Ack>(*reply)) {
      report.joined_ms =
          std::chrono::duration<double, std::milli>(Clock::now() - join_from).count();
    } else {
      report.problems.push_back(
          "a member connecting during the flood was not served within 15 s: " +
          (reply.ok() ? std::string("refused") : reply.status().message()));
    }
  }
  SleepSampling(flood_from + options.flood, hub_pid, &report.hub_fds_peak);
  const auto grace_until = Clock::now() + options.refusal_grace;
  while (flood.counts().curve_clients_refused < options.curve_clients &&
         Clock::now() < grace_until) {
    SleepSampling(Clock::now() + 100ms, hub_pid, &report.hub_fds_peak);
  }
  const auto flood_until = Clock::now();
  const double cpu_flood_until = CpuSeconds(hub_pid);
  const Histogram hist_flood_until = Scrape(dashboard);
  report.hub_baseline = Between(hist_baseline_from, hist_flood_from);
  report.hub_flood = Between(hist_flood_from, hist_flood_until);
  flood.Stop();
  report.flood_counts = flood.counts();
  report.flood_seconds = std::chrono::duration<double>(flood_until - flood_from).count();
  report.hub_cpu_flood = (cpu_flood_until - cpu_flood_from) / report.flood_seconds;

  if (!stream.Finish(10s))
    report.problems.push_back("legitimate messages still unanswered 10 s after the flood");
  std::vector<double> baseline, ramp, flooded;
  const std::vector<StreamRecord> records = stream.records();
  for (const StreamRecord& r : records) {
    ++report.sent;
    if (r.state == StreamRecord::State::kInFlight) {
      ++report.unanswered;
      continue;
    }
    if (r.state == StreamRecord::State::kNacked) {
      ++report.nacked;
      report.problems.push_back("legitimate message " + std::to_string(r.sequence) +
                                " refused: " + NackCodeName(r.code) + ": " + r.text);
      continue;
    }
    ++report.acked;
    if (r.duplicate) {
      report.problems.push_back("legitimate message " + std::to_string(r.sequence) +
                                " acked as a duplicate: it was sent once");
    }
    if (r.first_sent >= baseline_from && r.first_sent < flood_from) {
      baseline.push_back(r.latency_ms());
    } else if (r.first_sent >= flood_from && r.first_sent < flood_from + options.ramp) {
      ramp.push_back(r.latency_ms());
    } else if (r.first_sent >= flood_from + options.ramp && r.first_sent < flood_until) {
      flooded.push_back(r.latency_ms());
    }
  }
  if (report.unanswered > 0) {
    report.problems.push_back(std::to_string(report.unanswered) +
                              " legitimate message(s) never answered");
  }
  report.stray_replies = stream.stray_replies();
  if (report.stray_replies > 0) {
    report.problems.push_back(std::to_string(report.stray_replies) + " stray replies");
  }
  report.baseline = Figures(baseline);
  report.ramp = Figures(ramp);
  report.flood = Figures(flooded);
  report.p99_ratio = report.baseline.p99_ms > 0 ? report.flood.p99_ms / report.baseline.p99_ms : 0;

  LLS_RETURN_IF_ERROR(CheckOutcome(*region, options, records, report));
  return report;
}

std::string FormatReport(const ExperimentOptions& o, const ExperimentReport& r) {
  const FloodCounts& c = r.flood_counts;
  char buffer[4096];
  std::snprintf(
      buffer, sizeof buffer,
      "flood: %d unknown-key CURVE clients (reopened %lld ms after each refusal), %d stalled "
      "handshakes, %d garbage connections, for %.1f s; legitimate stream %.0f msg/s; %s\n"
      "  legitimate publish->ack latency: baseline p50 %.2f ms p99 %.2f ms (n=%zu); "
      "under flood p50 %.2f ms p99 %.2f ms max %.2f ms (n=%zu); ramp p99 %.2f ms (n=%zu)\n"
      "  p99 ratio (flood / baseline): %.2f\n"
      "  inside the hub (frame read -> reply sent): baseline mean %.2f ms, p99 <= %.1f ms; "
      "under flood mean %.2f ms, p99 <= %.1f ms\n"
      "  legitimate: %lld sent, %lld acked, %lld refused, %lld unanswered; hub.db %lld rows, "
      "%lld matching their Ack; a member joining mid-flood acked after %.0f ms; fresh "
      "connection served after: %s\n"
      "  unknown keys: %lld handshakes (%.0f/s), %lld refused 400, %lld other failures, "
      "%lld admitted, %lld without verdict; %lld of %d clients refused\n"
      "  stalled: %lld opened, %lld closed by the hub (quickest %lld ms), held up to %lld ms; "
      "garbage: %lld connections, %lld bytes, %lld hung up on by the hub; %lld TCP connect "
      "failures\n"
      "  hub: %d fds before, %d peak; CPU %.2f cores baseline, %.2f under flood; "
      "RLIMIT_NOFILE %llu%s; '%s'; exit %d\n",
      o.curve_clients, static_cast<long long>(o.reopen_after.count()), o.stalled, o.garbage,
      r.flood_seconds, o.rate_per_second,
      o.pin ? "hub and client pinned to CPU 0, flood to CPU 1" : "CPUs shared", r.baseline.p50_ms,
      r.baseline.p99_ms, r.baseline.samples, r.flood.p50_ms, r.flood.p99_ms, r.flood.max_ms,
      r.flood.samples, r.ramp.p99_ms, r.ramp.samples, r.p99_ratio, r.hub_baseline.mean_ms,
      r.hub_baseline.p99_bound_ms, r.hub_flood.mean_ms, r.hub_flood.p99_bound_ms,
      static_cast<long long>(r.sent), static_cast<long long>(r.acked),
      static_cast<long long>(r.nacked), static_cast<long long>(r.unanswered),
      static_cast<long long>(r.log_rows), static_cast<long long>(r.log_rows_acked), r.joined_ms,
      r.served_after ? "yes" : "NO", static_cast<long long>(c.curve_connections),
      r.flood_seconds > 0 ? static_cast<double>(c.curve_connections) / r.flood_seconds : 0.0,
      static_cast<long long>(c.curve_refused_400), static_cast<long long>(c.curve_refused_other),
      static_cast<long long>(c.curve_admitted), static_cast<long long>(c.curve_no_verdict),
      static_cast<long long>(c.curve_clients_refused), o.curve_clients,
      static_cast<long long>(c.stalled_opened), static_cast<long long>(c.stalled_closed_by_hub),
      static_cast<long long>(c.stalled_min_closed_ms),
      static_cast<long long>(c.stalled_max_open_ms), static_cast<long long>(c.garbage_connections),
      static_cast<long long>(c.garbage_bytes), static_cast<long long>(c.garbage_closed_by_hub),
      static_cast<long long>(c.tcp_connect_failures), r.hub_fds_before, r.hub_fds_peak,
      r.hub_cpu_baseline, r.hub_cpu_flood,
      static_cast<unsigned long long>(o.hub_file_limit > 0 ? o.hub_file_limit : r.file_limit),
      o.hub_file_limit > 0 ? " (set for the hub)" : "", r.hub_stop_line.c_str(), r.hub_exit_code);
  std::string out = buffer;
  for (const std::string& p : r.problems) out += "  PROBLEM: " + p + "\n";
  return out;
}

}  // namespace lls::hostile
