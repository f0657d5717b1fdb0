#pragma once
// Eight-float vectors (GCC/Clang vector extensions) for the kernels that vectorise over the batch,
// the innermost dimension of the engine's [C][H][W][N] layout. With -march=native they become AVX
// registers; without, the compiler splits them into SSE halves, so the code stays portable.

#include <cstring>

namespace tinynas::engine::simd {

typedef float f32x8 __attribute__((vector_size(32)));
constexpr int kLanes = 8;

[[gnu::always_inline]] inline f32x8 load(const float* p) {
  f32x8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
[[gnu::always_inline]] inline void store(float* p, f32x8 v) { std::memcpy(p, &v, sizeof v); }
[[gnu::always_inline]] inline f32x8 broadcast(float x) { return f32x8{x, x, x, x, x, x, x, x}; }
[[gnu::always_inline]] inline f32x8 zero() { return broadcast(0.0f); }
// Sum of the lanes, in a fixed order (results must not depend on how the compiler reassociates).
[[gnu::always_inline]] inline double hsum(f32x8 v) {
  double s = 0;
  for (int i = 0; i < kLanes; ++i) s += static_cast<double>(v[i]);
  return s;
}

} // namespace tinynas::engine::simd
