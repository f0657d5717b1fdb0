#pragma once
// Notices within a fraction of a second that the process behind a link has stopped making progress, instead of
// waiting out a run timeout of tens of seconds. A run under QEMU keeps one host core busy translating and executing
// guest code, so an emulator that is stopped (SIGSTOP, a debugger), gone (a zombie) or has used no CPU time for
// `idle_limit` is stalled: no answer will come. Read from /proc/PID/stat, which the kernel keeps current even for
// a frozen process. A firmware spinning in a loop keeps QEMU busy and is left to the run timeout, which then
// reports where it spins.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <sys/types.h>

namespace tinynas::detail {

// The fields of /proc/PID/stat the watchdog reads. nullopt for text that is not such a line.
struct ProcStat {
  char state = '?';            // R running, S sleeping, D disk wait, T/t stopped, Z zombie, X dead
  std::uint64_t cpu_ticks = 0; // utime + stime, in clock ticks
};
std::optional<ProcStat> parse_proc_stat(std::string_view line);

// Polled while the host waits for the target to stop. A stall detector of a link says why the link cannot answer.
class StallDetector {
public:
  virtual ~StallDetector() = default;
  // A wait begins: the idle clock starts now.
  virtual void arm() = 0;
  // Why the target cannot answer any more ("QEMU (pid 123) is stopped (SIGSTOP)"), or nullopt while it may.
  virtual std::optional<std::string> stalled() = 0;
};

class ProcessWatchdog final : public StallDetector {
public:
  using Millis = std::chrono::milliseconds;
  // `name` names the process in messages ("QEMU"). idle_limit 0: only a stopped or dead process is a stall (a
  // debug server such as OpenOCD sleeps while the board runs).
  ProcessWatchdog(pid_t pid, std::string name, Millis idle_limit);

  void arm() override;
  std::optional<std::string> stalled() override;

private:
  pid_t pid_;
  std::string name_;
  Millis idle_limit_;
  std::uint64_t last_ticks_ = 0;
  std::chrono::steady_clock::time_point last_progress_;
};

} // namespace tinynas::detail
