#pragma once
// Named memory schedules: how an int8 runtime lays out activations in SRAM. Each gives a peak
// SRAM figure and a per-layer breakdown (see docs/COST_MODEL.md for the exact rules).
//   mcunet-analytic  MCUNet's published rule: max over layers of input + output bytes, plus the
//                    block input during the depthwise conv of a residual block. No planner.
//   layerwise        TF-Lite-Micro style: every tensor lives from its producer to its last consumer
//                    (residual inputs until their add), plus each kernel's scratch buffer (im2col).
//   inplace-dw       TinyEngine style: depthwise convs overwrite their input (one extra padded
//                    channel plane instead of a second tensor).
//   Both place buffers in one arena with the better of first-fit and greedy-by-size
//   (memory_planner.hpp); the reported peak is that arena's size.
//   patch            MCUNetV2 patch-based inference: the layers up to a split run on n x n spatial
//                    patches (halo recomputed; the input is read patch by patch), the rest as
//                    inplace-dw.
//   auto             per model, the schedule that fits the budgets with the least latency: inplace-dw
//                    when it fits (no recomputation), else the patch grid and split that fit with the
//                    fewest extra MACs (at most PatchOptions::max_extra_macs), else inplace-dw (reported
//                    as not fitting). The cost report says which was chosen.

#include <string>
#include <string_view>
#include <vector>

namespace tinynas {

enum class Schedule { kMcunetAnalytic, kLayerwise, kInplaceDw, kPatch, kAuto };

const char* schedule_name(Schedule s);
// Throws Error(kInvalidArgument) listing the valid names.
Schedule parse_schedule(std::string_view name);
std::vector<std::string> schedule_names();

struct PatchOptions {
  int patches = 4;      // n: the first part runs on an n x n grid of patches
  int split_block = -1; // last block run per patch (NetSpec block index); -1: chosen automatically
  // Automatic split: lowest peak SRAM among the splits whose halo recomputation adds at most this
  // fraction of the network's MACs (MCUNetV2 reports 10-20% overheads as acceptable).
  double max_extra_macs = 0.25;
};

// The grids `auto` tries, 2x2 up to this (MCUNetV2 uses 2x2 to 4x4; larger grids recompute more halo).
inline constexpr int kAutoMaxPatches = 8;

} // namespace tinynas
