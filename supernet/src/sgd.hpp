#pragma once
// SGD with momentum and weight decay, PyTorch's torch.optim.SGD semantics (dampening 0):
//   g = grad + wd * w (wd only for parameters with weight_decay, OFA's no-decay keys excluded)
//   buf = momentum * buf + g;  step = nesterov ? g + momentum * buf : buf;  w -= lr * step
// A zero momentum buffer gives PyTorch's first step exactly (it starts buf at g).

#include "layout.hpp"

namespace tinynas::engine {

struct SgdOptions {
  double momentum = 0.9;
  double weight_decay = 5e-5;
  bool nesterov = true;
};

void sgd_step(const SupernetLayout& layout, const SgdOptions& options, double lr, float* params, const float* grads,
              float* momentum);

} // namespace tinynas::engine
