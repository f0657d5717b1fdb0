#pragma once
// The depthwise weights a subnet actually uses: [channels][k][k] for its kernel k, derived from the
// block slot's stored largest kernel (first `channels` channels) by a centre crop, or by
// Once-for-All's chain of transforms (crop to the next smaller size, multiply by that size's
// learned matrix, repeat: 7 -> 5 -> 3). Backward maps the gradient of the effective weights back
// to the stored kernel and the matrices.

#include <cstdint>

#include "layout.hpp"

namespace tinynas::engine {

// Scratch floats effective_depthwise_backward needs for `channels` channels of `slot`.
std::int64_t kernel_transform_scratch_floats(const BlockSlot& slot, int channels);

void effective_depthwise(const BlockSlot& slot, KernelTransform mode, const float* params, int channels, int kernel,
                         float* out, float* scratch);

// grads += d(effective weights)/d(parameters)^T d_effective.
void effective_depthwise_backward(const BlockSlot& slot, KernelTransform mode, const float* params, int channels,
                                  int kernel, const float* d_effective, float* grads, float* scratch);

} // namespace tinynas::engine
