// The stall detector of the QEMU and OpenOCD links: /proc/PID/stat parsed by hand-written lines, and a real child
// process seen stopped, idle and gone.
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include "process_watchdog.hpp"

namespace tinynas::detail {
namespace {

TEST(ProcStat, ReadsStateAndCpuTicksAfterTheLastParenthesis) {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
  const auto s = parse_proc_stat("4242 (qemu (arm) x) R 1 4242 4242 0 -1 4194560 7 0 0 0 150 25 0 0 20 0 3");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->state, 'R');
  EXPECT_EQ(s->cpu_ticks, 175u);
  const auto stopped = parse_proc_stat("7 (sleep) T 1 7 7 0 -1 0 0 0 0 0 0 3 0 0 20 0 1");
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->state, 'T');
  EXPECT_EQ(stopped->cpu_ticks, 3u);
}

TEST(ProcStat, RefusesWhatIsNotAStatLine) {
  EXPECT_FALSE(parse_proc_stat(""));
  EXPECT_FALSE(parse_proc_stat("no parenthesis"));
  EXPECT_FALSE(parse_proc_stat("1 (x)"));
  EXPECT_FALSE(parse_proc_stat("1 (x) R 1 2 3"));                                            // too few fields
  EXPECT_FALSE(parse_proc_stat("1 (x) R 1 1 1 0 -1 0 0 0 0 0 abc 3 0"));                     // utime not a number
  EXPECT_FALSE(parse_proc_stat("1 (x) R 1 1 1 0 -1 0 0 0 0 0 99999999999999999999999 3 0")); // out of range
}

// A child that sleeps until killed: no CPU time, state S.
pid_t sleeping_child() {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::pause();
    ::_exit(0);
  }
  return pid;
}

TEST(ProcessWatchdog, AnIdleProcessIsHungAfterTheIdleLimit) {
  const pid_t pid = sleeping_child();
  ProcessWatchdog dog(pid, "QEMU", std::chrono::milliseconds(300));
  dog.arm();
  EXPECT_FALSE(dog.stalled());
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  const auto why = dog.stalled();
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("QEMU (pid " + std::to_string(pid) + ") used no CPU time for 300 ms"), std::string::npos) << *why;
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

TEST(ProcessWatchdog, WithoutAnIdleLimitOnlyStoppedOrGoneIsAStall) {
  const pid_t pid = sleeping_child();
  ProcessWatchdog dog(pid, "OpenOCD", std::chrono::milliseconds(0));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(dog.stalled());

  ::kill(pid, SIGSTOP);
  ::waitpid(pid, nullptr, WUNTRACED); // the kernel has stopped it
  const auto stopped = dog.stalled();
  ASSERT_TRUE(stopped);
  EXPECT_NE(stopped->find("OpenOCD (pid " + std::to_string(pid) + ") is stopped"), std::string::npos) << *stopped;

  ::kill(pid, SIGKILL);
  siginfo_t info{};
  ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT); // dead, not reaped: a zombie
  const auto zombie = dog.stalled();
  ASSERT_TRUE(zombie);
  EXPECT_NE(zombie->find("has exited"), std::string::npos) << *zombie;
  ::waitpid(pid, nullptr, 0);
  const auto gone = dog.stalled();
  ASSERT_TRUE(gone);
  EXPECT_NE(gone->find("has exited"), std::string::npos) << *gone;
}

} // namespace
} // namespace tinynas::detail
