#pragma once
// Ctrl-C for the long commands (search, train). While a guard lives, the first SIGINT only sets a
// flag and says on stderr what happens now; the command polls the flag, stops at its next
// checkpoint and exits with 130. The handler resets itself (SA_RESETHAND), so a second Ctrl-C kills
// the process at once as usual. Interrupted system calls restart (SA_RESTART): nothing relies on
// EINTR to notice the stop, and file and socket reads need not retry.

#include <atomic>

#include <signal.h>

namespace tinynas::cli {

class InterruptGuard {
public:
  // `stopping` completes "tinynas: ..." on the first Ctrl-C (say what is kept); a string literal.
  explicit InterruptGuard(const char* stopping);
  ~InterruptGuard(); // the previous handler comes back
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  // Set by the first Ctrl-C after the guard was installed (one guard at a time).
  const std::atomic<bool>& flag() const;
  bool requested() const { return flag().load(); }

private:
  struct sigaction previous_ {};
};

} // namespace tinynas::cli
