// The Ctrl-C guard of the long commands (cli/interrupt.hpp), in process: the first SIGINT sets the
// flag and says so, the second kills, and the previous handler comes back.

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>

#include "interrupt.hpp"

namespace tinynas::cli {
namespace {

struct sigaction current_sigint() {
  struct sigaction now {};
  ::sigaction(SIGINT, nullptr, &now);
  return now;
}

TEST(InterruptGuard, TheFirstCtrlCSetsTheFlagAndSaysWhatHappens) {
  std::signal(SIGINT, SIG_IGN); // the "previous" handler
  {
    testing::internal::CaptureStderr();
    const InterruptGuard guard("stopping after the test");
    EXPECT_FALSE(guard.requested());
    EXPECT_NE(current_sigint().sa_flags & SA_RESTART, 0) << "reads and writes are not cut short by EINTR";
    std::raise(SIGINT);
    EXPECT_TRUE(guard.requested());
    EXPECT_EQ(testing::internal::GetCapturedStderr(),
              "\ntinynas: stopping after the test (Ctrl-C again to abort at once)\n");
    EXPECT_EQ(current_sigint().sa_handler, SIG_DFL) << "a second Ctrl-C must kill at once";
  }
  EXPECT_EQ(current_sigint().sa_handler, SIG_IGN);
  const InterruptGuard next("stopping");
  EXPECT_FALSE(next.requested()) << "a new guard starts unset";
  std::signal(SIGINT, SIG_DFL);
}

// `tinynas train` used std::signal, which keeps its handler: a second Ctrl-C did nothing.
TEST(InterruptGuardDeathTest, TheSecondCtrlCKills) {
  EXPECT_EXIT(
      {
        std::signal(SIGINT, SIG_DFL);
        const InterruptGuard guard("stopping");
        std::raise(SIGINT);
        std::raise(SIGINT);
        std::_Exit(0);
      },
      testing::KilledBySignal(SIGINT), "stopping");
}

} // namespace
} // namespace tinynas::cli
