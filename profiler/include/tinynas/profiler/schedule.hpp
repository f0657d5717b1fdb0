#pragma once
// Named memory schedules: how an int8 runtime lays out activations in SRAM. Each gives a peak
// SRAM figure and a per-layer breakdown (see docs/COST_MODEL.md for the exact rules).
//   mcunet-analytic  MCUNet's published rule: max over layers of input + output bytes, plus the
//                    block input during the depthwise conv of a residual block. No planner.
//   layerwise        TF-Lite-Micro style: every tensor lives from its producer to its last consumer
//                    (residual inputs until their add), placed in one arena by the greedy-by-size
//                    planner, plus each kernel's scratch buffer (im2col).
//   inplace-dw       TinyEngine style: depthwise convs overwrite their input (one extra channel
//                    plane instead of a second tensor), buffers placed first-fit in execution order.
//   patch            MCUNetV2 patch-based inference: the layers up to a split run on n x n spatial
//                    patches (halo recomputed), the rest as inplace-dw.

#include <string>
#include <string_view>
#include <vector>

namespace tinynas {

enum class Schedule { kMcunetAnalytic, kLayerwise, kInplaceDw, kPatch };

const char* schedule_name(Schedule s);
// Throws Error(kInvalidArgument) listing the valid names.
Schedule parse_schedule(std::string_view name);
std::vector<std::string> schedule_names();

struct PatchOptions {
  int patches = 4;     // n: the first part runs on an n x n grid of patches
  int split_block = -1; // last block run per patch (NetSpec block index); -1: chosen to minimise peak SRAM
};

} // namespace tinynas
