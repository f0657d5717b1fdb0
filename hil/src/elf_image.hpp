#pragma once
// The little the profiler needs from a firmware ELF (32-bit little-endian Arm): symbol addresses (hooks, mailbox,
// runtime code range) and the bytes the image puts into flash.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tinynas::detail {

// A PT_LOAD segment's bytes from the file at its load (physical) address: where programming puts them (.data's
// initial values go to flash, after the code, not to their RAM address).
struct ElfSegment {
  std::uint32_t address = 0;
  std::vector<std::uint8_t> bytes;
};

struct ElfSymbol {
  std::uint32_t address = 0;
  std::uint32_t size = 0;
  bool is_function = false;
};

class ElfImage {
public:
  // Throws Error(kInvalidFile) naming the file if it is missing or not a 32-bit little-endian Arm ELF.
  static ElfImage load(const std::string& path);

  const std::string& path() const { return path_; }
  // Throws Error(kInvalidFile) naming the symbol and the file when absent.
  std::uint32_t symbol(const std::string& name) const;
  bool has_symbol(const std::string& name) const { return symbols_.count(name) != 0; }
  // The names of the symbols that start with `prefix`, in order.
  std::vector<std::string> symbols_with_prefix(const std::string& prefix) const;
  // "tn_model_invoke+0x12" for an address inside a known function, else "0x...".
  std::string describe(std::uint32_t address) const;
  // Bytes of the PT_LOAD segments stored in the file: code, constants and .data's initial values, i.e. what
  // programming the image writes to flash.
  std::uint64_t load_bytes() const { return load_bytes_; }
  const std::vector<ElfSegment>& segments() const { return segments_; }

private:
  std::string path_;
  std::map<std::string, ElfSymbol> symbols_;
  std::uint64_t load_bytes_ = 0;
  std::vector<ElfSegment> segments_;
};

} // namespace tinynas::detail
