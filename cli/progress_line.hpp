#pragma once
// The live status line of a long command on stderr (a training batch, a search generation). On a
// terminal it is redrawn in place, at most every 200 ms; on a pipe or a log file each shown state is
// a plain line, at most one every 5 s, so a log shows that the run is alive without drowning in it.
// Lines that stay (an epoch's summary, a note) go through print().

#include <chrono>
#include <string>

namespace tinynas::cli {

class ProgressLine {
public:
  ProgressLine(); // asks whether stderr is a terminal
  explicit ProgressLine(bool terminal);
  ~ProgressLine() { finish(); }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // The current state. The first is always shown; `force` shows this one too, however soon after the
  // last (a run's or an epoch's last state, which stays up while what follows it runs).
  void update(const std::string& text, bool force = false);
  // A line that stays; on a terminal it takes the status line's place.
  void print(const std::string& text);
  // Ends the status line, keeping its last state, so later output starts on a line of its own.
  void finish();

private:
  bool tty_;
  bool shown_ = false;
  bool open_line_ = false; // the cursor is at the end of a status line drawn in place
  std::chrono::steady_clock::time_point last_{};
};

} // namespace tinynas::cli
