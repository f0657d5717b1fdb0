#pragma once
// Deterministic parallel loops on oneTBB. Every loop body writes only its own outputs, and the few
// reductions (weight gradients of a GEMM) cut their work into chunks whose boundaries depend on the
// problem size alone, never on the thread count. So every result of the engine is bit-identical
// for any --threads: training with a seed reproduces exactly on 1 or 2 cores.

#include <algorithm>
#include <cstdint>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace tinynas::engine {

// f(i) for every i in [0, n), in parallel.
template <typename F>
void parallel_for_each(std::int64_t n, const F& f) {
  if (n <= 0) return;
  if (n == 1) {
    f(std::int64_t{0});
    return;
  }
  tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, n), [&](const tbb::blocked_range<std::int64_t>& r) {
    for (std::int64_t i = r.begin(); i < r.end(); ++i) f(i);
  });
}

// f(begin, end) over [0, n) cut into chunks of `chunk` (the last may be shorter), in parallel.
template <typename F>
void parallel_chunks(std::int64_t n, std::int64_t chunk, const F& f) {
  if (n <= 0) return;
  const std::int64_t count = (n + chunk - 1) / chunk;
  parallel_for_each(count, [&](std::int64_t i) { f(i * chunk, std::min(n, (i + 1) * chunk)); });
}

} // namespace tinynas::engine
