#pragma once
// The progress of `tinynas train` and `tinynas finetune` on stderr: a status line per batch
// (progress_line.hpp) with the time left, and a line per epoch that stays, with the validation accuracies the epoch
// measured (the largest and smallest subnets when training a supernet, the subnet when fine-tuning).

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

private:
  ProgressLine line_;
};

} // namespace tinynas::cli
