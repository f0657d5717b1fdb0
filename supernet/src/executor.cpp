#include "executor.hpp"

#include <algorithm>
#include <cstring>

#include "kernel_transform.hpp"
#include "ops/batch_norm.hpp"
#include "ops/conv2d.hpp"
#include "ops/depthwise.hpp"
#include "ops/elementwise.hpp"
#include "ops/linear.hpp"
#include "ops/pointwise.hpp"
#include "ops/pooling.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas::engine {

namespace {

constexpr float kBnEps = 1e-5f; // PyTorch's default, also written into exported models

PointwiseShape pointwise_shape(const PlanLayer& l) {
  return {l.shape.in_channels, l.shape.out_channels, l.shape.out_plane(), l.weight_ld};
}

BatchNormShape bn_shape(const PlanLayer& l) { return {l.bn.channels, l.shape.out_plane(), kBnEps, l.activation}; }

void conv_forward(const SupernetLayout& layout, const PlanLayer& l, const float* params, const float* in,
                  LayerBuffers& b, Workspace& ws) {
  switch (l.kind) {
  case LayerKind::kConv: conv2d_forward(l.shape, in, params + l.weight, b.z, ws.scratch); break;
  case LayerKind::kPointwise: pointwise_forward(pointwise_shape(l), in, params + l.weight, b.z); break;
  case LayerKind::kDepthwise:
    effective_depthwise(*l.slot, layout.kernel_transform, params, l.shape.out_channels, l.kernel, b.dw_weights,
                        ws.transform_scratch);
    depthwise_forward(l.shape, in, b.dw_weights, b.z);
    break;
  }
}

// Gradient buffers for backward: tensors' gradients live in a few rotating slots; a residual
// block's input shares its slot with the block output's gradient (the shortcut passes it on
// unchanged) and the body's gradient is added to it.
class GradSlots {
public:
  GradSlots(Workspace& ws, int tensors)
      : ws_(ws), users_(ws.grad_slots.size(), 0), slot_of_(static_cast<std::size_t>(tensors), -1) {}

  int acquire() {
    for (std::size_t s = 0; s < users_.size(); ++s)
      if (users_[s] == 0) {
        users_[s] = 1;
        return static_cast<int>(s);
      }
    throw Error(ErrorCode::kInternal, "supernet backward ran out of gradient buffers");
  }
  void release(int slot) { --users_[static_cast<std::size_t>(slot)]; }
  float* data(int slot) { return ws_.grad_slots[static_cast<std::size_t>(slot)]; }
  int& slot_of(int tensor) { return slot_of_[static_cast<std::size_t>(tensor)]; }
  void share(int tensor, int slot) {
    slot_of(tensor) = slot;
    ++users_[static_cast<std::size_t>(slot)];
  }

private:
  Workspace& ws_;
  std::vector<int> users_;
  std::vector<int> slot_of_;
};

} // namespace

const float* run_forward(const SupernetLayout& layout, const float* params, const float* input, Workspace& ws,
                         const BnStatsView& stats) {
  const SubnetPlan& p = ws.plan;
  // Tensor 0 is only ever read (no layer writes its input; its gradient is never computed).
  ws.tensors[0] = const_cast<float*>(input);
  std::int64_t stats_at = 0;
  for (std::size_t i = 0; i < p.layers.size(); ++i) {
    const PlanLayer& l = p.layers[i];
    LayerBuffers& b = ws.layers[i];
    conv_forward(layout, l, params, ws.tensors[static_cast<std::size_t>(l.input)], b, ws);
    const float* gamma = params + l.bn.gamma;
    const float* beta = params + l.bn.beta;
    if (ws.mode == RunMode::kInference)
      batch_norm_inference_forward(bn_shape(l), b.z, gamma, beta, stats.mean + stats_at, stats.var + stats_at, b.y);
    else batch_norm_train_forward(bn_shape(l), b.z, gamma, beta, b.y, b.mean, b.var, b.invstd);
    stats_at += l.bn.channels;
    if (l.residual >= 0) accumulate(l.out_size(), ws.tensors[static_cast<std::size_t>(l.residual)], b.y);
  }
  const int n = p.batch;
  global_avg_pool_forward(p.head_channels, p.head_pixels, n, ws.tensors.back(), ws.pooled);
  linear_forward({p.head_channels, p.classes, n, p.classifier_ld}, ws.pooled, params + p.classifier_weight,
                 params + p.classifier_bias, ws.logits);
  return ws.logits;
}

void run_backward(const SupernetLayout& layout, const float* params, Workspace& ws, float* grads) {
  const SubnetPlan& p = ws.plan;
  if (ws.mode != RunMode::kTrain)
    throw Error(ErrorCode::kInternal, "backward after a forward that kept no activations");
  const int n = p.batch;
  linear_backward({p.head_channels, p.classes, n, p.classifier_ld}, ws.pooled, params + p.classifier_weight, ws.dlogits,
                  ws.dpooled, grads + p.classifier_weight, grads + p.classifier_bias);
  GradSlots slots(ws, p.tensor_count());
  const int last = p.tensor_count() - 1;
  const int head = slots.acquire();
  slots.slot_of(last) = head;
  global_avg_pool_backward(p.head_channels, p.head_pixels, n, ws.dpooled, slots.data(head));

  for (int i = static_cast<int>(p.layers.size()) - 1; i >= 0; --i) {
    const PlanLayer& l = p.layers[static_cast<std::size_t>(i)];
    LayerBuffers& b = ws.layers[static_cast<std::size_t>(i)];
    const int g_out = slots.slot_of(i + 1);
    if (l.residual >= 0) slots.share(l.residual, g_out);
    const int g_z = slots.acquire();
    batch_norm_backward(bn_shape(l), b.z, b.y, params + l.bn.gamma, b.mean, b.invstd, slots.data(g_out),
                        slots.data(g_z), grads + l.bn.gamma, grads + l.bn.beta);
    slots.release(g_out);

    // The input's gradient: fresh, or added to what a shortcut already passed back.
    float* d_in = nullptr;
    int target = -1;
    const bool accumulate_into = l.input > 0 && slots.slot_of(l.input) >= 0;
    if (l.input > 0) {
      target = slots.acquire();
      d_in = slots.data(target);
    }
    const float* in = ws.tensors[static_cast<std::size_t>(l.input)];
    switch (l.kind) {
    case LayerKind::kConv:
      conv2d_backward(l.shape, in, params + l.weight, slots.data(g_z), d_in, grads + l.weight, ws.scratch);
      break;
    case LayerKind::kPointwise:
      pointwise_backward(pointwise_shape(l), in, params + l.weight, slots.data(g_z), d_in, grads + l.weight,
                         ws.scratch);
      break;
    case LayerKind::kDepthwise: {
      const std::int64_t dw = std::int64_t{l.shape.out_channels} * l.kernel * l.kernel;
      std::memset(ws.d_dw_weights, 0, sizeof(float) * static_cast<std::size_t>(dw));
      depthwise_backward(l.shape, in, b.dw_weights, slots.data(g_z), d_in, ws.d_dw_weights);
      effective_depthwise_backward(*l.slot, layout.kernel_transform, params, l.shape.out_channels, l.kernel,
                                   ws.d_dw_weights, grads, ws.transform_scratch);
      break;
    }
    }
    slots.release(g_z);
    if (target >= 0) {
      if (accumulate_into) {
        accumulate(p.tensor_size(l.input), d_in, slots.data(slots.slot_of(l.input)));
        slots.release(target);
      } else {
        slots.slot_of(l.input) = target;
      }
    }
  }
}

} // namespace tinynas::engine
