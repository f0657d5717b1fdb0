#pragma once
// Puts bytes into a target through its GDB server alone, as gdb's `load` does: what lies in a flash region of the
// server's memory map is erased in whole blocks and programmed with vFlash packets, the rest written with M. This
// is how the profiler reaches a board whose OpenOCD runs on another host: the ELF never needs to be on that host.

#include <chrono>
#include <cstddef>
#include <vector>

#include "elf_image.hpp"
#include "tinynas/hil/gdb_remote.hpp"

namespace tinynas::detail {

struct GdbLoadReport {
  std::size_t flash_bytes = 0;     // programmed into flash
  std::size_t memory_bytes = 0;    // written with M (RAM, or the flash of a server without a memory map)
  std::size_t unchanged_bytes = 0; // flash that already held these bytes: not erased again
};

// Writes every segment at its address and reads it all back; throws Error(kIo) naming the address of the first
// byte that differs. Flash that already holds a segment's bytes is left alone (no erase cycle when a worker
// reconnects to a board programmed earlier).
GdbLoadReport load_over_gdb(GdbRemote& gdb, const std::vector<ElfSegment>& segments,
                            std::chrono::milliseconds flash_timeout = std::chrono::seconds(60));

} // namespace tinynas::detail
