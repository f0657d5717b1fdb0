#pragma once
// Turns a graph (or the part of it between two ops) into arena buffer requests under the rules of
// the layerwise and inplace-dw schedules, plans them, and reports the arena per op. The cost model
// and the patch schedule size SRAM with it; deploy's model blob places tensors with the same call,
// so the arena a firmware uses is the one the cost model predicted.

#include <cstdint>
#include <vector>

#include "tinynas/profiler/memory_planner.hpp"
#include "tinynas/space/graph.hpp"

namespace tinynas {

struct ArenaRules {
  bool inplace_depthwise = false; // a depthwise conv overwrites its input when nothing else reads it
  bool per_op_high_water = true;  // fill high_water / peak_op (skipped on the search's hot path)
};

struct ArenaResult {
  std::vector<BufferRequest> buffers;
  MemoryPlan plan; // plan_memory_best: the smaller of greedy-by-size and first-fit
  PlacementStrategy strategy = PlacementStrategy::kGreedyBySize;
  std::vector<std::int64_t> scratch_bytes; // per op of the range (index op - first_op)
  std::vector<std::int64_t> high_water;    // arena bytes in use while each op of the range runs (if asked)
  std::int64_t peak = 0;
  int peak_op = 0; // absolute op index
};

// Kernel scratch of an op (bytes): what the firmware's own kernels request, through the runtime's
// get_buffer_size functions and the same dispatch predicates (firmware/include/tn/tn_kernels.h), so
// the planned arena is what the target needs. Depthwise kernels take one padded channel plane
// whether or not they run in place.
std::int64_t kernel_scratch_bytes(const Op& op, const std::vector<TensorShape>& shapes);

// Plans ops [first_op, last_op] of `graph` with tensor shapes `shapes` (graph.tensors, or patch
// tiles). Tensors produced before first_op that the range reads are live from first_op; the
// range's last output lives to last_op. `pinned_tensor` (if >= 0) lives from first_op (the patch schedule's
// split tensor, filled one patch at a time) to its last reader in the range, or to last_op.
ArenaResult plan_arena(const Graph& graph, const std::vector<TensorShape>& shapes, int first_op, int last_op,
                       const ArenaRules& rules, int pinned_tensor = -1);

} // namespace tinynas
