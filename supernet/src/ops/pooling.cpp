#include "ops/pooling.hpp"

#include "parallel.hpp"

namespace tinynas::engine {

void global_avg_pool_forward(int channels, int pixels, int batch, const float* in, float* out) {
  const float scale = 1.0f / static_cast<float>(pixels);
  parallel_for_each(channels, [&](std::int64_t c) {
    const float* x = in + c * pixels * batch;
    float* y = out + c * batch;
    for (int n = 0; n < batch; ++n) y[n] = 0;
    for (int p = 0; p < pixels; ++p)
      for (int n = 0; n < batch; ++n) y[n] += x[std::int64_t{p} * batch + n];
    for (int n = 0; n < batch; ++n) y[n] *= scale;
  });
}

void global_avg_pool_backward(int channels, int pixels, int batch, const float* dout, float* din) {
  const float scale = 1.0f / static_cast<float>(pixels);
  parallel_for_each(channels, [&](std::int64_t c) {
    const float* g = dout + c * batch;
    float* x = din + c * pixels * batch;
    for (int p = 0; p < pixels; ++p)
      for (int n = 0; n < batch; ++n) x[std::int64_t{p} * batch + n] = g[n] * scale;
  });
}

} // namespace tinynas::engine
