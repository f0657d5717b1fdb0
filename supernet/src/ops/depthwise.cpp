#include "ops/depthwise.hpp"

#include <algorithm>
#include <vector>

#include "ops/simd.hpp"
#include "parallel.hpp"

namespace tinynas::engine {

namespace {

using simd::f32x8;

// ---- Tiled kernels for the space's kernels (3, 5, 7) and strides (1, 2) -------------------------
// A tile is T neighbouring outputs of one row times 8V images. Walking the input columns the tile
// touches, each input vector is loaded once and feeds every output whose window contains it (up
// to K of them): K times fewer loads from L2 than one output at a time. K, S, T, V are compile-time
// so the loops unroll fully and the accumulators stay in registers.

template <int K, int S, int T, int V>
[[gnu::always_inline]] inline void forward_tile(const ConvShape& s, const float* x, const float* w, int ho, int wo0,
                                                std::int64_t n0, float* y_plane) {
  const std::int64_t n = s.batch;
  f32x8 acc[T][V];
  for (int t = 0; t < T; ++t)
    for (int v = 0; v < V; ++v) acc[t][v] = simd::zero();
  const int top = ho * S - s.pad, wi0 = wo0 * S - s.pad;
  for (int ky = 0; ky < K; ++ky) {
    const int hi = top + ky;
    if (hi < 0 || hi >= s.in_h) continue;
    const float* row = x + std::int64_t{hi} * s.in_w * n + n0;
    const float* wrow = w + ky * K;
#pragma GCC unroll 32
    for (int j = 0; j < (T - 1) * S + K; ++j) {
      const int wi = wi0 + j;
      if (wi < 0 || wi >= s.in_w) continue;
      f32x8 xv[V];
      for (int v = 0; v < V; ++v) xv[v] = simd::load(row + std::int64_t{wi} * n + v * simd::kLanes);
#pragma GCC unroll 8
      for (int t = 0; t < T; ++t) {
        const int kx = j - t * S;
        if (kx < 0 || kx >= K) continue;
        const f32x8 wv = simd::broadcast(wrow[kx]);
        for (int v = 0; v < V; ++v) acc[t][v] += wv * xv[v];
      }
    }
  }
  for (int t = 0; t < T; ++t)
    for (int v = 0; v < V; ++v)
      simd::store(y_plane + (std::int64_t{ho} * s.out_w + wo0 + t) * n + n0 + v * simd::kLanes, acc[t][v]);
}

// Any kernel and stride, one output pixel, images [n0, n1): the fallback and the batch tail.
void forward_pixel(const ConvShape& s, const float* x, const float* w, int ho, int wo, std::int64_t n0, std::int64_t n1,
                   float* y_plane) {
  const std::int64_t n = s.batch;
  const int top = ho * s.stride - s.pad, left = wo * s.stride - s.pad;
  float* y = y_plane + (std::int64_t{ho} * s.out_w + wo) * n;
  for (std::int64_t i = n0; i < n1; ++i) y[i] = 0;
  for (int ky = 0; ky < s.kernel; ++ky) {
    const int hi = top + ky;
    if (hi < 0 || hi >= s.in_h) continue;
    for (int kx = 0; kx < s.kernel; ++kx) {
      const int wi = left + kx;
      if (wi < 0 || wi >= s.in_w) continue;
      const float wk = w[ky * s.kernel + kx];
      const float* src = x + (std::int64_t{hi} * s.in_w + wi) * n;
      for (std::int64_t i = n0; i < n1; ++i) y[i] += wk * src[i];
    }
  }
}

template <int K, int S>
void forward_channel_tiled(const ConvShape& s, const float* x, const float* w, float* y) {
  constexpr int T = 4;
  const std::int64_t n = s.batch, vec16 = n / 16 * 16, vec8 = n / 8 * 8;
  for (int ho = 0; ho < s.out_h; ++ho) {
    int wo = 0;
    for (; wo + T <= s.out_w; wo += T) {
      for (std::int64_t n0 = 0; n0 < vec16; n0 += 16) forward_tile<K, S, T, 2>(s, x, w, ho, wo, n0, y);
      if (vec8 > vec16) forward_tile<K, S, T, 1>(s, x, w, ho, wo, vec16, y);
    }
    for (; wo < s.out_w; ++wo) {
      for (std::int64_t n0 = 0; n0 < vec16; n0 += 16) forward_tile<K, S, 1, 2>(s, x, w, ho, wo, n0, y);
      if (vec8 > vec16) forward_tile<K, S, 1, 1>(s, x, w, ho, wo, vec16, y);
    }
    if (vec8 < n)
      for (int w2 = 0; w2 < s.out_w; ++w2) forward_pixel(s, x, w, ho, w2, vec8, n, y);
  }
}

void forward_channel_generic(const ConvShape& s, const float* x, const float* w, float* y) {
  for (int ho = 0; ho < s.out_h; ++ho)
    for (int wo = 0; wo < s.out_w; ++wo) forward_pixel(s, x, w, ho, wo, 0, s.batch, y);
}

using ChannelKernel = void (*)(const ConvShape&, const float*, const float*, float*);

ChannelKernel forward_kernel(int kernel, int stride) {
  switch (kernel * 10 + stride) {
  case 31: return forward_channel_tiled<3, 1>;
  case 32: return forward_channel_tiled<3, 2>;
  case 51: return forward_channel_tiled<5, 1>;
  case 52: return forward_channel_tiled<5, 2>;
  case 71: return forward_channel_tiled<7, 1>;
  case 72: return forward_channel_tiled<7, 2>;
  default: return forward_channel_generic;
  }
}

// ---- Weight gradient ---------------------------------------------------------------------------
// dW[ky][kx] = sum over outputs (ho, wo) and images of x[ho S - pad + ky][wo S - pad + kx] dy[ho][wo].
// Per kernel row ky, K accumulators (one per kx) collect a tile of T outputs times 8 images: the T
// dy vectors are loaded once and every input vector of the row once.

template <int K, int S, int T>
[[gnu::always_inline]] inline void weight_grad_tile(const ConvShape& s, const float* xrow, const float* dyrow, int wo0,
                                                    std::int64_t n0, f32x8 (&acc)[K]) {
  const std::int64_t n = s.batch;
  f32x8 g[T];
  for (int t = 0; t < T; ++t) g[t] = simd::load(dyrow + std::int64_t{wo0 + t} * n + n0);
  const int wi0 = wo0 * S - s.pad;
#pragma GCC unroll 32
  for (int j = 0; j < (T - 1) * S + K; ++j) {
    const int wi = wi0 + j;
    if (wi < 0 || wi >= s.in_w) continue;
    const f32x8 xv = simd::load(xrow + std::int64_t{wi} * n + n0);
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) {
      const int kx = j - t * S;
      if (kx < 0 || kx >= K) continue;
      acc[kx] += xv * g[t];
    }
  }
}

template <int K, int S>
void weight_grad_channel_tiled(const ConvShape& s, const float* x, const float* dy, float* dw) {
  constexpr int T = 4;
  const std::int64_t n = s.batch, vec8 = n / 8 * 8;
  for (int ky = 0; ky < K; ++ky) {
    f32x8 acc[K];
    for (int k = 0; k < K; ++k) acc[k] = simd::zero();
    double tail[K] = {};
    for (int ho = 0; ho < s.out_h; ++ho) {
      const int hi = ho * S - s.pad + ky;
      if (hi < 0 || hi >= s.in_h) continue;
      const float* xrow = x + std::int64_t{hi} * s.in_w * n;
      const float* dyrow = dy + std::int64_t{ho} * s.out_w * n;
      int wo = 0;
      for (; wo + T <= s.out_w; wo += T)
        for (std::int64_t n0 = 0; n0 < vec8; n0 += 8) weight_grad_tile<K, S, T>(s, xrow, dyrow, wo, n0, acc);
      for (; wo < s.out_w; ++wo)
        for (std::int64_t n0 = 0; n0 < vec8; n0 += 8) weight_grad_tile<K, S, 1>(s, xrow, dyrow, wo, n0, acc);
      for (int w2 = 0; w2 < s.out_w; ++w2)
        for (int kx = 0; kx < K; ++kx) {
          const int wi = w2 * S - s.pad + kx;
          if (wi < 0 || wi >= s.in_w) continue;
          for (std::int64_t i = vec8; i < n; ++i)
            tail[kx] += static_cast<double>(xrow[std::int64_t{wi} * n + i]) * dyrow[std::int64_t{w2} * n + i];
        }
    }
    for (int kx = 0; kx < K; ++kx) dw[ky * K + kx] += static_cast<float>(simd::hsum(acc[kx]) + tail[kx]);
  }
}

void weight_grad_channel_generic(const ConvShape& s, const float* x, const float* dy, float* dw) {
  const std::int64_t n = s.batch;
  for (int ky = 0; ky < s.kernel; ++ky)
    for (int kx = 0; kx < s.kernel; ++kx) {
      double sum = 0;
      for (int ho = 0; ho < s.out_h; ++ho) {
        const int hi = ho * s.stride - s.pad + ky;
        if (hi < 0 || hi >= s.in_h) continue;
        for (int wo = 0; wo < s.out_w; ++wo) {
          const int wi = wo * s.stride - s.pad + kx;
          if (wi < 0 || wi >= s.in_w) continue;
          const float* xs = x + (std::int64_t{hi} * s.in_w + wi) * n;
          const float* ds = dy + (std::int64_t{ho} * s.out_w + wo) * n;
          for (std::int64_t i = 0; i < n; ++i) sum += static_cast<double>(xs[i]) * ds[i];
        }
      }
      dw[ky * s.kernel + kx] += static_cast<float>(sum);
    }
}

ChannelKernel weight_grad_kernel(int kernel, int stride) {
  switch (kernel * 10 + stride) {
  case 31: return weight_grad_channel_tiled<3, 1>;
  case 32: return weight_grad_channel_tiled<3, 2>;
  case 51: return weight_grad_channel_tiled<5, 1>;
  case 52: return weight_grad_channel_tiled<5, 2>;
  case 71: return weight_grad_channel_tiled<7, 1>;
  case 72: return weight_grad_channel_tiled<7, 2>;
  default: return weight_grad_channel_generic;
  }
}

// ---- Input gradient ----------------------------------------------------------------------------
// Stride 1: dx is dy convolved with the kernel flipped in both axes under the same padding, so the
// tiled forward kernel computes it. Stride 2 gathers per input pixel: output (ho, wo) reads input
// hi = ho S - pad + ky, so input hi receives from ky = hi + pad - ho S for every ho where it is a tap.

void input_grad_pixel_strided(const ConvShape& s, const float* dy, const float* w, int hi, int wi, float* dx_plane) {
  const std::int64_t n = s.batch;
  float* dx = dx_plane + (std::int64_t{hi} * s.in_w + wi) * n;
  for (std::int64_t i = 0; i < n; ++i) dx[i] = 0;
  for (int ky = 0; ky < s.kernel; ++ky) {
    const int t = hi + s.pad - ky;
    if (t < 0) break;
    if (t % s.stride != 0 || t / s.stride >= s.out_h) continue;
    for (int kx = 0; kx < s.kernel; ++kx) {
      const int u = wi + s.pad - kx;
      if (u < 0) break;
      if (u % s.stride != 0 || u / s.stride >= s.out_w) continue;
      const float wk = w[ky * s.kernel + kx];
      const float* src = dy + (std::int64_t{t / s.stride} * s.out_w + u / s.stride) * n;
      std::int64_t i = 0;
      for (; i + 8 <= n; i += 8) simd::store(dx + i, simd::load(dx + i) + simd::broadcast(wk) * simd::load(src + i));
      for (; i < n; ++i) dx[i] += wk * src[i];
    }
  }
}

} // namespace

void depthwise_forward(const ConvShape& s, const float* in, const float* weight, float* out) {
  const int kk = s.kernel * s.kernel;
  const ChannelKernel kernel = forward_kernel(s.kernel, s.stride);
  parallel_for_each(s.in_channels, [&](std::int64_t c) {
    kernel(s, in + c * s.in_plane(), weight + c * kk, out + c * s.out_plane());
  });
}

void depthwise_backward(const ConvShape& s, const float* in, const float* weight, const float* dout, float* din,
                        float* dweight) {
  const int kk = s.kernel * s.kernel;
  const ChannelKernel wgrad = weight_grad_kernel(s.kernel, s.stride);
  // The transposed problem for stride 1: input dy (out_h x out_w), output dx (in_h x in_w).
  ConvShape flipped = s;
  flipped.in_h = s.out_h;
  flipped.in_w = s.out_w;
  flipped.out_h = s.in_h;
  flipped.out_w = s.in_w;
  flipped.pad = s.kernel - 1 - s.pad;
  const bool transposable = s.stride == 1 && flipped.pad >= 0;
  const ChannelKernel igrad = forward_kernel(s.kernel, 1);
  parallel_for_each(s.in_channels, [&](std::int64_t c) {
    wgrad(s, in + c * s.in_plane(), dout + c * s.out_plane(), dweight + c * kk);
    if (din == nullptr) return;
    const float* w = weight + c * kk;
    float* dx = din + c * s.in_plane();
    if (transposable) {
      float rotated[kMaxDepthwiseKernel * kMaxDepthwiseKernel];
      for (int i = 0; i < kk; ++i) rotated[i] = w[kk - 1 - i];
      igrad(flipped, dout + c * s.out_plane(), rotated, dx);
    } else {
      for (int hi = 0; hi < s.in_h; ++hi)
        for (int wi = 0; wi < s.in_w; ++wi) input_grad_pixel_strided(s, dout + c * s.out_plane(), w, hi, wi, dx);
    }
  });
}

} // namespace tinynas::engine
