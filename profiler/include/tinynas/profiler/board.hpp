#pragma once
// A target board, as data (configs/boards/*.json): memory budgets, the core and its clock, what the
// runtime itself takes, the coefficients of the first latency estimate, how the host reaches the board
// (its `link`) and where its calibrated latency table is. Everything the tools know about a board is
// in its file; nothing is keyed by board name in code.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tinynas {

// Estimated cycles of one op: macs * cycles_per_mac[type] + elements * per_element + per_layer.
// Coefficients come from published kernel figures until `tinynas calibrate` measures them; `source`
// says which ("estimate: ..." or "calibrated: ...").
struct LatencyCoefficients {
  double conv = 0;             // cycles per MAC, dense kxk conv (first layer)
  double depthwise = 0;        // cycles per MAC, depthwise conv
  double pointwise = 0;        // cycles per MAC, 1x1 conv
  double fc = 0;               // cycles per MAC, fully connected
  double add_per_element = 0;  // cycles per output element of a residual add
  double pool_per_element = 0; // cycles per input element of the global average pool
  double per_layer = 0;        // fixed cycles per op (dispatch, requant setup)
  std::string source;
};

// How the host reaches the board's profiling firmware (docs/FORMATS.md, "link").
struct BoardLink {
  enum class Kind {
    kNone,    // no link: the board can be analysed and searched for, not profiled
    kQemu,    // a QEMU machine stands in for it: counts are instructions, not cycles
    kOpenOcd, // a real board behind a debug probe, through OpenOCD
  };
  Kind kind = Kind::kNone;
  std::string firmware; // the profiling firmware image's name: <firmware dir>/<firmware>.elf (and -purec.elf)
  // QEMU
  std::string qemu_machine; // -M value
  int icount_shift = 0;     // -icount shift: one instruction = 2^shift ns of virtual time
  // OpenOCD
  std::vector<std::string> openocd_scripts; // -f scripts: a board script, or interface + target scripts
  std::string probe_serial;                 // the probe's serial ("adapter serial"); "" = the only probe attached
  // Either kind: "host:port", the GDB port of a server already running on another host (OpenOCD on the host the
  // probe is plugged into; a QEMU started there). Nothing is launched here; the firmware and the blobs go through
  // that port. "" = launch QEMU / OpenOCD here.
  std::string remote;
  // remote: the monitor command that resets the board and leaves it halted ("reset halt" for OpenOCD,
  // "system_reset" for QEMU, the defaults).
  std::string reset_command;
};
const char* board_link_kind_name(BoardLink::Kind kind); // "none", "qemu", "openocd"
// The monitor command that resets a board of this link kind and leaves it halted.
const char* default_reset_command(BoardLink::Kind kind); // "system_reset" (QEMU), "reset halt" (OpenOCD)

struct Board {
  std::string name;
  std::string description;
  std::string mcu;  // e.g. "STM32F746NG"
  std::string core; // "cortex-m4", "cortex-m7"
  double clock_hz = 0;
  std::uint64_t sram_bytes = 0;
  std::uint64_t flash_bytes = 0;
  // What the deployed runtime takes besides the model: code + constant tables in flash; stack and
  // interpreter state in SRAM. Counted in every fit check.
  std::uint64_t runtime_flash_bytes = 0;
  std::uint64_t runtime_sram_bytes = 0;
  bool emulated = false; // a QEMU machine (link.kind == kQemu): counts are instructions, not cycles
  LatencyCoefficients latency;
  BoardLink link;
  // The board's calibrated latency table (`tinynas calibrate`), whether or not it exists yet: the file's
  // "latency_table" (relative to the board file), else <config dir>/latency/<name>.json.
  std::string latency_table;
  std::string file;

  // "stm32f746g-disco" (configs/boards/stm32f746g-disco.json) or a path.
  static Board load(std::string_view name_or_path);
  static Board from_json(std::string_view text, std::string_view file = "<memory>");
  std::string to_json() const;
};

// <config dir>/latency/<board_name>.json: where calibrate puts a board's table unless its file says otherwise.
std::string default_latency_table_path(const std::string& board_name);

} // namespace tinynas
