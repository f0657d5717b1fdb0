#include "tinynas/deploy/quantized_accuracy.hpp"

#include <algorithm>
#include <string>

#include <tbb/parallel_for.h>

#include "float_reference.hpp"
#include "tinynas/deploy/model_blob.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

namespace {

template <typename T>
int first_max(const T* values, int count) {
  return count > 0 ? static_cast<int>(std::max_element(values, values + count) - values) : -1;
}

// Images per progress report; the parallel loop runs within a chunk.
constexpr int kChunk = 256;

} // namespace

int top1(const float* values, int count) { return first_max(values, count); }
int top1(const std::int8_t* values, int count) { return first_max(values, count); }

QuantizedAccuracy measure_quantized_accuracy(const Graph& graph, const FloatWeights& weights,
                                             const QuantizedModel& model, const std::vector<FloatImage>& images,
                                             const std::vector<int>& labels,
                                             const std::function<void(int, int)>& progress) {
  if (images.size() != labels.size())
    throw Error(ErrorCode::kInvalidArgument,
                std::to_string(images.size()) + " images but " + std::to_string(labels.size()) + " labels");
  const int classes = float_reference::shape_of(graph, graph.output).c;
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] < 0 || labels[i] >= classes)
      throw Error(ErrorCode::kInvalidArgument, "label " + std::to_string(labels[i]) + " of image " + std::to_string(i) +
                                                   " is outside the network's " + std::to_string(classes) + " classes");
  const std::vector<float_reference::FoldedOp> folded = float_reference::fold_all(graph, weights);
  const HostModel host(write_model_blob(graph, model).bytes);

  const int total = static_cast<int>(images.size());
  std::vector<int> float_class(images.size()), int8_class(images.size());
  for (int begin = 0; begin < total; begin += kChunk) {
    const int end = std::min(total, begin + kChunk);
    tbb::parallel_for(begin, end, [&](int i) {
      const auto at = static_cast<std::size_t>(i);
      const std::vector<std::vector<float>> t = float_reference::forward_folded(graph, folded, images[at]);
      const std::vector<float>& logits = t[static_cast<std::size_t>(graph.output)];
      float_class[at] = top1(logits.data(), classes);
      const HostRunResult r = host.run(quantize_image(model, graph, images[at]));
      int8_class[at] = top1(r.output.data(), classes);
    });
    if (progress) progress(end, total);
  }

  QuantizedAccuracy result;
  result.images = total;
  for (std::size_t i = 0; i < images.size(); ++i) {
    result.float_correct += float_class[i] == labels[i];
    result.int8_correct += int8_class[i] == labels[i];
    result.agreements += float_class[i] == int8_class[i];
  }
  return result;
}

} // namespace tinynas
