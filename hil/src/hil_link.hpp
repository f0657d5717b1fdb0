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
#include "tinynas/profiler/board.hpp"

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
  std::string firmware; // ELF path
  std::chrono::milliseconds boot_timeout{10000};
  std::string plugin; // QEMU only: TCG plugin + args
  std::vector<std::string> plugin_args;
};

// `board` names the board in messages; `link` says how it is reached (Board::link, possibly with the QEMU machine
// or icount shift overridden). Throws Error(kInvalidArgument) for a link of kind none.
std::unique_ptr<TargetLink> make_target_link(const std::string& board, const BoardLink& link, const ElfImage& image,
                                             const LinkOptions& options);

} // namespace tinynas::detail
