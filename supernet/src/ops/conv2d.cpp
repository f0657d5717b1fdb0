#include "ops/conv2d.hpp"

#include <algorithm>
#include <cstring>

#include "ops/gemm.hpp"
#include "parallel.hpp"

namespace tinynas::engine {

namespace {

std::int64_t col_rows(const ConvShape& s) { return std::int64_t{s.in_channels} * s.kernel * s.kernel; }

// One row of col per (ci, ky, kx) and output row ho: copies batch vectors or writes zeros (padding).
void im2col(const ConvShape& s, const float* in, float* col) {
  const std::int64_t n = s.batch, p = s.out_plane(), rows = col_rows(s);
  parallel_for_each(rows * s.out_h, [&](std::int64_t task) {
    const std::int64_t r = task / s.out_h;
    const int ho = static_cast<int>(task % s.out_h);
    const int ci = static_cast<int>(r / (s.kernel * s.kernel));
    const int ky = static_cast<int>(r / s.kernel % s.kernel), kx = static_cast<int>(r % s.kernel);
    float* dst = col + r * p + std::int64_t{ho} * s.out_w * n;
    const int hi = ho * s.stride - s.pad + ky;
    for (int wo = 0; wo < s.out_w; ++wo, dst += n) {
      const int wi = wo * s.stride - s.pad + kx;
      if (hi < 0 || hi >= s.in_h || wi < 0 || wi >= s.in_w)
        std::memset(dst, 0, sizeof(float) * static_cast<std::size_t>(n));
      else
        std::memcpy(dst, in + ci * s.in_plane() + (std::int64_t{hi} * s.in_w + wi) * n,
                    sizeof(float) * static_cast<std::size_t>(n));
    }
  });
}

// din = sum over taps of dcol, gathered per input channel (one task per channel: no races).
void col2im(const ConvShape& s, const float* dcol, float* din) {
  const std::int64_t n = s.batch, p = s.out_plane();
  parallel_for_each(s.in_channels, [&](std::int64_t ci) {
    float* plane = din + ci * s.in_plane();
    std::memset(plane, 0, sizeof(float) * static_cast<std::size_t>(s.in_plane()));
    for (int ky = 0; ky < s.kernel; ++ky)
      for (int kx = 0; kx < s.kernel; ++kx) {
        const float* row = dcol + ((ci * s.kernel + ky) * s.kernel + kx) * p;
        for (int ho = 0; ho < s.out_h; ++ho) {
          const int hi = ho * s.stride - s.pad + ky;
          if (hi < 0 || hi >= s.in_h) continue;
          for (int wo = 0; wo < s.out_w; ++wo) {
            const int wi = wo * s.stride - s.pad + kx;
            if (wi < 0 || wi >= s.in_w) continue;
            const float* src = row + (std::int64_t{ho} * s.out_w + wo) * n;
            float* dst = plane + (std::int64_t{hi} * s.in_w + wi) * n;
            for (std::int64_t i = 0; i < n; ++i) dst[i] += src[i];
          }
        }
      }
  });
}

} // namespace

std::int64_t conv2d_scratch_floats(const ConvShape& s) {
  return col_rows(s) * s.out_plane() + reduction_scratch_floats(s.out_channels, col_rows(s));
}

void conv2d_forward(const ConvShape& s, const float* in, const float* weight, float* out, float* scratch) {
  const std::int64_t k = col_rows(s), p = s.out_plane();
  im2col(s, in, scratch);
  matmul_wide({weight, s.out_channels, k, k}, false, {scratch, k, p, p}, {out, s.out_channels, p, p}, false);
}

void conv2d_backward(const ConvShape& s, const float* in, const float* weight, const float* dout, float* din,
                     float* dweight, float* scratch) {
  const std::int64_t k = col_rows(s), p = s.out_plane();
  float* col = scratch;
  float* partial = scratch + k * p;
  im2col(s, in, col);
  matmul_accumulate_abt({dout, s.out_channels, p, p}, {col, k, p, p}, {dweight, s.out_channels, k, k}, partial);
  if (din == nullptr) return;
  matmul_wide({weight, s.out_channels, k, k}, true, {dout, s.out_channels, p, p}, {col, k, p, p}, false);
  col2im(s, col, din);
}

} // namespace tinynas::engine
