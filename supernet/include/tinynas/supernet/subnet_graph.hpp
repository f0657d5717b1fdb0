#pragma once
// A subnet with its inherited weights in the form the int8 side reads: the op Graph every consumer
// of the project shares (space/graph.hpp) and FloatWeights for it (space/graph_weights.hpp, BN
// kept as recalibrated statistics). The quantiser (profiler/quantize.hpp) turns the pair into an
// int8 model; `tinynas eval --int8` and the model blobs of trained subnets start here.

#include <vector>

#include "tinynas/dataset/dataset.hpp"
#include "tinynas/space/arch.hpp"
#include "tinynas/space/graph.hpp"
#include "tinynas/space/graph_weights.hpp"
#include "tinynas/supernet/subnet_evaluator.hpp"
#include "tinynas/supernet/supernet.hpp"

namespace tinynas {

struct SubnetGraph {
  Graph graph;          // lower_to_graph(lower_to_net(space, arch))
  FloatWeights weights; // one entry per graph op
};

// `stats` must be the arch's recalibrated statistics (SubnetEvaluator::recalibrate). Throws
// Error(kOutOfSpace) for an arch outside the supernet, Error(kInvalidArgument) for statistics of
// another arch.
SubnetGraph subnet_graph(const Supernet& supernet, const Arch& arch, const SubnetBnStats& stats);

// Images [begin, begin + count) of `images` as the network sees them: pixels normalised with the
// supernet's per-channel input mean and std, then bilinearly resized to `resolution` exactly as
// training and evaluation do; each image [R][R][C] (the Graph's [H, W, C] layout).
std::vector<std::vector<float>> network_inputs(const Supernet& supernet, const ImageSet& images, int begin, int count,
                                               int resolution);

} // namespace tinynas
