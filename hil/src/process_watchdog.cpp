#include "process_watchdog.hpp"

#include <charconv>
#include <fstream>

namespace tinynas::detail {

std::optional<ProcStat> parse_proc_stat(std::string_view line) {
  // "pid (comm) state ppid ..." where comm may itself hold spaces and parentheses: the fields start after the
  // last ')'. utime and stime are fields 14 and 15 (1-based), i.e. the 11th and 12th after the state.
  const std::size_t close = line.rfind(')');
  if (close == std::string_view::npos || close + 2 >= line.size() || line[close + 1] != ' ') return std::nullopt;
  std::string_view rest = line.substr(close + 2);
  ProcStat s;
  s.state = rest.front();
  std::uint64_t fields[12] = {}; // fields[k]: the (k+1)th field after the state
  for (int i = 0; i < 12; ++i) {
    const std::size_t space = rest.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(space + 1);
    if (i < 10) continue; // ppid .. cmajflt: not needed, skipped unparsed
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), fields[i]);
    if (ec != std::errc() || (end != rest.data() + rest.size() && *end != ' ')) return std::nullopt;
  }
  s.cpu_ticks = fields[10] + fields[11];
  return s;
}

ProcessWatchdog::ProcessWatchdog(pid_t pid, std::string name, Millis idle_limit)
    : pid_(pid), name_(std::move(name)), idle_limit_(idle_limit) {
  arm();
}

namespace {

std::optional<ProcStat> read_proc_stat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  return parse_proc_stat(line);
}

} // namespace

void ProcessWatchdog::arm() {
  const std::optional<ProcStat> s = read_proc_stat(pid_);
  last_ticks_ = s ? s->cpu_ticks : 0;
  last_progress_ = std::chrono::steady_clock::now();
}

std::optional<std::string> ProcessWatchdog::stalled() {
  const std::string who = name_ + " (pid " + std::to_string(pid_) + ")";
  const std::optional<ProcStat> s = read_proc_stat(pid_);
  if (!s || s->state == 'Z' || s->state == 'X') return who + " has exited";
  if (s->state == 'T' || s->state == 't') return who + " is stopped (SIGSTOP or a debugger holds it)";
  const auto now = std::chrono::steady_clock::now();
  // Runnable counts as progress: on a loaded host QEMU may wait for a core, which is slow, not hung.
  if (s->cpu_ticks != last_ticks_ || s->state == 'R') {
    last_ticks_ = s->cpu_ticks;
    last_progress_ = now;
    return std::nullopt;
  }
  if (idle_limit_.count() > 0 && now - last_progress_ >= idle_limit_)
    return who + " used no CPU time for " + std::to_string(idle_limit_.count()) + " ms: it is hung";
  return std::nullopt;
}

} // namespace tinynas::detail
