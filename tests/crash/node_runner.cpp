#include "tests/crash/node_runner.h"

#include <signal.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <thread>

namespace lls::crash {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr auto kSettle = 100ms;      // after a kill, for the hub to store what it received
constexpr auto kRunDrain = 20s;      // a recovering `run` must drain within this
constexpr auto kPoll = 25ms;

// Regular files left in a drop folder (not yet imported).
std::vector<fs::path> DropFilesLeft(const fs::path& drop) {
  std::vector<fs::path> left;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(drop, ec)) {
    if (e.is_regular_file()) left.push_back(e.path());
  }
  return left;
}

std::string Tail(const std::string& text, size_t n = 600) {
  return text.size() <= n ? text : "..." + text.substr(text.size() - n);
}

}  // namespace

const char* MomentName(Moment m) {
  static const char* const kNames[] = {
      "exited before the kill", "import: nothing committed", "import: some files committed",
      "import: all committed, not exited", "run: before the dropped files were imported",
      "imported, not yet queued", "queued, none sent", "sent, not stored at the hub",
      "stored at the hub, Ack not recorded", "every message acked"};
  return kNames[static_cast<size_t>(m)];
}
const char* ModeName(Mode m) {
  static const char* const kNames[] = {"import", "publish", "run"};
  return kNames[static_cast<size_t>(m)];
}
const char* RecoveryName(Recovery r) {
  static const char* const kNames[] = {"publish", "run", "carried over"};
  return kNames[static_cast<size_t>(r)];
}

void NodeFigures::Add(const NodeFigures& o) {
  for (size_t i = 0; i < kills.size(); ++i) kills[i] += o.kills[i];
  for (size_t i = 0; i < recoveries.size(); ++i) recoveries[i] += o.recoveries[i];
  for (size_t i = 0; i < moments.size(); ++i) moments[i] += o.moments[i];
  queued_at_kill += o.queued_at_kill;
  ack_lost += o.ack_lost;
  ack_lost_settled += o.ack_lost_settled;
  reimported_files += o.reimported_files;
  duplicate_acks += o.duplicate_acks;
  stranded += o.stranded;
  node_checks += o.node_checks;
}

NodeRunner::NodeRunner(NodeSite site, uint64_t seed, bool tolerate_stranded)
    : site_(std::move(site)),
      data_(seed),
      rng_(seed ^ 0x9e3779b97f4a7c15ULL),
      tolerate_stranded_(tolerate_stranded) {}

void NodeRunner::Fail(std::string text) {
  violations_.push_back(site_.name + ", cycle " + std::to_string(cycle_) + step_ + ": " +
                        std::move(text));
}

std::vector<std::string> NodeRunner::Args(std::vector<std::string> args) const {
  args.insert(args.begin(), {LLS_NODE_BIN, "--config", site_.config.string()});
  return args;
}

test::RunResult NodeRunner::Node(std::vector<std::string> args,
                                 std::chrono::milliseconds timeout) {
  return test::Run(Args(std::move(args)), site_.logs, timeout);
}

bool NodeRunner::KillAfter(const std::vector<std::string>& args, std::chrono::milliseconds delay,
                           const std::string& label) {
  test::Process p(Args(args), site_.logs, site_.name + "-" + label);
  std::this_thread::sleep_for(delay);
  const bool finished = !p.running();
  p.Signal(SIGKILL);
  if (!p.Wait(10s)) Fail("lls-node " + label + " (pid " + std::to_string(p.pid()) + ") survived SIGKILL");
  return finished;
}

bool NodeRunner::KillWhenProcessed(const std::string& file, std::chrono::milliseconds* at) {
  // The daemon moves an imported file to processed/STAMP-NAME, then queues what it imported:
  // this kill falls in that gap as often as the polling allows.
  test::Process p(Args({"run"}), site_.logs, site_.name + "-run");
  const auto started = std::chrono::steady_clock::now();
  const fs::path processed = site_.drop / "processed";
  bool seen = false;
  while (!seen && p.running() && std::chrono::steady_clock::now() - started < 10s) {
    std::error_code ec;
    for (const fs::directory_entry& e : fs::directory_iterator(processed, ec)) {
      if (e.path().filename().string().ends_with("-" + file)) seen = true;
    }
  }
  *at = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                              started);
  const bool finished = !p.running();
  p.Signal(SIGKILL);
  if (!p.Wait(10s)) Fail("lls-node run (pid " + std::to_string(p.pid()) + ") survived SIGKILL");
  return finished;
}

std::chrono::milliseconds NodeRunner::Delay(std::chrono::milliseconds typical) {
  // 60% of the kills land in 0.5-1.1x of the step's usual time, where queueing, sending and
  // the Acks happen; the rest anywhere in 0-1.2x (process start, database open, handshake).
  const int64_t t = typical.count();
  if (std::bernoulli_distribution(0.6)(rng_)) {
    return std::chrono::milliseconds(
        std::uniform_int_distribution<int64_t>(t / 2, t * 11 / 10 + 1)(rng_));
  }
  return std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(0, t * 12 / 10 + 2)(rng_));
}

void NodeRunner::Adapt(Mode mode, Moment moment) {
  // Keeps the kills inside the step: a kill that came after the work was done shortens the
  // step's time, one before anything was imported lengthens it.
  std::chrono::milliseconds& t = mode == Mode::kImport    ? import_time_
                                 : mode == Mode::kPublish ? publish_time_
                                                          : run_time_;
  const bool late = moment == Moment::kFinished || moment == Moment::kAllAcked ||
                    moment == Moment::kImportAll;
  const bool early = moment == Moment::kImportNone || moment == Moment::kBeforeImport;
  const int64_t next = late ? t.count() * 92 / 100 : early ? t.count() * 105 / 100 + 1 : t.count();
  t = std::chrono::milliseconds(std::clamp<int64_t>(next, 5, 5000));
}

bool NodeRunner::Observe(const std::string& when, bool integrity) {
  auto s = ReadNodeDb(site_.db, integrity);
  if (!s.ok()) {
    Fail("reading node.db " + when + ": " + s.status().message());
    return false;
  }
  std::vector<std::string> v = ledger_.Observe(*s);
  for (const std::string& text : v) Fail(when + ": " + text);
  state_ = std::move(*s);
  figures_.node_checks += v.empty();
  return v.empty();
}

bool NodeRunner::Import(const std::vector<fs::path>& files) {
  std::vector<std::string> args = {"import"};
  for (const fs::path& f : files) args.push_back(f.string());
  test::RunResult r = Node(args, 30s);
  if (r.exit_code != 0) {
    Fail("lls-node import exited " + std::to_string(r.exit_code) + ": " + Tail(r.err));
    return false;
  }
  last_import_ = r.elapsed;
  return true;
}

bool NodeRunner::RecoverByPublish(int wait_seconds) {
  test::RunResult r = Node({"publish", "--wait", std::to_string(wait_seconds), "--json"},
                           std::chrono::seconds(wait_seconds + 20));
  if (r.exit_code != 0) {
    Fail("lls-node publish exited " + std::to_string(r.exit_code) + ": " + Tail(r.err));
    return false;
  }
  last_publish_ = r.elapsed;
  try {
    nlohmann::json report = nlohmann::json::parse(r.out);
    figures_.duplicate_acks += report.at("duplicates").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    Fail(std::string("lls-node publish --json printed no report: ") + e.what());
    return false;
  }
  return true;
}

bool NodeRunner::RecoverByRun(bool publish_pending) {
  test::Process p(Args({"run"}), site_.logs, site_.name + "-run");
  const auto started = std::chrono::steady_clock::now();
  bool drained = false;
  bool stranded = false;  // nothing queued, nothing left to import, yet items pending
  auto idle_since = std::chrono::steady_clock::time_point::max();  // max: not idle
  NodeDbState last;
  while (std::chrono::steady_clock::now() - started < kRunDrain && p.running()) {
    std::this_thread::sleep_for(kPoll);
    // The folder before the database: a file gone from it was imported before the read, so
    // its items show as pending or queued unless they were acked.
    const bool dropped_all = DropFilesLeft(site_.drop).empty();
    auto s = ReadNodeDb(site_.db, /*integrity=*/false);
    if (!s.ok()) continue;  // busy: try again
    last = std::move(*s);
    if (last.queued() == 0 && dropped_all &&
        (!publish_pending || last.pending_projects + last.pending_learning == 0)) {
      drained = true;
      break;
    }
    // Three drop-folder polls (poll_seconds = 1) with nothing to do: it will not queue them.
    if (last.queued() == 0 && dropped_all) {
      const auto now = std::chrono::steady_clock::now();
      if (idle_since == std::chrono::steady_clock::time_point::max()) idle_since = now;
      if (now - idle_since > 3s) {
        stranded = true;
        break;
      }
    } else {
      idle_since = std::chrono::steady_clock::time_point::max();
    }
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  if (stranded && tolerate_stranded_) {
    ++figures_.stranded;  // counted; `publish` below sends them
  } else if (!drained) {
    const int64_t pending = last.pending_projects + last.pending_learning;
    Fail("lls-node run " + std::string(p.running() ? "did not drain" : "exited early") +
         " within " + std::to_string(elapsed.count()) + " ms: " +
         std::to_string(last.queued()) + " message(s) queued, " +
         std::to_string(last.pending_projects) + " project(s) and " +
         std::to_string(last.pending_learning) + " learning item(s) pending, " +
         std::to_string(DropFilesLeft(site_.drop).size()) + " file(s) left in the drop folder" +
         (pending > 0 && last.queued() == 0 && DropFilesLeft(site_.drop).empty()
              ? "; the dropped file was imported (it is in processed/) by the killed run, "
                "which died before queueing its items, and a restarted `run` queues pending "
                "items only right after it imports a new file (node/daemon.cpp ImportDropped)"
              : "") +
         "; its stderr: " + Tail(p.Stderr()));
  }
  // The database can look drained before this `run` has even reached main (nothing new to
  // do): a SIGTERM then would kill it before its handler exists. Wait for its start-up line,
  // logged after the handler is installed, so the stop tested is the ordinary one.
  for (const auto asked = std::chrono::steady_clock::now();
       p.running() && p.Stderr().find("publishing to") == std::string::npos &&
       std::chrono::steady_clock::now() - asked < 5s;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  p.Signal(SIGTERM);
  std::optional<int> code = p.Wait(5s);
  if (!code || *code != 0) {
    Fail("lls-node run did not exit 0 within 5 s of SIGTERM: " + Tail(p.Stderr()));
  }
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(site_.drop / "failed", ec)) {
    Fail("the drop folder refused " + e.path().filename().string());
  }
  last_run_ = elapsed;
  if (stranded && tolerate_stranded_) return RecoverByPublish(20);
  return drained;
}

bool NodeRunner::CheckStatus(bool drained, bool published) {
  test::RunResult r = Node({"status", "--no-probe", "--json"}, 30s);
  if (r.exit_code != 0) {
    Fail("lls-node status exited " + std::to_string(r.exit_code) + ": " + Tail(r.err));
    return false;
  }
  const size_t before = violations_.size();
  try {
    nlohmann::json s = nlohmann::json::parse(r.out);
    const int64_t queued = s.at("outbox").at("queued").get<int64_t>();
    const int64_t acked = s.at("outbox").at("acked").get<int64_t>();
    const int64_t rejected = s.at("outbox").at("rejected").get<int64_t>();
    const int64_t projects = s.at("pending").at("projects").get<int64_t>();
    const int64_t learning = s.at("pending").at("learning").get<int64_t>();
    const int64_t rows_acked = static_cast<int64_t>(state_.outbox.size()) - state_.queued();
    if (rejected != 0) Fail("status: " + std::to_string(rejected) + " message(s) rejected");
    if (queued != state_.queued() || acked != rows_acked) {
      Fail("status says " + std::to_string(queued) + " queued, " + std::to_string(acked) +
           " acked; node.db's outbox holds " + std::to_string(state_.queued()) + " and " +
           std::to_string(rows_acked));
    }
    if ((drained && queued != 0) || (published && projects + learning != 0)) {
      Fail("status after recovery: " + std::to_string(queued) + " queued, " +
           std::to_string(projects) + " project(s) and " + std::to_string(learning) +
           " learning item(s) pending; expected " + (published ? "none" : "none queued"));
    }
  } catch (const nlohmann::json::exception& e) {
    Fail(std::string("lls-node status --json: ") + e.what() + ": " + Tail(r.out));
  }
  figures_.node_checks += violations_.size() == before;
  return violations_.size() == before;
}

void NodeRunner::CheckAckLost() {
  std::map<MessageId, const OutboxRow*> rows;
  for (const OutboxRow& r : state_.outbox) rows[r.id] = &r;
  for (auto it = ack_lost_.begin(); it != ack_lost_.end();) {
    const OutboxRow* row = rows.count(it->first) ? rows[it->first] : nullptr;
    if (row == nullptr || row->state != "acked") {
      ++it;  // still queued (carried over): settled by a later cycle
      continue;
    }
    if (row->hub_seq != it->second) {
      Fail("message " + HexPrefix(it->first) + " was stored at hub_seq " +
           std::to_string(it->second) + " before the kill but acked at " +
           std::to_string(row->hub_seq.value_or(0)) + " after it");
    } else {
      ++figures_.ack_lost_settled;
    }
    it = ack_lost_.erase(it);
  }
}

Moment NodeRunner::Judge(Mode mode, const std::vector<fs::path>& files, bool finished) {
  if (finished) return Moment::kFinished;
  size_t committed = 0;
  for (const fs::path& f : files) {
    // The CLI records the path it was given, the drop folder the file's name.
    committed += state_.imported.count(mode == Mode::kRun ? f.filename().string() : f.string());
  }
  if (mode == Mode::kImport) {
    return committed == 0 ? Moment::kImportNone
                          : committed < files.size() ? Moment::kImportSome : Moment::kImportAll;
  }
  if (mode == Mode::kRun && committed < files.size()) return Moment::kBeforeImport;
  if (state_.pending_projects + state_.pending_learning > 0) return Moment::kNotQueued;
  std::vector<const OutboxRow*> queued;
  for (const OutboxRow& r : state_.outbox) {
    if (r.state == "queued") queued.push_back(&r);
  }
  figures_.queued_at_kill += static_cast<int64_t>(queued.size());
  if (queued.empty()) return Moment::kAllAcked;
  db::OpenOptions options;
  options.create = false;
  auto hub = db::Database::Open(site_.hub_db, options);
  int64_t stored = 0;
  if (hub.ok()) {
    std::vector<std::string> ignored;  // the between-cycle checks report these
    std::map<MessageId, SignerLogRow> log = ReadSignerLog(*hub, site_.signer, &ignored);
    for (const OutboxRow* r : queued) {
      auto it = log.find(r->id);
      if (it == log.end()) continue;
      ++stored;
      // Counted once per message, though a carried-over one may be caught at several kills.
      figures_.ack_lost += ack_lost_.emplace(r->id, it->second.hub_seq).second;
    }
  }
  if (stored > 0) return Moment::kAckLost;
  const bool sent = std::any_of(queued.begin(), queued.end(),
                                [](const OutboxRow* r) { return r->attempts > 0; });
  return sent ? Moment::kSentNotStored : Moment::kQueuedNotSent;
}

bool NodeRunner::Baseline() {
  cycle_ = 0;
  step_ = " (baseline)";
  std::vector<fs::path> files = data_.Write(0, site_.files, false);
  if (!Import(files) || !RecoverByPublish(20)) return false;
  import_time_ = last_import_;
  publish_time_ = last_publish_;
  if (!Observe("after the first publish")) return false;
  // A first dropped file, picked up by `run` without a kill; its time bounds the run kills.
  data_.Write(1, site_.drop, true);
  if (!RecoverByRun(true) || !Observe("after the first run") || !CheckStatus(true, true)) {
    return false;
  }
  run_time_ = last_run_;
  summary_ = site_.name + ": import " + std::to_string(import_time_.count()) + " ms, publish " +
             std::to_string(publish_time_.count()) + " ms, run " +
             std::to_string(run_time_.count()) + " ms";
  return violations_.empty();
}

void NodeRunner::Cycle(int cycle) {
  cycle_ = cycle;
  const int batch = cycle + 1;  // batches 0 and 1 were the baseline's
  std::discrete_distribution<int> pick_mode({3, 4, 3});
  const Mode mode = static_cast<Mode>(pick_mode(rng_));
  std::vector<fs::path> files =
      data_.Write(batch, mode == Mode::kRun ? site_.drop : site_.files, mode == Mode::kRun);
  step_ = std::string(" (") + ModeName(mode) + " kill)";
  if (mode == Mode::kPublish && (!Import(files) || !Observe("after import", false))) return;
  std::chrono::milliseconds delay{0};
  bool finished = false;
  if (mode == Mode::kImport) {
    std::vector<std::string> args = {"import"};
    for (const fs::path& f : files) args.push_back(f.string());
    delay = Delay(import_time_);
    finished = KillAfter(args, delay, "import");
  } else if (mode == Mode::kPublish) {
    delay = Delay(publish_time_);
    finished = KillAfter({"publish", "--wait", "20"}, delay, "publish");
  } else if (std::bernoulli_distribution(0.3)(rng_)) {
    finished = KillWhenProcessed(files.front().filename().string(), &delay);
  } else {
    delay = Delay(run_time_);
    finished = KillAfter({"run"}, delay, "run");
  }
  std::this_thread::sleep_for(kSettle);
  if (!Observe("after the kill")) return;
  const Moment moment = Judge(mode, files, finished);
  ++figures_.kills[static_cast<size_t>(mode)];
  ++figures_.moments[static_cast<size_t>(moment)];
  Adapt(mode, moment);

  if (mode == Mode::kImport) {  // what the kill kept out of node.db is imported again
    std::vector<fs::path> missing;
    for (const fs::path& f : files) {
      if (!state_.imported.count(f.string())) missing.push_back(f);
    }
    if (!missing.empty() && !Import(missing)) return;
    figures_.reimported_files += static_cast<int64_t>(missing.size());
  }
  Recovery recovery = Recovery::kRun;
  if (mode != Mode::kRun) {
    std::discrete_distribution<int> pick({40, 35, 25});
    recovery = static_cast<Recovery>(pick(rng_));
  }
  ++figures_.recoveries[static_cast<size_t>(recovery)];
  step_ = std::string(" (") + ModeName(mode) + " kill at " + std::to_string(delay.count()) +
          " ms, " + MomentName(moment) + "; recovery by " + RecoveryName(recovery) + ")";
  // `run` publishes what a dropped file imports, not what `lls-node import` left pending:
  // after an import or publish kill, the pending items wait for the next publish.
  if (recovery == Recovery::kPublish) RecoverByPublish(20);
  if (recovery == Recovery::kRun) RecoverByRun(/*publish_pending=*/mode == Mode::kRun);
  if (!Observe("after the recovery")) return;
  CheckStatus(/*drained=*/recovery != Recovery::kCarryOver,
              /*published=*/recovery == Recovery::kPublish || mode == Mode::kRun);
  CheckAckLost();
  summary_ = site_.name + " " + ModeName(mode) + " killed at " + std::to_string(delay.count()) +
             " ms (" + MomentName(moment) + "), recovered by " + RecoveryName(recovery);
}

void NodeRunner::Drain() {
  cycle_ = -1;
  step_ = " (final publish)";
  if (RecoverByPublish(30) && Observe("after the final publish")) {
    CheckStatus(true, true);
    CheckAckLost();
    if (!ack_lost_.empty()) {
      Fail(std::to_string(ack_lost_.size()) +
           " message(s) stored at the hub before a kill are still not acked at the end");
    }
  }
}

}  // namespace lls::crash
