#pragma once
// Launches QEMU (qemu-system-arm) as a stand-in board for the profiling firmware and connects the GDB remote
// client to its gdbstub. The machine starts halted (-S) with no monitor and no serial on stdio, on a free local
// port; with -icount shift=N every guest instruction advances virtual time by 2^N ns, so SysTick counts repeat
// exactly from run to run (shared/hil_notes.md §2.4). QEMU is killed with its process group when the object goes
// away, also on exceptions.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tinynas/hil/gdb_remote.hpp"

namespace tinynas {

struct QemuLaunch {
  std::string machine;  // -M value, e.g. "netduinoplus2", "mps2-an500"
  std::string kernel;   // the firmware ELF; "" = an empty machine, for a debugger to load (as a remote board)
  int icount_shift = 3; // -icount shift=N,sleep=off; < 0 leaves -icount out (counts then follow host time)
  std::string plugin;   // a TCG plugin .so ("" for none) and its arguments ("lo=...", "out=...")
  std::vector<std::string> plugin_args;
  std::string log_file; // QEMU's stdout/stderr; "" = a temporary file removed with the object
  std::string program = "qemu-system-arm";
};

class QemuMachine {
public:
  // Throws Error(kIo) quoting QEMU's own output if it does not start or its gdbstub does not answer.
  explicit QemuMachine(const QemuLaunch& launch, std::chrono::milliseconds connect_timeout = std::chrono::seconds(5));
  ~QemuMachine();
  QemuMachine(const QemuMachine&) = delete;
  QemuMachine& operator=(const QemuMachine&) = delete;

  GdbRemote& gdb();
  bool alive();
  void kill();
  int gdb_port() const;
  int process_id() const; // QEMU's pid, -1 once killed
  // The last lines QEMU printed (for error messages).
  std::string log_tail() const;
  const std::vector<std::string>& command_line() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace tinynas
