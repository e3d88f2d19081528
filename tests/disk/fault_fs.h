// Real disk faults for the disk-fault harness (disk_fault.cpp), made without mocks:
//
//   Tmpfs        a small tmpfs mounted on a folder; Fill() writes a ballast file until the
//                filesystem refuses a single byte more (ENOSPC), Free() deletes it: "space
//                returns". Writes into space a file already holds (a WAL being reused) still
//                succeed on a full tmpfs, as on any full filesystem.
//   LoopExt4     an ext4 image on a loop device, mounted errors=remount-ro. TriggerError() has
//                the kernel record a filesystem error (sysfs trigger_fs_error): ext4 aborts its
//                journal and turns read-only, every later write fails with EROFS, and what was
//                not yet synced is lost, as after a real metadata error. Repair(): unmount,
//                e2fsck -fy, mount again (a remount read-write is refused after an abort).
//   SetFileSizeLimit   RLIMIT_FSIZE of a running process (prlimit(2), as `prlimit --pid PID
//                --fsize=N:unlimited` does): only the soft limit, so that it can be raised
//                again without CAP_SYS_RESOURCE. Writes past it fail with EFBIG (SIGXFSZ
//                unless the process ignores it).
//   CheckpointTruncate  PRAGMA wal_checkpoint(TRUNCATE) on a database another process holds
//                open: its WAL restarts at zero bytes, so its next commit needs new space.
//
// Mounting needs root (CAP_SYS_ADMIN). EnterPrivateMountNamespace() first moves this process
// (and the programs it starts) into a mount namespace of its own, so that every mount vanishes
// with the harness even if it is killed; the destructors also unmount (lazily if busy), so a
// failed check leaves nothing mounted. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "schema/status.h"

namespace lls::disk {

// unshare(CLONE_NEWNS) and make every mount private. Returns why not, or "" when done.
std::string EnterPrivateMountNamespace();

class Tmpfs {
 public:
  // Mounts a tmpfs of `bytes` on `dir` (created). kPermissionDenied when mounting is refused
  // (not root, or no CAP_SYS_ADMIN), with mount's own words.
  static Result<Tmpfs> Mount(const std::filesystem::path& dir, uint64_t bytes);
  Tmpfs(Tmpfs&& other) noexcept;
  Tmpfs& operator=(Tmpfs&&) = delete;
  Tmpfs(const Tmpfs&) = delete;
  ~Tmpfs();

  // Writes the ballast until the filesystem is full. Returns the bytes it took.
  Result<uint64_t> Fill();
  // Deletes the ballast.
  void Free();
  // Bytes free now (statvfs).
  uint64_t FreeBytes() const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  explicit Tmpfs(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;  // empty once moved from
};

class LoopExt4 {
 public:
  // Makes `image` (`bytes` long, ext4) and mounts it on `dir` through a loop device; the
  // tools' output goes to `log_dir`.
  static Result<LoopExt4> Mount(const std::filesystem::path& image,
                                const std::filesystem::path& dir, uint64_t bytes,
                                const std::filesystem::path& log_dir);
  LoopExt4(LoopExt4&& other) noexcept;
  LoopExt4& operator=(LoopExt4&&) = delete;
  LoopExt4(const LoopExt4&) = delete;
  ~LoopExt4();

  // The kernel records a filesystem error: the filesystem is read-only from then on.
  Status TriggerError();
  // True while mounted read-only (after TriggerError).
  bool ReadOnly() const;
  // Unmount (every program using it must have stopped), e2fsck -fy, mount again.
  Status Repair(const std::filesystem::path& log_dir);
  const std::filesystem::path& dir() const { return dir_; }

 private:
  LoopExt4(std::filesystem::path image, std::filesystem::path dir)
      : image_(std::move(image)), dir_(std::move(dir)) {}
  Status MountImage(const std::filesystem::path& log_dir);
  std::filesystem::path image_, dir_;  // empty once moved from
  std::string device_;                 // loopN
};

// Sets the soft RLIMIT_FSIZE of `pid` (RLIM_INFINITY for `bytes` == UINT64_MAX).
Status SetFileSizeLimit(pid_t pid, uint64_t bytes);

// PRAGMA wal_checkpoint(TRUNCATE) on `db`, retried while a reader holds the WAL (up to 5 s).
Status CheckpointTruncate(const std::filesystem::path& db);

}  // namespace lls::disk
