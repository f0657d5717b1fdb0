#pragma once
// Depthwise k x k convolution (groups = channels, k <= kMaxDepthwiseKernel), "same" padding, stride 1
// or 2. Weights [C][k][k] contiguous; no bias. One task per channel; inside, every output pixel is a
// sum of k*k batch vectors (the batch is the innermost dimension), so the kernel vectorises over
// images and runs as fast on a 4x4 map as on 40x40. Kernels 3, 5, 7 at strides 1, 2 use register
// tiles along the output row (see depthwise.cpp); others take a plain path. Backward gathers (one
// write per input pixel, no atomics).

#include "ops/shapes.hpp"

namespace tinynas::engine {

// Largest kernel the backward pass handles (it flips a kernel on the stack).
constexpr int kMaxDepthwiseKernel = 15;

void depthwise_forward(const ConvShape& s, const float* in, const float* weight, float* out);

// din = dX (skipped when null); dweight += dW.
void depthwise_backward(const ConvShape& s, const float* in, const float* weight, const float* dout, float* din,
                        float* dweight);

} // namespace tinynas::engine
