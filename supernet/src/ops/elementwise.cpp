#include "ops/elementwise.hpp"

#include <algorithm>

#include "parallel.hpp"

namespace tinynas::engine {

namespace {
constexpr std::int64_t kChunk = 1 << 15;
}

void relu6_forward(std::int64_t count, const float* x, float* y) {
  parallel_chunks(count, kChunk, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) y[i] = std::min(std::max(x[i], 0.0f), 6.0f);
  });
}

void relu6_backward(std::int64_t count, const float* x, const float* dy, float* dx) {
  parallel_chunks(count, kChunk, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) dx[i] = x[i] > 0.0f && x[i] < 6.0f ? dy[i] : 0.0f;
  });
}

void add_forward(std::int64_t count, const float* a, const float* b, float* y) {
  parallel_chunks(count, kChunk, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t i = lo; i < hi; ++i) y[i] = a[i] + b[i];
  });
}

void accumulate(std::int64_t count, const float* x, float* y) {
  parallel_chunks(count, kChunk, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t i = lo; i < hi; ++i) y[i] += x[i];
  });
}

} // namespace tinynas::engine
