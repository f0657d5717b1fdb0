#pragma once
// MCUNetV2 patch-based inference. Ops [0, split_op] run once per patch of an n x n grid over the split
// tensor (the output of split_op, a block boundary); each patch computes the rows and columns its output tile
// needs, walking back through the kernels' receptive fields (the halo), so overlapping halos are computed more
// than once. The rest of the network then runs layer by layer.
//
// This is the one description of that schedule: the cost model sizes SRAM and MACs with it, and the model
// blob (deploy/model_blob.hpp) ships its spans and its arena plan to the firmware, which runs exactly this.

#include <cstdint>
#include <vector>

#include "tinynas/profiler/arena_plan.hpp"
#include "tinynas/space/graph.hpp"

namespace tinynas {

// Rows [lo, hi) of a tensor (and, tensors being square, the same columns). lo == hi: not needed.
struct RowSpan {
  int lo = 0;
  int hi = 0;
  bool empty() const { return hi <= lo; }
  int size() const { return hi - lo; }
  bool operator==(const RowSpan&) const = default;
};

struct PatchTiling {
  int split_op = -1;
  int patches = 0;
  // spans[i][t]: the rows of tensor t that patch row i needs (patch (i, j) needs rows spans[i][t] and columns
  // spans[j][t]); empty for tensors after the split and for an index whose split rows are empty.
  std::vector<std::vector<RowSpan>> spans;
  std::vector<TensorShape> tile_shapes; // per tensor: the largest tile before the split, whole shapes from it on
  std::vector<std::int64_t> patch_macs; // per op in [0, split_op]: MACs summed over all patches
  std::int64_t extra_macs = 0;          // sum of patch_macs minus the ops' whole-tensor MACs
};

// split_op: the op whose output is the split tensor. Requires that no tensor produced at or before split_op is
// read after it except the split tensor itself (true at block boundaries). Patch row i of the split tensor is
// rows [i * t, (i + 1) * t) with t = ceil(size / n), clipped (the last rows of a grid may be empty).
PatchTiling compute_patch_tiling(const Graph& graph, int split_op, int patches);

// Ops that end a block (its add, or its project conv when it has no shortcut): the valid splits.
std::vector<int> block_boundary_ops(const Graph& graph);

// The boundary op of NetSpec block `block`; throws Error(kInvalidArgument) if it is not a block of the graph.
int split_op_of_block(const Graph& graph, int block);

// The arena of the patch schedule: one plan over the whole network with the tensors before the split at their
// largest tile and the split tensor live from the first op (patches fill it one tile at a time) to its last
// reader. Tile buffers are reused by every patch; the network input is read patch by patch from where the
// caller keeps it and only its tile is in the arena (MCUNetV2's accounting: the frame comes from the sensor).
ArenaResult plan_patch_arena(const Graph& graph, const PatchTiling& tiling, bool per_op_high_water);

} // namespace tinynas
