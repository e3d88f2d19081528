#include "tests/disk/hub_faults.h"

#include <stdlib.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "exchange/subscribe_client.h"
#include "tests/crash/consistency.h"
#include "tests/crash/traffic.h"
#include "tests/disk/fault_fs.h"

namespace lls::disk {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

const char* HubFaultName(HubFault fault) {
  switch (fault) {
    case HubFault::kFileSizeLimit:
      return "file-size-limit";
    case HubFault::kTmpfsFull:
      return "tmpfs-full";
    case HubFault::kExt4ReadOnly:
      return "ext4-read-only";
  }
  return "?";
}

namespace {

// What the hub may name in its log line and its metric label for each fault, with the
// message's first words (exchange/sqlite.h). An aborted ext4 answers a write with EROFS or,
// for a write already under way when the journal aborted (and on some kernels for every write
// to a file already open), EIO: the kernel picks, the hub reports what it was told, and
// either is a correct, precise refusal. The other faults have exactly one cause.
struct Cause {
  const char* label;
  const char* lead;
  const char* errno_text = "";  // the log line must also say this (for io-error: EIO)
};
std::vector<Cause> ExpectedCauses(HubFault fault) {
  switch (fault) {
    case HubFault::kFileSizeLimit:
      return {{"file-too-large", "file size limit reached at "}};
    case HubFault::kTmpfsFull:
      return {{"disk-full", "disk full at "}};
    case HubFault::kExt4ReadOnly:
      // io-error is also the hub's bucket for anything unrecognised: only EIO counts here.
      return {{"read-only", "storage is read-only at "},
              {"io-error", "I/O error at ", "Input/output error"}};
  }
  return {};
}
std::string CauseNames(HubFault fault) {
  std::string names;
  for (const Cause& c : ExpectedCauses(fault))
    names += (names.empty() ? "" : " or ") + std::string(c.label);
  return names;
}

// The trusts and the facilitator (tests/crash/traffic.h), each on its own thread while
// running. Between Start and Stop only in_flight() and the ledger may be read.
class Traffic {
 public:
  Traffic(const HubSite& site, int trusts, uint64_t seed, std::string* error) {
    hub_.endpoint = site.endpoint();
    hub_.server_key = site.hub_public().curve;
    std::mt19937_64 rng(seed);
    for (int i = 0; i <= trusts; ++i) {
      const bool facilitator = i == trusts;
      const std::string name = facilitator ? "facilitator" : "trust-" + std::to_string(i);
      auto identity = crypto::LoadSecretKeyFile(site.keys() / (name + ".secret"));
      if (!identity.ok()) {
        *error = identity.status().message();
        return;
      }
      clients_.push_back(std::make_unique<crash::Client>(
          std::move(*identity), facilitator ? "LLS-F" : "RX" + std::to_string(i), facilitator,
          rng(), ledger_));
    }
  }
  ~Traffic() { Stop(); }

  void Start(bool generate) {
    stop_ = false;
    crash::ClientOptions options;
    options.generate = generate;
    options.resend_after = 1000ms;  // a Nacked message is tried again a second later
    // Paced so that hub.db grows by a few MB a round, well inside the filesystem made for
    // it: at the hub's full rate (about 10,000 messages a second since the ingest work of
    // issue 8) the tmpfs filled for real after the ballast was freed, and the test measured
    // that instead of the fault. At 250 a second per client a few messages are in flight
    // when the fault hits, and the window fills with resends while it lasts.
    options.max_new_per_second = 250;
    for (auto& c : clients_) {
      threads_.emplace_back(
          [this, options, client = c.get()] { client->RunCycle(hub_, options, stop_, 300ms); });
    }
  }
  void Stop() {
    stop_ = true;
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }
  int64_t in_flight() const {
    int64_t n = 0;
    for (const auto& c : clients_) n += c->in_flight();
    return n;
  }
  size_t pending() const {  // between Stop and Start only
    size_t n = 0;
    for (const auto& c : clients_) n += c->pending().size();
    return n;
  }
  crash::Ledger& ledger() { return ledger_; }

 private:
  transport::ClientOptions hub_;
  crash::Ledger ledger_;
  std::vector<std::unique_ptr<crash::Client>> clients_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

// A member reading the hub's log over the subscribe socket the whole time: during a fault
// it must still be answered (reads do not need the disk to take writes).
class Reader {
 public:
  Reader(const HubSite& site, crypto::Identity identity) : identity_(std::move(identity)) {
    options_.endpoint = site.subscribe_endpoint();
    options_.server_key = site.hub_public().curve;
    options_.max_message_bytes = kMaxReplyBytes;
    thread_ = std::thread([this] { Loop(); });
  }
  ~Reader() {
    stop_ = true;
    thread_.join();
  }
  int64_t answers() const { return answers_.load(); }
  int64_t errors() const { return errors_.load(); }
  int64_t entries() const { return entries_.load(); }
  std::string last_error() const {
    std::lock_guard lock(mu_);
    return last_error_;
  }
  // After a hub restart (the ext4 repair) the endpoint may differ: reconnect there.
  void Reconnect(const std::string& endpoint) {
    std::lock_guard lock(mu_);
    next_endpoint_ = endpoint;
  }

 private:
  void Fail(const std::string& what) {
    ++errors_;
    std::lock_guard lock(mu_);
    last_error_ = what;
  }
  void Loop() {
    std::unique_ptr<transport::ClientTransport> transport;
    std::unique_ptr<Subscriber> subscriber;
    uint64_t from = 1;
    while (!stop_) {
      {
        std::lock_guard lock(mu_);
        if (!next_endpoint_.empty()) {
          options_.endpoint = std::exchange(next_endpoint_, "");
          subscriber.reset();
          transport.reset();
        }
      }
      if (!transport) {
        auto connected = transport::ClientTransport::Connect(identity_, options_);
        if (!connected.ok()) {
          Fail("connect: " + connected.status().message());
          std::this_thread::sleep_for(200ms);
          continue;
        }
        transport = std::move(*connected);
        subscriber = std::make_unique<Subscriber>(*transport);
      }
      if (Status asked = subscriber->Request(from, 200, 300); !asked.ok()) {
        Fail("request: " + asked.message());
        std::this_thread::sleep_for(100ms);
        continue;
      }
      auto got = subscriber->Receive(200ms);
      if (!got.ok()) {
        Fail("receive: " + got.status().message());
        std::this_thread::sleep_for(100ms);
        continue;
      }
      if (*got) {
        ++answers_;
        entries_ += static_cast<int64_t>((*got)->entries.size());
        from = (*got)->next_seq;
      }
    }
  }

  crypto::Identity identity_;
  transport::ClientOptions options_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> answers_{0}, errors_{0}, entries_{0};
  mutable std::mutex mu_;
  std::string last_error_, next_endpoint_;
  std::thread thread_;
};

class HubFaultRun {
 public:
  HubFaultRun(const HubFaultOptions& o, Report& report, HubSite& site, Traffic& traffic,
              Reader& reader, std::optional<Tmpfs>& tmpfs, std::optional<LoopExt4>& ext4)
      : o_(o),
        report_(report),
        site_(site),
        traffic_(traffic),
        reader_(reader),
        tmpfs_(tmpfs),
        ext4_(ext4) {}

  void Round(int round);
  void Finish();

 private:
  // Failed batches counted under any of the fault's causes.
  double StorageFailures() const {
    double total = 0;
    for (const Cause& c : ExpectedCauses(o_.fault)) {
      total +=
          site_.Metric(std::string("lls_hub_storage_failures_total{cause=\"") + c.label + "\"}")
              .value_or(0);
    }
    return total;
  }
  double InternalNacks() const {
    return site_.Metric("lls_hub_nacks_total{code=\"internal\"}").value_or(-1);
  }
  size_t Acked() { return traffic_.ledger().acked().size(); }
  std::string Label(int round, const std::string& what) const {
    return std::string(HubFaultName(o_.fault)) + " round " + std::to_string(round) + ": " + what;
  }
  bool Inject(int round);
  void ProbeDuringFault(int round);
  bool Recover(int round);

  const HubFaultOptions& o_;
  Report& report_;
  HubSite& site_;
  Traffic& traffic_;
  Reader& reader_;
  std::optional<Tmpfs>& tmpfs_;
  std::optional<LoopExt4>& ext4_;
  int64_t detect_ms_total_ = 0, recover_ms_total_ = 0, fault_acks_ = 0;
  double fault_nacks_ = 0, fault_failures_ = 0;
};

bool HubFaultRun::Inject(int round) {
  switch (o_.fault) {
    case HubFault::kFileSizeLimit: {
      // Above the size of the hub's own log (its stderr is a file too: its lines must still
      // be written), far below hub.db and its WAL.
      const uint64_t limit = 64 * 1024 + site_.HubLog().size();
      report_.Figure("round_" + std::to_string(round) + "_fsize_limit_bytes",
                     static_cast<double>(limit));
      Status set = SetFileSizeLimit(site_.hub()->pid(), limit);
      return report_.Check(set.ok(), Label(round, "prlimit: " + set.message()));
    }
    case HubFault::kTmpfsFull: {
      // An empty WAL first, so the next commit needs new pages: on a full filesystem a WAL
      // that already holds the space would go on taking commits (which is right, but then
      // the fault would only show once the log outgrew it).
      Status truncated = CheckpointTruncate(site_.hub_db());
      if (!report_.Check(truncated.ok(), Label(round, truncated.message()))) return false;
      auto filled = tmpfs_->Fill();
      if (!report_.Check(filled.ok(), Label(round, "filling: " + filled.status().message()))) {
        return false;
      }
      report_.Figure("round_" + std::to_string(round) + "_ballast_bytes",
                     static_cast<double>(*filled));
      return true;
    }
    case HubFault::kExt4ReadOnly: {
      Status triggered = ext4_->TriggerError();
      if (!report_.Check(triggered.ok(), Label(round, triggered.message()))) return false;
      return report_.Check(WaitFor(5s, [&] { return ext4_->ReadOnly(); }),
                           Label(round, "ext4 did not turn read-only after trigger_fs_error"));
    }
  }
  return false;
}

void HubFaultRun::ProbeDuringFault(int round) {
  auto [health, body] = site_.Get("/healthz");
  report_.Check(health != 0, Label(round, "/healthz did not answer during the fault"));
  report_.Note("round_" + std::to_string(round) + "_healthz",
               std::to_string(health) + " " + body.substr(0, 80));
  if (o_.fault != HubFault::kExt4ReadOnly) {
    // A read-only command opens hub.db as the operator would: it needs no space.
    test::RunResult status = site_.Hub({"status", "--json"});
    report_.Check(status.exit_code == 0,
                  Label(round, "`lls-hub status` failed during the fault: " + status.err));
  }
  if (o_.fault != HubFault::kFileSizeLimit) {
    // A backup onto the failing filesystem: refused with the cause, nothing left behind.
    const fs::path out = site_.data() / ("backup-during-" + std::to_string(round) + ".db");
    test::RunResult backup = site_.Hub({"backup", "--out", out.string()});
    report_.Check(backup.exit_code == 1,
                  Label(round, "a backup onto the failing disk exited " +
                                   std::to_string(backup.exit_code) + ": " + backup.err));
    bool leftover = false;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(site_.data(), ec)) {
      leftover |= entry.path().filename().string().rfind(out.filename().string(), 0) == 0;
    }
    report_.Check(!leftover,
                  Label(round, "a failed backup left a file in " + site_.data().string()));
    report_.Note("round_" + std::to_string(round) + "_backup_error", backup.err);
  }
  if (o_.fault != HubFault::kExt4ReadOnly) {
    // Onto another disk it still works: reading hub.db needs no space on its own disk.
    const fs::path out = site_.dir() / ("backup-elsewhere-" + std::to_string(round) + ".db");
    test::RunResult backup = site_.Hub({"backup", "--out", out.string()});
    report_.Check(
        backup.exit_code == 0 && fs::exists(out),
        Label(round, "a backup onto another disk failed during the fault: " + backup.err));
  }
}

bool HubFaultRun::Recover(int round) {
  switch (o_.fault) {
    case HubFault::kFileSizeLimit: {
      Status set = SetFileSizeLimit(site_.hub()->pid(), UINT64_MAX);
      return report_.Check(set.ok(), Label(round, "raising the limit: " + set.message()));
    }
    case HubFault::kTmpfsFull:
      tmpfs_->Free();
      return true;
    case HubFault::kExt4ReadOnly: {
      // An aborted journal cannot be remounted read-write: stop, repair, mount, start.
      std::optional<int> stopped = site_.Stop();
      report_.Check(stopped && *stopped == 0,
                    Label(round, "the hub did not stop cleanly on a read-only disk (exit " +
                                     (stopped ? std::to_string(*stopped) : "none") + ")"));
      Status repaired = ext4_->Repair(site_.logs());
      if (!report_.Check(repaired.ok(), Label(round, "repair: " + repaired.message()))) {
        return false;
      }
      std::string started = site_.Start();
      if (!report_.Check(started.empty(), Label(round, "restart after repair: " + started))) {
        return false;
      }
      reader_.Reconnect(site_.subscribe_endpoint());
      return true;
    }
  }
  return false;
}

void HubFaultRun::Round(int round) {
  const std::string r = "round_" + std::to_string(round) + "_";
  std::this_thread::sleep_for(std::chrono::milliseconds(o_.warm_ms));
  if (!report_.Check(site_.running(),
                     Label(round, "the hub exited before the fault: " + site_.hub()->Stderr()))) {
    return;
  }
  const std::string causes = CauseNames(o_.fault);
  const double failures_before = StorageFailures();
  const double nacks_before = InternalNacks();
  const size_t faults_logged = LinesWith(site_.HubLog(), "storage fault (").size();
  if (!Inject(round)) return;

  // The fault shows as a failed batch, counted by cause.
  const auto injected = Steady::now();
  const bool shown = WaitFor(10s, [&] { return StorageFailures() > failures_before; });
  report_.Check(shown,
                Label(round, "no storage failure counted as " + causes +
                                 " within 10 s of the fault (hub alive: " +
                                 (site_.running() ? "yes" : "no") + ")\n" + site_.hub()->Stderr()));
  if (!shown) return;
  const int64_t detect_ms = MsSince(injected);
  detect_ms_total_ += detect_ms;
  report_.Figure(r + "fault_shown_after_ms", static_cast<double>(detect_ms));
  const size_t acked_at_fault = Acked();
  const int64_t answers_at_fault = reader_.answers();
  const int64_t read_errors_at_fault = reader_.errors();
  const double failures_at_fault = StorageFailures();

  const auto window_end = Steady::now() + std::chrono::milliseconds(o_.fault_ms);
  std::this_thread::sleep_for(std::chrono::milliseconds(o_.fault_ms / 3));
  ProbeDuringFault(round);
  std::this_thread::sleep_until(window_end);

  // While the fault lasted: the hub stayed up and answered everyone.
  report_.Check(site_.running(),
                Label(round, "the hub died during the fault: " + site_.hub()->Stderr()));
  const double nacks = InternalNacks() - nacks_before;
  report_.Check(nacks > 0, Label(round, "no `internal` Nack during the fault"));
  report_.Check(reader_.answers() > answers_at_fault,
                Label(round, "the subscriber got no answer during the fault"));
  report_.Check(
      reader_.errors() == read_errors_at_fault,
      Label(round, "the subscriber was refused during the fault: " + reader_.last_error()));
  const double failures = StorageFailures() - failures_before;
  fault_nacks_ += nacks;
  fault_failures_ += failures;
  const int64_t acks_during = static_cast<int64_t>(Acked() - acked_at_fault);
  fault_acks_ += acks_during;
  report_.Figure(r + "internal_nacks", nacks);
  report_.Figure(r + "storage_failures", failures);
  report_.Figure(r + "failures_after_shown", StorageFailures() - failures_at_fault);
  report_.Figure(r + "acks_during_fault", static_cast<double>(acks_during));

  // One error line for the episode, naming the cause and the file; not one per message.
  const std::vector<std::string> lines = LinesWith(site_.HubLog(), "storage fault (");
  report_.Check(lines.size() == faults_logged + 1,
                Label(round, "expected one `storage fault` log line for the episode, found " +
                                 std::to_string(lines.size() - faults_logged)));
  if (lines.size() > faults_logged) {
    const std::string& line = lines[faults_logged];
    bool named = false;
    for (const Cause& c : ExpectedCauses(o_.fault)) {
      named |= line.find(std::string("storage fault (") + c.label + ")") != std::string::npos &&
               line.find(c.lead + site_.hub_db().string()) != std::string::npos &&
               line.find(c.errno_text) != std::string::npos;
    }
    report_.Check(named && line.find(" error: ") != std::string::npos,
                  Label(round, "the log line does not name the cause (" + causes + ") and " +
                                   site_.hub_db().string() + ": " + line));
    report_.Note(r + "log_line", line.substr(line.find("lls-hub")));
  }

  // Space returns: the resends are acknowledged.
  const size_t recovered_logged = LinesWith(site_.HubLog(), "storage works again").size();
  const size_t acked_before = Acked();
  if (!Recover(round)) return;
  const auto recovered = Steady::now();
  const bool acking = WaitFor(20s, [&] { return Acked() > acked_before; });
  report_.Check(acking, Label(round, "no Ack within 20 s of the disk recovering"));
  const int64_t recover_ms = MsSince(recovered);
  recover_ms_total_ += recover_ms;
  report_.Figure(r + "first_ack_after_recovery_ms", static_cast<double>(recover_ms));
  if (o_.fault != HubFault::kExt4ReadOnly) {  // the same process: it says the episode ended
    // (at the first commit 5 s or more after the last failure)
    report_.Check(WaitFor(20s,
                          [&] {
                            return LinesWith(site_.HubLog(), "storage works again").size() ==
                                   recovered_logged + 1;
                          }),
                  Label(round, "no `storage works again` line after the recovery"));
  }
  std::this_thread::sleep_for(1s);
}

void HubFaultRun::Finish() {
  // Everything still unacknowledged is resent until acknowledged.
  traffic_.Stop();
  // (After a violation once is enough: the run fails anyway.)
  const int attempts = report_.violations().empty() ? 3 : 1;
  for (int attempt = 0; attempt < attempts && traffic_.pending() > 0; ++attempt) {
    traffic_.Start(/*generate=*/false);
    WaitFor(
        20s, [&] { return traffic_.in_flight() == 0; }, 100ms);
    std::this_thread::sleep_for(300ms);
    traffic_.Stop();
  }
  report_.Check(traffic_.pending() == 0,
                std::to_string(traffic_.pending()) +
                    " message(s) never acknowledged after the disk recovered");
  const std::string log = site_.HubLog();
  std::optional<int> stopped = site_.Stop();
  report_.Check(stopped && *stopped == 0, "lls-hub run did not stop cleanly (exit " +
                                              (stopped ? std::to_string(*stopped) : "none") +
                                              "): " + log);

  crash::CheckInput input{traffic_.ledger().acked(), traffic_.ledger().approvals(), {}};
  crash::CheckResult check = crash::CheckHubDb(site_.hub_db(), input);
  for (const std::string& v : check.violations) report_.Violation("hub.db: " + v);
  report_.Passed(check.checks_passed);
  for (const std::string& v : traffic_.ledger().violations()) report_.Violation("client: " + v);

  // The log: no line per refused message; presence failures said once per episode (plus,
  // for a hub stopped on a read-only disk, once more for the presence it records at stop).
  const size_t per_message = LinesWith(log, "refused internal").size();
  report_.Check(per_message == 0, std::to_string(per_message) +
                                      " per-message `refused internal` lines in the hub's log");
  const size_t presence = LinesWith(log, "recording presence:").size();
  report_.Check(
      presence <= static_cast<size_t>(o_.rounds) * (o_.fault == HubFault::kExt4ReadOnly ? 2 : 1),
      std::to_string(presence) + " `recording presence` lines for " + std::to_string(o_.rounds) +
          " fault(s)");

  const crash::TrafficCounts c = traffic_.ledger().counts();
  auto kind = [&](Kind k) { return static_cast<double>(c.by_kind[static_cast<size_t>(k)]); };
  report_.Figure("messages_acked", static_cast<double>(c.acked));
  report_.Figure("summaries", kind(Kind::kProjectSummary));
  report_.Figure("retractions", kind(Kind::kRetraction));
  report_.Figure("learning_items", kind(Kind::kLearningItem));
  report_.Figure("approvals", kind(Kind::kCuration));
  report_.Figure("frames_sent", static_cast<double>(c.sent_frames));
  report_.Figure("resends", static_cast<double>(c.resent_frames));
  report_.Figure("internal_nacks_seen_by_clients", static_cast<double>(c.transient_nacks));
  report_.Figure("duplicate_acks", static_cast<double>(c.duplicate_acks));
  report_.Figure("internal_nacks_during_faults", fault_nacks_);
  report_.Figure("storage_failures_during_faults", fault_failures_);
  report_.Figure("acks_during_faults", static_cast<double>(fault_acks_));
  report_.Figure("mean_fault_shown_after_ms", static_cast<double>(detect_ms_total_) / o_.rounds);
  report_.Figure("mean_first_ack_after_recovery_ms",
                 static_cast<double>(recover_ms_total_) / o_.rounds);
  report_.Figure("subscriber_answers", static_cast<double>(reader_.answers()));
  report_.Figure("log_rows", static_cast<double>(check.log_rows));
  report_.Figure("relays", static_cast<double>(check.relays));
  report_.Figure("aggregate_cells", static_cast<double>(check.aggregate_rows));
  report_.Figure("hub_log_lines", static_cast<double>(LinesWith(log, "lls-hub").size()));
  report_.Figure("hub_log_error_lines", static_cast<double>(LinesWith(log, " error: ").size()));
}

}  // namespace

int RunHubFaults(const HubFaultOptions& o, Report& report) {
  const auto started = Steady::now();
  char templ[] = "/tmp/lls-disk-XXXXXX";
  if (::mkdtemp(templ) == nullptr) return 2;
  const fs::path dir = templ;
  const fs::path data = dir / "hub";
  fs::create_directories(dir / "logs");
  std::printf(
      "disk_fault hub --fault %s: seed %llu, %d round(s), %d trusts + 1 facilitator, "
      "folder %s\n",
      HubFaultName(o.fault), static_cast<unsigned long long>(o.seed), o.rounds, o.clients,
      dir.c_str());
  std::fflush(stdout);
  int exit_code = 0;
  {
    std::optional<Tmpfs> tmpfs;
    std::optional<LoopExt4> ext4;
    // Mounted before the hub exists, so hub.db is made on the failing filesystem. Room for
    // what each round's traffic adds to hub.db and its WAL (up to 16 MB on 2 cores), so that
    // only the ballast fills it.
    const uint64_t size = (32ull << 20) + (24ull << 20) * static_cast<uint64_t>(o.rounds);
    if (o.fault == HubFault::kTmpfsFull) {
      auto mounted = Tmpfs::Mount(data, size);
      if (!mounted.ok()) {
        std::printf("disk_fault: SKIPPED %s: cannot mount a tmpfs here: %s\n",
                    HubFaultName(o.fault), mounted.status().message().c_str());
        fs::remove_all(dir);
        return 77;
      }
      tmpfs.emplace(std::move(*mounted));
    } else if (o.fault == HubFault::kExt4ReadOnly) {
      auto mounted = LoopExt4::Mount(dir / "ext4.img", data, size + (32ull << 20), dir / "logs");
      if (!mounted.ok()) {
        std::printf("disk_fault: SKIPPED %s: cannot mount an ext4 loop device here: %s\n",
                    HubFaultName(o.fault), mounted.status().message().c_str());
        fs::remove_all(dir);
        return 77;
      }
      ext4.emplace(std::move(*mounted));
    }
    HubSite site;
    HubSiteOptions options;
    options.dir = dir;
    options.data = data;
    for (int i = 0; i < o.clients; ++i) options.trusts.push_back("trust-" + std::to_string(i));
    if (auto failed = HubSite::Setup(options, &site)) {
      std::fprintf(stderr, "disk_fault: setup failed: %s\n", failed->c_str());
      return 2;
    }
    if (std::string failed = site.Start(); !failed.empty()) {
      std::fprintf(stderr, "disk_fault: %s\n", failed.c_str());
      return 2;
    }
    std::string error;
    Traffic traffic(site, o.clients, o.seed, &error);
    auto reader_key = crypto::LoadSecretKeyFile(site.keys() / "trust-0.secret");
    if (!error.empty() || !reader_key.ok()) {
      std::fprintf(stderr, "disk_fault: setup failed: %s%s\n", error.c_str(),
                   reader_key.status().message().c_str());
      return 2;
    }
    {
      Reader reader(site, std::move(*reader_key));
      HubFaultRun run(o, report, site, traffic, reader, tmpfs, ext4);
      traffic.Start(/*generate=*/true);
      for (int round = 1; round <= o.rounds && report.violations().empty(); ++round) {
        run.Round(round);
        std::printf("round %d: %d checks passed so far, %zu violation(s)\n", round, report.checks(),
                    report.violations().size());
        std::fflush(stdout);
      }
      run.Finish();
    }
    report.Figure("seconds", static_cast<double>(MsSince(started)) / 1000.0);
    exit_code = report.violations().empty() ? 0 : 1;
    site.Stop();
  }  // unmounted here, after every process using the filesystem has stopped
  if (exit_code == 0 && !o.keep) fs::remove_all(dir);
  return exit_code;
}

}  // namespace lls::disk
