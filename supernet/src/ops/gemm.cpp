#include "ops/gemm.hpp"

#include <algorithm>
#include <cstring>

#include <Eigen/Core>

#include "buffer.hpp"
#include "ops/simd.hpp"
#include "parallel.hpp"

namespace tinynas::engine {

namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Stride = Eigen::OuterStride<>;
using ConstMap = Eigen::Map<const RowMatrix, Eigen::Unaligned, Stride>;
using MutMap = Eigen::Map<RowMatrix, Eigen::Unaligned, Stride>;

// Columns per task of matmul_wide (a multiple of the 32-column tile).
constexpr std::int64_t kColumnChunk = 256;
// Smallest reduction chunk: below this a split costs more than it saves.
constexpr std::int64_t kMinReductionChunk = 8192;

ConstMap columns(const ConstMatrix& m, std::int64_t begin, std::int64_t end) {
  return ConstMap(m.data + begin, m.rows, end - begin, Stride(m.ld));
}

// op(A) element (r, k) at a[r * row_stride + k * col_stride]: A or its transpose without a copy.
struct Lhs {
  const float* a;
  std::int64_t row_stride;
  std::int64_t col_stride;
  float at(std::int64_t r, std::int64_t k) const { return a[r * row_stride + k * col_stride]; }
};

// C[r0 .. r0+R)[p0 .. p0+8V) = (C +) sum_k op(A)[r][k] B[k][p0 + j], with `b` pointing at
// B[0][p0]: R*V accumulators in registers.
template <int R, int V>
[[gnu::always_inline]] inline void wide_tile(const Lhs& a, std::int64_t depth, const float* b, std::int64_t ldb,
                                             float* c, std::int64_t ldc, std::int64_t r0, std::int64_t p0,
                                             bool accumulate) {
  using simd::f32x8;
  f32x8 acc[R][V];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) acc[r][v] = simd::zero();
  const float* bp = b;
  for (std::int64_t k = 0; k < depth; ++k, bp += ldb) {
    f32x8 bv[V];
    for (int v = 0; v < V; ++v) bv[v] = simd::load(bp + v * simd::kLanes);
    for (int r = 0; r < R; ++r) {
      const f32x8 av = simd::broadcast(a.at(r0 + r, k));
      for (int v = 0; v < V; ++v) acc[r][v] += av * bv[v];
    }
  }
  for (int r = 0; r < R; ++r) {
    float* cp = c + (r0 + r) * ldc + p0;
    for (int v = 0; v < V; ++v) {
      float* dst = cp + v * simd::kLanes;
      simd::store(dst, accumulate ? simd::load(dst) + acc[r][v] : acc[r][v]);
    }
  }
}

template <int V>
void wide_columns(const Lhs& a, std::int64_t rows, std::int64_t depth, const float* b, std::int64_t ldb, float* c,
                  std::int64_t ldc, std::int64_t p0, bool accumulate) {
  std::int64_t r = 0;
  for (; r + 4 <= rows; r += 4) wide_tile<4, V>(a, depth, b + p0, ldb, c, ldc, r, p0, accumulate);
  for (; r < rows; ++r) wide_tile<1, V>(a, depth, b + p0, ldb, c, ldc, r, p0, accumulate);
}

// Columns [begin, end) of C: tiles of 32 columns, then 8, then single columns. B's rows are far
// apart (ldb = H*W*N floats) and a tile reads only 128 bytes of each: too many streams for the
// hardware prefetcher. So the full 32-column tiles of B are first copied, row after row with long
// sequential reads, into a per-thread buffer laid out tile by tile ([tile][k][32]).
void wide_chunk(const Lhs& a, std::int64_t rows, std::int64_t depth, const float* b, std::int64_t ldb, float* c,
                std::int64_t ldc, std::int64_t begin, std::int64_t end, bool accumulate) {
  thread_local FloatBuffer packed;
  const std::int64_t tiles = (end - begin) / 32;
  if (tiles > 0) {
    packed.resize(std::max(packed.size(), tiles * depth * 32));
    for (std::int64_t k = 0; k < depth; ++k) {
      const float* src = b + k * ldb + begin;
      for (std::int64_t t = 0; t < tiles; ++t) std::memcpy(packed.data() + (t * depth + k) * 32, src + t * 32, 128);
    }
    for (std::int64_t t = 0; t < tiles; ++t) {
      // The tile's B: packed.data() + t * depth * 32, row stride 32; its C columns start at p.
      const std::int64_t p = begin + t * 32;
      const float* tile = packed.data() + t * depth * 32;
      std::int64_t r = 0;
      for (; r + 4 <= rows; r += 4) wide_tile<4, 4>(a, depth, tile, 32, c, ldc, r, p, accumulate);
      for (; r < rows; ++r) wide_tile<1, 4>(a, depth, tile, 32, c, ldc, r, p, accumulate);
    }
  }
  std::int64_t p = begin + tiles * 32;
  for (; p + 8 <= end; p += 8) wide_columns<1>(a, rows, depth, b, ldb, c, ldc, p, accumulate);
  for (; p < end; ++p)
    for (std::int64_t r = 0; r < rows; ++r) {
      float sum = 0;
      for (std::int64_t k = 0; k < depth; ++k) sum += a.at(r, k) * b[k * ldb + p];
      c[r * ldc + p] = accumulate ? c[r * ldc + p] + sum : sum;
    }
}

std::int64_t reduction_chunks(std::int64_t k) {
  return std::clamp<std::int64_t>(k / kMinReductionChunk, 1, kMaxReductionChunks);
}

} // namespace

void matmul_wide(const ConstMatrix& a, bool transpose_a, const ConstMatrix& b, const MutMatrix& c, bool accumulate) {
  const Lhs lhs = transpose_a ? Lhs{a.data, 1, a.ld} : Lhs{a.data, a.ld, 1};
  const std::int64_t rows = transpose_a ? a.cols : a.rows, depth = transpose_a ? a.rows : a.cols;
  parallel_chunks(b.cols, kColumnChunk, [&](std::int64_t begin, std::int64_t end) {
    wide_chunk(lhs, rows, depth, b.data, b.ld, c.data, c.ld, begin, end, accumulate);
  });
}

std::int64_t reduction_scratch_floats(std::int64_t m, std::int64_t n) { return kMaxReductionChunks * m * n; }

void matmul_accumulate_abt(const ConstMatrix& a, const ConstMatrix& b, const MutMatrix& c, float* scratch) {
  const std::int64_t k = a.cols;
  const std::int64_t chunks = reduction_chunks(k);
  MutMap cm(c.data, c.rows, c.cols, Stride(c.ld));
  if (chunks == 1) {
    cm.noalias() += columns(a, 0, k) * columns(b, 0, k).transpose();
    return;
  }
  const std::int64_t chunk = (k + chunks - 1) / chunks;
  const std::int64_t mn = c.rows * c.cols;
  parallel_for_each(chunks, [&](std::int64_t i) {
    const std::int64_t begin = i * chunk, end = std::min(k, begin + chunk);
    Eigen::Map<RowMatrix> partial(scratch + i * mn, c.rows, c.cols);
    partial.noalias() = columns(a, begin, end) * columns(b, begin, end).transpose();
  });
  // Fixed order of the partial sums: the result is the same on any number of threads.
  for (std::int64_t i = 0; i < chunks; ++i) cm += Eigen::Map<const RowMatrix>(scratch + i * mn, c.rows, c.cols);
}

} // namespace tinynas::engine
