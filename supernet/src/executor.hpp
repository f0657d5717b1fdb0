#pragma once
// Runs a subnet plan: forward in the three modes and backward (training). Stateless apart from
// the workspace; parameters are read-only here and gradients are accumulated into a separate
// array with the parameters' layout, so several subnets' gradients add up (the sandwich rule).

#include <cstdint>

#include "layout.hpp"
#include "plan.hpp"
#include "workspace.hpp"

namespace tinynas::engine {

// BN statistics of a subnet, one value per channel per BN layer in plan order (SubnetPlan::bn_channels).
struct BnStatsView {
  const float* mean = nullptr;
  const float* var = nullptr;
};

// Runs ws.plan (already built) on `input` ([C_in][R][R][N], kept by the caller until backward) in
// `mode`, after ws.prepare(). kInference needs `stats`. Returns the logits [classes][N].
const float* run_forward(const SupernetLayout& layout, const float* params, const float* input, Workspace& ws,
                         const BnStatsView& stats = {});

// After a kTrain forward and with ws.dlogits filled: grads += d(loss)/d(params).
void run_backward(const SupernetLayout& layout, const float* params, Workspace& ws, float* grads);

} // namespace tinynas::engine
