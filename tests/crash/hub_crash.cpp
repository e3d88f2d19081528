// hub_crash: SIGKILLs a real `lls-hub run` at random moments under load and checks its hub.db.
//
//   hub_crash [--cycles N] [--seed S] [--clients K] [--out FILE] [--keep]
//             [--with-parent] [--kill-parent-every N] [--settle-every N] [--settle-timeout S]
//   hub_crash --check FOLDER
//
// Sets up once, in a fresh folder under $TMPDIR (else /tmp): keys made by `lls keygen` for a
// hub, K trusts and a facilitator, all enrolled with `lls-hub members enrol`. Each cycle starts
// the hub on the same loopback port and hub.db, runs K trust clients (summaries, revisions,
// retractions, learning items, half of them scoped `national`) and the facilitator
// (approvals) against it, SIGKILLs it after a random interval, and checks the database before
// the next start (tests/crash/consistency.h). Messages left unanswered are resent, same
// bytes, in the next cycle. After the last cycle the hub runs once more with no new traffic,
// every unanswered message is resent, and the log must then hold every message sent exactly
// once.
//
// --with-parent: a real national `lls-hub run` is the parent of the hub under test (the LLS
// hub), which is enrolled there with --role hub, forwards its aggregates and approved national
// learning, and reads the national's subscribe endpoint, as deployed (docs/hub.md
// "Federation"). The national runs across cycles; after every kill of the LLS hub both
// databases are checked together (tests/crash/forwarding.h, F1-F6). --kill-parent-every N:
// in every Nth cycle the national is SIGKILLed too, at a random moment, its hub.db checked
// (F5, F6) and the national restarted after a random outage, while the LLS hub runs on.
// --settle-every N (default 5 with a parent): after every Nth cycle, one quiet life of the LLS
// hub: no new traffic, every unanswered message resent, and the hub runs until its outbox to
// the national is empty (a violation if no forward is acked for --settle-timeout seconds,
// default 30, or after ten times that in all); then the national's figures must equal the LLS
// hub's (S1-S3). The final recovery life settles the same way.
//
// --check FOLDER re-runs the settled forwarding checks (F1-F6, S1-S3) on a folder a run left
// with --keep: to look into a failure, or to see that a check catches a database edited by
// hand (the acked approvals, known only to a live run, are left out).
//
// Exit 0: every check passed; 1: a violation (printed); 2: the harness could not set up.
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "crypto/crypto.h"
#include "tests/crash/consistency.h"
#include "tests/crash/forwarding.h"
#include "tests/crash/traffic.h"
#include "tests/support/process.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

namespace lls::crash {
namespace {

struct Flags {
  int cycles = 20;
  uint64_t seed = 0;
  bool seed_given = false;
  int clients = 4;
  std::string out;
  bool keep = false;
  int min_ms = 150;   // how long the hub runs under load before the kill
  int max_ms = 1200;
  bool with_parent = false;
  int kill_parent_every = 0;  // 0: the national is never killed
  int settle_every = -1;      // -1: 5 with a parent, else never
  int settle_timeout_s = 30;
  std::string check;  // --check FOLDER: only re-run the settled forwarding checks there
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "hub_crash: %s\nusage: hub_crash [--cycles N] [--seed S] [--clients K] "
               "[--out FILE] [--keep] [--min-ms MS] [--max-ms MS] [--with-parent] "
               "[--kill-parent-every N] [--settle-every N] [--settle-timeout S]\n",
               why);
  std::exit(2);
}

Flags Parse(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage(("missing value for " + a).c_str());
      return argv[++i];
    };
    try {
      if (a == "--cycles") f.cycles = std::stoi(value());
      else if (a == "--seed") f.seed = std::stoull(value()), f.seed_given = true;
      else if (a == "--clients") f.clients = std::stoi(value());
      else if (a == "--out") f.out = value();
      else if (a == "--keep") f.keep = true;
      else if (a == "--min-ms") f.min_ms = std::stoi(value());
      else if (a == "--max-ms") f.max_ms = std::stoi(value());
      else if (a == "--with-parent") f.with_parent = true;
      else if (a == "--kill-parent-every") f.kill_parent_every = std::stoi(value());
      else if (a == "--settle-every") f.settle_every = std::stoi(value());
      else if (a == "--settle-timeout") f.settle_timeout_s = std::stoi(value());
      else if (a == "--check") f.check = value();
      else Usage(("unknown argument " + a).c_str());
    } catch (const std::logic_error&) {
      Usage(("bad number for " + a).c_str());
    }
  }
  if (f.cycles < 1 || f.clients < 1 || f.clients > 32 || f.min_ms < 1 || f.max_ms < f.min_ms) {
    Usage("need --cycles >= 1, 1 <= --clients <= 32, 1 <= --min-ms <= --max-ms");
  }
  if (f.kill_parent_every < 0 || f.settle_timeout_s < 1 || f.settle_every < -1) {
    Usage("need --kill-parent-every >= 0, --settle-every >= 0, --settle-timeout >= 1");
  }
  if (f.kill_parent_every > 0) f.with_parent = true;
  if (f.settle_every == -1) f.settle_every = f.with_parent ? 5 : 0;
  if (f.settle_every > 0 && !f.with_parent) Usage("--settle-every needs --with-parent");
  if (!f.seed_given) f.seed = std::random_device()();
  return f;
}

[[noreturn]] void SetupFailed(const std::string& why) {
  std::fprintf(stderr, "hub_crash: setup failed: %s\n", why.c_str());
  std::exit(2);
}

void Call(const std::vector<std::string>& argv, const fs::path& logs) {
  test::RunResult r = test::Run(argv, logs, 30s);
  if (r.exit_code != 0) SetupFailed(argv[1] + " " + argv[2] + ": " + r.err);
}

// One hub program: its config, its data folder, and the process while it runs.
struct HubRun {
  std::string label;
  fs::path config, data;
  std::unique_ptr<test::Process> process;
  bool running() { return process && process->running(); }
};

// The run's folder: keys, hub.toml, hub.db, logs. Set up once; kept across cycles. Owns the
// hub processes, so that every way out of the harness (Exit) kills them.
struct Region {
  fs::path dir, logs;
  std::string endpoint;
  HubRun lls;
  std::optional<HubRun> national;  // with --with-parent
  SignPublicKey lls_key{};
  std::map<std::string, double> targets;  // the LLS hub's [targets]
  uint64_t seed = 0;
};

[[noreturn]] void Exit(Region& r, int code) {
  r.lls.process.reset();  // SIGKILLs a hub still running
  if (r.national) r.national->process.reset();
  std::exit(code);
}

[[noreturn]] void Violation(Region& r, const std::string& when,
                            const std::vector<std::string>& violations) {
  std::fprintf(stderr, "hub_crash: VIOLATION %s (seed %llu, folder %s):\n", when.c_str(),
               static_cast<unsigned long long>(r.seed), r.dir.c_str());
  for (const std::string& v : violations) std::fprintf(stderr, "  %s\n", v.c_str());
  Exit(r, 1);
}

std::string LoopbackEndpoint() {
  return "tcp://127.0.0.1:" + std::to_string(test::FreeLoopbackPort());
}

// The LLS hub's [targets]: one gives its forwarded SPC readings an assurance icon, so that F4
// and S2 compare that too.
std::map<std::string, double> Targets() { return {{"SATOD", 10.0}}; }

// The national hub: its own key and config; the LLS hub enrolled there with role `hub` and
// its LLS name, as deploy/demo.sh does. Returns the [parent] table for the LLS hub.
std::string SetupNational(Region& r) {
  Call({LLS_TOOL_BIN, "keygen", "--name", "national", "--out", (r.dir / "keys").string()}, r.logs);
  const std::string ingest = LoopbackEndpoint(), subscribe = LoopbackEndpoint();
  r.national = HubRun{"national", r.dir / "national.toml", r.dir / "national", nullptr};
  std::ofstream(r.national->config)
      << "[hub]\nname = \"national\"\nkey = \"keys/national.secret\"\ndata_dir = \"national\"\n"
         "[ingest]\nendpoint = \"" << ingest << "\"\n[subscribe]\nendpoint = \"" << subscribe
      << "\"\n[dashboard]\nenabled = false\n";
  Call({LLS_HUB_BIN, "--config", r.national->config.string(), "members", "enrol", "--key",
        (r.dir / "keys" / "hub.public").string(), "--org", "LLS-C", "--role", "hub", "--lls",
        "lls-crash"},
       r.logs);
  r.targets = Targets();
  std::string text = "[parent]\nendpoint = \"" + ingest +
                     "\"\npublic_key = \"keys/national.public\"\nsubscribe_endpoint = \"" +
                     subscribe + "\"\n[targets]\n";
  for (const auto& [code, target] : r.targets) text += code + " = " + std::to_string(target) + "\n";
  return text;
}

void Setup(Region& r, int clients, bool with_parent) {
  // Under $TMPDIR when set: a long run can keep its folder away from other tools' clean-ups.
  std::string templ = (fs::temp_directory_path() / "lls-crash-XXXXXX").string();
  if (mkdtemp(templ.data()) == nullptr) SetupFailed("mkdtemp in " + templ);
  r.dir = templ;
  r.logs = r.dir / "logs";
  r.lls = HubRun{"hub", r.dir / "hub.toml", r.dir / "hub", nullptr};
  fs::create_directories(r.logs);
  r.endpoint = LoopbackEndpoint();
  std::vector<std::string> names = {"hub", "facilitator"};
  for (int i = 0; i < clients; ++i) names.push_back("trust-" + std::to_string(i));
  for (const std::string& n : names) {
    Call({LLS_TOOL_BIN, "keygen", "--name", n, "--out", (r.dir / "keys").string()}, r.logs);
  }
  const std::string parent = with_parent ? SetupNational(r) : "";
  std::ofstream(r.lls.config) << "[hub]\nname = \"lls-crash\"\nkey = \"keys/hub.secret\"\n"
                                 "data_dir = \"hub\"\n[ingest]\nendpoint = \"" << r.endpoint
                              << "\"\n[subscribe]\nendpoint = \"\"\n[dashboard]\nenabled = false\n"
                              << parent;
  for (const std::string& n : names) {
    if (n == "hub") continue;
    const bool facilitator = n == "facilitator";
    Call({LLS_HUB_BIN, "--config", r.lls.config.string(), "members", "enrol", "--key",
          (r.dir / "keys" / (n + ".public")).string(), "--org",
          facilitator ? "LLS-F" : "RX" + n.substr(6), "--role",
          facilitator ? "facilitator" : "trust"},
         r.logs);
  }
  auto key = crypto::LoadPublicKeyFile(r.dir / "keys" / "hub.public");
  if (!key.ok()) SetupFailed(key.status().message());
  r.lls_key = key->sign;
}

void StartHub(Region& r, HubRun& hub) {
  fs::remove(hub.data / "ingest.endpoint");
  hub.process = std::make_unique<test::Process>(
      std::vector<std::string>{LLS_HUB_BIN, "--config", hub.config.string(), "run"}, r.logs,
      hub.label);
  const auto until = SteadyClock::now() + 15s;
  while (!fs::exists(hub.data / "ingest.endpoint")) {
    if (!hub.process->running() || SteadyClock::now() > until) {
      std::fprintf(stderr, "hub_crash: %s did not start (pid %d):\n%s\n", hub.label.c_str(),
                   hub.process->pid(), hub.process->Stderr().c_str());
      Exit(r, 1);
    }
    std::this_thread::sleep_for(5ms);
  }
}

void KillHub(Region& r, HubRun& hub) {
  hub.process->Signal(SIGKILL);
  if (!hub.process->Wait(10s)) {
    std::fprintf(stderr, "hub_crash: %s pid %d survived SIGKILL\n", hub.label.c_str(),
                 hub.process->pid());
    Exit(r, 1);
  }
}

struct Totals {
  int cycles = 0;
  int kills_in_flight = 0;     // kills with at least one message sent and unanswered
  int64_t in_flight_at_kill = 0;
  int64_t committed_unacked = 0;  // unanswered at a kill, yet found in the log: Ack lost
  int checks_passed = 0;
  int64_t log_rows = 0, relays = 0, aggregate_rows = 0;
  // With a parent.
  int parent_kills = 0;
  int settles = 0;
  double settle_max_s = 0, settle_sum_s = 0;
  int forwarding_checks_passed = 0, forwarding_checks_run = 0;
  int64_t forwards_committed_unacked = 0;  // summed over checks: queued, yet at the national
  ForwardingResult last;                   // the final settled check's figures
};

// Runs every client on its own thread until `stop`, `run_for` after the start, is set by `kill`.
template <typename Kill>
void RunClients(std::vector<std::unique_ptr<Client>>& clients,
                const transport::ClientOptions& hub, const ClientOptions& options,
                Kill&& kill) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (auto& c : clients) {
    threads.emplace_back([&, client = c.get()] { client->RunCycle(hub, options, stop, 300ms); });
  }
  kill();
  stop = true;
  for (std::thread& t : threads) t.join();
}

CheckInput Snapshot(const Ledger& ledger, std::vector<std::unique_ptr<Client>>& clients) {
  CheckInput in{ledger.acked(), ledger.approvals(), {}};
  for (auto& c : clients) {
    for (const Outgoing& m : c->pending()) in.unacked.push_back(m.id);
  }
  return in;
}

// Checks hub.db, and with a parent both databases together; on a violation prints them all
// and exits 1.
CheckResult CheckOrDie(Region& region, const Ledger& ledger, const CheckInput& in,
                       const std::string& when, bool settled, Totals& totals) {
  CheckResult check = CheckHubDb(region.lls.data / "hub.db", in);
  if (!check.violations.empty()) Violation(region, when, check.violations);
  if (region.national) {
    ForwardingInput fin{region.lls_key, in.approvals, ledger.national_items(), region.targets,
                        settled};
    ForwardingResult f =
        CheckForwarding(region.lls.data / "hub.db", region.national->data / "hub.db", fin);
    if (!f.violations.empty()) Violation(region, when + " (forwarding)", f.violations);
    totals.forwarding_checks_passed += f.checks_passed;
    totals.forwarding_checks_run += f.checks_run;
    totals.forwards_committed_unacked += f.committed_unacked;
    totals.last = f;
  }
  return check;
}

// Unanswered messages the log holds: after the restart their Ack must be a duplicate at this
// very hub sequence (checked by the client).
void NoteCommitted(std::vector<std::unique_ptr<Client>>& clients, const CheckResult& check) {
  for (auto& c : clients) {
    for (Outgoing& m : c->pending()) {
      auto it = check.committed_unacked.find(m.id);
      if (it != check.committed_unacked.end()) m.committed_seq = it->second;
    }
  }
}

// What the national does during one cycle, in ms from the cycle's start. A national still
// down from the previous cycle comes back at `start` (so the LLS hub starts, and serves, with
// its parent out of reach); in every --kill-parent-every cycle it is SIGKILLed at `kill`,
// checked at once (F5, F6), and restarted `outage` later if that is before the LLS hub's
// kill, else in the next cycle.
struct NationalPlan {
  std::optional<std::chrono::milliseconds> start, kill;
  std::chrono::milliseconds outage{0};
};

NationalPlan PlanNational(const Flags& flags, int cycle, int ms, bool down, std::mt19937_64& rng) {
  NationalPlan plan;
  auto pick = [&](int lo, int hi) {
    return std::chrono::milliseconds(std::uniform_int_distribution<int>(lo, hi)(rng));
  };
  if (down) plan.start = pick(0, ms);
  if (flags.kill_parent_every > 0 && cycle % flags.kill_parent_every == 0) {
    plan.kill = pick(plan.start ? static_cast<int>(plan.start->count()) : 0, ms);
    plan.outage = pick(0, flags.max_ms);
  }
  return plan;
}

void KillNational(Region& r, Totals& totals, int cycle) {
  KillHub(r, *r.national);
  ++totals.parent_kills;
  ForwardingResult f = CheckNationalDb(r.national->data / "hub.db", r.lls_key);
  if (!f.violations.empty()) {
    Violation(r, "after the national's kill in cycle " + std::to_string(cycle), f.violations);
  }
  totals.forwarding_checks_passed += f.checks_passed;
  totals.forwarding_checks_run += f.checks_run;
}

// One cycle: the LLS hub under load, the national's plan carried out meanwhile, the SIGKILL,
// the checks, and a line of figures.
void KillCycle(Region& region, const Ledger& ledger, std::vector<std::unique_ptr<Client>>& clients,
               const transport::ClientOptions& hub_options, const Flags& flags, int cycle,
               std::mt19937_64& rng, Totals& totals) {
  const int ms = std::uniform_int_distribution<int>(flags.min_ms, flags.max_ms)(rng);
  const NationalPlan plan =
      region.national ? PlanNational(flags, cycle, ms, !region.national->running(), rng)
                      : NationalPlan{};
  StartHub(region, region.lls);
  int64_t in_flight = 0;
  RunClients(clients, hub_options, ClientOptions{}, [&] {
    const auto start = SteadyClock::now();
    const auto deadline = start + std::chrono::milliseconds(ms);
    if (plan.start) {
      std::this_thread::sleep_until(start + *plan.start);
      StartHub(region, *region.national);
    }
    if (plan.kill) {
      std::this_thread::sleep_until(start + *plan.kill);
      KillNational(region, totals, cycle);
      const auto back = SteadyClock::now() + plan.outage;
      if (back < deadline) {
        std::this_thread::sleep_until(back);
        StartHub(region, *region.national);
      }
    }
    std::this_thread::sleep_until(deadline);
    for (auto& c : clients) in_flight += c->in_flight();
    KillHub(region, region.lls);
  });
  CheckInput in = Snapshot(ledger, clients);
  CheckResult check =
      CheckOrDie(region, ledger, in, "after cycle " + std::to_string(cycle), false, totals);
  NoteCommitted(clients, check);
  ++totals.cycles;
  totals.kills_in_flight += in_flight > 0;
  totals.in_flight_at_kill += in_flight;
  totals.committed_unacked += static_cast<int64_t>(check.committed_unacked.size());
  totals.checks_passed += check.checks_passed;
  std::string national;
  if (plan.start) national += ", national back at " + std::to_string(plan.start->count()) + " ms";
  if (plan.kill) national += ", national killed at " + std::to_string(plan.kill->count()) + " ms";
  std::printf("cycle %3d: killed after %4d ms%s, %3lld in flight, %zu acked so far, %zu unacked "
              "(%zu already committed), log %lld rows, %lld aggregate cells: %d/5 checks ok",
              cycle, ms, national.c_str(), static_cast<long long>(in_flight), in.acked.size(),
              in.unacked.size(), check.committed_unacked.size(),
              static_cast<long long>(check.log_rows), static_cast<long long>(check.aggregate_rows),
              check.checks_passed);
  if (region.national) {
    std::printf("; forwards %lld queued, %lld acked: %d/%d ok",
                static_cast<long long>(totals.last.outbox_queued),
                static_cast<long long>(totals.last.outbox_acked), totals.last.checks_passed,
                totals.last.checks_run);
  }
  std::printf("\n");
  std::fflush(stdout);
}

// One quiet life of the LLS hub: no new traffic, every unanswered message resent; with a
// parent, it then runs until nothing is queued for the national (bounded: `timeout` without
// progress). SIGKILLed at the end, at a quiet moment. Returns the seconds forwarding took to
// settle; `backlog`: the forwards queued when it started.
double QuietLife(Region& region, std::vector<std::unique_ptr<Client>>& clients,
                 const transport::ClientOptions& hub_options, std::chrono::seconds timeout,
                 const std::string& when, int64_t& backlog) {
  if (region.national && !region.national->running()) StartHub(region, *region.national);
  backlog = region.national ? QueuedForwards(region.lls.data / "hub.db") : 0;
  StartHub(region, region.lls);
  const auto started = SteadyClock::now();
  double settled_s = 0;
  ClientOptions resend_only;
  resend_only.generate = false;
  std::vector<std::string> stuck;
  RunClients(clients, hub_options, resend_only, [&] {
    std::this_thread::sleep_for(1s);  // connected, and the resends sent
    const auto until = SteadyClock::now() + 20s;
    while (SteadyClock::now() < until) {
      std::this_thread::sleep_for(200ms);
      bool idle = true;
      for (auto& c : clients) idle = idle && c->in_flight() == 0;
      if (idle) break;  // every resend answered (clients send at once on start)
    }
    if (region.national) {
      // Bounded: forwarding that makes no progress for `timeout` (or drains for more than
      // ten times that) is a violation, not a hang. A large backlog is not stuck.
      const auto cap = SteadyClock::now() + 10 * timeout;
      auto progress = SteadyClock::now();
      int64_t queued = QueuedForwards(region.lls.data / "hub.db");
      while (queued != 0 && SteadyClock::now() < cap && SteadyClock::now() < progress + timeout) {
        std::this_thread::sleep_for(50ms);
        const int64_t now_queued = QueuedForwards(region.lls.data / "hub.db");
        if (now_queued < queued) progress = SteadyClock::now();
        queued = now_queued;
      }
      settled_s = std::chrono::duration<double>(SteadyClock::now() - started).count();
      if (queued != 0) {
        stuck.push_back(std::to_string(queued) + " forwards still queued for the national, " +
                        "none acked for " + std::to_string(timeout.count()) + " s (or " +
                        std::to_string(10 * timeout.count()) + " s in all) after the members " +
                        "went quiet (forwarding stuck? the hubs' logs are in " +
                        region.logs.string() + ")");
      }
    }
    std::this_thread::sleep_for(300ms);
    KillHub(region, region.lls);
  });
  if (!stuck.empty()) Violation(region, when, stuck);
  return settled_s;
}

void Settle(Region& region, const Ledger& ledger, std::vector<std::unique_ptr<Client>>& clients,
            const transport::ClientOptions& hub_options, const Flags& flags,
            const std::string& when, Totals& totals) {
  int64_t backlog = 0;
  const double s = QuietLife(region, clients, hub_options,
                             std::chrono::seconds(flags.settle_timeout_s), when, backlog);
  CheckInput in = Snapshot(ledger, clients);
  if (!in.unacked.empty()) {
    Violation(region, when, {std::to_string(in.unacked.size()) +
                             " messages still unacknowledged after a quiet life of the hub"});
  }
  CheckResult check = CheckOrDie(region, ledger, in, when, region.national.has_value(), totals);
  totals.checks_passed += check.checks_passed;
  totals.log_rows = check.log_rows;
  totals.relays = check.relays;
  totals.aggregate_rows = check.aggregate_rows;
  if (region.national) {
    ++totals.settles;
    totals.settle_max_s = std::max(totals.settle_max_s, s);
    totals.settle_sum_s += s;
    std::printf("settle after %s: %lld forwards queued at the restart, all acked %.2f s after "
                "it; %lld cells, %lld present at the national, %lld forwards (%lld acked), "
                "S1-S3 ok\n",
                when.c_str(), static_cast<long long>(backlog), s,
                static_cast<long long>(totals.last.cells),
                static_cast<long long>(totals.last.national_figures),
                static_cast<long long>(totals.last.outbox_rows),
                static_cast<long long>(totals.last.outbox_acked));
    std::fflush(stdout);
  }
}

void PrintSummary(const Flags& flags, const Ledger& ledger, const Totals& totals,
                  double seconds) {
  const TrafficCounts c = ledger.counts();
  auto kind = [&](Kind k) { return static_cast<long long>(c.by_kind[static_cast<size_t>(k)]); };
  std::printf(
      "hub_crash: PASS seed %llu: %d cycles (SIGKILL each), %lld messages acked (%lld summaries, "
      "%lld retractions, %lld learning items, %lld approvals), %lld relays in the log; "
      "%lld frames sent (%lld resends), %lld duplicate acks after restart, %lld unanswered "
      "messages found committed at a kill, %d/%d kills with messages in flight (%lld in "
      "all), %d checks passed, %.1f s\n",
      static_cast<unsigned long long>(flags.seed), totals.cycles,
      static_cast<long long>(c.acked), kind(Kind::kProjectSummary), kind(Kind::kRetraction),
      kind(Kind::kLearningItem), kind(Kind::kCuration), static_cast<long long>(totals.relays),
      static_cast<long long>(c.sent_frames), static_cast<long long>(c.resent_frames),
      static_cast<long long>(c.duplicate_acks), static_cast<long long>(totals.committed_unacked),
      totals.kills_in_flight, totals.cycles, static_cast<long long>(totals.in_flight_at_kill),
      totals.checks_passed, seconds);
  if (flags.with_parent) {
    const ForwardingResult& f = totals.last;
    std::printf(
        "hub_crash: forwarding PASS: %d national kills, %d settles (settled in %.2f s at most, "
        "%.2f s on average); %lld forwards (%lld aggregates, %lld relays), all acked, each "
        "stored once at the national (%lld rows); %lld sent more than once; %lld found at the "
        "national while still queued at an LLS kill (summed over checks); %lld cells, all equal "
        "at the national; %d/%d forwarding checks passed\n",
        totals.parent_kills, totals.settles, totals.settle_max_s,
        totals.settles ? totals.settle_sum_s / totals.settles : 0.0,
        static_cast<long long>(f.outbox_rows), static_cast<long long>(f.forwarded_aggregates),
        static_cast<long long>(f.forwarded_relays), static_cast<long long>(f.at_national),
        static_cast<long long>(f.resent), static_cast<long long>(totals.forwards_committed_unacked),
        static_cast<long long>(f.cells), totals.forwarding_checks_passed,
        totals.forwarding_checks_run);
  }
}

void WriteFigures(const Flags& flags, const Ledger& ledger, const Totals& totals,
                  double seconds) {
  const TrafficCounts c = ledger.counts();
  auto kind = [&](Kind k) { return static_cast<long long>(c.by_kind[static_cast<size_t>(k)]); };
  std::ofstream out(flags.out);
  out << "{\"seed\": " << flags.seed << ", \"cycles\": " << totals.cycles
      << ", \"clients\": " << flags.clients << ", \"acked\": " << c.acked
      << ", \"summaries\": " << kind(Kind::kProjectSummary)
      << ", \"retractions\": " << kind(Kind::kRetraction)
      << ", \"learning_items\": " << kind(Kind::kLearningItem)
      << ", \"approvals\": " << kind(Kind::kCuration) << ", \"relays\": " << totals.relays
      << ", \"frames_sent\": " << c.sent_frames << ", \"resends\": " << c.resent_frames
      << ", \"duplicate_acks\": " << c.duplicate_acks
      << ", \"committed_unacked_at_kill\": " << totals.committed_unacked
      << ", \"kills_with_messages_in_flight\": " << totals.kills_in_flight
      << ", \"in_flight_at_kill\": " << totals.in_flight_at_kill
      << ", \"checks_passed\": " << totals.checks_passed << ", \"log_rows\": " << totals.log_rows
      << ", \"aggregate_cells\": " << totals.aggregate_rows;
  if (flags.with_parent) {
    const ForwardingResult& f = totals.last;
    out << ", \"parent_kills\": " << totals.parent_kills << ", \"settles\": " << totals.settles
        << ", \"settle_max_s\": " << totals.settle_max_s << ", \"forwards\": " << f.outbox_rows
        << ", \"forwarded_aggregates\": " << f.forwarded_aggregates
        << ", \"forwarded_relays\": " << f.forwarded_relays
        << ", \"at_national\": " << f.at_national << ", \"forwards_resent\": " << f.resent
        << ", \"forwards_committed_unacked\": " << totals.forwards_committed_unacked
        << ", \"repeated_forwards\": " << f.repeated_forwards
        << ", \"forwarding_checks_passed\": " << totals.forwarding_checks_passed
        << ", \"forwarding_checks_run\": " << totals.forwarding_checks_run;
  }
  out << ", \"seconds\": " << seconds << "}\n";
}

int CheckFolder(const fs::path& dir) {
  auto key = crypto::LoadPublicKeyFile(dir / "keys" / "hub.public");
  if (!key.ok()) SetupFailed(key.status().message());
  ForwardingInput in{key->sign, {}, {}, Targets(), /*settled=*/true};
  ForwardingResult f = CheckForwarding(dir / "hub" / "hub.db", dir / "national" / "hub.db", in);
  for (const std::string& v : f.violations) std::printf("  %s\n", v.c_str());
  std::printf("hub_crash --check %s: %d/%d forwarding checks passed; %lld forwards, %lld cells\n",
              dir.c_str(), f.checks_passed, f.checks_run, static_cast<long long>(f.outbox_rows),
              static_cast<long long>(f.cells));
  return f.violations.empty() ? 0 : 1;
}

int Main(int argc, char** argv) {
  Flags flags = Parse(argc, argv);
  if (!crypto::Init().ok()) SetupFailed("libsodium init");
  if (!flags.check.empty()) return CheckFolder(flags.check);
  const auto started = SteadyClock::now();
  Region region;
  region.seed = flags.seed;
  Setup(region, flags.clients, flags.with_parent);
  std::printf("hub_crash: seed %llu, %d cycles, %d trust clients + 1 facilitator%s, folder %s\n",
              static_cast<unsigned long long>(flags.seed), flags.cycles, flags.clients,
              flags.with_parent ? ", with a national parent hub" : "", region.dir.c_str());
  if (region.national) StartHub(region, *region.national);

  auto hub_public = crypto::LoadPublicKeyFile(region.dir / "keys" / "hub.public");
  if (!hub_public.ok()) SetupFailed(hub_public.status().message());
  transport::ClientOptions hub_options;
  hub_options.endpoint = region.endpoint;
  hub_options.server_key = hub_public->curve;

  std::mt19937_64 rng(flags.seed);
  Ledger ledger;
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i <= flags.clients; ++i) {
    const bool facilitator = i == flags.clients;
    const std::string name = facilitator ? "facilitator" : "trust-" + std::to_string(i);
    auto identity = crypto::LoadSecretKeyFile(region.dir / "keys" / (name + ".secret"));
    if (!identity.ok()) SetupFailed(identity.status().message());
    clients.push_back(std::make_unique<Client>(std::move(*identity),
                                               facilitator ? "LLS-F" : "RX" + std::to_string(i),
                                               facilitator, rng(), ledger));
  }

  Totals totals;
  for (int cycle = 1; cycle <= flags.cycles; ++cycle) {
    KillCycle(region, ledger, clients, hub_options, flags, cycle, rng, totals);
    if (flags.settle_every > 0 && cycle % flags.settle_every == 0 && cycle < flags.cycles) {
      Settle(region, ledger, clients, hub_options, flags, "cycle " + std::to_string(cycle),
             totals);
    }
  }

  // Recovery: one more hub life with no new traffic; everything unanswered is resent, and
  // with a parent, forwarding settles.
  Settle(region, ledger, clients, hub_options, flags, "the last cycle (recovery)", totals);
  if (auto v = ledger.violations(); !v.empty()) Violation(region, "seen by the clients", v);

  const double seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
  PrintSummary(flags, ledger, totals, seconds);
  if (!flags.out.empty()) WriteFigures(flags, ledger, totals, seconds);
  region.lls.process.reset();
  if (region.national) region.national->process.reset();
  if (!flags.keep) fs::remove_all(region.dir);
  return 0;
}

}  // namespace
}  // namespace lls::crash

int main(int argc, char** argv) { return lls::crash::Main(argc, argv); }
