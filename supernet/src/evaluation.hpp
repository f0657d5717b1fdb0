#pragma once
// The steps shared by the evaluator, the trainer's per-epoch validation and the export: BN
// recalibration of a subnet and counting its correct predictions, on a per-thread context of
// buffers planned once.

#include <cstdint>
#include <vector>

#include "batch_builder.hpp"
#include "plan.hpp"
#include "supernet_impl.hpp"
#include "tinynas/supernet/subnet_evaluator.hpp"
#include "workspace.hpp"

namespace tinynas::engine {

// One thread's buffers for calibration and inference of any subnet of a supernet.
struct EvalContext {
  EvalContext(const Supernet::Impl& net, int rows, int cols, int capacity);
  Workspace ws;
  BatchBuilder batch;
};

// Averages the per-batch means and (biased) variances of every BN layer over the batches of
// `indices` (consecutive runs of `batch_size`), as Once-for-All's set_running_statistics does.
SubnetBnStats recalibrate_bn(const Supernet::Impl& net, const Arch& arch, const ImageSet& images,
                             const std::vector<int>& indices, int batch_size, EvalContext& ctx);

// Correct top-1 predictions on images [0, count) in batches of batch_size.
std::int64_t count_correct(const Supernet::Impl& net, const Arch& arch, const SubnetBnStats& stats,
                           const ImageSet& images, int count, int batch_size, EvalContext& ctx);

// The calibration images the evaluator uses for `seed`: batches * batch_size distinct indices of
// `available` images (all of them, repeated in order, when there are fewer).
std::vector<int> calibration_indices(int available, int batches, int batch_size, std::uint64_t seed);

} // namespace tinynas::engine
