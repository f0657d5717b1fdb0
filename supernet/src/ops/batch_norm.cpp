#include "ops/batch_norm.hpp"

#include <algorithm>
#include <cmath>

#include "ops/simd.hpp"
#include "parallel.hpp"

namespace tinynas::engine {

namespace {

using simd::f32x8;

// Four accumulators of 8 float lanes, summed in double at the end: accurate enough for planes of
// a few hundred thousand values and fast (the sums are memory bound).
template <typename F>
double plane_sum(std::int64_t count, const F& term) {
  f32x8 acc[4] = {simd::zero(), simd::zero(), simd::zero(), simd::zero()};
  std::int64_t i = 0;
  for (; i + 32 <= count; i += 32)
    for (int v = 0; v < 4; ++v) acc[v] += term(i + v * simd::kLanes);
  double tail = 0;
  for (; i + 8 <= count; i += 8) tail += simd::hsum(term(i));
  double total = simd::hsum(acc[0]) + simd::hsum(acc[1]) + simd::hsum(acc[2]) + simd::hsum(acc[3]) + tail;
  return total;
}

// Scalar remainder of plane_sum (count % 8 values).
template <typename F>
double plane_tail(std::int64_t count, const F& term) {
  double s = 0;
  for (std::int64_t i = count / 8 * 8; i < count; ++i) s += term(i);
  return s;
}

[[gnu::always_inline]] inline f32x8 relu6(f32x8 v) {
  const f32x8 zero = simd::zero(), six = simd::broadcast(6.0f);
  v = v < zero ? zero : v;
  return v > six ? six : v;
}

// y = act(scale * z + shift) over one plane.
void affine_plane(std::int64_t count, const float* z, float scale, float shift, Activation act, float* y) {
  const f32x8 sv = simd::broadcast(scale), bv = simd::broadcast(shift);
  std::int64_t i = 0;
  if (act == Activation::kRelu6) {
    for (; i + 8 <= count; i += 8) simd::store(y + i, relu6(sv * simd::load(z + i) + bv));
    for (; i < count; ++i) y[i] = std::clamp(scale * z[i] + shift, 0.0f, 6.0f);
  } else {
    for (; i + 8 <= count; i += 8) simd::store(y + i, sv * simd::load(z + i) + bv);
    for (; i < count; ++i) y[i] = scale * z[i] + shift;
  }
}

} // namespace

void batch_norm_train_forward(const BatchNormShape& s, const float* z, const float* gamma, const float* beta, float* y,
                              float* mean, float* var, float* invstd) {
  parallel_for_each(s.channels, [&](std::int64_t c) {
    const float* zc = z + c * s.plane;
    const double count = static_cast<double>(s.plane);
    const double m = (plane_sum(s.plane, [&](std::int64_t i) { return simd::load(zc + i); }) +
                      plane_tail(s.plane, [&](std::int64_t i) { return static_cast<double>(zc[i]); })) /
                     count;
    const f32x8 mv = simd::broadcast(static_cast<float>(m));
    const float mf = static_cast<float>(m);
    const double v = (plane_sum(s.plane,
                                [&](std::int64_t i) {
                                  const f32x8 d = simd::load(zc + i) - mv;
                                  return d * d;
                                }) +
                      plane_tail(s.plane,
                                 [&](std::int64_t i) {
                                   const double d = zc[i] - mf;
                                   return d * d;
                                 })) /
                     count;
    const double is = 1.0 / std::sqrt(v + static_cast<double>(s.eps));
    mean[c] = mf;
    var[c] = static_cast<float>(v);
    invstd[c] = static_cast<float>(is);
    const float scale = static_cast<float>(gamma[c] * is);
    affine_plane(s.plane, zc, scale, beta[c] - scale * mf, s.activation, y + c * s.plane);
  });
}

void batch_norm_inference_forward(const BatchNormShape& s, const float* z, const float* gamma, const float* beta,
                                  const float* mean, const float* var, float* y) {
  parallel_for_each(s.channels, [&](std::int64_t c) {
    const float scale = gamma[c] / std::sqrt(var[c] + s.eps);
    affine_plane(s.plane, z + c * s.plane, scale, beta[c] - scale * mean[c], s.activation, y + c * s.plane);
  });
}

void batch_norm_backward(const BatchNormShape& s, const float* z, const float* y, const float* gamma, const float* mean,
                         const float* invstd, const float* dy, float* dz, float* dgamma, float* dbeta) {
  parallel_for_each(s.channels, [&](std::int64_t c) {
    const float* zc = z + c * s.plane;
    const float* yc = y + c * s.plane;
    const float* gc = dy + c * s.plane;
    float* out = dz + c * s.plane;
    const float m = mean[c], is = invstd[c];
    const bool relu6 = s.activation == Activation::kRelu6;
    const f32x8 zero = simd::zero(), six = simd::broadcast(6.0f), mv = simd::broadcast(m), iv = simd::broadcast(is);
    // The gradient reaching the BN output: ReLU6 passes it where 0 < y < 6 (as PyTorch's hardtanh).
    auto g_vec = [&](std::int64_t i) {
      const f32x8 g = simd::load(gc + i);
      if (!relu6) return g;
      const f32x8 yv = simd::load(yc + i);
      return (yv > zero) & (yv < six) ? g : zero;
    };
    auto g_scalar = [&](std::int64_t i) {
      if (!relu6) return gc[i];
      return yc[i] > 0.0f && yc[i] < 6.0f ? gc[i] : 0.0f;
    };
    // One pass for both sums (the kernel is memory bound: z, y and dy are read twice in all).
    f32x8 ag[2] = {simd::zero(), simd::zero()}, agx[2] = {simd::zero(), simd::zero()};
    std::int64_t i0 = 0;
    for (; i0 + 16 <= s.plane; i0 += 16)
      for (int v = 0; v < 2; ++v) {
        const std::int64_t i = i0 + v * simd::kLanes;
        const f32x8 g = g_vec(i);
        ag[v] += g;
        agx[v] += g * ((simd::load(zc + i) - mv) * iv);
      }
    double sum_g = simd::hsum(ag[0]) + simd::hsum(ag[1]);
    double sum_gx = simd::hsum(agx[0]) + simd::hsum(agx[1]);
    for (; i0 < s.plane; ++i0) {
      const double g = g_scalar(i0);
      sum_g += g;
      sum_gx += g * ((zc[i0] - m) * is);
    }
    dgamma[c] += static_cast<float>(sum_gx);
    dbeta[c] += static_cast<float>(sum_g);
    // dz = gamma * invstd * (g - mean(g) - xhat * mean(g * xhat))
    const double count = static_cast<double>(s.plane);
    const float k = gamma[c] * is;
    const float mg = static_cast<float>(sum_g / count), mgx = static_cast<float>(sum_gx / count);
    const f32x8 kv = simd::broadcast(k), mgv = simd::broadcast(mg), mgxv = simd::broadcast(mgx);
    std::int64_t i = 0;
    for (; i + 8 <= s.plane; i += 8) {
      const f32x8 xhat = (simd::load(zc + i) - mv) * iv;
      simd::store(out + i, kv * (g_vec(i) - mgv - xhat * mgxv));
    }
    for (; i < s.plane; ++i) out[i] = k * (g_scalar(i) - mg - (zc[i] - m) * is * mgx);
  });
}

} // namespace tinynas::engine
