#pragma once
// The whole TinyNAS in one call, from data to a deployable model, as MCUNet describes it
// (`tinynas search --data DIR --out RUN`):
//   1. stage 1 over every (width, resolution) pair of the space (the cost model only);
//   2. a supernet for the chosen space: stage 1's width, resolution elastic over the space's
//      resolutions within `resolution_window` steps of stage 1's (RUN/supernet.supernet);
//   3. stage 2 ranked by that supernet's inherited-weight accuracy, searching the resolution too
//      (RUN/search/);
//   4. the winner trained for deployment (RUN/best.model): from random weights for the supernet's and the
//      fine-tuning's epochs together (the default: bench/search_quality measured it 2-3 points above fine-tuning
//      the inherited weights at the same budget), or its inherited weights fine-tuned;
//   5. its float and int8 accuracy on the test split (RUN/accuracy.json);
//   6. its int8 blob, C source and ONNX model (RUN/export/);
//   7. with a board (`--hil BOARD`), that int8 model measured on it (RUN/board.json), or by the board farm
//      (PipelineHooks::measure_on_board: the CLI's `--hil farm`);
//   8. RUN/report.md and RUN/report.html (the same page with its plots).
// With a time budget the counts of phases 2 to 4 are sized, after stage 1, to what the run's training batches
// and subnet scores cost on this machine (RUN/time_plan.json); the options' counts are the most it gives.
// Every phase leaves a file that is its checkpoint: running again with the same options (`resume`)
// skips finished phases and continues an interrupted one where it stopped (the supernet and the
// fine-tuning at their last epoch, stage 2 at its last generation), reaching the uninterrupted result.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "tinynas/hil/hil_profiler.hpp"
#include "tinynas/search/search_options.hpp"
#include "tinynas/supernet/trainer.hpp"

namespace tinynas {

inline constexpr int kPipelineResolutionWindow = 1;
// The whole run on Fashion-MNIST in about 45 minutes on 2 cores, at any budget.
inline constexpr double kDefaultTimeBudgetSeconds = 45 * 60;

// "45min", "1.5h", "2700s" (a number alone: minutes) -> seconds; "none" or "0" -> 0, no budget.
// invalid_option("time_budget", ...) otherwise.
double parse_time_budget(std::string_view text);
// 2700 -> "45min"; 0 -> "none" (parse_time_budget reads it back).
std::string format_time_budget(double seconds);

// How phase 4 trains the winner's deployed weights.
enum class FinalTraining {
  kScratch,  // "scratch": random weights, supernet_epochs + finetune_epochs epochs, the supernet's recipe
  kFinetune, // "finetune": the inherited weights, finetune_epochs epochs
};
const char* final_training_name(FinalTraining t);
// Error(kInvalidArgument) listing the names for anything else.
FinalTraining parse_final_training(const std::string& name);

struct PipelineOptions {
  // Budgets, board, space, seeds, stage 1 and 2; data_dir = the data; out = RUN. Its
  // resolution_window (-1: kPipelineResolutionWindow) is how many resolutions either side of stage
  // 1's the supernet trains and stage 2 searches.
  SearchOptions search;
  int supernet_epochs = 10; // supernet training (30% on the largest subnet first)
  int finetune_epochs = 5;  // fine-tuning of the winner
  FinalTraining final_training = FinalTraining::kScratch;
  int train_limit = 0;           // > 0: train on the first N images only (quick runs, tests)
  bool classes_from_data = true; // the space takes the data's class count
  int calibration_images = 500;  // int8 activation ranges
  // > 0: the whole run's wall time to plan for; the supernet epochs, stage 2's generations and the
  // fine-tuning epochs are cut (never raised) until the run is predicted to fit. 0: the counts as given.
  double time_budget_seconds = kDefaultTimeBudgetSeconds;
  // A board with profiling firmware (QEMU's or a real one through OpenOCD) that runs the winner's
  // int8 model. Not part of the run's identity: a finished run can be measured on another board.
  std::optional<std::string> hil_board;
  // With PipelineHooks::measure_on_board: the farm description it reaches ("" = this host's boards), recorded so
  // that a continued run asks the same farm. Like hil_board, not part of the run's identity.
  std::string hil_farm;

  void validate() const; // invalid_option naming the bad option
  int resolution_window() const {
    return search.resolution_window < 0 ? kPipelineResolutionWindow : search.resolution_window;
  }
};

// The winner as a measurer elsewhere needs it: its net (what the cost model predicts from) and the trained model
// file with what the export quantised it with, so that the measurer's int8 blob is the run's export/best.tnm.
struct TrainedWinner {
  NetSpec net;
  std::string arch_id;
  std::string model_file; // RUN/best.model
  std::string data_dir;   // the calibration images and the test image
  int calibration_images = 0;
  std::uint64_t seed = 0;
  BlobSchedule plan; // the exported blob's patch plan (patches 0: in place)
};

struct PipelineHooks {
  std::function<void(const std::string&)> on_phase; // "stage 1", "supernet", ... as each starts
  std::function<void(const std::string&)> on_note;  // what a phase decided or reused
  // Progress inside the phases: training batches and epochs (supernet, fine-tuning), generations
  // and the chunks of subnets within one.
  std::function<void(const BatchProgress&)> on_batch;
  std::function<void(const EpochReport&)> on_epoch;
  std::function<void(const EvolutionProgress&)> on_generation;
  std::function<void(const EvaluationProgress&)> on_evaluating;
  // Polled between batches, chunks and generations; true stops after the current phase's last checkpoint
  // (Error(kInterrupted)); running again continues from there.
  std::function<bool()> should_stop;
  // Measures the winner somewhere other than a board linked to this host (the CLI's `--hil farm`: the board farm
  // runs it on an idle board of the kind). When set, hil_board only names it in the report and no local board is
  // opened.
  std::function<ProfileResult(const TrainedWinner&)> measure_on_board;
};

struct PipelineResult {
  std::string run_dir;
  std::string report; // RUN/report.md
  std::string report_html;
  std::string model; // RUN/best.model
  std::string accuracy_json;
  // The winner as `tinynas search --json` gives its best: id, arch, MACs, SRAM, flash, latency, fits and, when it
  // runs in patches, its plan (JSON text).
  std::string winner_json;
};

// Runs the phases that are not done yet in options.search.out. The options must be those the run
// started with (RUN/pipeline.json records them; a different set is refused, naming the first
// difference). Errors as the phases throw them; Error(kInterrupted) when hooks ask to stop.
PipelineResult run_pipeline(const PipelineOptions& options, const PipelineHooks& hooks = {});

// The options the run in `run_dir` was started with (its pipeline.json), so that it can be continued
// without repeating them (`tinynas search --resume RUN`). Error(kInvalidFile) naming the file when
// there is none or it cannot be read.
PipelineOptions read_pipeline_options(const std::string& run_dir);

// Whether `dir` holds a pipeline run (a pipeline.json).
bool is_pipeline_run(const std::string& dir);

} // namespace tinynas
