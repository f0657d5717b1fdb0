#pragma once
// The mailbox protocol of the profiling firmware (firmware/include/tn/tn_hil_mailbox.h) over a GDB remote link:
// boot to the ready hook, post commands, wait for the done hook, read results. Identical for QEMU and for a board
// behind OpenOCD; only how the link and the blob get there differs (hil_link.hpp).
//
// Each command is: write cmd, arg, seq (one M packet while halted), set PC to the hook's return address (LR),
// continue, wait for the stop, check PC == tn_hil_done and done_seq == seq, read the mailbox. Resuming at LR
// instead of stepping over the breakpoint saves three round trips and two translation-cache flushes (hil_notes P2).

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "elf_image.hpp"
#include "process_watchdog.hpp"
#include "tinynas/hil/gdb_remote.hpp"
#include "tn/tn_hil_mailbox.h"

namespace tinynas::detail {

struct RunMeasurement {
  int status = 0;
  std::uint64_t ticks = 0;
  std::vector<std::uint32_t> op_ticks;
  std::vector<std::int8_t> output;
  std::uint32_t output_crc = 0;
  std::uint32_t arena_used = 0;
  std::uint32_t stack_used = 0;
};

class HilSession {
public:
  using Millis = std::chrono::milliseconds;

  // `where` names the board in every error message.
  HilSession(GdbRemote& gdb, const ElfImage& image, std::string where);

  // Sets the hook breakpoints and runs the halted target to tn_hil_ready; checks magic and ABI version.
  void boot(Millis timeout);
  const tn_hil_mailbox& identity() const { return identity_; }

  // Posts a command and waits for its answer. Throws Error(kIo) when the firmware does not answer in time (after
  // interrupting it to see where it is), faults, or the link fails.
  tn_hil_mailbox command(std::uint32_t cmd, std::uint32_t arg, Millis timeout);

  // LOAD: validates the blob already written at identity().blob_addr. Returns the mailbox (status may be an error).
  tn_hil_mailbox load(Millis timeout) { return command(TN_HIL_CMD_LOAD, 0, timeout); }
  // Writes the input, runs once with the arena and stack painted with `paint`, reads output and per-op ticks.
  RunMeasurement run(const tn_hil_mailbox& loaded, const std::vector<std::int8_t>& input, std::uint8_t paint,
                     Millis timeout);

  // Polled while a boot or command waits for the target (null: none), so a stalled link fails within a poll
  // instead of at the timeout. Owned by the link, which outlives the session.
  void set_stall_detector(StallDetector* detector) { stall_ = detector; }

  GdbRemote& gdb() { return gdb_; }
  const ElfImage& image() const { return image_; }

private:
  [[noreturn]] void fail(const std::string& what) const;
  tn_hil_mailbox read_mailbox();
  // gdb_.wait_for_stop in short slices with the stall detector polled between them; fails naming `doing`.
  std::optional<GdbStop> wait_for_stop(Millis timeout, const std::string& doing);

  GdbRemote& gdb_;
  const ElfImage& image_;
  std::string where_;
  std::uint32_t mailbox_ = 0, ready_ = 0, done_ = 0;
  std::uint32_t seq_ = 0;
  tn_hil_mailbox identity_{};
  StallDetector* stall_ = nullptr;
};

} // namespace tinynas::detail
