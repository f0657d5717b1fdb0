#pragma once
// Batch normalisation over [C][plane] tensors (plane = H*W*N), with the following activation fused
// (none or ReLU6: one pass over memory instead of two). Training mode normalises with the batch
// statistics (biased variance, as PyTorch), inference mode with given statistics. One task per
// channel; sums in double lanes, so results do not depend on the thread count.

#include <cstdint>

#include "ops/shapes.hpp"

namespace tinynas::engine {

struct BatchNormShape {
  int channels = 0;
  std::int64_t plane = 0;
  float eps = 1e-5f;
  Activation activation = Activation::kNone;
};

// y = act(gamma (z - mean) / sqrt(var + eps) + beta) with the batch's mean and biased variance,
// which are written to mean[c], var[c]; invstd[c] = 1 / sqrt(var + eps) is kept for backward.
void batch_norm_train_forward(const BatchNormShape& s, const float* z, const float* gamma, const float* beta, float* y,
                              float* mean, float* var, float* invstd);

// The same with fixed statistics. y may equal z (in place).
void batch_norm_inference_forward(const BatchNormShape& s, const float* z, const float* gamma, const float* beta,
                                  const float* mean, const float* var, float* y);

// Backward of training mode. y is the forward output (its values give ReLU6's mask). dgamma and
// dbeta accumulate (+=); dz may equal dy (in place).
void batch_norm_backward(const BatchNormShape& s, const float* z, const float* y, const float* gamma, const float* mean,
                         const float* invstd, const float* dy, float* dz, float* dgamma, float* dbeta);

} // namespace tinynas::engine
