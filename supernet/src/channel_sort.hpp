#pragma once
// Once-for-All's re_organize_middle_weights: before the elastic phase, sort every block's middle
// channels by importance (the L1 norm of their column in the project conv, descending; ties keep
// their order) and permute all weights that index them — expand conv rows and BN, depthwise
// kernels and BN, project conv columns — so a small expand ratio keeps the most important
// channels. `momentum` (same layout, may be null) is permuted alike so the optimiser state follows.

#include "layout.hpp"

namespace tinynas::engine {

void sort_mid_channels(const SupernetLayout& layout, float* params, float* momentum);

} // namespace tinynas::engine
