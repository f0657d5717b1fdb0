#pragma once
// A client of the GDB Remote Serial Protocol, the one link the profiler uses to run the profiling firmware: on
// QEMU's gdbstub (-gdb tcp:...) in CI and on OpenOCD's GDB server (port 3333) with a real board.
//
// Only what both servers implement is used: qSupported, qXfer:features:read (QEMU 7.2 answers p/P only after
// target.xml was fetched), ?, m, M (QEMU 7.2 has no X), p, P, Z0/Z1/z0/z1, c, raw 0x03, qRcmd (OpenOCD monitor
// commands); and, where the server offers a memory map (OpenOCD), qXfer:memory-map:read and vFlash* to program
// a board's flash over a GDB port on another host. Every packet is acknowledged unless the server offers
// QStartNoAckMode (OpenOCD), and every wait has a timeout: a server that does not answer produces Error(kIo) naming the
// peer and what was awaited, never a hang. Console output (O packets) received while the target runs is collected in
// console().
//
// Registers use GDB's Arm numbering: r0..r12 = 0..12, sp 13, lr 14, pc 15.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tinynas {

struct GdbStop {
  int signal = 0;      // 5 = SIGTRAP (breakpoint), 2 = SIGINT (interrupted), ...
  bool exited = false; // W/X reply: the target (QEMU) terminated
  std::string packet;  // the raw stop reply
};

class GdbRemote {
public:
  using Millis = std::chrono::milliseconds;

  explicit GdbRemote(Millis packet_timeout = Millis(2000));
  ~GdbRemote();
  GdbRemote(const GdbRemote&) = delete;
  GdbRemote& operator=(const GdbRemote&) = delete;

  // Connects (retrying while the port refuses, until `timeout`) and negotiates features; the target is halted
  // afterwards (QEMU -S starts halted; OpenOCD halts on attach).
  void connect(const std::string& host, int port, Millis timeout);
  bool connected() const;
  void close();
  const std::string& peer() const;

  std::vector<std::uint8_t> read_memory(std::uint32_t address, std::size_t bytes);
  void write_memory(std::uint32_t address, const std::vector<std::uint8_t>& data);
  std::uint32_t read_u32(std::uint32_t address);
  void write_u32(std::uint32_t address, std::uint32_t value);

  std::uint32_t read_register(int number);
  void write_register(int number, std::uint32_t value);

  // Hardware breakpoints (Z1) work on code in flash; software ones (Z0) need writable code.
  void insert_breakpoint(std::uint32_t address, bool hardware = true);
  void remove_breakpoint(std::uint32_t address, bool hardware = true);

  // Resumes at the current PC, or at `address` (PC written first). Does not wait.
  void resume(std::optional<std::uint32_t> address = std::nullopt);
  // Waits for the target to stop; nullopt on timeout (the target is still running).
  std::optional<GdbStop> wait_for_stop(Millis timeout);
  // Sends the raw interrupt byte and waits for the stop reply (throws Error(kIo) if none comes).
  GdbStop interrupt(Millis timeout);

  // The target's memory map (qXfer:memory-map:read, gdb's memory-map.dtd XML); "" when the server has none (QEMU
  // lets the debugger write its flash with M).
  std::string memory_map_xml();
  // Flash programming as gdb's `load` does it on OpenOCD: erase whole blocks, write (buffered by the server), then
  // done, which programs. Erase and done take seconds on real flash, hence their own timeout.
  void flash_erase(std::uint32_t address, std::uint32_t length, Millis timeout);
  void flash_write(std::uint32_t address, const std::vector<std::uint8_t>& data, Millis timeout);
  void flash_done(Millis timeout);

  // A monitor command (qRcmd): OpenOCD's "reset halt" and friends. Returns the console output.
  std::string monitor(const std::string& command);

  // Text the target printed (O packets) since the last call.
  std::string take_console();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace tinynas
