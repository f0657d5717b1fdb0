#include "step_runner.hpp"

#include "executor.hpp"
#include "ops/softmax_cross_entropy.hpp"

namespace tinynas::engine {

StepRunner::StepRunner(Supernet::Impl& net) : net_(net) {
  grads_.resize(net.layout.total);
  momentum_.resize(net.layout.total);
  momentum_.zero();
}

void StepRunner::zero_grad() { grads_.zero(); }

SubnetLoss StepRunner::accumulate(const Arch& arch, const float* input, int n, const std::uint8_t* labels,
                                  float label_smoothing, const float* soft_targets, float* probabilities_out) {
  build_plan(net_.layout, arch, n, ws_.plan);
  ws_.prepare(ws_.plan, RunMode::kTrain);
  const float* logits = run_forward(net_.layout, net_.params.data(), input, ws_);
  const int k = ws_.plan.classes;
  const float* targets = soft_targets;
  if (targets == nullptr) {
    targets_.resize(std::int64_t{k} * n);
    one_hot_targets(k, n, labels, label_smoothing, targets_.data());
    targets = targets_.data();
  }
  SubnetLoss result;
  result.loss = softmax_cross_entropy(k, n, logits, targets, 1.0f, ws_.dlogits);
  result.correct = count_correct(k, n, logits, labels);
  if (probabilities_out != nullptr) softmax(k, n, logits, probabilities_out);
  run_backward(net_.layout, net_.params.data(), ws_, grads_.data());
  return result;
}

void StepRunner::step(double lr, const SgdOptions& options) {
  sgd_step(net_.layout, options, lr, net_.params.data(), grads_.data(), momentum_.data());
}

} // namespace tinynas::engine
