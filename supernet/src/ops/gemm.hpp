#pragma once
// Matrix products for the convolutions: weight gradients on Eigen's GEMM (gemm.cpp is the only
// translation unit that includes Eigen, which is slow to compile), forward and input gradients on
// a register-blocked kernel of our own. Matrices are row-major with an explicit leading
// dimension (`ld`: floats between rows), so a pointwise conv's elastic weight slice (the first rows
// and columns of the supernet's largest matrix) is used in place, without a copy.
//
// Activations in the engine are [C][H*W*N] matrices: a 1x1 conv is Y[cout x P] = W[cout x cin] X[cin x P].
// Parallel over fixed chunks of P, so results never depend on the thread count.

#include <cstdint>

namespace tinynas::engine {

struct ConstMatrix {
  const float* data;
  std::int64_t rows;
  std::int64_t cols;
  std::int64_t ld;
};
struct MutMatrix {
  float* data;
  std::int64_t rows;
  std::int64_t cols;
  std::int64_t ld;
};

// C = op(A) B (or C += ... when accumulate), op(A) = A or A^T; B and C have P columns. Parallel
// over column chunks of B and C. op(A) is small (at most a few hundred rows and columns) and B
// wide, so this is not Eigen's GEMM: each task copies its 256 columns of B into 32-column tiles
// (one sequential pass), then a register-blocked kernel (4 rows x 32 columns of C) reads each tile
// from cache once per 4 rows of C and writes C once. Eigen zero-fills C and repacks B per call,
// which costs more than the arithmetic when op(A) has 16 columns; measured 10-20% faster overall.
void matmul_wide(const ConstMatrix& a, bool transpose_a, const ConstMatrix& b, const MutMatrix& c, bool accumulate);

// C += A B^T, where A is m x K and B is n x K with K large (the reduction over P of a weight
// gradient). K is cut into at most kMaxReductionChunks chunks fixed by K alone; partial products go
// to `scratch` (reduction_scratch_floats(m, n) floats) and are added in order.
void matmul_accumulate_abt(const ConstMatrix& a, const ConstMatrix& b, const MutMatrix& c, float* scratch);

constexpr int kMaxReductionChunks = 8;
std::int64_t reduction_scratch_floats(std::int64_t m, std::int64_t n);

} // namespace tinynas::engine
