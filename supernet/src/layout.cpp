#include "layout.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "tinynas/space/error.hpp"
#include "tinynas/space/rng.hpp"

namespace tinynas::engine {

namespace {

class LayoutBuilder {
public:
  explicit LayoutBuilder(SupernetLayout& layout) : layout_(layout) {}

  std::int64_t add(const std::string& name, std::vector<int> shape, bool decay) {
    std::int64_t size = 1;
    for (int d : shape) size *= d;
    layout_.params.push_back({name, std::move(shape), layout_.total, size, decay});
    const std::int64_t offset = layout_.total;
    layout_.total += size;
    return offset;
  }
  ConvParams conv(const std::string& name, int out, int in, int kernel) {
    return {add(name + ".weight", {out, in, kernel, kernel}, true), out, in, kernel};
  }
  ConvParams depthwise(const std::string& name, int channels, int kernel) {
    return {add(name + ".weight", {channels, 1, kernel, kernel}, true), channels, 1, kernel};
  }
  BnParams bn(const std::string& name, int channels) {
    BnParams b;
    b.gamma = add(name + ".weight", {channels}, false);
    b.beta = add(name + ".bias", {channels}, false);
    b.channels = channels;
    return b;
  }

private:
  SupernetLayout& layout_;
};

double normal(Rng& rng) {
  // Box-Muller on two uniforms: the same numbers on every standard library.
  const double u1 = 1.0 - rng.uniform(), u2 = rng.uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

} // namespace

int BlockSlot::mid_for_expand(int ratio) const {
  for (std::size_t i = 0; i < expands.size(); ++i)
    if (expands[i] == ratio) return mid_channels[i];
  throw Error(ErrorCode::kOutOfSpace, "expand ratio " + std::to_string(ratio) + " is not a choice of " + name);
}

SupernetLayout make_layout(const SearchSpace& space, double width, KernelTransform transform) {
  SupernetLayout L;
  LayoutBuilder b(L);
  L.input_channels = space.input_channels;
  L.num_classes = space.num_classes;
  L.kernel_transform = transform;
  L.first_stride = space.first_conv_stride;

  const int c0 = space.channels(space.first_conv_base, width);
  L.first_conv = b.conv("first_conv", c0, space.input_channels, space.first_conv_kernel);
  L.first_bn = b.bn("first_conv.bn", c0);

  BlockSlot& fb = L.first_block;
  fb.name = "first_block";
  fb.in_channels = c0;
  fb.out_channels = space.channels(space.first_block_base, width);
  fb.has_expand = false;
  fb.kernels = {space.first_block_kernel};
  fb.expands = {1};
  fb.mid_channels = {c0};
  fb.depthwise = b.depthwise("first_block.depthwise", c0, space.first_block_kernel);
  fb.depthwise_bn = b.bn("first_block.depthwise.bn", c0);
  fb.project = b.conv("first_block.project", fb.out_channels, c0, 1);
  fb.project_bn = b.bn("first_block.project.bn", fb.out_channels);

  int in = fb.out_channels;
  for (std::size_t s = 0; s < space.stages.size(); ++s) {
    const StageSpace& st = space.stages[s];
    if (std::find(st.expands.begin(), st.expands.end(), 1) != st.expands.end())
      throw Error(ErrorCode::kInvalidFile,
                  "a supernet needs expand ratios above 1 (an expand-1 block has no expand conv, so it cannot "
                  "share weights with the others)",
                  space.file, "/stages/" + std::to_string(s) + "/expands");
    const int out = space.channels(st.base_width, width);
    std::vector<BlockSlot> slots;
    for (int i = 0; i < st.max_depth(); ++i) {
      BlockSlot slot;
      slot.name = "stages." + std::to_string(s) + ".blocks." + std::to_string(i);
      slot.in_channels = in;
      slot.out_channels = out;
      slot.stride = i == 0 ? st.stride : 1;
      slot.kernels = st.kernels;
      slot.expands = st.expands;
      // The rule of lower_to_net (Once-for-All's make_divisible(round(in * e))).
      for (int e : st.expands)
        slot.mid_channels.push_back(space.round_channels(std::round(in * static_cast<double>(e))));
      const int mid = slot.max_mid();
      slot.expand = b.conv(slot.name + ".expand", mid, in, 1);
      slot.expand_bn = b.bn(slot.name + ".expand.bn", mid);
      slot.depthwise = b.depthwise(slot.name + ".depthwise", mid, slot.max_kernel());
      slot.depthwise_bn = b.bn(slot.name + ".depthwise.bn", mid);
      if (transform == KernelTransform::kOfaMatrix)
        for (std::size_t k = 0; k + 1 < slot.kernels.size(); ++k) {
          const int target = slot.kernels[k];
          const std::string key =
              slot.name + ".depthwise.transform_" + std::to_string(slot.kernels[k + 1]) + "to" + std::to_string(target);
          slot.transforms.push_back(b.add(key, {target * target, target * target}, false));
        }
      slot.project = b.conv(slot.name + ".project", out, mid, 1);
      slot.project_bn = b.bn(slot.name + ".project.bn", out);
      slots.push_back(std::move(slot));
      in = out;
    }
    L.stages.push_back(std::move(slots));
  }

  // lower_to_net's rule for the feature-mix width (it shrinks only with multipliers above 1).
  if (space.feature_mix_base > 0) {
    L.feature_mix_channels = width > 1.0 ? space.channels(space.feature_mix_base, width) : space.feature_mix_base;
    L.feature_mix = b.conv("feature_mix", L.feature_mix_channels, in, 1);
    L.feature_mix_bn = b.bn("feature_mix.bn", L.feature_mix_channels);
    in = L.feature_mix_channels;
  }
  L.classifier_in = in;
  L.classifier_weight = b.add("classifier.weight", {L.num_classes, in}, true);
  L.classifier_bias = b.add("classifier.bias", {L.num_classes}, false);
  return L;
}

void initialise_parameters(const SupernetLayout& layout, std::uint64_t seed, float* params) {
  Rng rng(seed);
  auto he_fan_out = [&](const ConvParams& c) {
    const double std_dev = std::sqrt(2.0 / (static_cast<double>(c.out_channels) * c.kernel * c.kernel));
    const std::int64_t n = std::int64_t{c.out_channels} * c.in_channels * c.kernel * c.kernel;
    for (std::int64_t i = 0; i < n; ++i) params[c.weight + i] = static_cast<float>(normal(rng) * std_dev);
  };
  auto bn = [&](const BnParams& b) {
    std::fill(params + b.gamma, params + b.gamma + b.channels, 1.0f);
    std::fill(params + b.beta, params + b.beta + b.channels, 0.0f);
  };
  auto block = [&](const BlockSlot& s) {
    if (s.has_expand) {
      he_fan_out(s.expand);
      bn(s.expand_bn);
    }
    he_fan_out(s.depthwise);
    bn(s.depthwise_bn);
    for (std::size_t t = 0; t < s.transforms.size(); ++t) {
      const int k2 = s.kernels[t] * s.kernels[t];
      float* m = params + s.transforms[t];
      std::fill(m, m + std::int64_t{k2} * k2, 0.0f);
      for (int i = 0; i < k2; ++i) m[std::int64_t{i} * k2 + i] = 1.0f;
    }
    he_fan_out(s.project);
    bn(s.project_bn);
  };
  he_fan_out(layout.first_conv);
  bn(layout.first_bn);
  block(layout.first_block);
  for (const auto& stage : layout.stages)
    for (const auto& slot : stage) block(slot);
  if (layout.feature_mix_channels > 0) {
    he_fan_out(layout.feature_mix);
    bn(layout.feature_mix_bn);
  }
  const double bound = 1.0 / std::sqrt(static_cast<double>(layout.classifier_in));
  for (std::int64_t i = 0; i < std::int64_t{layout.num_classes} * layout.classifier_in; ++i)
    params[layout.classifier_weight + i] = static_cast<float>((2.0 * rng.uniform() - 1.0) * bound);
  std::fill(params + layout.classifier_bias, params + layout.classifier_bias + layout.num_classes, 0.0f);
}

} // namespace tinynas::engine
