#include "tinynas/hil/board_accuracy.hpp"

#include <chrono>

#include <nlohmann/json.hpp>

#include "tinynas/deploy/quantized_accuracy.hpp"

namespace tinynas {

BoardAccuracy measure_accuracy_on_board(HilProfiler& profiler, const Int8EvaluationSet& set,
                                        const std::function<void(int, int)>& progress) {
  const auto started = std::chrono::steady_clock::now();
  const std::vector<std::vector<std::int8_t>> outputs = profiler.infer(set.graph, set.model, set.inputs, progress);
  BoardAccuracy r;
  r.board = profiler.board().name;
  r.arch_id = set.arch_id;
  r.images = static_cast<int>(outputs.size());
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const int board_class = top1(outputs[i].data(), static_cast<int>(outputs[i].size()));
    r.board_correct += board_class == set.labels[i];
    r.host_correct += set.host_top1[i] == set.labels[i];
    r.identical_outputs += outputs[i] == set.host_out[i];
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return r;
}

std::string BoardAccuracy::to_json(int indent) const {
  return nlohmann::json{{"board", board},
                        {"arch", arch_id},
                        {"images", images},
                        {"board_accuracy", board_accuracy()},
                        {"host_accuracy", host_accuracy()},
                        {"identical_outputs", identical_outputs},
                        {"seconds", seconds}}
      .dump(indent);
}

} // namespace tinynas
