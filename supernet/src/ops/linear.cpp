#include "ops/linear.hpp"

#include "parallel.hpp"

namespace tinynas::engine {

// The classifier is tiny (10 x a few hundred): plain loops, parallel over output rows or inputs.
void linear_forward(const LinearShape& s, const float* x, const float* weight, const float* bias, float* y) {
  parallel_for_each(s.out_features, [&](std::int64_t o) {
    float* row = y + o * s.batch;
    for (int n = 0; n < s.batch; ++n) row[n] = bias[o];
    const float* w = weight + o * s.weight_ld;
    for (int i = 0; i < s.in_features; ++i) {
      const float wi = w[i];
      const float* xi = x + std::int64_t{i} * s.batch;
      for (int n = 0; n < s.batch; ++n) row[n] += wi * xi[n];
    }
  });
}

void linear_backward(const LinearShape& s, const float* x, const float* weight, const float* dy, float* dx,
                     float* dweight, float* dbias) {
  parallel_for_each(s.out_features, [&](std::int64_t o) {
    const float* g = dy + o * s.batch;
    double gb = 0;
    for (int n = 0; n < s.batch; ++n) gb += g[n];
    dbias[o] += static_cast<float>(gb);
    float* w = dweight + o * s.weight_ld;
    for (int i = 0; i < s.in_features; ++i) {
      const float* xi = x + std::int64_t{i} * s.batch;
      float acc = 0;
      for (int n = 0; n < s.batch; ++n) acc += g[n] * xi[n];
      w[i] += acc;
    }
  });
  if (dx == nullptr) return;
  parallel_for_each(s.in_features, [&](std::int64_t i) {
    float* out = dx + i * s.batch;
    for (int n = 0; n < s.batch; ++n) out[n] = 0;
    for (int o = 0; o < s.out_features; ++o) {
      const float w = weight[o * s.weight_ld + i];
      const float* g = dy + std::int64_t{o} * s.batch;
      for (int n = 0; n < s.batch; ++n) out[n] += w * g[n];
    }
  });
}

} // namespace tinynas::engine
