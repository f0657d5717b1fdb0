#pragma once
// Fully connected layer on [features][N] columns: y[o][n] = sum_i W[o][i] x[i][n] + b[o].
// W is [out][in] (PyTorch/ONNX order) with row stride weight_ld, so the classifier may read the
// first `in` columns of a wider matrix (a feature-mix layer never changes width here, but the
// layout keeps the option).

#include <cstdint>

namespace tinynas::engine {

struct LinearShape {
  int in_features = 0;
  int out_features = 0;
  int batch = 0;
  std::int64_t weight_ld = 0;
};

void linear_forward(const LinearShape& s, const float* x, const float* weight, const float* bias, float* y);
// dweight += dy x^T, dbias += sum_n dy, dx = W^T dy (skipped when null).
void linear_backward(const LinearShape& s, const float* x, const float* weight, const float* dy, float* dx,
                     float* dweight, float* dbias);

} // namespace tinynas::engine
