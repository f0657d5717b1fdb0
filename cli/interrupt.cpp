#include "interrupt.hpp"

#include <cstring>

#include <unistd.h>

namespace tinynas::cli {

namespace {

// A signal handler may only touch lock-free atomics.
std::atomic<bool> g_requested{false};
std::atomic<const char*> g_stopping{""};
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<const char*>::is_always_lock_free,
              "the SIGINT handler needs lock-free atomics");

void write_stderr(const char* text) {
  [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, text, std::strlen(text));
}

// Only async-signal-safe calls: write(2) and strlen.
extern "C" void on_sigint(int) {
  g_requested.store(true);
  // On a line of its own: a progress line may be open on a terminal.
  write_stderr("\ntinynas: ");
  write_stderr(g_stopping.load());
  write_stderr(" (Ctrl-C again to abort at once)\n");
}

} // namespace

InterruptGuard::InterruptGuard(const char* stopping) {
  g_stopping.store(stopping);
  g_requested.store(false);
  struct sigaction action {};
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND | SA_RESTART;
  ::sigaction(SIGINT, &action, &previous_);
}

InterruptGuard::~InterruptGuard() { ::sigaction(SIGINT, &previous_, nullptr); }

const std::atomic<bool>& InterruptGuard::flag() const { return g_requested; }

} // namespace tinynas::cli
