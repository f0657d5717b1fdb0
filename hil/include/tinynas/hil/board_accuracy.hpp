#pragma once
// A trained model's accuracy measured on the board: the test images streamed through the profiling firmware, its
// top-1 next to the host build of the same runtime's on the same int8 inputs. On QEMU the two are identical by
// construction (the check that the firmware computes what the host does); on silicon this is the number users
// ask for, since published MCU accuracies are usually simulated on servers.

#include <functional>
#include <string>

#include "tinynas/deploy/subnet_accuracy.hpp"
#include "tinynas/hil/hil_profiler.hpp"

namespace tinynas {

struct BoardAccuracy {
  std::string board;
  std::string arch_id;
  int images = 0;
  int board_correct = 0;
  int host_correct = 0;
  int identical_outputs = 0; // images whose output bytes equal the host runtime's
  double seconds = 0;        // on the board, including sending the model
  double board_accuracy() const { return images > 0 ? double(board_correct) / images : 0.0; }
  double host_accuracy() const { return images > 0 ? double(host_correct) / images : 0.0; }
  // {"board", "arch", "images", "board_accuracy", "host_accuracy", "identical_outputs", "seconds"}
  std::string to_json(int indent = 2) const;
};

// What a board needs to measure a model's accuracy, and what to compare with: the blob, the int8 inputs, their labels
// and the host runtime's answers. No model file and no dataset: a farm job carries it to a worker on another host.
struct BoardAccuracyTask {
  std::string arch_id;
  ModelBlob blob; // bytes and arena_bytes are what a board needs
  std::vector<std::vector<std::int8_t>> inputs;
  std::vector<int> labels;
  std::vector<int> host_top1;
  std::vector<std::vector<std::int8_t>> host_out;

  // Writes the set's blob, with the patch plan of `schedule` when it has patches.
  static BoardAccuracyTask from(const Int8EvaluationSet& set, const BlobSchedule& schedule = {});
  // Throws Error(kInvalidArgument) naming what is wrong: a blob the runtime refuses, inputs of another size than
  // the blob's input, counts that differ, host outputs of another size than the blob's output, a label < 0.
  void check() const;
};

// Runs every input of `task` on the profiler's board. progress(done, total).
BoardAccuracy measure_accuracy_on_board(HilProfiler& profiler, const BoardAccuracyTask& task,
                                        const std::function<void(int, int)>& progress = {});

} // namespace tinynas
