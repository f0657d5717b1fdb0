#pragma once
// The progress of `tinynas train` and `tinynas finetune` on stderr: a status line per batch
// (progress_line.hpp) with the time left, and a line per epoch that stays, with the validation accuracies the epoch
// measured (the largest and smallest subnets when training a supernet, the subnet when fine-tuning).

#include <chrono>
#include <string>

#include "progress_line.hpp"
#include "tinynas/supernet/trainer.hpp"

namespace tinynas::cli {

// "12.34%", or "-" for a value not measured (negative).
std::string percent_or_dash(double fraction);

class TrainingPrinter {
public:
  void batch(const BatchProgress& p);
  void epoch(const EpochReport& r);
  void note(const std::string& text) { line_.print(text); }
  void finish() { line_.finish(); }
  // Another training starts (the pipeline's fine-tuning after its supernet): its own rate.
  void restart_clock() { batches_seen_ = 0; }

private:
  ProgressLine line_;
  long batches_seen_ = 0;        // since the clock (re)started: the rate behind "time left"
  double seconds_per_batch_ = 0; // moving average
  std::chrono::steady_clock::time_point last_batch_;
};

} // namespace tinynas::cli
