// The GDB remote protocol client against a scripted server: framing, acknowledgements, checksum
// retransmission, run-length decoding, memory and register access, stop replies, console output, and the
// timeouts that keep a silent or absent server from hanging the profiler.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <vector>

#include "fake_server.hpp"
#include "gdb_loader.hpp"
#include "tinynas/hil/gdb_remote.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {
namespace {

using hil_test::FakeServer;
using namespace std::chrono_literals;

std::string frame(const std::string& payload, bool corrupt = false) {
  unsigned sum = 0;
  for (char c : payload) sum += static_cast<unsigned char>(c);
  char cs[3];
  std::snprintf(cs, sizeof cs, "%02x", (sum + (corrupt ? 1 : 0)) & 0xFF);
  return "$" + payload + "#" + cs;
}

// A minimal gdbstub: 64 bytes of memory at 0x20000000, registers r0..r15, one stop after 'c'. With flash_map it
// also plays OpenOCD's flash: 1 KiB at 0x08000000 in 256-byte blocks, offered in a memory map, refused to M,
// written only with vFlash* and only where erased, as flash is.
struct Stub {
  static constexpr std::uint32_t kFlash = 0x08000000, kFlashBytes = 0x400, kBlock = 0x100;
  bool flash_map = false;
  bool flip_a_flash_bit = false;                 // vFlashDone programs one bit wrong (a failing verify)
  std::map<std::uint32_t, std::uint8_t> pending; // vFlashWrite data until vFlashDone
  std::vector<std::string> flash_packets;        // vFlashErase/vFlashDone as received
  static bool in_flash(std::uint32_t a) { return a >= kFlash && a < kFlash + kFlashBytes; }
  std::string memory_map() const {
    return "<?xml version=\"1.0\"?>\n<memory-map>\n<memory type=\"flash\" start=\"0x8000000\" length=\"0x400\">\n"
           "<property name=\"blocksize\">0x100</property>\n</memory>\n"
           "<memory type='ram' start='536870912' length='0x1000'/>\n</memory-map>\n";
  }
  std::string flash(const std::string& p) {
    unsigned addr = 0, len = 0;
    if (p.rfind("vFlashErase:", 0) == 0) {
      flash_packets.push_back(p);
      std::sscanf(p.c_str(), "vFlashErase:%x,%x", &addr, &len);
      if (!in_flash(addr) || addr % kBlock || len % kBlock) return "E01";
      for (unsigned i = 0; i < len; ++i) memory[addr + i] = 0xFF;
      return "OK";
    }
    if (p.rfind("vFlashWrite:", 0) == 0) {
      std::sscanf(p.c_str(), "vFlashWrite:%x:", &addr);
      const std::size_t data = p.find(':', 12) + 1;
      for (std::size_t i = data; i < p.size(); ++i, ++addr) // '}' escapes the next byte (xor 0x20)
        pending[addr] = static_cast<std::uint8_t>(p[i] == '}' ? p[++i] ^ 0x20 : p[i]);
      return "OK";
    }
    flash_packets.push_back(p); // vFlashDone
    for (auto [a, v] : pending) {
      if (memory[a] != 0xFF) return "E03"; // written without an erase
      memory[a] = static_cast<std::uint8_t>(v ^ (flip_a_flash_bit && a == kFlash + 0x90 ? 1 : 0));
    }
    pending.clear();
    return "OK";
  }

  std::map<std::uint32_t, std::uint8_t> memory;
  std::uint32_t pc = 0x08000400;
  std::vector<std::string> received;
  std::mutex m;
  bool corrupt_next_reply = false;
  bool rle_memory = false;
  bool garbage_memory = false;

  std::string answer(const std::string& p) {
    if (p.rfind("qSupported", 0) == 0)
      return std::string("PacketSize=400;qXfer:features:read+") + (flash_map ? ";qXfer:memory-map:read+" : "");
    if (p.rfind("qXfer:memory-map:read::", 0) == 0) { // in 48-byte pieces, so the client must join them
      unsigned offset = 0;
      std::sscanf(p.c_str(), "qXfer:memory-map:read::%x,", &offset);
      const std::string map = memory_map();
      return (offset + 48 < map.size() ? "m" : "l") + map.substr(std::min<std::size_t>(offset, map.size()), 48);
    }
    if (p.rfind("vFlash", 0) == 0) return flash(p);
    if (p.rfind("qXfer:features:read:target.xml", 0) == 0) return "l<target><architecture>arm</architecture></target>";
    if (p == "?") return "S05";
    if (p[0] == 'm') {
      unsigned addr = 0, len = 0;
      std::sscanf(p.c_str(), "m%x,%x", &addr, &len);
      if (garbage_memory) return std::string(2 * len, 'z');
      if (rle_memory) return "00*" + std::string(1, static_cast<char>(29 + 2 * len - 2)); // "00" + repeat
      std::string out;
      for (unsigned i = 0; i < len; ++i) {
        char b[3];
        std::snprintf(b, sizeof b, "%02x", memory[addr + i]);
        out += b;
      }
      return out;
    }
    if (p[0] == 'M') {
      unsigned addr = 0, len = 0;
      std::sscanf(p.c_str(), "M%x,%x:", &addr, &len);
      if (flash_map && in_flash(addr)) return "E01"; // OpenOCD: flash is written with vFlash*
      const std::string hex = p.substr(p.find(':') + 1);
      for (unsigned i = 0; i < len; ++i)
        memory[addr + i] = static_cast<std::uint8_t>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
      return "OK";
    }
    if (p == "pf") {
      char b[9];
      std::snprintf(b, sizeof b, "%02x%02x%02x%02x", pc & 0xFF, (pc >> 8) & 0xFF, (pc >> 16) & 0xFF, pc >> 24);
      return b;
    }
    if (p.rfind("Pf=", 0) == 0) {
      const std::string v = p.substr(3);
      pc = static_cast<std::uint32_t>(
          std::stoul(v.substr(6, 2) + v.substr(4, 2) + v.substr(2, 2) + v.substr(0, 2), nullptr, 16));
      return "OK";
    }
    if (p.rfind("Z1,", 0) == 0 || p.rfind("z1,", 0) == 0) return "OK";
    return "";
  }

  void serve(int fd, FakeServer& server) {
    for (;;) {
      std::string packet = server.read_until(fd, '#');
      if (packet.empty()) return;
      char cs[2];
      if (::recv(fd, cs, 2, MSG_WAITALL) != 2) return;
      const std::string payload = packet.substr(packet.find('$') + 1, packet.size() - packet.find('$') - 2);
      {
        std::lock_guard<std::mutex> lock(m);
        received.push_back(payload);
      }
      FakeServer::send_text(fd, "+");
      if (payload == "c") {
        FakeServer::send_text(fd, frame("O48690a")); // console "Hi\n" while running
        FakeServer::send_text(fd, frame("T05thread:01;"));
        continue;
      }
      const std::string reply = answer(payload);
      if (corrupt_next_reply) {
        corrupt_next_reply = false;
        FakeServer::send_text(fd, frame(reply, true));
        std::string nack = server.read_until(fd, '-');
        if (nack.empty()) return;
      }
      FakeServer::send_text(fd, frame(reply));
      std::string ack = server.read_until(fd, '+');
      if (ack.empty()) return;
    }
  }
};

TEST(GdbRemote, HandshakeMemoryRegistersAndStop) {
  Stub stub;
  FakeServer server([&](int fd, FakeServer& s) { stub.serve(fd, s); });
  GdbRemote gdb(500ms);
  gdb.connect("127.0.0.1", server.port(), 2s);
  EXPECT_TRUE(gdb.connected());
  gdb.write_memory(0x20000000, {1, 2, 3, 0xAB});
  EXPECT_EQ(gdb.read_memory(0x20000000, 4), (std::vector<std::uint8_t>{1, 2, 3, 0xAB}));
  EXPECT_EQ(gdb.read_u32(0x20000000), 0xAB030201u);
  EXPECT_EQ(gdb.read_register(15), 0x08000400u);
  gdb.insert_breakpoint(0x08000800);
  gdb.resume(0x08000201); // Thumb bit set: the client writes the PC without it
  std::optional<GdbStop> stop = gdb.wait_for_stop(1s);
  ASSERT_TRUE(stop);
  EXPECT_EQ(stop->signal, 5);
  EXPECT_EQ(gdb.take_console(), "Hi\n");
  EXPECT_EQ(gdb.read_register(15), 0x08000200u);
  server.stop = true;
  std::lock_guard<std::mutex> lock(stub.m);
  // the register description is fetched before any p/P (QEMU 7.2 needs it)
  ASSERT_GE(stub.received.size(), 3u);
  EXPECT_EQ(stub.received[1].rfind("qXfer:features:read:target.xml", 0), 0u);
  bool saw_breakpoint = false;
  for (const std::string& p : stub.received) saw_breakpoint = saw_breakpoint || p == "Z1,8000800,2";
  EXPECT_TRUE(saw_breakpoint);
}

TEST(GdbRemote, BadChecksumIsNackedAndResent) {
  Stub stub;
  stub.memory[0x20000010] = 0x42;
  FakeServer server([&](int fd, FakeServer& s) { stub.serve(fd, s); });
  GdbRemote gdb(500ms);
  gdb.connect("127.0.0.1", server.port(), 2s);
  stub.corrupt_next_reply = true;
  EXPECT_EQ(gdb.read_memory(0x20000010, 1), (std::vector<std::uint8_t>{0x42}));
  server.stop = true;
}

TEST(GdbRemote, RunLengthEncodedRepliesAreExpanded) {
  Stub stub;
  FakeServer server([&](int fd, FakeServer& s) { stub.serve(fd, s); });
  GdbRemote gdb(500ms);
  gdb.connect("127.0.0.1", server.port(), 2s);
  stub.rle_memory = true;
  EXPECT_EQ(gdb.read_memory(0x20000000, 8), std::vector<std::uint8_t>(8, 0));
  server.stop = true;
}

// A reply of the right length that is not hex was read as bytes of -17 before; now it is an error naming the read.
TEST(GdbRemote, AMemoryReplyThatIsNotHexIsAnError) {
  Stub stub;
  FakeServer server([&](int fd, FakeServer& s) { stub.serve(fd, s); });
  GdbRemote gdb(500ms);
  gdb.connect("127.0.0.1", server.port(), 2s);
  stub.garbage_memory = true;
  try {
    gdb.read_memory(0x20000000, 4);
    ADD_FAILURE() << "a reply of 'zzzzzzzz' was read as memory";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("reading 4 bytes at 0x20000000 failed (reply 'zzzzzzzz')"), std::string::npos)
        << e.what();
  }
  server.stop = true;
}

TEST(GdbRemote, SilentServerTimesOutWithAClearError) {
  FakeServer server([](int fd, FakeServer& s) {
    while (!s.stop) s.read_until(fd, '\0'); // accept, read, never answer
  });
  GdbRemote gdb(300ms);
  const auto t0 = std::chrono::steady_clock::now();
  try {
    gdb.connect("127.0.0.1", server.port(), 2s);
    FAIL() << "connected to a silent server";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(server.port())), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no acknowledgement"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  server.stop = true;
}

TEST(GdbRemote, NothingListeningGivesUpAfterTheTimeout) {
  int port;
  {
    FakeServer probe([](int, FakeServer&) {});
    port = probe.port();
    probe.stop = true;
  } // closed again: nothing listens on it now
  GdbRemote gdb(300ms);
  try {
    gdb.connect("127.0.0.1", port, 400ms);
    FAIL() << "connected to a closed port";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("nothing accepts connections"), std::string::npos) << e.what();
  }
}

TEST(GdbRemote, StopWaitReturnsNothingWhileTheTargetRuns) {
  FakeServer server([](int fd, FakeServer& s) {
    Stub stub;
    stub.serve(fd, s);
  });
  GdbRemote gdb(500ms);
  gdb.connect("127.0.0.1", server.port(), 2s);
  EXPECT_FALSE(gdb.wait_for_stop(100ms)); // nothing was resumed: no stop reply arrives
  server.stop = true;
}

// ---- loading through the GDB port (a board whose OpenOCD runs on another host) ----

std::vector<std::uint8_t> pattern(std::size_t n) {
  std::vector<std::uint8_t> bytes(n);
  for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<std::uint8_t>(i * 7 + 1);
  bytes[3] = '#'; // the bytes binary packets must escape
  bytes[4] = '$';
  bytes[5] = '}';
  bytes[6] = '*';
  return bytes;
}

// A client connected to a Stub that plays OpenOCD's flash (memory map, vFlash packets only).
struct FlashTarget {
  Stub stub;
  FakeServer server{[this](int fd, FakeServer& s) { stub.serve(fd, s); }};
  GdbRemote gdb{500ms};
  FlashTarget() {
    stub.flash_map = true;
    gdb.connect("127.0.0.1", server.port(), 2s);
  }
  ~FlashTarget() { server.stop = true; }
};

TEST(GdbLoader, ProgramsFlashInWholeBlocksAndRamWithM) {
  FlashTarget t;
  Stub& stub = t.stub;
  GdbRemote& gdb = t.gdb;
  const std::vector<std::uint8_t> code = pattern(600), data = {9, 8, 7, 6};
  // 600 bytes from 0x080: blocks 0x000, 0x100 and 0x200 (to 0x2d8) of flash; block 0x300 is not touched
  const detail::GdbLoadReport r = detail::load_over_gdb(gdb, {{0x08000080, code}, {0x20000000, data}}, 2s);
  EXPECT_EQ(r.flash_bytes, 600u);
  EXPECT_EQ(r.memory_bytes, 4u);
  EXPECT_EQ(r.unchanged_bytes, 0u);
  EXPECT_EQ(gdb.read_memory(0x08000080, 600), code);
  EXPECT_EQ(gdb.read_memory(0x20000000, 4), data);
  EXPECT_EQ(gdb.read_memory(0x08000000, 4), std::vector<std::uint8_t>(4, 0xFF)); // erased, not written
  EXPECT_EQ(gdb.read_memory(0x08000300, 4), std::vector<std::uint8_t>(4, 0));    // never erased
  {
    std::lock_guard<std::mutex> lock(stub.m);
    EXPECT_EQ(stub.flash_packets, (std::vector<std::string>{"vFlashErase:8000000,100", "vFlashErase:8000100,100",
                                                            "vFlashErase:8000200,100", "vFlashDone"}));
    stub.flash_packets.clear();
  }
  // Loaded again (a worker reconnecting): the flash already holds the image, so nothing is erased.
  const detail::GdbLoadReport again = detail::load_over_gdb(gdb, {{0x08000080, code}}, 2s);
  EXPECT_EQ(again.unchanged_bytes, 600u);
  EXPECT_EQ(again.flash_bytes, 0u);
  t.server.stop = true;
  std::lock_guard<std::mutex> lock(stub.m);
  EXPECT_TRUE(stub.flash_packets.empty());
}

// Two segments share block 0x100: only the second changed, yet erasing the block wipes the first, so both are
// programmed (a loader that skipped the unchanged one left 0xFF where its code was).
TEST(GdbLoader, AnUnchangedPieceInAnErasedBlockIsProgrammedAgain) {
  FlashTarget t;
  GdbRemote& gdb = t.gdb;
  const std::vector<std::uint8_t> code = pattern(32), first = {1, 2, 3, 4}, second = {5, 6, 7, 8};
  detail::load_over_gdb(gdb, {{0x08000100, code}, {0x08000180, first}}, 2s);
  const detail::GdbLoadReport r = detail::load_over_gdb(gdb, {{0x08000100, code}, {0x08000180, second}}, 2s);
  EXPECT_EQ(r.flash_bytes, 36u);
  EXPECT_EQ(r.unchanged_bytes, 0u);
  EXPECT_EQ(gdb.read_memory(0x08000100, 32), code);
  EXPECT_EQ(gdb.read_memory(0x08000180, 4), second);
  t.server.stop = true;
}

TEST(GdbLoader, AVerifyMismatchNamesTheAddress) {
  FlashTarget t;
  t.stub.flip_a_flash_bit = true;
  GdbRemote& gdb = t.gdb;
  try {
    detail::load_over_gdb(gdb, {{0x08000080, pattern(64)}}, 2s);
    ADD_FAILURE() << "a flash that reads back wrong was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("verify after loading failed at 0x08000090"), std::string::npos) << e.what();
  }
  t.server.stop = true;
}

TEST(GdbLoader, WithoutAMemoryMapEverythingGoesWithM) {
  Stub stub; // QEMU's gdbstub: no memory map, its flash writable by the debugger
  FakeServer server([&](int fd, FakeServer& s) { stub.serve(fd, s); });
  GdbRemote gdb(500ms);
  gdb.connect("127.0.0.1", server.port(), 2s);
  EXPECT_EQ(gdb.memory_map_xml(), "");
  const detail::GdbLoadReport r = detail::load_over_gdb(gdb, {{0x08000000, pattern(100)}}, 2s);
  EXPECT_EQ(r.memory_bytes, 100u);
  EXPECT_EQ(r.flash_bytes, 0u);
  EXPECT_EQ(gdb.read_memory(0x08000000, 100), pattern(100));
  server.stop = true;
}

} // namespace
} // namespace tinynas
