#include "node/daemon.h"

#include <algorithm>
#include <fstream>
#include <thread>

#include "exchange/catalogue.h"
#include "exchange/log.h"
#include "node/import.h"
#include "node/publication.h"

namespace lls::node {

namespace {
using SteadyClock = std::chrono::steady_clock;
constexpr auto kSlice = std::chrono::milliseconds(200);
constexpr auto kRetryRefused = std::chrono::seconds(60);
}  // namespace

NodeDaemon::NodeDaemon(NodeConfig config, crypto::Identity identity, crypto::PublicIdentity hub,
                       std::unique_ptr<NodeStore> store, Scrubber scrubber, const Clock& clock)
    : config_(std::move(config)),
      identity_(std::move(identity)),
      hub_(std::move(hub)),
      store_(std::move(store)),
      scrubber_(std::move(scrubber)),
      clock_(clock) {}

NodeDaemon::~NodeDaemon() = default;

Status NodeDaemon::EnsureConnected() {
  if (transport_ || SteadyClock::now() < reconnect_at_) return Status::Ok();
  transport::ClientOptions options;
  options.endpoint = config_.hub_endpoint;
  options.server_key = hub_.curve;
  LLS_ASSIGN_OR_RETURN(transport_, transport::ClientTransport::Connect(identity_, options));
  publisher_ = std::make_unique<Publisher>(store_->outbox(), *transport_, clock_);
  return Status::Ok();
}

Status NodeDaemon::PumpInbox() {
  if (!inbox_) {
    if (SteadyClock::now() < inbox_reconnect_at_) return Status::Ok();
    transport::ClientOptions options;
    options.endpoint = config_.hub_subscribe_endpoint;
    options.server_key = hub_.curve;
    options.max_message_bytes = kMaxReplyBytes;
    LLS_ASSIGN_OR_RETURN(inbox_transport_, transport::ClientTransport::Connect(identity_, options));
    InboxOptions inbox_options;
    inbox_options.hub_signer = hub_.sign;  // relays must come from this node's own hub
    inbox_ = std::make_unique<InboxClient>(*store_, *inbox_transport_, clock_, inbox_options);
  }
  InboxReport report;
  // No waiting here: the hub holds the request (long-poll) and the loop comes back within a
  // slice; replies that arrived meanwhile are read now.
  Status pumped = inbox_->Pump(std::chrono::milliseconds(0), report);
  for (const std::string& problem : report.problems) log::Warn("inbox: " + problem);
  if (pumped.code() == Code::kUnauthenticated) {
    log::Error("inbox: " + pumped.message() + "; retrying in " +
               std::to_string(kRetryRefused.count()) + " s");
    inbox_.reset();
    inbox_transport_.reset();
    inbox_reconnect_at_ = SteadyClock::now() + kRetryRefused;
    return Status::Ok();
  }
  LLS_RETURN_IF_ERROR(pumped);
  if (report.stored > 0) {
    log::Info("inbox: " + std::to_string(report.stored) + " new message(s), up to hub sequence " +
              std::to_string(report.next_seq - 1));
  }
  return Status::Ok();
}

Status NodeDaemon::Run(const std::atomic<bool>& stop) {
  log::Info("node for " + config_.organisation + " publishing to " + config_.hub_endpoint +
            (config_.hub_subscribe_endpoint.empty()
                 ? ""
                 : "; receiving from " + config_.hub_subscribe_endpoint) +
            (config_.drop.folder.empty() ? "" : "; watching " + config_.drop.folder.string()));
  PublishReport report;
  while (!stop.load()) {
    LLS_RETURN_IF_ERROR(EnsureConnected());
    if (publisher_) {
      Status pumped = publisher_->Pump(kSlice, /*ignore_backoff=*/false, report);
      if (pumped.code() == Code::kUnauthenticated) {
        log::Error(pumped.message() + "; retrying in " +
                   std::to_string(kRetryRefused.count()) + " s");
        publisher_.reset();
        transport_.reset();
        reconnect_at_ = SteadyClock::now() + kRetryRefused;
      } else if (!pumped.ok()) {
        return pumped;  // a database error: stop rather than lose track
      }
      for (const std::string& r : report.rejections) log::Warn(r);
      report.rejections.clear();
    } else {
      std::this_thread::sleep_for(kSlice);
    }
    if (!config_.hub_subscribe_endpoint.empty()) {
      Status inbox = PumpInbox();
      if (!inbox.ok()) return inbox;  // a database error: stop rather than lose track
    }
    if (!config_.drop.folder.empty() && SteadyClock::now() >= next_drop_scan_) {
      next_drop_scan_ = SteadyClock::now() + std::chrono::seconds(config_.drop.poll_seconds);
      Status scanned = ScanDropFolder();
      if (!scanned.ok()) log::Error("drop folder: " + scanned.message());
    }
  }
  log::Info("stopping; unsent messages stay in the outbox");
  return Status::Ok();
}

Status NodeDaemon::ScanDropFolder() {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(config_.drop.folder / "processed", ec);
  fs::create_directories(config_.drop.folder / "failed", ec);
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(config_.drop.folder, ec)) {
    std::string name = entry.path().filename().string();
    // Hidden and partial files (".name", "name.part", "name.tmp") may still be being written.
    if (!entry.is_regular_file() || name.starts_with(".") || name.ends_with(".part") ||
        name.ends_with(".tmp")) {
      continue;
    }
    files.push_back(entry.path());
  }
  if (ec) return Status(Code::kIoError, "cannot list " + config_.drop.folder.string());
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) LLS_RETURN_IF_ERROR(ImportDropped(file));
  return Status::Ok();
}

Status NodeDaemon::ImportDropped(const std::filesystem::path& file) {
  namespace fs = std::filesystem;
  std::string stamp = std::to_string(clock_.NowMs()) + "-";
  std::vector<ImportProblem> problems;
  ImportResult parsed = ImportFile(file, BuiltInCatalogue());
  Status stored = Status::Ok();
  if (!parsed.ok()) {
    problems = parsed.error();
  } else {
    stored = store_->StoreImport(*parsed, file.filename().string(), clock_.NowMs(), &problems);
  }
  if (!problems.empty() || !stored.ok()) {
    fs::path failed = config_.drop.folder / "failed" / (stamp + file.filename().string());
    std::ofstream report(failed.string() + ".error.txt");
    for (const ImportProblem& p : problems) report << p.ToString() << "\n";
    if (!stored.ok() && problems.empty()) report << stored.message() << "\n";
    fs::rename(file, failed);
    log::Error("refused " + file.filename().string() + " (" + std::to_string(problems.size()) +
               " problem(s)); see " + failed.string() + ".error.txt");
    return Status::Ok();
  }
  // Queue first, move the file last: a node killed in between finds the file still in the
  // drop folder and imports it again (the same figures: nothing new, or one identical
  // revision). Moving first would strand what the file brought as pending, never queued
  // (found by tests/crash/node_crash).
  log::Info("imported " + file.filename().string());
  LLS_RETURN_IF_ERROR(QueueDropped());
  fs::rename(file, config_.drop.folder / "processed" / (stamp + file.filename().string()));
  return Status::Ok();
}

Status NodeDaemon::QueueDropped() {
  if (!config_.drop.publish) return Status::Ok();
  PublicationOptions options{config_.organisation, config_.disclosure, config_.drop.redact};
  LLS_ASSIGN_OR_RETURN(std::vector<Outgoing> outgoing,
                       BuildPending(*store_, identity_, scrubber_, options));
  if (outgoing.empty()) return Status::Ok();
  if (size_t findings = CountFindings(outgoing); findings > 0 && !config_.drop.redact) {
    log::Error("not publishing: " + std::to_string(findings) +
               " possible identifier(s) in the text; see `lls-node preview`, fix the source, "
               "or set drop.redact = true");
    return Status::Ok();
  }
  LLS_ASSIGN_OR_RETURN(std::vector<Envelope> queued,
                       QueueAll(*store_, identity_, outgoing, clock_.NowMs()));
  log::Info("queued " + std::to_string(queued.size()) + " message(s) for the hub");
  return Status::Ok();
}

}  // namespace lls::node
