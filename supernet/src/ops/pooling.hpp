#pragma once
// Global average pooling [C][H*W][N] -> [C][N].

#include <cstdint>

namespace tinynas::engine {

void global_avg_pool_forward(int channels, int pixels, int batch, const float* in, float* out);
// din[c][p][n] = dout[c][n] / pixels.
void global_avg_pool_backward(int channels, int pixels, int batch, const float* dout, float* din);

} // namespace tinynas::engine
