// OpenOCD support without hardware: the Tcl RPC client against a scripted server (framing with 0x1a, errors
// reported through catch, timeouts), and the launcher against the real OpenOCD with no probe attached, which
// must say so clearly (hil_notes.md §4: OpenOCD exits during init with "open failed").
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
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

// Two boards in one process (the farm's case) write their blobs at the same time: each OpenOCD must read its own
// bytes. The stub reads the file the command names while the command runs, as OpenOCD does.
TEST(TclRpc, TwoBoardsInOneProcessNeverShareABlobFile) {
  struct FlashStub {
    std::mutex m;
    std::string path, bytes_seen;
    void serve(int fd, FakeServer& s) {
      for (;;) {
        std::string cmd = s.read_until(fd, '\x1a');
        if (cmd.empty()) return;
        const std::string key = "flash write_image erase {";
        if (const std::size_t at = cmd.find(key); at != std::string::npos) {
          const std::size_t start = at + key.size();
          const std::string file = cmd.substr(start, cmd.find('}', start) - start);
          std::this_thread::sleep_for(50ms); // both boards are mid-write at once
          std::ifstream in(file, std::ios::binary);
          std::lock_guard<std::mutex> lock(m);
          path = file;
          bytes_seen.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
        FakeServer::send_text(fd, "0 \x1a");
      }
    }
  };
  FlashStub stub_a, stub_b;
  FakeServer server_a([&](int fd, FakeServer& s) { stub_a.serve(fd, s); });
  FakeServer server_b([&](int fd, FakeServer& s) { stub_b.serve(fd, s); });
  const std::vector<std::uint8_t> blob_a(1000, 0xa1), blob_b(700, 0xb2);
  auto write = [](int port, const std::vector<std::uint8_t>& blob) {
    TclRpcClient tcl;
    tcl.connect("127.0.0.1", port, 2s);
    tcl.write_flash(blob, 0x08040000);
  };
  std::thread board_a(write, server_a.port(), std::cref(blob_a));
  std::thread board_b(write, server_b.port(), std::cref(blob_b));
  board_a.join();
  board_b.join();
  server_a.stop = true;
  server_b.stop = true;
  EXPECT_EQ(stub_a.bytes_seen, std::string(blob_a.begin(), blob_a.end()));
  EXPECT_EQ(stub_b.bytes_seen, std::string(blob_b.begin(), blob_b.end()));
  EXPECT_NE(stub_a.path, stub_b.path);
  EXPECT_FALSE(std::filesystem::exists(stub_a.path)) << "the blob file outlived the write";
  EXPECT_FALSE(std::filesystem::exists(stub_b.path));
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
    launch.scripts = {"board/stm32f746g-disco.cfg"};
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
