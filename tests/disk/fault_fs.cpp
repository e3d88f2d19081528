#include "tests/disk/fault_fs.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>
#include <vector>

#include "exchange/sqlite.h"
#include "tests/support/process.h"

namespace lls::disk {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// Runs a system tool; its output is kept in `log_dir` and quoted on failure.
Status Tool(const std::vector<std::string>& argv, const fs::path& log_dir) {
  test::RunResult r = test::Run(argv, log_dir, 60s);
  if (r.exit_code == 0) return Status::Ok();
  std::string text = r.err.empty() ? r.out : r.err;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return Status(Code::kIoError, argv[0] + " failed (exit " + std::to_string(r.exit_code) +
                                    (r.timed_out ? ", timed out" : "") + "): " + text);
}

// Unmounts `dir`; if something still holds it, detaches it lazily so that it is gone from
// the tree at once and freed when the last user lets go.
void Unmount(const fs::path& dir) {
  if (::umount2(dir.c_str(), 0) != 0 && errno != EINVAL && errno != ENOENT) {
    ::umount2(dir.c_str(), MNT_DETACH);
  }
}

}  // namespace

std::string EnterPrivateMountNamespace() {
  if (::unshare(CLONE_NEWNS) != 0) return Errno("unshare(CLONE_NEWNS)");
  // Without this, mounts made here would propagate back to the host's namespace.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return Errno("making / private");
  }
  return "";
}

// --- Tmpfs -------------------------------------------------------------------------------------

Result<Tmpfs> Tmpfs::Mount(const fs::path& dir, uint64_t bytes) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  const std::string options = "size=" + std::to_string(bytes) + ",mode=0755";
  if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) != 0) {
    return Status(errno == EPERM || errno == EACCES ? Code::kPermissionDenied : Code::kIoError,
                  Errno("mount -t tmpfs -o " + options + " tmpfs " + dir.string()));
  }
  return Tmpfs(dir);
}

Tmpfs::Tmpfs(Tmpfs&& other) noexcept : dir_(std::exchange(other.dir_, {})) {}

Tmpfs::~Tmpfs() {
  if (!dir_.empty()) Unmount(dir_);
}

Result<uint64_t> Tmpfs::Fill() {
  const fs::path ballast = dir_ / "ballast";
  int fd = ::open(ballast.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    // Already so full that not even the file can be made: that is full too.
    if (errno == ENOSPC) return uint64_t{0};
    return Status(Code::kIoError, Errno("creating " + ballast.string()));
  }
  uint64_t written = 0;
  // Big chunks first, then single bytes: the last page a tmpfs has is taken too.
  std::vector<char> chunk(1 << 20, 'b');
  for (size_t size : {size_t{1} << 20, size_t{4096}, size_t{1}}) {
    for (;;) {
      ssize_t n = ::write(fd, chunk.data(), size);
      if (n > 0) {
        written += static_cast<uint64_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != ENOSPC) {
        Status failed(Code::kIoError, Errno("writing " + ballast.string()));
        ::close(fd);
        return failed;
      }
      break;  // ENOSPC (or a zero-length write): on to smaller chunks
    }
  }
  ::close(fd);
  return written;
}

void Tmpfs::Free() {
  std::error_code ec;
  fs::remove(dir_ / "ballast", ec);
}

uint64_t Tmpfs::FreeBytes() const {
  struct statvfs st {};
  if (::statvfs(dir_.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

// --- LoopExt4 ----------------------------------------------------------------------------------

Result<LoopExt4> LoopExt4::Mount(const fs::path& image, const fs::path& dir, uint64_t bytes,
                                 const fs::path& log_dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  {
    std::ofstream file(image, std::ios::binary | std::ios::trunc);
    if (!file) return Status(Code::kIoError, "cannot create " + image.string());
  }
  fs::resize_file(image, bytes, ec);
  if (ec) return Status(Code::kIoError, "cannot size " + image.string() + ": " + ec.message());
  LLS_RETURN_IF_ERROR(Tool({"/usr/sbin/mkfs.ext4", "-q", "-F", image.string()}, log_dir));
  LoopExt4 mounted(image, dir);
  LLS_RETURN_IF_ERROR(mounted.MountImage(log_dir));
  return mounted;
}

Status LoopExt4::MountImage(const fs::path& log_dir) {
  // errors=remount-ro is ext4's usual production setting (Debian's installer writes it).
  Status mounted = Tool(
      {"/usr/bin/mount", "-o", "loop,errors=remount-ro", image_.string(), dir_.string()}, log_dir);
  if (!mounted.ok()) {
    return Status(Code::kPermissionDenied, mounted.message());
  }
  // Which loop device: the source of the mount on dir_ in /proc/self/mountinfo.
  std::ifstream info("/proc/self/mountinfo");
  std::string line;
  device_.clear();
  while (std::getline(info, line)) {
    // "... <mount point> <options> ... - <fstype> <source> <super options>"
    if (line.find(" " + dir_.string() + " ") == std::string::npos) continue;
    size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    size_t source = line.find(' ', dash + 3);
    size_t end = line.find(' ', source + 1);
    std::string device = line.substr(source + 1, end - source - 1);
    device_ = fs::path(device).filename().string();
  }
  if (device_.empty())
    return Status(Code::kIoError, "cannot find the loop device of " + dir_.string());
  return Status::Ok();
}

LoopExt4::LoopExt4(LoopExt4&& other) noexcept
    : image_(std::exchange(other.image_, {})),
      dir_(std::exchange(other.dir_, {})),
      device_(std::exchange(other.device_, {})) {}

LoopExt4::~LoopExt4() {
  // mount -o loop sets the loop device to detach itself when the filesystem is unmounted.
  if (!dir_.empty()) Unmount(dir_);
}

Status LoopExt4::TriggerError() {
  const fs::path trigger = fs::path("/sys/fs/ext4") / device_ / "trigger_fs_error";
  std::ofstream out(trigger);
  out << "disk_fault: simulated metadata error\n";
  out.flush();
  if (!out) return Status(Code::kIoError, "cannot write " + trigger.string());
  return Status::Ok();
}

bool LoopExt4::ReadOnly() const {
  // After an error ext4 marks itself "emergency_ro" without the mount's ro flag (statvfs
  // still says read-write): ask by writing.
  const fs::path probe = dir_ / ".disk_fault_probe";
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    ::unlink(probe.c_str());
    return false;
  }
  return errno == EROFS;
}

Status LoopExt4::Repair(const fs::path& log_dir) {
  if (::umount2(dir_.c_str(), 0) != 0)
    return Status(Code::kIoError, Errno("umount " + dir_.string()));
  // Exit 1 is "errors corrected", the expected answer after an abort.
  test::RunResult r = test::Run({"/usr/sbin/e2fsck", "-fy", image_.string()}, log_dir, 60s);
  if (r.exit_code != 0 && r.exit_code != 1) {
    return Status(Code::kIoError, "e2fsck -fy exit " + std::to_string(r.exit_code) + ": " + r.out);
  }
  return MountImage(log_dir);
}

// --- processes and databases -------------------------------------------------------------------

Status SetFileSizeLimit(pid_t pid, uint64_t bytes) {
  struct rlimit old {};
  if (::prlimit(pid, RLIMIT_FSIZE, nullptr, &old) != 0) {
    return Status(Code::kIoError, Errno("prlimit --pid " + std::to_string(pid)));
  }
  struct rlimit set = old;
  set.rlim_cur = bytes == UINT64_MAX ? old.rlim_max : static_cast<rlim_t>(bytes);
  if (::prlimit(pid, RLIMIT_FSIZE, &set, nullptr) != 0) {
    return Status(Code::kIoError, Errno("prlimit --pid " + std::to_string(pid) + " --fsize"));
  }
  return Status::Ok();
}

Status CheckpointTruncate(const fs::path& db) {
  db::OpenOptions options;
  options.create = false;
  LLS_ASSIGN_OR_RETURN(db::Database database, db::Database::Open(db, options));
  const auto until = std::chrono::steady_clock::now() + 5s;
  for (;;) {
    // (busy, frames in the WAL, frames checkpointed); busy = 1: a reader held it back.
    LLS_ASSIGN_OR_RETURN(db::Statement checkpoint,
                         database.Prepare("PRAGMA wal_checkpoint(TRUNCATE)"));
    LLS_ASSIGN_OR_RETURN(bool row, checkpoint.Step());
    if (row && checkpoint.ColumnInt(0) == 0) return Status::Ok();
    if (std::chrono::steady_clock::now() > until) {
      return Status(Code::kTimeout,
                    "wal_checkpoint(TRUNCATE) of " + db.string() + " stayed busy for 5 s");
    }
    std::this_thread::sleep_for(20ms);
  }
}

}  // namespace lls::disk
