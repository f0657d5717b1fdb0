#include "child_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tinynas/space/error.hpp"

namespace tinynas::detail {

ChildProcess ChildProcess::spawn(const std::vector<std::string>& argv, const std::string& log_path) {
  if (argv.empty()) throw Error(ErrorCode::kInternal, "spawn: empty command line");
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // Report exec failures through a close-on-exec pipe: the parent reads the child's errno or EOF.
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) throw Error(ErrorCode::kIo, std::string("pipe: ") + std::strerror(errno));
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(report[0]);
    ::close(report[1]);
    throw Error(ErrorCode::kIo, std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    // The emulator dies with the process that started it, even when that one is SIGKILLed and no
    // destructor runs. (The signal follows the forking thread: spawn from a thread that outlives
    // the child, as the profilers do.)
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127); // it died before prctl took effect
    const int in = ::open("/dev/null", O_RDONLY);
    const int out = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in >= 0) ::dup2(in, 0);
    if (out >= 0) {
      ::dup2(out, 1);
      ::dup2(out, 2);
    }
    ::execvp(args[0], args.data());
    const int err = errno;
    [[maybe_unused]] ssize_t written = ::write(report[1], &err, sizeof err);
    ::_exit(127);
  }
  ::setpgid(pid, pid); // also from the parent, so kill(-pid) works even if the child has not run yet
  ::close(report[1]);
  int child_errno = 0;
  const ssize_t n = ::read(report[0], &child_errno, sizeof child_errno);
  ::close(report[0]);
  ChildProcess p;
  p.pid_ = pid;
  p.log_path_ = log_path;
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    p.kill();
    throw Error(ErrorCode::kIo, "cannot start " + argv[0] + ": " + std::strerror(child_errno));
  }
  return p;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_), exit_code_(other.exit_code_), log_path_(std::move(other.log_path_)) {
  other.pid_ = -1;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    kill();
    pid_ = other.pid_;
    exit_code_ = other.exit_code_;
    log_path_ = std::move(other.log_path_);
    other.pid_ = -1;
  }
  return *this;
}

ChildProcess::~ChildProcess() { kill(); }

bool ChildProcess::running() {
  if (pid_ < 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  if (r == pid_) exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  ::kill(-pid_, SIGKILL); // anything it left behind in its group
  pid_ = -1;
  return false;
}

void ChildProcess::kill() {
  if (pid_ < 0) return;
  ::kill(-pid_, SIGKILL);
  int status = 0;
  if (::waitpid(pid_, &status, 0) == pid_)
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  pid_ = -1;
}

std::string ChildProcess::log_tail(std::size_t max_bytes) const {
  std::ifstream in(log_path_, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > max_bytes) text = "..." + text.substr(text.size() - max_bytes);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

namespace {

// Directories PREFIX-<pid>-* whose process is gone: what a SIGKILLed run could not remove.
void remove_stale_temp_dirs(const std::filesystem::path& root, const std::string& prefix) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix + "-", 0) != 0) continue;
    const long pid = std::strtol(name.c_str() + prefix.size() + 1, nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) std::filesystem::remove_all(entry, ec);
  }
}

} // namespace

TempDir::TempDir(const std::string& prefix) {
  const std::filesystem::path root = std::filesystem::temp_directory_path();
  remove_stale_temp_dirs(root, prefix);
  std::string pattern = (root / (prefix + "-" + std::to_string(::getpid()) + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) throw Error(ErrorCode::kIo, "cannot create a temporary directory");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

} // namespace tinynas::detail
