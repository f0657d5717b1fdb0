#pragma once
// A subnet written out as the layers the engine runs, for one batch size: every conv with its
// active channels, spatial sizes and where its (sliced) weights are in the flat parameter array,
// each followed by batch norm and an optional ReLU6, then global average pooling and the
// classifier. Building a plan is cheap (no tensors); the workspace assigns the buffers.
//
// Tensors are numbered: 0 is the network input [C_in][R][R][N]; tensor i + 1 is the output of
// layer i. A layer reads tensor `input` and, for a residual block's last layer, adds tensor
// `residual` (the block's input) to its output.

#include <cstdint>
#include <vector>

#include "layout.hpp"
#include "ops/shapes.hpp"
#include "tinynas/space/arch.hpp"

namespace tinynas::engine {

enum class LayerKind { kConv, kPointwise, kDepthwise };
enum class LayerRole { kFirstConv, kExpand, kDepthwise, kProject, kFeatureMix };

struct PlanLayer {
  LayerKind kind = LayerKind::kPointwise;
  LayerRole role = LayerRole::kProject;
  ConvShape shape;
  std::int64_t weight = -1;        // offset of the stored weight (dense/pointwise: [out][in] rows)
  std::int64_t weight_ld = 0;      // pointwise/dense: row stride of the stored matrix
  const BlockSlot* slot = nullptr; // the block slot (nullptr for the first conv and feature mix)
  int kernel = 0;                  // depthwise: the subnet's kernel (the stored one may be larger)
  BnParams bn;                     // gamma/beta offsets; bn.channels = active channels
  Activation activation = Activation::kNone;
  int input = 0;
  int residual = -1;

  std::int64_t out_size() const { return std::int64_t{shape.out_channels} * shape.out_plane(); }
};

struct SubnetPlan {
  int batch = 0;
  int resolution = 0;
  int input_channels = 0;
  std::vector<PlanLayer> layers;
  int head_channels = 0; // channels entering global average pooling
  int head_pixels = 0;   // H * W there
  int classes = 0;
  std::int64_t classifier_weight = -1;
  std::int64_t classifier_bias = -1;
  std::int64_t classifier_ld = 0;

  std::int64_t tensor_size(int t) const {
    if (t == 0) return std::int64_t{input_channels} * resolution * resolution * batch;
    return layers[static_cast<std::size_t>(t - 1)].out_size();
  }
  int tensor_count() const { return static_cast<int>(layers.size()) + 1; }
  // Floats of all BN statistics of the subnet (one value per channel per BN layer).
  std::int64_t bn_channels() const;
};

// `arch` must be a valid subnet of the supernet (Supernet::validate). Reuses `plan`'s storage.
void build_plan(const SupernetLayout& layout, const Arch& arch, int batch, SubnetPlan& plan);

} // namespace tinynas::engine
