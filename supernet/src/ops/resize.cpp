#include "ops/resize.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "parallel.hpp"

namespace tinynas::engine {

namespace {

struct Tap {
  int i0, i1;
  float w0, w1;
};

Tap source_tap(int out_index, int in_size, int out_size) {
  const float scale = static_cast<float>(in_size) / static_cast<float>(out_size);
  float x = (static_cast<float>(out_index) + 0.5f) * scale - 0.5f;
  x = std::max(x, 0.0f);
  const int i0 = std::min(static_cast<int>(x), in_size - 1);
  const int i1 = std::min(i0 + 1, in_size - 1);
  const float f = x - static_cast<float>(i0);
  return {i0, i1, 1.0f - f, f};
}

} // namespace

void resize_bilinear(int channels, int in_h, int in_w, int batch, const float* in, int out_h, int out_w, float* out) {
  const std::int64_t n = batch;
  if (in_h == out_h && in_w == out_w) {
    std::memcpy(out, in, sizeof(float) * static_cast<std::size_t>(std::int64_t{channels} * in_h * in_w * n));
    return;
  }
  parallel_for_each(std::int64_t{channels} * out_h, [&](std::int64_t task) {
    const std::int64_t c = task / out_h;
    const int y = static_cast<int>(task % out_h);
    const Tap ty = source_tap(y, in_h, out_h);
    const float* plane = in + c * in_h * in_w * n;
    for (int x = 0; x < out_w; ++x) {
      const Tap tx = source_tap(x, in_w, out_w);
      const float* p00 = plane + (std::int64_t{ty.i0} * in_w + tx.i0) * n;
      const float* p01 = plane + (std::int64_t{ty.i0} * in_w + tx.i1) * n;
      const float* p10 = plane + (std::int64_t{ty.i1} * in_w + tx.i0) * n;
      const float* p11 = plane + (std::int64_t{ty.i1} * in_w + tx.i1) * n;
      float* dst = out + ((c * out_h + y) * out_w + x) * n;
      const float a = ty.w0 * tx.w0, b = ty.w0 * tx.w1, cc = ty.w1 * tx.w0, d = ty.w1 * tx.w1;
      for (std::int64_t i = 0; i < n; ++i) dst[i] = a * p00[i] + b * p01[i] + cc * p10[i] + d * p11[i];
    }
  });
}

} // namespace tinynas::engine
