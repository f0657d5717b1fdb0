// OpenOCD support without hardware: the Tcl RPC client against a scripted server (framing with 0x1a, errors
// reported through catch, timeouts), and the launcher against the real OpenOCD with no probe attached, which
// must say so clearly (hil_notes.md §4: OpenOCD exits during init with "open failed").
#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "fake_server.hpp"
#include "hil_test_support.hpp"
#include "tinynas/hil/openocd.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {
namespace {

using hil_test::FakeServer;
using namespace std::chrono_literals;

// Answers "0 <text>" (success) unless the command mentions "fail_me".
struct TclStub {
  std::vector<std::string> commands;
  std::mutex m;
  void serve(int fd, FakeServer& s) {
    for (;;) {
      std::string cmd = s.read_until(fd, '\x1a');
      if (cmd.empty()) return;
      cmd.pop_back();
      {
        std::lock_guard<std::mutex> lock(m);
        commands.push_back(cmd);
      }
      if (cmd.find("fail_me") != std::string::npos)
        FakeServer::send_text(fd, "1 Error: flash write failed at 0x08040000\x1a");
      else if (cmd.find("version") != std::string::npos)
        FakeServer::send_text(fd, "0 Open On-Chip Debugger 0.12.0\x1a");
      else FakeServer::send_text(fd, "0 \x1a");
    }
  }
};

TEST(TclRpc, ProgramVerifyResetSendWrappedCommands) {
  TclStub stub;
  FakeServer server([&](int fd, FakeServer& s) { stub.serve(fd, s); });
  TclRpcClient tcl;
  tcl.connect("127.0.0.1", server.port(), 2s);
  EXPECT_EQ(tcl.command("version"), "Open On-Chip Debugger 0.12.0");
  tcl.program("/tmp/fw dir/tinynas-hil-stm32f746g-disco.elf");
  tcl.write_flash("/tmp/blob.bin", 0x08040000);
  tcl.reset_halt();
  tcl.reset_run();
  server.stop = true;
  std::lock_guard<std::mutex> lock(stub.m);
  ASSERT_EQ(stub.commands.size(), 7u); // write_flash halts the core first
  for (const std::string& c : stub.commands) EXPECT_EQ(c.rfind("set _tn_rc [catch {", 0), 0u) << c; // never bare
  EXPECT_NE(stub.commands[1].find("program {/tmp/fw dir/tinynas-hil-stm32f746g-disco.elf} verify"), std::string::npos);
  EXPECT_NE(stub.commands[3].find("flash write_image erase {/tmp/blob.bin} 0x08040000 bin"), std::string::npos);
  EXPECT_NE(stub.commands[4].find("verify_image {/tmp/blob.bin} 0x08040000 bin"), std::string::npos);
  EXPECT_NE(stub.commands[2].find("reset halt"), std::string::npos);
  EXPECT_NE(stub.commands[5].find("reset halt"), std::string::npos);
  EXPECT_NE(stub.commands[6].find("reset run"), std::string::npos);
}

TEST(TclRpc, ErrorsAreReportedWithOpenOcdsMessage) {
  TclStub stub;
  FakeServer server([&](int fd, FakeServer& s) { stub.serve(fd, s); });
  TclRpcClient tcl;
  tcl.connect("127.0.0.1", server.port(), 2s);
  try {
    tcl.command("fail_me");
    FAIL() << "an OpenOCD error passed as a result";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("flash write failed at 0x08040000"), std::string::npos) << e.what();
  }
  EXPECT_EQ(tcl.command("version"), "Open On-Chip Debugger 0.12.0"); // the connection is still usable
  server.stop = true;
}

TEST(TclRpc, SilentServerTimesOut) {
  FakeServer server([](int fd, FakeServer& s) {
    while (!s.stop) s.read_until(fd, '\0');
  });
  TclRpcClient tcl;
  tcl.connect("127.0.0.1", server.port(), 2s);
  EXPECT_THROW(tcl.command("reset halt", 300ms), Error);
  server.stop = true;
}

TEST(TclRpc, PathsThatCannotBeQuotedAreRefused) {
  TclStub stub;
  FakeServer server([&](int fd, FakeServer& s) { stub.serve(fd, s); });
  TclRpcClient tcl;
  tcl.connect("127.0.0.1", server.port(), 2s);
  EXPECT_THROW(tcl.program("/tmp/evil}; shutdown; {x.elf"), Error);
  server.stop = true;
}

TEST(OpenOcd, MessagesNameTheBoardAndTheCause) {
  const std::string m = explain_openocd_failure("stm32f746g-disco", "Error: open failed\n** OpenOCD init failed **");
  EXPECT_NE(m.find("stm32f746g-disco"), std::string::npos);
  EXPECT_NE(m.find("no debug probe"), std::string::npos);
  EXPECT_NE(explain_openocd_failure("b", "LIBUSB_ERROR_ACCESS").find("permission"), std::string::npos);
  // Only OpenOCD's error lines are quoted, not its banner.
  const std::string quoted = explain_openocd_failure(
      "b",
      "Open On-Chip Debugger 0.12.0\nLicensed under GNU GPL v2\nInfo : clock speed 2000 kHz\nError: open failed\n");
  EXPECT_NE(quoted.find("OpenOCD said: Error: open failed"), std::string::npos) << quoted;
  EXPECT_EQ(quoted.find("Licensed"), std::string::npos) << quoted;
  EXPECT_NE(explain_openocd_failure("b", "something odd\nlast words\n").find("said: last words"), std::string::npos);
}

TEST(OpenOcd, NoProbeAttachedGivesAClearError) {
  if (!hil_test::have_program("openocd")) GTEST_SKIP() << "openocd not installed";
  try {
    OpenOcdLaunch launch;
    launch.board = "stm32f746g-disco";
    launch.config = "board/stm32f746g-disco.cfg";
    OpenOcdServer server(launch, 20s);
    GTEST_SKIP() << "a probe is attached to this machine: OpenOCD started";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDevice);
    EXPECT_NE(std::string(e.what()).find("board stm32f746g-disco"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no debug probe"), std::string::npos) << e.what();
  }
}

} // namespace
} // namespace tinynas
