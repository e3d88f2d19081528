#include "tools/bench/child.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <thread>

extern char** environ;

namespace lls::bench {

Result<ChildProcess> ChildProcess::Start(const std::vector<std::string>& argv,
                                         const std::filesystem::path& log_path) {
  if (argv.empty()) return Status(Code::kInvalidArgument, "no program to start");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return Status(Code::kUnavailable, "cannot start " + argv[0] + ": " + std::strerror(rc));
  }
  return ChildProcess(pid, log_path);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_), status_(other.status_), log_path_(std::move(other.log_path_)) {
  other.pid_ = -1;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    Stop();
    pid_ = other.pid_;
    status_ = other.status_;
    log_path_ = std::move(other.log_path_);
    other.pid_ = -1;
  }
  return *this;
}

ChildProcess::~ChildProcess() { Stop(); }

bool ChildProcess::running() {
  if (pid_ < 0 || status_) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return false;
  }
  return true;
}

std::optional<int> ChildProcess::Stop(std::chrono::milliseconds grace) {
  if (pid_ < 0) return std::nullopt;
  if (running()) {
    kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (running()) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      status_ = -1;
    }
  }
  pid_ = -1;
  if (status_ && *status_ >= 0) return status_;
  return std::nullopt;
}

Result<int64_t> ResidentKiB(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  if (!in) return Status(Code::kNotFound, "no process " + std::to_string(pid));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return Status(Code::kNotFound, "no VmRSS for process " + std::to_string(pid));
}

Status RunToCompletion(const std::vector<std::string>& argv, const std::filesystem::path& log_path,
                       std::chrono::milliseconds timeout) {
  LLS_ASSIGN_OR_RETURN(ChildProcess child, ChildProcess::Start(argv, log_path));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (child.running()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      child.Stop(std::chrono::milliseconds(100));
      return Status(Code::kInternal, argv[0] + " did not finish in time (log " +
                                         log_path.string() + ")");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::optional<int> code = child.Stop();
  if (code != 0) {
    return Status(Code::kInternal, argv[0] + " failed (log " + log_path.string() + ")");
  }
  return Status::Ok();
}

}  // namespace lls::bench
