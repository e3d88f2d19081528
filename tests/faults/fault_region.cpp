#include "tests/faults/fault_region.h"

#include <signal.h>
#include <stdlib.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

namespace lls::faults {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string ReadLine(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  return line;
}

int PortOf(const std::string& endpoint) {
  const size_t colon = endpoint.rfind(':');
  if (colon == std::string::npos) return 0;
  return std::atoi(endpoint.c_str() + colon + 1);
}

void WriteAtomically(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";  // the drop folder skips .tmp files
  std::ofstream(tmp, std::ios::binary) << text;
  fs::rename(tmp, path);
}

}  // namespace

void FaultRegion::Call(const std::vector<std::string>& argv) {
  test::RunResult r = test::Run(argv, logs_, 30s);
  if (r.exit_code != 0) {
    throw std::runtime_error(argv[0] + " " + argv[1] + " " + argv[2] + " failed: " + r.err);
  }
}

std::unique_ptr<test::Process> FaultRegion::StartHub(const std::string& name, int* port) {
  const fs::path endpoint_file = dir_ / name / "ingest.endpoint";
  fs::remove(endpoint_file);
  auto hub = std::make_unique<test::Process>(
      std::vector<std::string>{programs_.hub, "--config", (dir_ / (name + ".toml")).string(),
                               "run"},
      logs_, name);
  const auto until = std::chrono::steady_clock::now() + 15s;
  while (!fs::exists(endpoint_file)) {
    if (!hub->running() || std::chrono::steady_clock::now() > until) {
      throw std::runtime_error("hub " + name + " did not start: " + hub->Stderr());
    }
    std::this_thread::sleep_for(5ms);
  }
  std::this_thread::sleep_for(20ms);  // the file is written whole, but give it a moment
  *port = PortOf(ReadLine(endpoint_file));
  if (*port == 0)
    throw std::runtime_error("hub " + name + ": no port in " + endpoint_file.string());
  return hub;
}

FaultRegion::FaultRegion(int nodes, uint64_t seed, Programs programs)
    : programs_(std::move(programs)) {
  char templ[] = "/tmp/lls-faults-XXXXXX";
  if (mkdtemp(templ) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = templ;
  logs_ = dir_ / "logs";
  keys_ = dir_ / "keys";
  fs::create_directories(logs_);
  for (const std::string name : {"national", "lls"}) {
    Call({programs_.lls, "keygen", "--name", name, "--out", keys_.string()});
  }
  auto hub_toml = [&](const std::string& name, const std::string& extra) {
    std::ofstream(dir_ / (name + ".toml"))
        << "[hub]\nname = \"" << name << "\"\nkey = \"" << (keys_ / (name + ".secret")).string()
        << "\"\ndata_dir = \"" << (dir_ / name).string()
        << "\"\n[ingest]\nendpoint = \"tcp://127.0.0.1:*\"\n[subscribe]\nendpoint = \"\"\n"
           "[dashboard]\nenabled = false\n"
        << extra;
  };
  hub_toml("national", "");
  // The LLS hub enrolled at the national hub as a hub of its own LLS, as operators do.
  Call({programs_.hub, "--config", (dir_ / "national.toml").string(), "members", "enrol", "--key",
        (keys_ / "lls.public").string(), "--org", "LLS-lls", "--role", "hub", "--lls", "lls"});
  int national_port = 0;
  national_ = StartHub("national", &national_port);
  federation_link_ = FaultProxy::Start(national_port, seed ^ 0xfede7a7e).value();

  // auto_approve: every learning item is approved on arrival and relayed; the ones scoped
  // `national` go up the federation link with the aggregates.
  hub_toml("lls", "[curation]\nauto_approve = true\n[parent]\nendpoint = \"" +
                      federation_link_->endpoint() + "\"\npublic_key = \"" +
                      (keys_ / "national.public").string() + "\"\n");
  auto lls_public = crypto::LoadPublicKeyFile(keys_ / "lls.public");
  if (!lls_public.ok()) throw std::runtime_error(lls_public.status().message());
  lls_signer_ = lls_public->sign;

  for (int i = 0; i < nodes; ++i) {
    FaultNode n;
    n.name = "trust-" + std::to_string(i);
    n.config = dir_ / ("node-" + std::to_string(i) + ".toml");
    n.db = dir_ / ("node-" + std::to_string(i)) / "node.db";
    n.drop = dir_ / ("drop-" + std::to_string(i));
    fs::create_directories(n.drop);
    Call({programs_.lls, "keygen", "--name", n.name, "--out", keys_.string()});
    Call({programs_.hub, "--config", (dir_ / "lls.toml").string(), "members", "enrol", "--key",
          (keys_ / (n.name + ".public")).string(), "--org", "RX" + std::to_string(i), "--role",
          "trust"});
    auto pub = crypto::LoadPublicKeyFile(keys_ / (n.name + ".public"));
    if (!pub.ok()) throw std::runtime_error(pub.status().message());
    n.signer = pub->sign;
    nodes_.push_back(std::move(n));
  }
  int lls_port = 0;
  lls_ = StartHub("lls", &lls_port);
  nodes_link_ = FaultProxy::Start(lls_port, seed ^ 0x40de5).value();

  for (size_t i = 0; i < nodes_.size(); ++i) {
    FaultNode& n = nodes_[i];
    // Node 0: the default backoff (no [outbox] table); the others the crash harness's short one.
    const std::string outbox =
        i == 0 ? "" : "[outbox]\nbackoff_base_ms = 50\nbackoff_max_seconds = 1\n";
    std::ofstream(n.config) << "[node]\norganisation = \"RX" << i << "\"\nkey = \""
                            << (keys_ / (n.name + ".secret")).string() << "\"\ndata_dir = \""
                            << n.db.parent_path().string() << "\"\n[hub]\nendpoint = \""
                            << nodes_link_->endpoint() << "\"\npublic_key = \""
                            << (keys_ / "lls.public").string() << "\"\n"
                            << outbox << "[drop]\nfolder = \"" << n.drop.string()
                            << "\"\npoll_seconds = 1\n";
    n.process = std::make_unique<test::Process>(
        std::vector<std::string>{programs_.node, "--config", n.config.string(), "run"}, logs_,
        n.name);
  }
}

FaultRegion::~FaultRegion() {
  for (FaultNode& n : nodes_) n.process.reset();  // SIGKILL if still running
  nodes_link_.reset();
  lls_.reset();
  federation_link_.reset();
  national_.reset();
  if (!keep_) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

std::vector<std::string> FaultRegion::StopAll() {
  std::vector<std::string> problems;
  auto stop = [&](test::Process& p, const std::string& label) {
    p.Signal(SIGTERM);
    std::optional<int> code = p.Wait(10s);
    if (!code || *code != 0) {
      std::string err = p.Stderr();
      if (err.size() > 800) err = "..." + err.substr(err.size() - 800);
      problems.push_back(label + " did not exit 0 within 10 s of SIGTERM (" +
                         (code ? "exit " + std::to_string(*code) : std::string("still running")) +
                         "): " + err);
    }
  };
  for (FaultNode& n : nodes_) stop(*n.process, "lls-node run (" + n.name + ")");
  stop(*lls_, "the LLS hub");
  stop(*national_, "the national hub");
  return problems;
}

Feeder::Feeder(std::vector<FaultNode>& nodes, uint64_t seed) : nodes_(nodes) {
  std::mt19937_64 seeds(seed);
  for (size_t i = 0; i < nodes.size(); ++i) {
    data_.push_back(std::make_unique<crash::TrustData>(seeds()));
    cycles_.push_back(0);
  }
}

void Feeder::Feed(size_t i) {
  std::lock_guard<std::mutex> lock(mu_);
  const int cycle = cycles_[i]++;
  std::vector<fs::path> written = data_[i]->Write(cycle, nodes_[i].drop, /*atomic=*/true);
  files_ += static_cast<int64_t>(written.size());
  if (cycle % 2 == 1) {
    // National learning: named after the cycle so it imports after the cycle's counts.
    char name[40];
    std::snprintf(name, sizeof name, "c%04d-4-national.md", cycle);
    WriteAtomically(nodes_[i].drop / name,
                    "---\nid: N-" + std::to_string(cycle) +
                        "\ntitle: Shared learning for the region\nkind: excellence\n"
                        "area: smoke-free-pregnancy\ntags: [national]\nscope: national\n---\n"
                        "The team met weekly to review the run chart.\n");
    ++files_;
  }
}

void Feeder::FeedAll() {
  for (size_t i = 0; i < nodes_.size(); ++i) Feed(i);
}

std::vector<const crash::TrustData*> Feeder::trusts() const {
  std::vector<const crash::TrustData*> out;
  for (const auto& d : data_) out.push_back(d.get());
  return out;
}

int64_t Feeder::files() const {
  std::lock_guard<std::mutex> lock(mu_);
  return files_;
}

}  // namespace lls::faults
