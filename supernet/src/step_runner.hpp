#pragma once
// One optimisation step over one or more subnets of a supernet, the unit the trainer, the
// fine-tuning of single subnets and the benchmarks share: zero the gradients, then for each subnet
// forward (training mode) + softmax cross-entropy + backward, accumulating into one gradient array,
// then one SGD step. Buffers (gradients, momentum, the workspace) are allocated once.

#include <cstdint>

#include "buffer.hpp"
#include "sgd.hpp"
#include "supernet_impl.hpp"
#include "workspace.hpp"

namespace tinynas::engine {

struct SubnetLoss {
  double loss = 0; // mean over the batch
  int correct = 0; // top-1 hits against the labels
};

class StepRunner {
public:
  explicit StepRunner(Supernet::Impl& net);

  void zero_grad();
  // Forward + backward of `arch` on input [C][R][R][N] (R = arch.resolution). The loss is
  // cross-entropy against `soft_targets` [K][N] when given (in-place distillation), else against
  // the labels smoothed by `label_smoothing`. `probabilities_out` ([K][N], may be null) receives
  // the subnet's softmax (the teacher's targets for the next subnets).
  SubnetLoss accumulate(const Arch& arch, const float* input, int n, const std::uint8_t* labels, float label_smoothing,
                        const float* soft_targets, float* probabilities_out);
  void step(double lr, const SgdOptions& options);

  FloatBuffer& momentum() { return momentum_; }
  Workspace& workspace() { return ws_; }

private:
  Supernet::Impl& net_;
  FloatBuffer grads_;
  FloatBuffer momentum_;
  FloatBuffer targets_;
  Workspace ws_;
};

} // namespace tinynas::engine
