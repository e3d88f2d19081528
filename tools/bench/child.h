// ChildProcess: a program the bench starts (lls-hub, mosquitto), with its output in log files,
// stopped politely (SIGTERM, then SIGKILL after a grace) when the object goes. Also reads a
// process's resident memory from /proc, which is how the bench weighs a server.
// Not thread-safe; one owner.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "schema/status.h"

namespace lls::bench {

class ChildProcess {
 public:
  // Starts argv[0] (a path) with stdout and stderr appended to `log_path`.
  static Result<ChildProcess> Start(const std::vector<std::string>& argv,
                                    const std::filesystem::path& log_path);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();  // Stop()

  int pid() const { return pid_; }
  bool running();
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit code (nullopt: killed).
  std::optional<int> Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  const std::filesystem::path& log_path() const { return log_path_; }

 private:
  ChildProcess(int pid, std::filesystem::path log_path)
      : pid_(pid), log_path_(std::move(log_path)) {}
  int pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path log_path_;
};

// VmRSS of a process, in KiB, from /proc/PID/status.
Result<int64_t> ResidentKiB(int pid);
// Runs a program to completion (output to `log_path`); kInternal unless it exits 0 in time.
Status RunToCompletion(const std::vector<std::string>& argv, const std::filesystem::path& log_path,
                       std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace lls::bench
