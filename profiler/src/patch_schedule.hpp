#pragma once
// MCUNetV2 patch-based inference: ops [0, split_op] run once per patch of an n x n grid over the
// split tensor; each patch computes the input region its output tile needs (receptive field with
// halo), so overlapping halos are computed more than once. This file computes, for a split, the
// largest tile of every tensor (what the arena must hold) and the MACs summed over all patches.

#include <cstdint>
#include <vector>

#include "tinynas/space/graph.hpp"

namespace tinynas::detail {

struct PatchTiling {
  int split_op = -1;
  int patches = 0;
  std::vector<TensorShape> tile_shapes; // per tensor; tensors after the split keep full shapes
  std::vector<std::int64_t> patch_macs; // per op in [0, split_op]: MACs summed over all patches
  std::int64_t extra_macs = 0;          // sum of patch_macs minus the ops' whole-tensor MACs
};

// split_op: the op whose output is the split tensor. Requires that no tensor produced at or before
// split_op is read after it except the split tensor itself (true at block boundaries).
PatchTiling compute_patch_tiling(const Graph& graph, int split_op, int patches);

// Ops that end a block (its add, or its project conv when it has no shortcut): the valid splits.
std::vector<int> block_boundary_ops(const Graph& graph);

} // namespace tinynas::detail
