#pragma once
// A booted profiling firmware on one board, however it is reached: QEMU (launched here, blob written through the
// gdbstub) or a real board behind OpenOCD (firmware and blob programmed into flash over Tcl RPC, run control over
// OpenOCD's GDB port). start() leaves the firmware stopped at tn_hil_ready with a HilSession attached;
// restart() is the recovery step after a link failure: relaunch QEMU, or reset the board.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "elf_image.hpp"
#include "hil_session.hpp"
#include "hil_targets.hpp"

namespace tinynas::detail {

class TargetLink {
public:
  virtual ~TargetLink() = default;
  virtual void start() = 0;
  virtual void stop() = 0;
  virtual bool started() const = 0;
  virtual HilSession& session() = 0;
  // Puts the blob at the firmware's blob area; the firmware is at a hook afterwards.
  virtual void write_blob(const std::vector<std::uint8_t>& blob) = 0;
  virtual int process_id() const { return -1; } // QEMU's pid (tests inject faults with it)
};

struct LinkOptions {
  std::string firmware;  // ELF path
  int icount_shift = -1; // QEMU only
  std::chrono::milliseconds boot_timeout{10000};
  std::string qemu_machine; // QEMU only: overrides the target's machine
  std::string plugin;       // QEMU only: TCG plugin + args
  std::vector<std::string> plugin_args;
};

std::unique_ptr<TargetLink> make_target_link(const HilTarget& target, const ElfImage& image,
                                             const LinkOptions& options);

} // namespace tinynas::detail
