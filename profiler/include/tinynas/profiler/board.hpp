#pragma once
// A target board, as data (configs/boards/*.json): memory budgets, the core and its clock, what the
// runtime itself takes, and the coefficients of the first latency estimate.

#include <cstdint>
#include <string>
#include <string_view>

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
  bool emulated = false; // a QEMU machine: counts are instructions, not cycles
  LatencyCoefficients latency;
  std::string file;

  // "stm32f746g-disco" (configs/boards/stm32f746g-disco.json) or a path.
  static Board load(std::string_view name_or_path);
  static Board from_json(std::string_view text, std::string_view file = "<memory>");
  std::string to_json() const;
};

} // namespace tinynas
