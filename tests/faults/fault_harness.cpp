#include "tests/faults/fault_harness.h"

#include <algorithm>
#include <cstdio>
#include <random>

#include "exchange/sqlite.h"
#include "tests/crash/consistency.h"
#include "tests/faults/federation_checks.h"
#include "tests/faults/outbox_timing.h"

namespace lls::faults {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {
constexpr auto kResumeBound = 30s;  // a sender with messages pending must ack within this
constexpr auto kDrainBound = 90s;   // the end: everything acked within this after healing
constexpr auto kPoll = 25ms;

}  // namespace

void FeedThread::Run(Feeder& feeder, size_t nodes, uint64_t seed) {
  std::mt19937_64 rng(seed);
  size_t next = 0;
  while (!stop_.load()) {
    const auto pause =
        std::chrono::milliseconds(std::uniform_int_distribution<int>(400, 1200)(rng));
    for (auto slept = 0ms; slept < pause && !stop_.load(); slept += 50ms) {
      std::this_thread::sleep_for(50ms);
    }
    if (stop_.load()) break;
    feeder.Feed(next);
    next = (next + 1) % nodes;
  }
}

std::vector<std::pair<std::string, fs::path>> Harness::Senders(Link link) {
  std::vector<std::pair<std::string, fs::path>> out;
  if (link == Link::kNodes) {
    for (const FaultNode& n : region_.nodes()) out.emplace_back(n.name, n.db);
  } else {
    out.emplace_back("lls->national", region_.lls_db());
  }
  return out;
}

void Harness::WaitQueued(Link link, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  for (const auto& [who, db] : Senders(link)) {
    while (std::chrono::steady_clock::now() < until) {
      auto t = ReadOutboxTiming(db, WallMs());
      if (t.ok() && t->queued > 0) break;
      std::this_thread::sleep_for(kPoll);
    }
  }
}

void Harness::RunEpisode(const Episode& e, int index) {
  std::this_thread::sleep_for(e.gap);
  FaultProxy& proxy = Proxy(e.link);
  feeder_.FeedAll();  // new work for every node, so that something is pending at the heal
  EpisodeRecord record;
  record.episode = e;
  int64_t start = 0, ref = 0, origin = 0;
  if (TimingOf(e.kind) == Timing::kFromStart) {
    // Stall first until messages are in flight (sent into the held connection): the reset or
    // the half-open fault then hits them, and no Ack from before it can be recorded after it.
    proxy.SetMode(StallMode());
    const int64_t silent_since = WallMs();
    WaitQueued(e.link, 4s);
    std::this_thread::sleep_for(400ms);
    if (e.kind == FaultKind::kReset) {
      proxy.ResetAll();
      proxy.SetMode(HealthyMode());
    } else {
      proxy.SetMode(FaultModeOf(e));  // pinned: the open connections stay half-open for good
    }
    start = ref = WallMs();
    // A half-open connection is silent towards the client since the stall began (its
    // heartbeat timer may have started then): detection is timed from there. Only Acks
    // recorded after the fault itself count, all the same.
    origin = e.kind == FaultKind::kReset ? ref : silent_since;
    std::this_thread::sleep_for(e.duration);
    proxy.SetMode(HealthyMode());  // no effect on pinned connections; new ones were healthy
  } else {
    proxy.SetMode(FaultModeOf(e));
    if (e.kind == FaultKind::kPartition || e.kind == FaultKind::kHandshakeReset) {
      proxy.ResetAll();  // the open connections die too; every reconnection meets the fault
    }
    start = WallMs();
    std::this_thread::sleep_for(e.duration);
    proxy.SetMode(HealthyMode());
    ref = origin = WallMs();
  }
  Measure(e, index, ref, origin, start, record);
  episodes_.push_back(record);
  CheckAlive();
  ObserveNodes("after episode " + std::to_string(index));
}

void Harness::Measure(const Episode& e, int index, int64_t ref, int64_t origin, int64_t start,
                      EpisodeRecord& record) {
  std::string line = "episode " + std::to_string(index) + ": " + Describe(e) + ":";
  const auto until = std::chrono::steady_clock::now() + kResumeBound;
  for (const auto& [who, db] : Senders(e.link)) {
    int64_t acked_during = 0;  // the window [start, ref) is past: the last read counts
    for (;;) {
      auto t = ReadOutboxTiming(db, ref, start, ref);
      if (!t.ok()) {  // busy: try again
        if (std::chrono::steady_clock::now() > until) {
          Fail(who + ": cannot read its outbox: " + t.status().message());
          break;
        }
        std::this_thread::sleep_for(kPoll);
        continue;
      }
      acked_during = t->acked_in_window;
      if (t->pending_at_ref == 0) {
        ++record.unsampled;
        line += " " + who + " had nothing pending;";
        break;
      }
      if (t->first_ack) {
        const int64_t ms = *t->first_ack - origin;
        if (TimingOf(e.kind) != Timing::kNone) {
          samples_.push_back(Sample{index, e.kind, e.link, who, ms, t->pending_at_ref});
        }
        line += " " + who + " acked " + std::to_string(ms) + " ms after the " + OriginName(e.kind) +
                " (" + std::to_string(t->pending_at_ref) + " pending);";
        break;
      }
      if (std::chrono::steady_clock::now() > until) {
        Fail(who + ": no Ack recorded within " + std::to_string(kResumeBound.count()) +
             " s of the " + OriginName(e.kind) + " of episode " + std::to_string(index) + " (" +
             Describe(e) + ") with " + std::to_string(t->pending_at_ref) + " message(s) pending");
        break;
      }
      std::this_thread::sleep_for(kPoll);
    }
    if (e.kind == FaultKind::kDelay) record.acked_during += acked_during;
  }
  if (e.kind == FaultKind::kDelay) {
    line += " " + std::to_string(record.acked_during) + " Acks recorded under the latency;";
  }
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

void Harness::CheckAlive() {
  auto tail = [](std::string s) { return s.size() > 800 ? "..." + s.substr(s.size() - 800) : s; };
  for (FaultNode& n : region_.nodes()) {
    if (!n.process->running())
      Fail("lls-node run (" + n.name + ") exited: " + tail(n.process->Stderr()));
  }
  if (!region_.lls_hub().running()) Fail("the LLS hub exited: " + tail(region_.lls_hub().Stderr()));
  if (!region_.national_hub().running()) {
    Fail("the national hub exited: " + tail(region_.national_hub().Stderr()));
  }
}

void Harness::ObserveNodes(const std::string& when) {
  for (size_t i = 0; i < region_.nodes().size(); ++i) {
    const FaultNode& n = region_.nodes()[i];
    auto s = crash::ReadNodeDb(n.db, /*integrity=*/false);
    if (!s.ok()) continue;  // busy: the next observation checks
    std::vector<std::string> v = ledgers_[i].Observe(*s);
    for (const std::string& text : v) Fail(n.name + " " + when + ": " + text);
    checks_ += v.empty();
  }
}

void Harness::Drain() {
  region_.nodes_link().SetMode(HealthyMode());
  region_.federation_link().SetMode(HealthyMode());
  const auto started = std::chrono::steady_clock::now();
  int stable = 0;  // consecutive polls with everything drained
  std::string state;
  while (std::chrono::steady_clock::now() - started < kDrainBound) {
    bool drained = true;
    state.clear();
    for (const FaultNode& n : region_.nodes()) {
      auto s = crash::ReadNodeDb(n.db, false);
      size_t left = 0;
      for (const fs::directory_entry& f : fs::directory_iterator(n.drop)) {
        left += f.is_regular_file();
      }
      if (!s.ok()) {
        drained = false;
        continue;
      }
      const bool done =
          s->queued() == 0 && s->pending_projects + s->pending_learning == 0 && left == 0;
      drained = drained && done;
      state += n.name + ": " + std::to_string(s->queued()) + " queued, " +
               std::to_string(s->pending_projects + s->pending_learning) + " pending, " +
               std::to_string(left) + " file(s) in the drop folder; ";
    }
    auto fed = ReadOutboxTiming(region_.lls_db(), WallMs());
    drained = drained && fed.ok() && fed->queued == 0;
    state += "LLS federation outbox: " + (fed.ok() ? std::to_string(fed->queued) : "?") + " queued";
    stable = drained ? stable + 1 : 0;
    // Drained twice, 1.5 s apart: the LLS hub may still forward what the nodes' last messages
    // changed.
    if (stable >= 2) return;
    std::this_thread::sleep_for(drained ? 1500ms : 100ms);
  }
  Fail("not everything was acknowledged within " + std::to_string(kDrainBound.count()) +
       " s of the final heal: " + state);
}

void Harness::FinalChecks() {
  // Nodes: N1-N3 with integrity_check, drained, each message once at the LLS hub.
  crash::CheckInput lls_input;
  auto lls = db::Database::Open(region_.lls_db(), db::OpenOptions{.create = false});
  if (!lls.ok()) return Fail("opening the LLS hub.db: " + lls.status().message());
  for (size_t i = 0; i < region_.nodes().size(); ++i) {
    const FaultNode& n = region_.nodes()[i];
    auto s = crash::ReadNodeDb(n.db, /*integrity=*/true);
    if (!s.ok()) {
      Fail(n.name + ": reading node.db: " + s.status().message());
      continue;
    }
    std::vector<std::string> v = ledgers_[i].Observe(*s);
    std::vector<std::string> drained = CheckOutboxDrained(*s, n.name);
    v.insert(v.end(), drained.begin(), drained.end());
    std::vector<std::string> h = crash::CheckSignerLog(*lls, n.name, n.signer, *s);
    v.insert(v.end(), h.begin(), h.end());
    std::error_code ec;
    for (const fs::directory_entry& f : fs::directory_iterator(n.drop / "failed", ec)) {
      v.push_back(n.name + ": the drop folder refused " + f.path().filename().string());
    }
    for (const std::string& text : v) Fail(text);
    checks_ += v.empty();
    for (const crash::OutboxRow& r : s->outbox) {
      ++node_messages_;
      if (r.state == "acked") {
        lls_input.acked[r.id] = crash::AckedMessage{r.hub_seq.value_or(0), r.kind};
      } else if (r.state == "queued") {
        lls_input.unacked.push_back(r.id);
      }
    }
  }
  crash::CheckResult lls_check = crash::CheckHubDb(region_.lls_db(), lls_input);
  for (const std::string& text : lls_check.violations) Fail("LLS hub.db: " + text);
  checks_ += lls_check.checks_passed;
  std::vector<std::string> figures =
      crash::CheckFigures(*lls, feeder_.trusts(), node::SuppressionRule{}, &cells_);
  for (const std::string& text : figures) Fail("LLS figures: " + text);
  checks_ += figures.empty();

  // Federation: F1-F3.
  auto outbox = ReadHubOutbox(region_.lls_db());
  if (!outbox.ok()) return Fail("reading the LLS hub's outbox: " + outbox.status().message());
  std::vector<std::string> f1 = CheckOutboxDrained(*outbox, "LLS federation outbox");
  for (const std::string& text : f1) Fail(text);
  checks_ += f1.empty();
  auto national = db::Database::Open(region_.national_db(), db::OpenOptions{.create = false});
  if (!national.ok()) return Fail("opening the national hub.db: " + national.status().message());
  std::vector<std::string> f2 =
      crash::CheckSignerLog(*national, "national log", region_.lls_signer(), *outbox);
  for (const std::string& text : f2) Fail(text);
  checks_ += f2.empty();
  crash::CheckInput national_input;
  for (const crash::OutboxRow& r : outbox->outbox) {
    ++forwarded_;
    forwarded_relays_ += r.kind == Kind::kRelay;
    if (r.state == "acked") {
      national_input.acked[r.id] = crash::AckedMessage{r.hub_seq.value_or(0), r.kind};
    }
  }
  crash::CheckResult national_check = crash::CheckHubDb(region_.national_db(), national_input);
  for (const std::string& text : national_check.violations) Fail("national hub.db: " + text);
  checks_ += national_check.checks_passed;
  std::vector<std::string> f3 = CheckNationalCells(region_.national_db(), region_.lls_db(),
                                                   region_.lls_signer(), &national_cells_);
  for (const std::string& text : f3) Fail(text);
  checks_ += f3.empty();
}

}  // namespace lls::faults
