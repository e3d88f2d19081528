// hub_crash: SIGKILLs a real `lls-hub run` at random moments under load and checks its hub.db.
//
//   hub_crash [--cycles N] [--seed S] [--clients K] [--out FILE] [--keep]
//
// Sets up once, in a fresh temp folder: keys made by `lls keygen` for a hub, K trusts and a
// facilitator, all enrolled with `lls-hub members enrol`. Each cycle starts the hub on the same
// loopback port and hub.db, runs K trust clients (summaries, revisions, retractions, learning
// items) and the facilitator (approvals) against it, SIGKILLs it after a random interval, and
// checks the database before the next start (tests/crash/consistency.h). Messages left
// unanswered are resent, same bytes, in the next cycle. After the last cycle the hub runs once
// more with no new traffic, every unanswered message is resent, and the log must then hold
// every message sent exactly once. Exit 0: every check passed; 1: a violation (printed);
// 2: the harness could not set up.
#include <signal.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "crypto/crypto.h"
#include "tests/crash/consistency.h"
#include "tests/crash/traffic.h"
#include "tests/support/process.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

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
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "hub_crash: %s\nusage: hub_crash [--cycles N] [--seed S] [--clients K] "
               "[--out FILE] [--keep] [--min-ms MS] [--max-ms MS]\n",
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
      else Usage(("unknown argument " + a).c_str());
    } catch (const std::logic_error&) {
      Usage(("bad number for " + a).c_str());
    }
  }
  if (f.cycles < 1 || f.clients < 1 || f.clients > 32 || f.min_ms < 1 || f.max_ms < f.min_ms) {
    Usage("need --cycles >= 1, 1 <= --clients <= 32, 1 <= --min-ms <= --max-ms");
  }
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

// The run's folder: keys, hub.toml, hub.db, logs. Set up once; kept across cycles.
struct Region {
  fs::path dir, logs, config, data;
  std::string endpoint;
};

Region Setup(int clients) {
  Region r;
  char templ[] = "/tmp/lls-crash-XXXXXX";
  if (mkdtemp(templ) == nullptr) SetupFailed("mkdtemp");
  r.dir = templ;
  r.logs = r.dir / "logs";
  r.config = r.dir / "hub.toml";
  r.data = r.dir / "hub";
  fs::create_directories(r.logs);
  r.endpoint = "tcp://127.0.0.1:" + std::to_string(test::FreeLoopbackPort());
  std::vector<std::string> names = {"hub", "facilitator"};
  for (int i = 0; i < clients; ++i) names.push_back("trust-" + std::to_string(i));
  for (const std::string& n : names) {
    Call({LLS_TOOL_BIN, "keygen", "--name", n, "--out", (r.dir / "keys").string()}, r.logs);
  }
  std::ofstream(r.config) << "[hub]\nname = \"lls-crash\"\nkey = \"keys/hub.secret\"\n"
                             "data_dir = \"hub\"\n[ingest]\nendpoint = \"" << r.endpoint
                          << "\"\n[subscribe]\nendpoint = \"\"\n[dashboard]\nenabled = false\n";
  for (const std::string& n : names) {
    if (n == "hub") continue;
    const bool facilitator = n == "facilitator";
    Call({LLS_HUB_BIN, "--config", r.config.string(), "members", "enrol", "--key",
          (r.dir / "keys" / (n + ".public")).string(), "--org",
          facilitator ? "LLS-F" : "RX" + n.substr(6), "--role",
          facilitator ? "facilitator" : "trust"},
         r.logs);
  }
  return r;
}

std::unique_ptr<test::Process> StartHub(const Region& r) {
  fs::remove(r.data / "ingest.endpoint");
  auto hub = std::make_unique<test::Process>(
      std::vector<std::string>{LLS_HUB_BIN, "--config", r.config.string(), "run"}, r.logs, "hub");
  const auto until = std::chrono::steady_clock::now() + 15s;
  while (!fs::exists(r.data / "ingest.endpoint")) {
    if (!hub->running() || std::chrono::steady_clock::now() > until) {
      std::fprintf(stderr, "hub_crash: the hub did not start (pid %d):\n%s\n", hub->pid(),
                   hub->Stderr().c_str());
      std::exit(1);
    }
    std::this_thread::sleep_for(5ms);
  }
  return hub;
}

struct Totals {
  int cycles = 0;
  int kills_in_flight = 0;     // kills with at least one message sent and unanswered
  int64_t in_flight_at_kill = 0;
  int64_t committed_unacked = 0;  // unanswered at a kill, yet found in the log: Ack lost
  int checks_passed = 0;
  int64_t log_rows = 0, relays = 0, aggregate_rows = 0;
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

// Checks hub.db; on a violation prints them all and exits 1.
CheckResult CheckOrDie(const Region& region, const CheckInput& in, int cycle, uint64_t seed) {
  CheckResult check = CheckHubDb(region.data / "hub.db", in);
  if (!check.violations.empty()) {
    std::fprintf(stderr, "hub_crash: VIOLATION after cycle %d (seed %llu, folder %s):\n", cycle,
                 static_cast<unsigned long long>(seed), region.dir.c_str());
    for (const std::string& v : check.violations) std::fprintf(stderr, "  %s\n", v.c_str());
    std::exit(1);
  }
  return check;
}

int Main(int argc, char** argv) {
  Flags flags = Parse(argc, argv);
  if (!crypto::Init().ok()) SetupFailed("libsodium init");
  const auto started = std::chrono::steady_clock::now();
  Region region = Setup(flags.clients);
  std::printf("hub_crash: seed %llu, %d cycles, %d trust clients + 1 facilitator, folder %s\n",
              static_cast<unsigned long long>(flags.seed), flags.cycles, flags.clients,
              region.dir.c_str());

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
  std::uniform_int_distribution<int> run_ms(flags.min_ms, flags.max_ms);
  for (int cycle = 1; cycle <= flags.cycles; ++cycle) {
    std::unique_ptr<test::Process> hub = StartHub(region);
    const int ms = run_ms(rng);
    int64_t in_flight = 0;
    RunClients(clients, hub_options, ClientOptions{}, [&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      for (auto& c : clients) in_flight += c->in_flight();
      hub->Signal(SIGKILL);
      if (!hub->Wait(10s)) {
        std::fprintf(stderr, "hub_crash: hub pid %d survived SIGKILL\n", hub->pid());
        std::exit(1);
      }
    });
    CheckInput in = Snapshot(ledger, clients);
    CheckResult check = CheckOrDie(region, in, cycle, flags.seed);
    // Unanswered messages the log holds: after the restart their Ack must be a duplicate at
    // this very hub sequence (checked by the client).
    for (auto& c : clients) {
      for (Outgoing& m : c->pending()) {
        auto it = check.committed_unacked.find(m.id);
        if (it != check.committed_unacked.end()) m.committed_seq = it->second;
      }
    }
    ++totals.cycles;
    totals.kills_in_flight += in_flight > 0;
    totals.in_flight_at_kill += in_flight;
    totals.committed_unacked += static_cast<int64_t>(check.committed_unacked.size());
    totals.checks_passed += check.checks_passed;
    std::printf("cycle %3d: killed after %4d ms, %3lld in flight, %zu acked so far, %zu unacked "
                "(%zu already committed), log %lld rows, %lld aggregate cells: %d/5 checks ok\n",
                cycle, ms, static_cast<long long>(in_flight), in.acked.size(), in.unacked.size(),
                check.committed_unacked.size(), static_cast<long long>(check.log_rows),
                static_cast<long long>(check.aggregate_rows), check.checks_passed);
    std::fflush(stdout);
  }

  // Recovery: one more hub life with no new traffic; everything unanswered is resent.
  {
    std::unique_ptr<test::Process> hub = StartHub(region);
    ClientOptions resend_only;
    resend_only.generate = false;
    RunClients(clients, hub_options, resend_only, [&] {
      std::this_thread::sleep_for(1s);  // connected, and the resends sent
      const auto until = std::chrono::steady_clock::now() + 20s;
      while (std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(200ms);
        bool idle = true;
        for (auto& c : clients) idle = idle && c->in_flight() == 0;
        if (idle) break;  // every resend answered (clients send at once on start)
      }
      std::this_thread::sleep_for(300ms);
      hub->Signal(SIGKILL);
      hub->Wait(10s);
    });
    CheckInput in = Snapshot(ledger, clients);
    if (!in.unacked.empty()) {
      std::fprintf(stderr, "hub_crash: VIOLATION: %zu messages still unacknowledged after the "
                   "recovery run (seed %llu)\n", in.unacked.size(),
                   static_cast<unsigned long long>(flags.seed));
      return 1;
    }
    CheckResult check = CheckOrDie(region, in, flags.cycles + 1, flags.seed);
    totals.checks_passed += check.checks_passed;
    totals.log_rows = check.log_rows;
    totals.relays = check.relays;
    totals.aggregate_rows = check.aggregate_rows;
  }
  if (auto v = ledger.violations(); !v.empty()) {
    std::fprintf(stderr, "hub_crash: VIOLATION seen by the clients (seed %llu):\n",
                 static_cast<unsigned long long>(flags.seed));
    for (const std::string& s : v) std::fprintf(stderr, "  %s\n", s.c_str());
    return 1;
  }

  const TrafficCounts c = ledger.counts();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
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
  if (!flags.out.empty()) {
    std::ofstream(flags.out)
        << "{\"seed\": " << flags.seed << ", \"cycles\": " << totals.cycles
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
        << ", \"checks_passed\": " << totals.checks_passed
        << ", \"log_rows\": " << totals.log_rows
        << ", \"aggregate_cells\": " << totals.aggregate_rows << ", \"seconds\": " << seconds
        << "}\n";
  }
  if (!flags.keep) fs::remove_all(region.dir);
  return 0;
}

}  // namespace
}  // namespace lls::crash

int main(int argc, char** argv) { return lls::crash::Main(argc, argv); }
