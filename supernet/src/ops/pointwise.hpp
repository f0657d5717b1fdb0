#pragma once
// 1x1 convolution (expand, project, feature mix): Y[cout][P] = W[cout x cin] X[cin][P] with P the
// H*W*N pixels of the batch. `weight_ld` is the row stride of W, so an elastic layer passes the
// top-left cout x cin block of the supernet's largest weight matrix in place. No bias.

#include <cstdint>

namespace tinynas::engine {

struct PointwiseShape {
  int in_channels = 0;
  int out_channels = 0;
  std::int64_t pixels = 0; // H * W * N
  std::int64_t weight_ld = 0;
};

std::int64_t pointwise_scratch_floats(const PointwiseShape& s);

void pointwise_forward(const PointwiseShape& s, const float* in, const float* weight, float* out);

// dweight += dW (same leading dimension as weight); din = dX (skipped when null).
void pointwise_backward(const PointwiseShape& s, const float* in, const float* weight, const float* dout, float* din,
                        float* dweight, float* scratch);

} // namespace tinynas::engine
