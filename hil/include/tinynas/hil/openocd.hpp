#pragma once
// Real boards: OpenOCD as the debug server. The launcher starts `openocd -f <board script>` on free local ports
// (GDB, Tcl; telnet disabled) and turns its failures into clear errors (no probe attached, no permission, wrong
// board script). The Tcl RPC client (OpenOCD manual §21.3: commands and replies terminated by 0x1a) programs and
// verifies flash and resets the target; run control then goes through GdbRemote on the GDB port, exactly as with
// QEMU.
//
// Every Tcl command is wrapped in `catch`, because Tcl RPC frames an error message exactly like a result
// (shared/hil_notes.md, P9); an error comes back as Error(kIo) with OpenOCD's message.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tinynas {

class TclRpcClient {
public:
  using Millis = std::chrono::milliseconds;

  TclRpcClient();
  ~TclRpcClient();
  TclRpcClient(const TclRpcClient&) = delete;
  TclRpcClient& operator=(const TclRpcClient&) = delete;

  // Connects, retrying while refused, until `timeout`. Throws Error(kIo).
  void connect(const std::string& host, int port, Millis timeout);
  void close();

  // Runs one Tcl command; returns its result text. Throws Error(kIo) with OpenOCD's error message, or on timeout.
  std::string command(const std::string& tcl, Millis timeout = Millis(5000));

  // Writes the ELF into flash and verifies it (OpenOCD's `program FILE verify`), without resetting.
  void program(const std::string& elf_path, Millis timeout = Millis(60000));
  // Writes a raw binary at `address` (erasing the sectors it covers) and verifies it.
  void write_flash(const std::string& bin_path, std::uint32_t address, Millis timeout = Millis(60000));
  // The same for bytes in memory: they go through a file in a fresh temporary directory of their own (OpenOCD
  // reads files only), removed afterwards, so any number of boards in one process never share a file.
  void write_flash(const std::vector<std::uint8_t>& bytes, std::uint32_t address, Millis timeout = Millis(60000));
  void reset_halt(Millis timeout = Millis(5000));
  void reset_run(Millis timeout = Millis(5000));

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct OpenOcdLaunch {
  std::string board;                // for messages, e.g. "stm32f746g-disco"
  std::vector<std::string> scripts; // OpenOCD -f scripts, e.g. {"board/stm32f746g-disco.cfg"} (Board::link)
  std::string probe_serial;         // "adapter serial"; "" = the only probe attached
  std::string program = "openocd";
  std::string log_file; // "" = a temporary file
};

class OpenOcdServer {
public:
  using Millis = std::chrono::milliseconds;

  // Starts OpenOCD and connects the Tcl client. Throws Error(kIo) naming the board: "no debug probe found" when
  // OpenOCD cannot open the adapter, OpenOCD's own last lines otherwise.
  explicit OpenOcdServer(const OpenOcdLaunch& launch, Millis timeout = Millis(10000));
  ~OpenOcdServer();
  OpenOcdServer(const OpenOcdServer&) = delete;
  OpenOcdServer& operator=(const OpenOcdServer&) = delete;

  int gdb_port() const;
  int tcl_port() const;
  TclRpcClient& tcl();
  bool alive();
  int process_id() const; // OpenOCD's pid
  std::string log_tail() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The message for an OpenOCD that exited during start-up: recognises the usual causes in its log.
std::string explain_openocd_failure(const std::string& board, const std::string& log);

} // namespace tinynas
