#include "tinynas/hil/board_accuracy.hpp"

#include <chrono>

#include <nlohmann/json.hpp>

#include "tinynas/deploy/quantized_accuracy.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/stopwatch.hpp"

namespace tinynas {

BoardAccuracyTask BoardAccuracyTask::from(const Int8EvaluationSet& set, const BlobSchedule& schedule) {
  return {set.arch_id, write_model_blob(set.graph, set.model, schedule), set.inputs, set.labels, set.host_top1,
          set.host_out};
}

void BoardAccuracyTask::check() const {
  const auto fail = [](const std::string& what) { throw Error(ErrorCode::kInvalidArgument, "accuracy task: " + what); };
  const std::size_t n = inputs.size();
  if (n == 0) fail("no inputs");
  if (labels.size() != n || host_top1.size() != n || host_out.size() != n)
    fail(std::to_string(n) + " inputs but " + std::to_string(labels.size()) + " labels, " +
         std::to_string(host_top1.size()) + " host classes and " + std::to_string(host_out.size()) + " host outputs");
  const HostModel model(blob.bytes);                // the runtime's own validation of the blob (CRC, records, plan)
  const HostRunResult first = model.run(inputs[0]); // refuses an input of another size than the blob's
  for (std::size_t i = 0; i < n; ++i) {
    if (inputs[i].size() != inputs[0].size())
      fail("input " + std::to_string(i) + " has " + std::to_string(inputs[i].size()) + " bytes, input 0 " +
           std::to_string(inputs[0].size()));
    if (host_out[i].size() != first.output.size())
      fail("host output " + std::to_string(i) + " has " + std::to_string(host_out[i].size()) +
           " bytes, the model's output " + std::to_string(first.output.size()));
    if (labels[i] < 0) fail("label " + std::to_string(i) + " is negative");
  }
}

BoardAccuracy measure_accuracy_on_board(HilProfiler& profiler, const BoardAccuracyTask& set,
                                        const std::function<void(int, int)>& progress) {
  const auto started = std::chrono::steady_clock::now();
  const std::vector<std::vector<std::int8_t>> outputs = profiler.infer(set.blob, set.inputs, progress);
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
  r.seconds = seconds_since(started);
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
