#pragma once
// Dense k x k convolution (the first conv of the network; 1x1 convs use pointwise.hpp) as im2col +
// GEMM: col[(ci, ky, kx)][(ho, wo, n)] gathers each tap's input, contiguous over the batch, then
// Y[cout x P] = W[cout x cin k k] col. Weights [cout][cin][k][k] (PyTorch/ONNX order), no bias.

#include <cstdint>

#include "ops/shapes.hpp"

namespace tinynas::engine {

// Scratch floats conv2d_forward / conv2d_backward need: the col matrix plus GEMM partial sums.
std::int64_t conv2d_scratch_floats(const ConvShape& s);

void conv2d_forward(const ConvShape& s, const float* in, const float* weight, float* out, float* scratch);

// dweight += dW. din (may be null: the network input needs no gradient) = dX.
void conv2d_backward(const ConvShape& s, const float* in, const float* weight, const float* dout, float* din,
                     float* dweight, float* scratch);

} // namespace tinynas::engine
