#include "node/daemon.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
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
// After handshakes that only broke off (ClientTransport::refusal_certain() false): perhaps the
// wrong hub key, perhaps the network; a fresh transport is tried again soon.
constexpr auto kRetryBroken = std::chrono::seconds(2);
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
    const auto wait = inbox_transport_->refusal_certain() ? kRetryRefused : kRetryBroken;
    log::Error("inbox: " + pumped.message() + "; retrying in " + std::to_string(wait.count()) +
               " s");
    inbox_.reset();
    inbox_transport_.reset();
    inbox_reconnect_at_ = SteadyClock::now() + wait;
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
        const auto wait = transport_->refusal_certain() ? kRetryRefused : kRetryBroken;
        log::Error(pumped.message() + "; retrying in " + std::to_string(wait.count()) + " s");
        publisher_.reset();
        transport_.reset();
        reconnect_at_ = SteadyClock::now() + wait;
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

namespace {

namespace fs = std::filesystem;

// What a drop-folder entry is, for the report of one that is not a regular file.
std::string WhatItIs(const struct stat& st, const fs::path& path) {
  if (S_ISLNK(st.st_mode)) {
    std::error_code ec;
    fs::path target = fs::read_symlink(path, ec);
    return ec ? "a symbolic link" : "a symbolic link (to " + target.string() + ")";
  }
  if (S_ISFIFO(st.st_mode)) return "a named pipe (FIFO)";
  if (S_ISSOCK(st.st_mode)) return "a socket";
  if (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode)) return "a device";
  return "not a regular file";
}

std::string TooLarge(uint64_t size) {
  return "the file is " + std::to_string(size) + " bytes; the limit is " +
         std::to_string(kMaxImportBytes) + " bytes (50 MiB)";
}

// Reads a dropped file, or says why it is refused. The folder is written by other users and
// programs, so nothing there is trusted: a symbolic link is refused, not followed (it would
// make the node read — and quote in its failure report — any file the node may read, its own
// secret key included, or import another folder's export as this trust's); FIFOs, sockets and
// devices are refused without being read (a FIFO would block the daemon). The type is checked
// on the name first, for a clear report, and again on the opened descriptor (O_NOFOLLOW), so a
// file swapped for a link in between is refused too. Over kMaxImportBytes is refused unread.
Result<std::string> ReadDropped(const fs::path& path) {
  const auto refuse = [](const std::string& what) {
    const bool link = what.starts_with("a symbolic link");
    return Status(Code::kInvalidArgument,
                  what + "; the drop folder takes regular files only" +
                      (link ? " (links are not followed: copy the file in)" : ""));
  };
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) {
    return Status(Code::kIoError, std::string("cannot read the file: ") + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return refuse(WhatItIs(st, path));
  const int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ELOOP) return refuse("a symbolic link");  // swapped in since the lstat
    return Status(Code::kIoError, std::string("cannot read the file: ") + std::strerror(errno));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return refuse("not a regular file");
  if (static_cast<uint64_t>(st.st_size) > kMaxImportBytes) {
    return Status(Code::kInvalidArgument, TooLarge(static_cast<uint64_t>(st.st_size)));
  }
  std::string text;
  char buffer[1 << 16];
  // At most one byte past the cap, in case the file grew since it was measured.
  while (text.size() <= kMaxImportBytes) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return Status(Code::kIoError, std::string("cannot read the file: ") + std::strerror(errno));
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  if (text.size() > kMaxImportBytes) {
    return Status(Code::kInvalidArgument, TooLarge(text.size()) + " (it grew while being read)");
  }
  return text;
}

// Creates `path` for a failure report, refusing to open anything already there (a link planted
// by someone who can write failed/ must not redirect the node's write).
bool WriteReport(const fs::path& path, const std::string& text) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  return ::close(fd) == 0 && ok;
}

}  // namespace

Status NodeDaemon::ScanDropFolder() {
  std::error_code ec;
  fs::create_directories(config_.drop.folder / "processed", ec);
  fs::create_directories(config_.drop.folder / "failed", ec);
  std::vector<fs::path> files;
  for (fs::directory_iterator it(config_.drop.folder, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    // Hidden and partial files (".name", "name.part", "name.tmp") may still be being written.
    if (name.starts_with(".") || name.ends_with(".part") || name.ends_with(".tmp")) continue;
    // The entry itself, never what a link points to. Folders (processed/, failed/ and any
    // other) are not entered; everything else is imported, or refused with a report.
    std::error_code type_ec;
    const fs::file_type type = it->symlink_status(type_ec).type();
    if (type_ec || type == fs::file_type::directory) continue;
    files.push_back(it->path());
  }
  if (ec) {
    return Status(Code::kIoError,
                  "cannot list " + config_.drop.folder.string() + ": " + ec.message());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) LLS_RETURN_IF_ERROR(ImportDropped(file));
  return Status::Ok();
}

Status NodeDaemon::ImportDropped(const std::filesystem::path& file) {
  std::string stamp = std::to_string(clock_.NowMs()) + "-";
  std::vector<ImportProblem> problems;
  Status stored = Status::Ok();
  Result<std::string> text = ReadDropped(file);
  Result<ImportFormat> format = FormatFromPath(file);
  if (!text.ok()) {
    problems.push_back({file.string(), 0, text.status().message()});
  } else if (!format.ok()) {
    problems.push_back({file.string(), 0, format.status().message()});
  } else {
    ImportResult parsed = ImportText(*text, file.string(), *format, BuiltInCatalogue());
    if (!parsed.ok()) {
      problems = parsed.error();
    } else {
      stored = store_->StoreImport(*parsed, file.filename().string(), clock_.NowMs(), &problems);
    }
  }
  if (problems.empty() && !stored.ok() && db::StorageFaultOf(stored) != db::StorageFault::kNone) {
    // Nothing is wrong with the file: node.db could not take it (disk full, I/O error). Leave
    // it in the drop folder so the next scan imports it once storage works again; moving it to
    // failed/ would drop a good export for good (found by tests/disk, node scenario).
    return Status(stored.code(), file.filename().string() + " left in the drop folder: " +
                                     stored.message());
  }
  if (!problems.empty() || !stored.ok()) {
    fs::path failed = config_.drop.folder / "failed" / (stamp + file.filename().string());
    const fs::path report_path = failed.string() + ".error.txt";
    std::string report;
    for (const ImportProblem& p : problems) report += p.ToString() + "\n";
    if (!stored.ok() && problems.empty()) report += stored.message() + "\n";
    if (!WriteReport(report_path, report)) {
      log::Error("cannot write " + report_path.string() + "; its problems: " + report);
    }
    std::error_code moved;
    fs::rename(file, failed, moved);  // moves a link or a FIFO itself, never what it names
    if (moved) {
      std::error_code ignored;
      fs::remove(report_path, ignored);  // tried again at the next scan, with a new report
      log::Error("refused " + file.filename().string() + " but cannot move it to " +
                 failed.string() + ": " + moved.message());
      return Status::Ok();
    }
    // One whole-file problem (a link, a FIFO, too large) is named in the log line itself.
    const std::string why = problems.size() == 1 && problems[0].line == 0
                                ? ": " + problems[0].reason
                                : " (" + std::to_string(problems.size()) + " problem(s))";
    log::Error("refused " + file.filename().string() + why + "; see " + report_path.string());
    return Status::Ok();
  }
  // Queue first, move the file last: a node killed in between finds the file still in the
  // drop folder and imports it again (the same figures: nothing new, or one identical
  // revision). Moving first would strand what the file brought as pending, never queued
  // (found by tests/crash/node_crash).
  log::Info("imported " + file.filename().string());
  LLS_RETURN_IF_ERROR(QueueDropped());
  std::error_code moved;
  fs::rename(file, config_.drop.folder / "processed" / (stamp + file.filename().string()), moved);
  if (moved) {
    log::Error("imported " + file.filename().string() + " but cannot move it to processed/: " +
               moved.message() + " (remove it, or it is imported again: the same figures)");
  }
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
