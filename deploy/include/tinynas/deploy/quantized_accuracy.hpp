#pragma once
// What int8 deployment costs in accuracy: the float network (BN folded, float_reference) and its int8 model run
// by the host build of the firmware's runtime (the bit-exact reference for the boards) classify the same labelled
// images; top-1 of each and how often they agree. The int8 side runs the model blob, so it measures exactly what a
// board would compute, including the memory plan and in-place depthwise convolutions.
//
// Images are evaluated in parallel (oneTBB); the result does not depend on the thread count.

#include <cstdint>
#include <functional>
#include <vector>

#include "tinynas/deploy/quantize.hpp"
#include "tinynas/space/graph.hpp"
#include "tinynas/space/graph_weights.hpp"

namespace tinynas {

struct QuantizedAccuracy {
  int images = 0;
  int float_correct = 0; // top-1 of the float network
  int int8_correct = 0;  // top-1 of the int8 model on the host runtime
  int agreements = 0;    // images where both predict the same class

  double float_accuracy() const { return images > 0 ? double(float_correct) / images : 0.0; }
  double int8_accuracy() const { return images > 0 ? double(int8_correct) / images : 0.0; }
  double agreement() const { return images > 0 ? double(agreements) / images : 0.0; }
};

// Index of the largest value; the first one on ties (what argmax does in PyTorch and NumPy).
int top1(const float* values, int count);
int top1(const std::int8_t* values, int count);

// `images[i]` is a normalised input [H, W, C] of the graph, `labels[i]` its class. Progress: (images done, total),
// called from the calling thread. Throws Error(kInvalidArgument) when sizes disagree (naming which) and the
// quantiser's or runtime's errors unchanged.
QuantizedAccuracy measure_quantized_accuracy(const Graph& graph, const FloatWeights& weights,
                                             const QuantizedModel& model, const std::vector<FloatImage>& images,
                                             const std::vector<int>& labels,
                                             const std::function<void(int, int)>& progress = {});

} // namespace tinynas
