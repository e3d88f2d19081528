// Test support: start the real programs as child processes, capture their output, wait with a
// deadline, signal them. Every wait is bounded; the destructor kills a child still running.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace lls::test {

struct RunResult {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  bool timed_out = false;
  std::string out;
  std::string err;
  std::chrono::milliseconds elapsed{0};
};

class Process {
 public:
  // Starts `argv` with stdout and stderr sent to files in `log_dir` (named after `label`).
  Process(const std::vector<std::string>& argv, const std::filesystem::path& log_dir,
          const std::string& label);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  bool running();
  void Signal(int sig);
  // Waits up to `timeout`; returns the exit code, or nullopt if still running.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  std::string Stdout() const;
  std::string Stderr() const;
  int pid() const { return pid_; }

 private:
  int pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path out_path_, err_path_;
};

// Runs a program to completion (killing it after `timeout`).
RunResult Run(const std::vector<std::string>& argv, const std::filesystem::path& log_dir,
              std::chrono::milliseconds timeout = std::chrono::seconds(30));

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
int FreeLoopbackPort();

}  // namespace lls::test
