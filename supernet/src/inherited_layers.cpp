#include "inherited_layers.hpp"

#include "kernel_transform.hpp"
#include "supernet_impl.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas::engine {

namespace {

// Where each layer's name comes from: blocks are numbered in execution order, block 0 being the
// first (expand-1) block, as torch_reference.SubnetModel.blocks.
std::vector<std::string> layer_names(const SubnetPlan& plan) {
  std::vector<std::string> names;
  int block = -1;
  for (std::size_t i = 0; i < plan.layers.size(); ++i) {
    const PlanLayer& l = plan.layers[i];
    switch (l.role) {
    case LayerRole::kFirstConv: names.push_back("first_conv"); break;
    case LayerRole::kFeatureMix: names.push_back("feature_mix"); break;
    case LayerRole::kExpand: names.push_back("blocks." + std::to_string(++block) + ".expand"); break;
    case LayerRole::kDepthwise:
      if (i == 0 || plan.layers[i - 1].role != LayerRole::kExpand) ++block;
      names.push_back("blocks." + std::to_string(block) + ".depthwise");
      break;
    case LayerRole::kProject: names.push_back("blocks." + std::to_string(block) + ".project"); break;
    }
  }
  return names;
}

// The layer's weights as used by the subnet, [out][in / groups][k][k].
std::vector<float> layer_weights(const Supernet::Impl& net, const PlanLayer& l) {
  const float* params = net.params.data();
  const int out = l.shape.out_channels, in = l.shape.in_channels;
  switch (l.kind) {
  case LayerKind::kConv: {
    const std::int64_t n = std::int64_t{out} * in * l.kernel * l.kernel;
    return {params + l.weight, params + l.weight + n};
  }
  case LayerKind::kPointwise: {
    std::vector<float> w(static_cast<std::size_t>(out) * in);
    for (int o = 0; o < out; ++o)
      for (int i = 0; i < in; ++i) w[static_cast<std::size_t>(o) * in + i] = params[l.weight + o * l.weight_ld + i];
    return w;
  }
  case LayerKind::kDepthwise: {
    std::vector<float> w(static_cast<std::size_t>(out) * l.kernel * l.kernel);
    std::vector<float> scratch(static_cast<std::size_t>(kernel_transform_scratch_floats(*l.slot, out)));
    effective_depthwise(*l.slot, net.layout.kernel_transform, params, out, l.kernel, w.data(), scratch.data());
    return w;
  }
  }
  return {};
}

} // namespace

InheritedSubnet inherited_subnet(const Supernet& supernet, const Arch& arch, const SubnetBnStats& stats) {
  supernet.validate(arch);
  const Supernet::Impl& net = supernet.impl();
  InheritedSubnet s;
  build_plan(net.layout, arch, 1, s.plan);
  if (static_cast<std::size_t>(s.plan.bn_channels()) != stats.mean.size() || stats.var.size() != stats.mean.size())
    throw Error(ErrorCode::kInvalidArgument,
                "BN statistics of " + stats.arch_id + " do not fit " + arch.id() + " (recalibrate this arch first)");

  const std::vector<std::string> names = layer_names(s.plan);
  const float* params = net.params.data();
  std::size_t stats_at = 0;
  for (std::size_t i = 0; i < s.plan.layers.size(); ++i) {
    const PlanLayer& l = s.plan.layers[i];
    const auto n = static_cast<std::size_t>(l.shape.out_channels);
    InheritedLayer layer;
    layer.layer = l;
    layer.name = names[i];
    layer.weight = layer_weights(net, l);
    layer.gamma.assign(params + l.bn.gamma, params + l.bn.gamma + n);
    layer.beta.assign(params + l.bn.beta, params + l.bn.beta + n);
    layer.mean.assign(stats.mean.begin() + static_cast<std::ptrdiff_t>(stats_at),
                      stats.mean.begin() + static_cast<std::ptrdiff_t>(stats_at + n));
    layer.var.assign(stats.var.begin() + static_cast<std::ptrdiff_t>(stats_at),
                     stats.var.begin() + static_cast<std::ptrdiff_t>(stats_at + n));
    stats_at += n;
    s.layers.push_back(std::move(layer));
  }

  const int classes = s.plan.classes, head = s.plan.head_channels;
  const float* fc = params + s.plan.classifier_weight;
  s.classifier_weight.resize(static_cast<std::size_t>(classes) * head);
  for (int k = 0; k < classes; ++k)
    for (int c = 0; c < head; ++c)
      s.classifier_weight[static_cast<std::size_t>(k) * head + c] = fc[k * s.plan.classifier_ld + c];
  const float* fc_b = params + s.plan.classifier_bias;
  s.classifier_bias.assign(fc_b, fc_b + classes);
  return s;
}

} // namespace tinynas::engine
