#include "tools/bench/hub_rig.h"

#include <fstream>
#include <sstream>
#include <thread>

#include "exchange/clock.h"
#include "hub/hub_store.h"

namespace lls::bench {

namespace {

std::string Numbered(const std::string& stem, size_t i) {
  std::string n = std::to_string(i + 1);
  return stem + "-" + std::string(n.size() < 4 ? 4 - n.size() : 0, '0') + n;
}

// The first line of `path`, once the file exists and holds one; "" if not (yet).
std::string FirstLine(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return "";
  return line;
}

}  // namespace

Result<std::unique_ptr<HubRig>> HubRig::Create(const std::filesystem::path& folder,
                                               const HubRigOptions& options) {
  std::unique_ptr<HubRig> rig(new HubRig());
  rig->folder_ = folder;
  rig->options_ = options;
  std::error_code ec;
  std::filesystem::create_directories(folder / "keys", ec);
  if (ec) return Status(Code::kIoError, "cannot create " + folder.string() + ": " + ec.message());

  LLS_ASSIGN_OR_RETURN(crypto::Identity hub, crypto::Identity::Generate(options.name));
  LLS_RETURN_IF_ERROR(crypto::WriteKeyFiles(hub, folder / "keys"));
  rig->hub_key_ = hub.public_identity();

  LLS_ASSIGN_OR_RETURN(hub::HubStore store, hub::HubStore::Open(rig->database()));
  const int64_t now = SystemClock().NowMs();
  // One transaction for all enrolments: 5,000 separate fsyncs would take most of a minute.
  LLS_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Begin(store.database()));
  auto enrol = [&](const std::string& stem, size_t count, hub::Role role,
                   std::vector<crypto::Identity>& into) -> Status {
    for (size_t i = 0; i < count; ++i) {
      LLS_ASSIGN_OR_RETURN(crypto::Identity id, crypto::Identity::Generate(Numbered(stem, i)));
      hub::EnrolRequest request;
      request.keys = id.public_identity();
      // An ODS-like code per member: aggregates and the dashboard group by organisation.
      request.organisation = "B" + std::to_string(10000 + into.size() + (stem == "trust" ? 0 : 50000));
      request.display_name = id.name();
      request.role = role;
      request.lls = options.name;
      request.actor = "lls-bench";
      LLS_RETURN_IF_ERROR(store.Enrol(request, now).status());
      into.push_back(std::move(id));
    }
    return Status::Ok();
  };
  LLS_RETURN_IF_ERROR(enrol("trust", options.trusts, hub::Role::kTrust, rig->trusts_));
  LLS_RETURN_IF_ERROR(
      enrol("facilitator", options.facilitators, hub::Role::kFacilitator, rig->facilitators_));
  LLS_RETURN_IF_ERROR(tx.Commit());

  std::ofstream toml(rig->config());
  toml << "[hub]\nname = \"" << options.name << "\"\nkey = \"keys/" << options.name
       << ".secret\"\ndata_dir = \".\"\n"
       << "[ingest]\nendpoint = \"tcp://127.0.0.1:*\"\n"
       << "[subscribe]\nendpoint = \"" << (options.subscribe ? "tcp://127.0.0.1:*" : "")
       << "\"\n"
       << "[dashboard]\nenabled = " << (options.dashboard ? "true" : "false")
       << "\naddress = \"127.0.0.1\"\nport = 0\n"
       << options.extra_toml;
  toml.close();
  if (!toml) return Status(Code::kIoError, "cannot write " + rig->config().string());
  return rig;
}

Status HubRig::Start(const std::filesystem::path& hub_program, std::chrono::milliseconds timeout) {
  for (const char* file : {"ingest.endpoint", "subscribe.endpoint", "dashboard.url"}) {
    std::error_code ec;
    std::filesystem::remove(folder_ / file, ec);
  }
  LLS_ASSIGN_OR_RETURN(ChildProcess child,
                       ChildProcess::Start({hub_program.string(), "--config",
                                            config().string(), "run"},
                                           folder_ / "hub.log"));
  child_.emplace(std::move(child));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    // The hub writes subscribe.endpoint before ingest.endpoint, and the dashboard's URL before
    // it serves: ingest.endpoint is "up" (hub/hub_server.cpp).
    endpoint_ = FirstLine(folder_ / "ingest.endpoint");
    if (!endpoint_.empty() && (!options_.dashboard || !FirstLine(folder_ / "dashboard.url").empty())) {
      break;
    }
    if (!child_->running()) {
      return Status(Code::kUnavailable, "lls-hub exited at start-up; see " +
                                            (folder_ / "hub.log").string());
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status(Code::kUnavailable, "lls-hub did not start in time; see " +
                                            (folder_ / "hub.log").string());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  subscribe_endpoint_ = FirstLine(folder_ / "subscribe.endpoint");
  dashboard_url_ = FirstLine(folder_ / "dashboard.url");
  return Status::Ok();
}

Status HubRig::Stop() {
  if (!child_) return Status::Ok();
  std::optional<int> code = child_->Stop(std::chrono::seconds(30));
  child_.reset();
  if (code != 0) {
    return Status(Code::kInternal, "lls-hub did not stop cleanly; see " +
                                       (folder_ / "hub.log").string());
  }
  return Status::Ok();
}

}  // namespace lls::bench
