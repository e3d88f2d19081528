#include "tests/disk/node_faults.h"

#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "exchange/sqlite.h"
#include "tests/crash/node_checks.h"
#include "tests/crash/node_data.h"
#include "tests/disk/fault_fs.h"

namespace lls::disk {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {

class NodeFaultRun {
 public:
  NodeFaultRun(Report& report, HubSite& site, Tmpfs& hubfs, Tmpfs& nodefs,
               const NodeFaultOptions& options)
      : report_(report),
        site_(site),
        hubfs_(hubfs),
        nodefs_(nodefs),
        data_(options.seed),
        tolerate_drop_refusal_(options.tolerate_drop_refusal) {
    config_ = site.dir() / "node.toml";
    db_ = nodefs.dir() / "node.db";
    files_ = site.dir() / "exports";
    drop_ = site.dir() / "drop";
    fs::create_directories(files_);
    fs::create_directories(drop_);
    std::ofstream(config_) << "[node]\norganisation = \"RX0\"\nkey = \""
                           << (site.keys() / "trust-0.secret").string() << "\"\ndata_dir = \""
                           << nodefs.dir().string() << "\"\n[hub]\nendpoint = \"" << site.endpoint()
                           << "\"\npublic_key = \""
                           << (site.keys() / "hub.public").string()
                           // A long backoff: `run` does not send (and record) again for a few
                           // seconds while the hub's Acks arrive (AckNotRecorded).
                           << "\"\n[outbox]\nbackoff_base_ms = 10000\nbackoff_max_seconds = 20\n"
                           << "[drop]\nfolder = \"" << drop_.string() << "\"\npoll_seconds = 1\n";
    auto pub = crypto::LoadPublicKeyFile(site.keys() / "trust-0.public");
    if (pub.ok()) signer_ = pub->sign;
  }

  bool Baseline();
  void HubFull();
  void ImportFull();
  void PublishFull();
  void AckNotRecorded();
  void DropFull();
  void Final();

 private:
  test::RunResult Node(std::vector<std::string> args, std::chrono::milliseconds timeout = 60s) {
    args.insert(args.begin(), {NodeBin(), "--config", config_.string()});
    return test::Run(args, site_.logs(), timeout);
  }
  std::vector<std::string> Files(const std::vector<fs::path>& files) {
    std::vector<std::string> args = {"import"};
    for (const fs::path& f : files) args.push_back(f.string());
    return args;
  }
  // node.db read and checked against every row seen before (N1-N3).
  std::optional<crash::NodeDbState> Observe(const std::string& when) {
    auto state = crash::ReadNodeDb(db_);
    if (!report_.Check(state.ok(), when + ": reading node.db: " + state.status().message())) {
      return std::nullopt;
    }
    report_.Check(state->integrity == "ok",
                  when + ": node.db integrity_check: " + state->integrity);
    std::vector<std::string> v = ledger_.Observe(*state);
    for (const std::string& s : v) report_.Violation(when + ": node.db: " + s);
    report_.Check(v.empty(), when);
    return std::move(*state);
  }
  // H1-H3: each of this node's messages at most once in the hub's log, at its Ack's hub_seq.
  void CheckHub(const std::string& when, const crash::NodeDbState& state) {
    db::OpenOptions options;
    options.create = false;
    auto hub = db::Database::Open(site_.hub_db(), options);
    if (!report_.Check(hub.ok(), when + ": opening hub.db: " + hub.status().message())) return;
    std::vector<std::string> v = crash::CheckSignerLog(*hub, "trust-0", signer_, state);
    for (const std::string& s : v) report_.Violation(when + ": hub.db: " + s);
    report_.Check(v.empty(), when);
  }
  // How many of `ids` the hub's log holds.
  int64_t HubHolds(const std::vector<MessageId>& ids) {
    db::OpenOptions options;
    options.create = false;
    auto hub = db::Database::Open(site_.hub_db(), options);
    if (!hub.ok()) return -1;
    std::vector<std::string> ignored;
    auto rows = crash::ReadSignerLog(*hub, signer_, &ignored);
    int64_t n = 0;
    for (const MessageId& id : ids) n += rows.count(id);
    return n;
  }
  // A connection held open on node.db, so that its -wal and -shm exist while no lls-node
  // runs: then a command on the full disk can open node.db and fails at its first write
  // (the case of a disk filling up under a working node), not at the open.
  void Hold(bool on) {
    if (!on) {
      holder_.reset();
      return;
    }
    db::OpenOptions options;
    options.create = false;
    auto opened = db::Database::Open(db_, options);
    if (report_.Check(opened.ok(), "holding node.db: " + opened.status().message())) {
      holder_.emplace(std::move(*opened));
    }
  }
  // An empty WAL, then a full disk: the next write to node.db needs space it cannot get.
  bool FillNodeDisk(const std::string& when) {
    Status truncated = CheckpointTruncate(db_);
    if (!report_.Check(truncated.ok(), when + ": " + truncated.message())) return false;
    auto filled = nodefs_.Fill();
    return report_.Check(filled.ok(), when + ": filling: " + filled.status().message());
  }
  // The error names the cause and the file.
  void CheckPrecise(const std::string& when, const std::string& err) {
    report_.Check(err.find("disk full at " + db_.string()) != std::string::npos,
                  when + ": the error does not say `disk full at " + db_.string() + "`: " + err);
  }
  // A backup onto the full disk: exit 1, the cause named, no file (or partial) left.
  void BackupOntoFullDisk(const std::string& when) {
    const fs::path out = nodefs_.dir() / "backup-while-full.db";
    test::RunResult r = Node({"backup", "--out", out.string()});
    report_.Check(
        r.exit_code == 1 && r.err.find("disk full at ") != std::string::npos,
        when + ": a backup onto the full disk: exit " + std::to_string(r.exit_code) + ": " + r.err);
    std::error_code ec;
    bool leftover = false;
    for (const auto& e : fs::directory_iterator(nodefs_.dir(), ec)) {
      leftover |= e.path().filename().string().rfind("backup-while-full", 0) == 0;
    }
    report_.Check(!leftover, when + ": the failed backup left a file behind");
    report_.Note("node_backup_error", r.err);
  }

  Report& report_;
  HubSite& site_;
  Tmpfs& hubfs_;
  Tmpfs& nodefs_;
  crash::TrustData data_;
  crash::OutboxLedger ledger_;
  fs::path config_, db_, files_, drop_;
  bool tolerate_drop_refusal_ = false;
  SignPublicKey signer_{};
  std::optional<db::Database> holder_;
  int cycle_ = 0;
};

bool NodeFaultRun::Baseline() {
  test::RunResult imported = Node(Files(data_.Write(cycle_++, files_, false)));
  if (!report_.Check(imported.exit_code == 0, "baseline import: " + imported.err)) return false;
  test::RunResult published = Node({"publish", "--wait", "20"});
  if (!report_.Check(published.exit_code == 0, "baseline publish: " + published.err)) return false;
  auto state = Observe("baseline");
  if (state) CheckHub("baseline", *state);
  return state.has_value();
}

void NodeFaultRun::HubFull() {
  const std::string when = "hub disk full";
  test::RunResult imported = Node(Files(data_.Write(cycle_++, files_, false)));
  report_.Check(imported.exit_code == 0, when + ": import: " + imported.err);
  Status truncated = CheckpointTruncate(site_.hub_db());
  report_.Check(truncated.ok(), when + ": " + truncated.message());
  auto filled = hubfs_.Fill();
  if (!report_.Check(filled.ok(), when + ": " + filled.status().message())) return;
  test::RunResult published = Node({"publish", "--wait", "3"});
  report_.Check(published.exit_code == 1, when + ": publish to a hub that cannot store exited " +
                                              std::to_string(published.exit_code) + ": " +
                                              published.out + published.err);
  report_.Note("publish_to_full_hub", published.err);
  // The hub answered (Nack internal); saying "no answer" would send the operator to the
  // network instead of the hub's disk.
  report_.Check(published.err.find("deferred them (internal:") != std::string::npos &&
                    published.err.find("no answer") == std::string::npos,
                when + ": publish did not pass on the hub's reason: " + published.err);
  auto state = Observe(when);
  if (state) {
    report_.Check(state->queued() > 0, when + ": nothing stayed queued");
    report_.Figure("queued_while_hub_full", static_cast<double>(state->queued()));
  }
  report_.Check(site_.running(), when + ": the hub died: " + site_.hub()->Stderr());
  hubfs_.Free();
  published = Node({"publish", "--wait", "20"});
  report_.Check(published.exit_code == 0,
                when + ": publish after space returned: " + published.err);
  state = Observe(when + ", recovered");
  if (state) {
    report_.Check(state->queued() == 0, when + ": still queued after space returned");
    CheckHub(when + ", recovered", *state);
  }
}

void NodeFaultRun::ImportFull() {
  const std::string when = "import on a full disk";
  auto before = Observe(when + ", before");
  std::vector<fs::path> files = data_.Write(cycle_++, files_, false);
  Hold(true);
  if (!FillNodeDisk(when)) return;
  report_.Figure("node_disk_free_bytes_when_full", static_cast<double>(nodefs_.FreeBytes()));
  test::RunResult r = Node(Files(files));
  report_.Check(r.exit_code == 1, when + ": exit " + std::to_string(r.exit_code) + ": " + r.err);
  CheckPrecise(when, r.err);
  report_.Check(r.err.find("nothing from it was stored") != std::string::npos &&
                    r.err.find("free space") != std::string::npos,
                when + ": the error does not say nothing was stored and what to do: " + r.err);
  report_.Note("import_error", r.err);
  BackupOntoFullDisk(when);
  auto after = Observe(when);
  if (before && after) {
    report_.Check(after->imported == before->imported &&
                      after->pending_projects == before->pending_projects &&
                      after->pending_learning == before->pending_learning &&
                      after->outbox.size() == before->outbox.size(),
                  when + ": node.db changed although the import failed");
  }
  nodefs_.Free();
  Hold(false);

  // Completely full with nothing holding node.db open: no -shm can be made, so even opening
  // it fails. The command must still say why.
  if (!FillNodeDisk(when + ", closed")) return;
  test::RunResult status = Node({"status", "--no-probe", "--json"});
  report_.Check(status.exit_code == 0 ||
                    (status.exit_code == 1 && status.err.find("disk full at") != std::string::npos),
                when + ": `status` on a full disk with node.db closed: exit " +
                    std::to_string(status.exit_code) + ": " + status.err);
  report_.Note("status_on_full_disk", status.exit_code == 0 ? "works" : status.err);
  nodefs_.Free();

  r = Node(Files(files));
  report_.Check(r.exit_code == 0, when + ": import after space returned: " + r.err);
}

void NodeFaultRun::PublishFull() {
  const std::string when = "publish on a full disk";
  auto before = Observe(when + ", before");
  report_.Check(before && before->pending_projects + before->pending_learning > 0,
                when + ": nothing pending to publish");
  Hold(true);
  if (!FillNodeDisk(when)) return;
  test::RunResult r = Node({"publish", "--wait", "5"});
  report_.Check(r.exit_code == 1, when + ": exit " + std::to_string(r.exit_code) + ": " + r.err);
  CheckPrecise(when, r.err);
  report_.Note("publish_error", r.err);
  auto after = Observe(when);
  if (before && after) {
    report_.Check(after->outbox.size() == before->outbox.size() &&
                      after->pending_projects == before->pending_projects &&
                      after->pending_learning == before->pending_learning,
                  when + ": something was queued or marked published although publish failed");
  }
  nodefs_.Free();
  Hold(false);
  r = Node({"publish", "--wait", "20"});
  report_.Check(r.exit_code == 0, when + ": publish after space returned: " + r.err);
  after = Observe(when + ", recovered");
  if (after) {
    report_.Check(after->queued() == 0 && after->pending_projects == 0,
                  when + ": not everything was published after space returned");
    CheckHub(when + ", recovered", *after);
  }
}

void NodeFaultRun::AckNotRecorded() {
  const std::string when = "run, Acks not recordable";
  // `run`, connected, with nothing queued yet (it queues dropped files only).
  test::Process node({NodeBin(), "--config", config_.string(), "run"}, site_.logs(), "node");
  std::this_thread::sleep_for(1s);
  auto rows = [&] {
    std::vector<crash::OutboxRow> out;
    if (auto state = crash::ReadNodeDb(db_, false); state.ok()) {
      for (const auto& row : state->outbox) {
        if (row.state == "queued") out.push_back(row);
      }
    }
    return out;
  };
  // The hub stops answering (SIGSTOP) while `run` sends and records its sends; the disk
  // fills; the hub goes on (SIGCONT) and its Acks arrive, which `run` cannot record. All
  // within the 2 s after which `run` drops a silent hub's connection (heartbeats) and would
  // resend instead: on a machine too loaded for that, the messages go through and it is tried
  // again with the next export, three times at most.
  const auto duplicates = [&] {
    double sum = 0;
    for (const char* kind : {"project-summary", "learning-item"}) {
      sum += site_
                 .Metric(std::string("lls_hub_messages_total{kind=\"") + kind +
                         "\",outcome=\"duplicate\"}")
                 .value_or(0);
    }
    return sum;
  };
  double duplicates_at_resume = 0;
  std::vector<MessageId> ids;
  bool ready = false;
  for (int attempt = 0; attempt < 3 && !ready; ++attempt) {
    test::RunResult imported = Node(Files(data_.Write(cycle_++, files_, false)));
    report_.Check(imported.exit_code == 0, when + ": import: " + imported.err);
    site_.hub()->Signal(SIGSTOP);
    const auto stopped_at = Steady::now();
    test::RunResult queued = Node({"publish", "--wait", "0"});  // queues, sends nothing
    const bool sent = WaitFor(
        1200ms,
        [&] {
          std::vector<crash::OutboxRow> q = rows();
          return !q.empty() &&
                 std::all_of(q.begin(), q.end(), [](const auto& r) { return r.attempts > 0; });
        },
        20ms);
    ids.clear();
    for (const auto& row : rows()) ids.push_back(row.id);
    ready = sent && FillNodeDisk(when);
    site_.hub()->Signal(SIGCONT);
    duplicates_at_resume = duplicates();
    report_.Figure("hub_paused_ms", static_cast<double>(MsSince(stopped_at)));
    report_.Check(queued.exit_code == 1 && !ids.empty(),
                  when + ": publish --wait 0 queued nothing: " + queued.err);
    if (!ready) {
      std::printf("disk_fault: the Ack window was missed (attempt %d); trying again\n",
                  attempt + 1);
      nodefs_.Free();
      WaitFor(
          30s, [&] { return rows().empty(); }, 200ms);
    }
  }
  if (!report_.Check(
          ready, when + ": lls-node run did not send within 1.2 s three times: " + node.Stderr())) {
    return;
  }
  report_.Figure("queued_for_run", static_cast<double>(ids.size()));

  // The hub stores each message (its disk has space) and acks it; the node cannot record it.
  const bool stored = WaitFor(
      20s, [&] { return HubHolds(ids) == static_cast<int64_t>(ids.size()); }, 100ms);
  report_.Check(stored, when + ": the hub did not store the node's messages within 20 s");
  // The first write `run` attempts now is the record of those Acks: its sends were recorded
  // before the disk filled, and the next ones wait for their backoff (5-10 s). A failure
  // with no duplicate at the hub yet (a resend would be one) is therefore the Acks'.
  const bool failed = WaitFor(
      10s, [&] { return !LinesWith(node.Stderr(), "disk full at " + db_.string()).empty(); }, 20ms);
  const double duplicates_at_failure = duplicates();
  report_.Check(failed, when + ": lls-node run never failed to record an Ack: " + node.Stderr());
  report_.Check(duplicates_at_failure == duplicates_at_resume,
                when + ": the first failure came with a resend, not with the Acks (" +
                    std::to_string(duplicates_at_failure - duplicates_at_resume) +
                    " duplicate(s) at the hub): the case was not exercised");
  // Two retries later (every 5 s) it is still up, has said it once, and lost nothing.
  std::this_thread::sleep_for(11s);
  report_.Check(node.running(), when + ": lls-node run exited on a full disk: " + node.Stderr());
  const std::vector<std::string> said = LinesWith(node.Stderr(), "disk full at " + db_.string());
  report_.Check(!said.empty() && said.front().find("retrying every") != std::string::npos,
                when + ": lls-node run did not say why it cannot go on: " + node.Stderr());
  report_.Check(said.size() == 1,
                when + ": lls-node run said it " + std::to_string(said.size()) + " times in 11 s");
  if (!said.empty())
    report_.Note("run_log_line", said.front().substr(said.front().find("lls-node")));
  {
    int64_t still = 0;
    for (const auto& row : rows()) {
      still += std::find(ids.begin(), ids.end(), row.id) != ids.end();
    }
    report_.Check(still == static_cast<int64_t>(ids.size()),
                  when + ": only " + std::to_string(still) + " of " + std::to_string(ids.size()) +
                      " messages still queued on the full disk");
  }
  Observe(when + ", during");
  const double duplicates_before = duplicates();

  nodefs_.Free();
  const auto freed = Steady::now();
  const bool drained = WaitFor(
      30s, [&] { return rows().empty(); }, 200ms);
  report_.Check(drained, when + ": the outbox did not drain within 30 s of space returning: " +
                             node.Stderr());
  report_.Figure("drained_after_space_returned_ms", static_cast<double>(MsSince(freed)));
  report_.Check(duplicates() > duplicates_before,
                when + ": the hub counted no duplicate: the resends were not absorbed as such");
  report_.Figure("duplicates_acked_after_space_returned", duplicates() - duplicates_before);
  report_.Figure("run_retry_lines",
                 static_cast<double>(LinesWith(node.Stderr(), "retrying every").size()));
  node.Signal(SIGTERM);
  std::optional<int> code = node.Wait(10s);
  report_.Check(code && *code == 0, when + ": lls-node run did not stop cleanly: " + node.Stderr());
  auto after = Observe(when + ", recovered");
  if (after) CheckHub(when + ", recovered", *after);
}

void NodeFaultRun::DropFull() {
  const std::string when = "drop folder on a full disk";
  test::Process node({NodeBin(), "--config", config_.string(), "run"}, site_.logs(), "node");
  std::this_thread::sleep_for(1s);  // it has opened node.db
  if (!FillNodeDisk(when)) return;
  // The export job drops its files (the drop folder is on another disk here, so they can be
  // written); the node cannot store what they hold until space returns.
  std::vector<fs::path> dropped = data_.Write(cycle_++, drop_, /*atomic=*/true);
  std::this_thread::sleep_for(2500ms);  // two scans
  report_.Check(node.running(), when + ": lls-node run exited: " + node.Stderr());
  std::vector<fs::path> refused;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(drop_ / "failed", ec)) {
    if (e.path().extension() != ".txt") refused.push_back(e.path());
  }
  // The file is not at fault: it must wait in the drop folder for the disk, not be refused.
  if (!refused.empty()) {
    const std::string refusal = "a full disk made `run` refuse " + std::to_string(refused.size()) +
                                " dropped file(s) as if they were bad (moved to failed/; they "
                                "are not imported when space returns): node/daemon.cpp "
                                "ImportDropped treats a storage fault as a problem of the file";
    if (tolerate_drop_refusal_) {
      std::printf("disk_fault: KNOWN ISSUE (tolerated): %s\n", refusal.c_str());
      report_.Figure("dropped_files_refused_on_full_disk", static_cast<double>(refused.size()));
      // Dropped again by hand, as an operator would once the disk has space.
      nodefs_.Free();
      for (const fs::path& f : refused) {
        const std::string name = f.filename().string();
        fs::rename(f, drop_ / name.substr(name.find('-') + 1), ec);
        fs::remove(f.string() + ".error.txt", ec);
      }
    } else {
      report_.Violation(when + ": " + refusal);
    }
  } else {
    report_.Check(true, when);
  }
  nodefs_.Free();
  const auto freed = Steady::now();
  const bool done = WaitFor(
      30s,
      [&] {
        auto state = crash::ReadNodeDb(db_, false);
        if (!state.ok() || state->queued() != 0) return false;
        for (const fs::path& f : dropped) {
          if (fs::exists(drop_ / f.filename()) ||
              !state->imported.contains(f.filename().string())) {
            return false;
          }
        }
        return true;
      },
      200ms);
  report_.Check(done, when +
                          ": the dropped files were not imported and published within 30 s "
                          "of space returning: " +
                          node.Stderr());
  report_.Figure("drop_published_after_space_returned_ms", static_cast<double>(MsSince(freed)));
  node.Signal(SIGTERM);
  std::optional<int> code = node.Wait(10s);
  report_.Check(code && *code == 0, when + ": lls-node run did not stop cleanly");
  auto after = Observe(when + ", recovered");
  if (after) CheckHub(when + ", recovered", *after);
}

void NodeFaultRun::Final() {
  auto state = Observe("final");
  if (!state) return;
  report_.Check(
      state->queued() == 0 && state->pending_projects == 0 && state->pending_learning == 0,
      "final: something is still queued or pending");
  db::OpenOptions options;
  options.create = false;
  auto hub = db::Database::Open(site_.hub_db(), options);
  if (!report_.Check(hub.ok(), "final: opening hub.db")) return;
  int64_t cells = 0;
  std::vector<std::string> v = crash::CheckFigures(*hub, {&data_}, node::SuppressionRule{}, &cells);
  for (const std::string& s : v) report_.Violation("final: figures: " + s);
  report_.Check(v.empty(), "final figures");
  report_.Figure("aggregate_cells_compared", static_cast<double>(cells));
  report_.Figure("outbox_messages", static_cast<double>(ledger_.size()));
}

}  // namespace

int RunNodeFaults(const NodeFaultOptions& o, Report& report) {
  const auto started = Steady::now();
  char templ[] = "/tmp/lls-disk-XXXXXX";
  if (::mkdtemp(templ) == nullptr) return 2;
  const fs::path dir = templ;
  fs::create_directories(dir / "logs");
  std::printf("disk_fault node: seed %llu, folder %s\n", static_cast<unsigned long long>(o.seed),
              dir.c_str());
  std::fflush(stdout);
  int exit_code = 0;
  {
    auto hubfs = Tmpfs::Mount(dir / "hub", 24u << 20);
    auto nodefs = Tmpfs::Mount(dir / "node", 24u << 20);
    if (!hubfs.ok() || !nodefs.ok()) {
      std::printf("disk_fault: SKIPPED node: cannot mount a tmpfs here: %s\n",
                  (hubfs.ok() ? nodefs.status() : hubfs.status()).message().c_str());
      return 77;
    }
    HubSite site;
    HubSiteOptions options;
    options.dir = dir;
    options.data = hubfs->dir();
    options.trusts = {"trust-0"};
    options.facilitator = false;
    options.subscribe = false;
    if (auto failed = HubSite::Setup(options, &site)) {
      std::fprintf(stderr, "disk_fault: setup failed: %s\n", failed->c_str());
      return 2;
    }
    if (std::string failed = site.Start(); !failed.empty()) {
      std::fprintf(stderr, "disk_fault: %s\n", failed.c_str());
      return 2;
    }
    NodeFaultRun run(report, site, *hubfs, *nodefs, o);
    if (run.Baseline()) {
      const std::pair<const char*, void (NodeFaultRun::*)()> steps[] = {
          {"hub disk full", &NodeFaultRun::HubFull},
          {"import on a full disk", &NodeFaultRun::ImportFull},
          {"publish on a full disk", &NodeFaultRun::PublishFull},
          {"run with Acks not recordable", &NodeFaultRun::AckNotRecorded},
          {"drop folder on a full disk", &NodeFaultRun::DropFull},
          {"final", &NodeFaultRun::Final}};
      for (const auto& [name, step] : steps) {
        (run.*step)();
        std::printf("%s: %d checks passed so far, %zu violation(s)\n", name, report.checks(),
                    report.violations().size());
        std::fflush(stdout);
      }
    }
    std::optional<int> stopped = site.Stop();
    report.Check(stopped && *stopped == 0, "the hub did not stop cleanly: " + site.HubLog());
    report.Figure("seconds", static_cast<double>(MsSince(started)) / 1000.0);
    exit_code = report.violations().empty() ? 0 : 1;
  }  // unmounted
  if (exit_code == 0 && !o.keep) fs::remove_all(dir);
  return exit_code;
}

}  // namespace lls::disk
