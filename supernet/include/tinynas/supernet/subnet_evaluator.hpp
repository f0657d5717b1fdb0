#pragma once
// Accuracy of subnets with weights inherited from a supernet: what the `supernet` estimator of the
// search ranks by. For every arch: BN recalibration (Once-for-All / MCUNet: forward a fixed set of
// training images in training mode and average the batch statistics, by default 20 batches of 64),
// then top-1 accuracy on the evaluation images (the held-out validation split during search; the
// test split only for final numbers).
//
// Deterministic: an arch's accuracy depends only on the arch, the supernet, the images and the
// seed (which picks the calibration images) — not on the batch of archs it comes in, its position
// or the thread count. Archs of a batch are evaluated in parallel (oneTBB), each with buffers
// planned once and reused.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tinynas/dataset/dataset.hpp"
#include "tinynas/space/arch.hpp"
#include "tinynas/supernet/supernet.hpp"

namespace tinynas {

struct EvaluatorOptions {
  int calibration_batches = 20;    // BN recalibration: batches of training images ...
  int calibration_batch_size = 64; // ... of this size (MCUNet's 20 x 64)
  int batch_size = 200;            // evaluation batch
  int max_images = 0;              // > 0: evaluate on the first N images only
  std::uint64_t seed = 0;          // picks the calibration images
};

// Recalibrated batch-norm statistics of one subnet: per BN layer in execution order (first conv,
// then each block's expand, depthwise and project layers, then the feature mix), one mean and one
// (biased) variance per channel, concatenated.
struct SubnetBnStats {
  std::string arch_id;
  std::vector<float> mean;
  std::vector<float> var;
};

class SubnetEvaluator {
public:
  // Progress: (archs done, archs in this call), called from the calling thread.
  using Progress = std::function<void(int done, int total)>;

  // `supernet` must outlive the evaluator and stay where it is (not moved from); its weights may
  // change between calls (the trainer validates after every epoch). Keeps the calibration images it
  // picks and a copy of the evaluation images. Throws Error(kInvalidArgument) on empty sets or
  // images of another channel count than the space's input.
  SubnetEvaluator(const Supernet& supernet, const ImageSet& calibration, const ImageSet& evaluation,
                  EvaluatorOptions options = {});
  ~SubnetEvaluator();
  SubnetEvaluator(const SubnetEvaluator&) = delete;
  SubnetEvaluator& operator=(const SubnetEvaluator&) = delete;

  // Top-1 accuracy in [0, 1] of every arch, in order (archs must be valid subnets of the
  // supernet: Error(kOutOfSpace) otherwise). Call from one thread at a time.
  std::vector<double> evaluate(const std::vector<Arch>& archs, const Progress& progress = {});
  double evaluate(const Arch& arch);

  SubnetBnStats recalibrate(const Arch& arch);
  // Number of images accuracies are computed on.
  int evaluation_images() const;
  // How many archs of one call run at once (the rest wait for them): the threads oneTBB gives this caller.
  static int archs_at_once();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Logits [n][classes] (row-major) of a subnet in inference mode for normalised input images
// [n][C][R][R] (NCHW, PyTorch's layout), R the arch's resolution. For tests and tools; the
// evaluator is the fast path.
std::vector<float> subnet_logits(const Supernet& supernet, const Arch& arch, const SubnetBnStats& stats,
                                 const float* images_nchw, int n);

} // namespace tinynas
