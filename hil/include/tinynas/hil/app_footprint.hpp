#pragma once
// What a linked `tinynas deploy` application takes of its board (tinynas/deploy/app_project.hpp), read from its
// ELF: the figures `tinynas deploy` sets beside the cost model's prediction.

#include <cstdint>
#include <string>

namespace tinynas {

struct AppFootprint {
  std::int64_t flash_bytes = 0; // loadable bytes: vectors, code, constants, the model blob, .data's initial values
  std::int64_t ram_bytes = 0;   // .data, .bss and the stack (RAM up to the stack's top)
  std::int64_t arena_bytes = 0; // the model's arena section
  std::int64_t sram_bytes() const { return ram_bytes + arena_bytes; }
};

// Error(kInvalidFile) naming the file when it is not a 32-bit Arm ELF of such an application (its linker script's
// __tn_ram_start, __tn_ram_end, __tn_arena_start and __tn_arena_end symbols).
AppFootprint app_footprint(const std::string& elf_path);

} // namespace tinynas
