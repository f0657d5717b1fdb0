// The model blob validator of the int8 runtime (tn_model_load, what the firmware runs on a board before trusting a
// blob). A blob it accepts must then run: tn_model_invoke on an arena of exactly the size the blob asks for, so
// any kernel reading or writing outside blob or arena is a validator finding (AddressSanitizer sees it).
#include <cstring>
#include <vector>

#include "fuzz_target.hpp"
#include "tn/tn_interpreter.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::uint32_t kArenaCapacity = 64 * 1024; // bounds the work one input can ask for
  if (size > (1u << 20)) return 0;
  std::vector<std::uint32_t> aligned((size + 3) / 4); // the runtime wants a 4-byte aligned blob
  if (size > 0) std::memcpy(aligned.data(), data, size);
  tn_model model{};
  std::uint32_t failed_op = 0;
  if (tn_model_load(&model, aligned.data(), static_cast<std::uint32_t>(size), kArenaCapacity, &failed_op) != 0)
    return 0;
  ++tinynas::fuzz::accepted;
  if (model.arena_bytes > kArenaCapacity) tinynas::fuzz::finding("a loaded model asks for more than the arena");
  // A patch model's input is outside the arena and only its size bounds it: keep the work bounded.
  if (model.input_bytes > (1u << 22)) return 0;
  std::vector<std::uint8_t> arena(model.arena_bytes);
  for (std::size_t i = 0; i < arena.size(); ++i) arena[i] = static_cast<std::uint8_t>(i * 131);
  std::vector<std::int8_t> input(model.input_bytes, 7);
  (void)tn_model_invoke(&model, input.data(), arena.data(), nullptr, nullptr, &failed_op);
  return 0;
}
