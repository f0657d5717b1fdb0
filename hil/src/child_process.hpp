#pragma once
// A child process (QEMU, OpenOCD) in its own process group, with its output in a log file, that is always
// reaped: the destructor kills the whole group, so a crashed or interrupted profiler never leaves an emulator
// spinning (shared/hil_notes.md, P13); and the kernel kills it when its parent dies without running any
// destructor (SIGKILL, SIGTERM): PR_SET_PDEATHSIG.

#include <string>
#include <vector>

#include <sys/types.h>

namespace tinynas::detail {

class ChildProcess {
public:
  ChildProcess() = default;
  // Starts argv[0] (looked up on PATH) with stdin from /dev/null and stdout + stderr appended to log_path.
  // Throws Error(kIo) if the program cannot be started.
  static ChildProcess spawn(const std::vector<std::string>& argv, const std::string& log_path);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  bool running();                              // false once it has exited (reaps it)
  int exit_code() const { return exit_code_; } // valid once !running(): exit status, or 128 + signal
  void kill();                                 // SIGKILL to the group, then wait; idempotent
  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  std::string log_tail(std::size_t max_bytes = 2000) const; // the end of the log, for error messages

private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::string log_path_;
};

// A fresh directory for a child's log under the system's temp directory (mkdtemp: PREFIX-<pid>-XXXXXX), removed
// with its contents when the object goes. Directories of the same prefix whose process is gone (a SIGKILLed run's)
// are removed first. Throws Error(kIo) if it cannot be created.
class TempDir {
public:
  explicit TempDir(const std::string& prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

} // namespace tinynas::detail
