#include "tests/hostile/hostile_region.h"

#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

#include "exchange/sqlite.h"
#include "tests/support/support.h"

namespace lls::hostile {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string Trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

Status CommandFailed(const std::vector<std::string>& argv, const test::RunResult& r) {
  std::string line;
  for (const std::string& a : argv) line += (line.empty() ? "" : " ") + a;
  return Status(Code::kInternal, line + " exited " + std::to_string(r.exit_code) +
                                     (r.timed_out ? " (timed out)" : "") + ": " + r.err);
}

// A read-only connection: the hub may be writing (WAL lets a reader in beside it).
Result<db::Database> OpenReadOnly(const fs::path& path) {
  db::OpenOptions options;
  options.create = false;
  return db::Database::Open(path, options);
}

}  // namespace

Result<std::unique_ptr<Region>> Region::Create(const RegionOptions& options) {
  std::unique_ptr<Region> r(new Region());
  std::string templ = (fs::temp_directory_path() / (options.prefix + "-XXXXXX")).string();
  if (::mkdtemp(templ.data()) == nullptr) return Status(Code::kIoError, "mkdtemp " + templ);
  r->dir_ = templ;
  r->keep_ = options.keep || std::getenv("LLS_KEEP_TEST_DIRS") != nullptr;
  r->logs_ = r->dir_ / "logs";
  fs::create_directories(r->logs_);
  r->port_ = test::FreeLoopbackPort();
  r->endpoint_ = "tcp://127.0.0.1:" + std::to_string(r->port_);
  LLS_RETURN_IF_ERROR(r->Keygen("hub"));
  LLS_ASSIGN_OR_RETURN(r->hub_key_, r->LoadPublic("hub"));
  std::ofstream config(r->hub_config());
  config << "[hub]\nname = \"lls-hostile\"\nkey = \"keys/hub.secret\"\ndata_dir = \"hub\"\n"
         << "[ingest]\nendpoint = \"" << r->endpoint_ << "\"\n"
         << "[subscribe]\nendpoint = \"" << (options.subscribe ? "tcp://127.0.0.1:*" : "") << "\"\n"
         << (options.dashboard ? "[dashboard]\nport = 0\n" : "[dashboard]\nenabled = false\n");
  if (!config.flush()) return Status(Code::kIoError, "cannot write " + r->hub_config().string());
  return r;
}

Region::~Region() {
  if (hub_ && hub_->running()) {
    hub_->Signal(SIGTERM);
    if (!hub_->Wait(5s)) hub_->Signal(SIGKILL);
    hub_->Wait(5s);
  }
  hub_.reset();
  if (!keep_ && !dir_.empty()) {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
}

Status Region::Keygen(const std::string& name) {
  std::vector<std::string> argv = {LLS_TOOL_BIN, "keygen", "--name",
                                   name,         "--out",  (dir_ / "keys").string()};
  test::RunResult r = test::Run(argv, logs_);
  if (r.exit_code != 0) return CommandFailed(argv, r);
  return Status::Ok();
}

Status Region::Enrol(const std::string& name, const std::string& organisation,
                     const std::string& role) {
  std::vector<std::string> args = {
      "members", "enrol",      "--key",  key(name + ".public").string(),
      "--org",   organisation, "--role", role};
  test::RunResult r = HubCommand(args);
  if (r.exit_code != 0) return CommandFailed(args, r);
  return Status::Ok();
}

Status Region::AddMember(const std::string& name, const std::string& organisation,
                         const std::string& role) {
  LLS_RETURN_IF_ERROR(Keygen(name));
  return Enrol(name, organisation, role);
}

test::RunResult Region::HubCommand(std::vector<std::string> args,
                                   std::chrono::milliseconds timeout) {
  args.insert(args.begin(), {LLS_HUB_BIN, "--config", hub_config().string()});
  return test::Run(args, logs_, timeout);
}

Status Region::StartHub() {
  if (hub_ && hub_->running()) return Status(Code::kInternal, "the hub is already running");
  const fs::path endpoint_file = dir_ / "hub" / "ingest.endpoint";
  std::error_code ignored;
  fs::remove(endpoint_file, ignored);
  hub_ = std::make_unique<test::Process>(
      std::vector<std::string>{LLS_HUB_BIN, "--config", hub_config().string(), "run"}, logs_,
      "hub");
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!fs::exists(endpoint_file)) {
    if (!hub_->running()) return Status(Code::kInternal, "the hub exited: " + hub_->Stderr());
    if (std::chrono::steady_clock::now() > deadline) {
      return Status(Code::kUnavailable, "the hub did not start within 10 s: " + hub_->Stderr());
    }
    std::this_thread::sleep_for(5ms);
  }
  return Status::Ok();
}

Result<int> Region::StopHub() {
  if (!hub_) return Status(Code::kInternal, "no hub was started");
  hub_->Signal(SIGTERM);
  std::optional<int> code = hub_->Wait(10s);
  if (!code) {
    hub_->Signal(SIGKILL);
    hub_->Wait(5s);
    return Status(Code::kUnavailable, "the hub did not stop within 10 s of SIGTERM");
  }
  return *code;
}

bool Region::hub_running() { return hub_ && hub_->running(); }

std::string Region::HubStderr() const { return hub_ ? hub_->Stderr() : ""; }

Result<crypto::Identity> Region::LoadIdentity(const std::string& name) const {
  return crypto::LoadSecretKeyFile(key(name + ".secret"));
}

Result<crypto::PublicIdentity> Region::LoadPublic(const std::string& name) const {
  return crypto::LoadPublicKeyFile(key(name + ".public"));
}

transport::ClientOptions Region::IngestClient() const {
  transport::ClientOptions options;
  options.endpoint = endpoint_;
  options.server_key = hub_key_.curve;
  return options;
}

std::string Region::subscribe_endpoint() const {
  return Trimmed(test::ReadText(dir_ / "hub" / "subscribe.endpoint"));
}

std::string Region::dashboard_url() const {
  return Trimmed(test::ReadText(dir_ / "hub" / "dashboard.url"));
}

Result<std::vector<LogRow>> Region::ReadLog() const {
  LLS_ASSIGN_OR_RETURN(db::Database db, OpenReadOnly(hub_db()));
  LLS_ASSIGN_OR_RETURN(
      db::Statement select,
      db.Prepare("SELECT l.hub_seq, l.message_id, COALESCE(m.name, ''), l.sequence, "
                 "l.received_at FROM log l LEFT JOIN members m ON m.id = l.member_id "
                 "ORDER BY l.hub_seq"));
  std::vector<LogRow> rows;
  for (;;) {
    LLS_ASSIGN_OR_RETURN(bool more, select.Step());
    if (!more) break;
    LogRow row;
    row.hub_seq = static_cast<uint64_t>(select.ColumnInt(0));
    std::vector<uint8_t> id = select.ColumnBlob(1);
    std::copy_n(id.begin(), std::min(id.size(), row.id.size()), row.id.begin());
    row.member = select.ColumnText(2);
    row.sequence = static_cast<uint64_t>(select.ColumnInt(3));
    row.received_at_ms = select.ColumnInt(4);
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<std::optional<int64_t>> Region::RevokedAt(const std::string& name) const {
  LLS_ASSIGN_OR_RETURN(db::Database db, OpenReadOnly(hub_db()));
  LLS_ASSIGN_OR_RETURN(db::Statement select,
                       db.Prepare("SELECT revoked_at FROM members WHERE name = ?"));
  select.Bind(1, name);
  LLS_ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return Status(Code::kNotFound, "no member named " + name);
  if (select.ColumnIsNull(0)) return std::optional<int64_t>();
  return std::optional<int64_t>(select.ColumnInt(0));
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  // Nearest rank: the smallest value with at least p% of the values at or below it.
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  rank = std::clamp<size_t>(rank, 1, values.size());
  return values[rank - 1];
}

Result<uint64_t> RaiseFileLimit(uint64_t wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return Status(Code::kInternal, "getrlimit");
  const rlim_t target = std::min<rlim_t>(static_cast<rlim_t>(wanted), limit.rlim_max);
  if (limit.rlim_cur < target) {
    limit.rlim_cur = target;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) return Status(Code::kInternal, "setrlimit");
  }
  return static_cast<uint64_t>(limit.rlim_cur);
}

int CountOpenFds(int pid) {
  std::error_code ec;
  int n = 0;
  for (fs::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++n;
  }
  return ec ? -1 : n;
}

bool PinThisThread(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof set, &set) == 0;
}

bool PinProcess(int pid, int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  std::error_code ec;
  bool all = true;
  for (fs::directory_iterator it("/proc/" + std::to_string(pid) + "/task", ec), end;
       !ec && it != end; it.increment(ec)) {
    const int tid = std::stoi(it->path().filename().string());
    all = sched_setaffinity(tid, sizeof set, &set) == 0 && all;
  }
  return !ec && all;
}

}  // namespace lls::hostile
