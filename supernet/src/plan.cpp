#include "plan.hpp"

namespace tinynas::engine {

namespace {

struct PlanBuilder {
  SubnetPlan& plan;
  int size;     // current spatial size
  int channels; // current channels

  void add(LayerKind kind, LayerRole role, const BlockSlot* slot, int out_channels, int kernel, int stride,
           std::int64_t weight, std::int64_t weight_ld, const BnParams& bn, Activation act, int residual = -1) {
    PlanLayer l;
    l.kind = kind;
    l.role = role;
    l.shape = same_conv(channels, out_channels, size, kernel, stride, plan.batch);
    l.weight = weight;
    l.weight_ld = weight_ld;
    l.slot = slot;
    l.kernel = kernel;
    l.bn = {bn.gamma, bn.beta, out_channels};
    l.activation = act;
    l.input = static_cast<int>(plan.layers.size());
    l.residual = residual;
    plan.layers.push_back(l);
    size = l.shape.out_h;
    channels = out_channels;
  }

  void block(const BlockSlot& s, int kernel, int expand) {
    const int block_input = static_cast<int>(plan.layers.size());
    const int mid = s.has_expand ? s.mid_for_expand(expand) : s.in_channels;
    if (s.has_expand)
      add(LayerKind::kPointwise, LayerRole::kExpand, &s, mid, 1, 1, s.expand.weight, s.in_channels, s.expand_bn,
          Activation::kRelu6);
    add(LayerKind::kDepthwise, LayerRole::kDepthwise, &s, mid, kernel, s.stride, s.depthwise.weight, 0, s.depthwise_bn,
        Activation::kRelu6);
    // A block keeps an identity shortcut when it keeps stride and width (never the first block).
    const bool residual = s.has_expand && s.stride == 1 && s.in_channels == s.out_channels;
    add(LayerKind::kPointwise, LayerRole::kProject, &s, s.out_channels, 1, 1, s.project.weight, s.max_mid(),
        s.project_bn, Activation::kNone, residual ? block_input : -1);
  }
};

} // namespace

std::int64_t SubnetPlan::bn_channels() const {
  std::int64_t n = 0;
  for (const auto& l : layers) n += l.bn.channels;
  return n;
}

void build_plan(const SupernetLayout& layout, const Arch& arch, int batch, SubnetPlan& plan) {
  plan.layers.clear();
  plan.batch = batch;
  plan.resolution = arch.resolution;
  plan.input_channels = layout.input_channels;
  PlanBuilder b{plan, arch.resolution, layout.input_channels};
  const ConvParams& fc = layout.first_conv;
  b.add(LayerKind::kConv, LayerRole::kFirstConv, nullptr, fc.out_channels, fc.kernel, layout.first_stride, fc.weight,
        std::int64_t{fc.in_channels} * fc.kernel * fc.kernel, layout.first_bn, Activation::kRelu6);
  b.block(layout.first_block, layout.first_block.kernels.front(), 1);
  for (std::size_t s = 0; s < layout.stages.size(); ++s) {
    const StageGenes& genes = arch.stages[s];
    for (int i = 0; i < genes.depth; ++i) {
      const auto k = static_cast<std::size_t>(i);
      b.block(layout.stages[s][k], genes.kernels[k], genes.expands[k]);
    }
  }
  if (layout.feature_mix_channels > 0)
    b.add(LayerKind::kPointwise, LayerRole::kFeatureMix, nullptr, layout.feature_mix_channels, 1, 1,
          layout.feature_mix.weight, layout.feature_mix.in_channels, layout.feature_mix_bn, Activation::kRelu6);
  plan.head_channels = b.channels;
  plan.head_pixels = b.size * b.size;
  plan.classes = layout.num_classes;
  plan.classifier_weight = layout.classifier_weight;
  plan.classifier_bias = layout.classifier_bias;
  plan.classifier_ld = layout.classifier_in;
}

} // namespace tinynas::engine
