#include "tinynas/supernet/subnet_evaluator.hpp"

#include <algorithm>
#include <mutex>

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "dataset_fit.hpp"
#include "evaluation.hpp"
#include "executor.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

using engine::EvalContext;

struct SubnetEvaluator::Impl {
  const Supernet& supernet;
  ImageSet calibration; // only the images recalibration uses, in the order it uses them
  std::vector<int> calibration_order;
  ImageSet evaluation;
  EvaluatorOptions options;
  int count = 0;

  std::mutex pool_mutex;
  std::vector<std::unique_ptr<EvalContext>> pool; // one per concurrently running arch, reused

  Impl(const Supernet& s, EvaluatorOptions o) : supernet(s), options(o) {}

  std::unique_ptr<EvalContext> acquire() {
    {
      std::lock_guard<std::mutex> lock(pool_mutex);
      if (!pool.empty()) {
        auto ctx = std::move(pool.back());
        pool.pop_back();
        return ctx;
      }
    }
    const int capacity = std::max(options.batch_size, options.calibration_batch_size);
    return std::make_unique<EvalContext>(supernet.impl(), evaluation.rows, evaluation.cols, capacity);
  }
  void release(std::unique_ptr<EvalContext> ctx) {
    std::lock_guard<std::mutex> lock(pool_mutex);
    pool.push_back(std::move(ctx));
  }

  SubnetBnStats recalibrate(const Arch& arch, EvalContext& ctx) const {
    return engine::recalibrate_bn(supernet.impl(), arch, calibration, calibration_order, options.calibration_batch_size,
                                  ctx);
  }
  double accuracy(const Arch& arch, EvalContext& ctx) const {
    const SubnetBnStats stats = recalibrate(arch, ctx);
    const std::int64_t correct =
        engine::count_correct(supernet.impl(), arch, stats, evaluation, count, options.batch_size, ctx);
    return static_cast<double>(correct) / count;
  }
};

SubnetEvaluator::SubnetEvaluator(const Supernet& supernet, const ImageSet& calibration, const ImageSet& evaluation,
                                 EvaluatorOptions options)
    : impl_(std::make_unique<Impl>(supernet, options)) {
  if (calibration.size() == 0) throw Error(ErrorCode::kInvalidArgument, "no images for BN recalibration");
  if (evaluation.size() == 0) throw Error(ErrorCode::kInvalidArgument, "no images to evaluate on");
  engine::check_dataset_fits(supernet.space(), calibration, "calibration");
  engine::check_dataset_fits(supernet.space(), evaluation, "evaluation");
  if (calibration.rows != evaluation.rows || calibration.cols != evaluation.cols)
    throw Error(ErrorCode::kInvalidArgument,
                "the calibration images (training split) are " + std::to_string(calibration.rows) + "x" +
                    std::to_string(calibration.cols) + " and the evaluated ones " + std::to_string(evaluation.rows) +
                    "x" + std::to_string(evaluation.cols) +
                    ": a dataset's splits must share one image size (an image folder's dataset.json \"input_size\" "
                    "resizes them all)");
  if (options.batch_size <= 0 || options.calibration_batch_size <= 0 || options.calibration_batches <= 0)
    throw Error(ErrorCode::kInvalidArgument, "batch sizes and the calibration batch count must be positive");
  // Keep only the calibration images, in calibration order (0, 1, 2, ... below).
  const std::vector<int> picked = engine::calibration_indices(calibration.size(), options.calibration_batches,
                                                              options.calibration_batch_size, options.seed);
  impl_->calibration.rows = calibration.rows;
  impl_->calibration.cols = calibration.cols;
  impl_->calibration.channels = calibration.channels;
  const std::size_t px = calibration.image_bytes();
  for (int i : picked) {
    const std::uint8_t* img = calibration.image(i);
    impl_->calibration.pixels.insert(impl_->calibration.pixels.end(), img, img + px);
    impl_->calibration.labels.push_back(calibration.labels[static_cast<std::size_t>(i)]);
    impl_->calibration_order.push_back(static_cast<int>(impl_->calibration_order.size()));
  }
  impl_->count = options.max_images > 0 ? std::min(options.max_images, evaluation.size()) : evaluation.size();
  impl_->evaluation = evaluation.slice(0, impl_->count);
}

SubnetEvaluator::~SubnetEvaluator() = default;

int SubnetEvaluator::evaluation_images() const { return impl_->count; }

int SubnetEvaluator::archs_at_once() { return std::max(1, tbb::this_task_arena::max_concurrency()); }

std::vector<double> SubnetEvaluator::evaluate(const std::vector<Arch>& archs, const Progress& progress) {
  for (const Arch& a : archs) impl_->supernet.validate(a);
  std::vector<double> out(archs.size(), 0.0);
  // Archs run in parallel (each also parallel inside); progress is reported from this thread
  // between groups of as many archs as there are threads.
  const auto group = static_cast<std::size_t>(archs_at_once());
  for (std::size_t start = 0; start < archs.size(); start += group) {
    const std::size_t end = std::min(archs.size(), start + group);
    tbb::parallel_for(start, end, [&](std::size_t i) {
      // Isolation: while this arch waits for its inner loops, the thread must not pick up another
      // arch (which would need a second context on the same stack).
      tbb::this_task_arena::isolate([&] {
        auto ctx = impl_->acquire();
        out[i] = impl_->accuracy(archs[i], *ctx);
        impl_->release(std::move(ctx));
      });
    });
    if (progress) progress(static_cast<int>(end), static_cast<int>(archs.size()));
  }
  return out;
}

double SubnetEvaluator::evaluate(const Arch& arch) { return evaluate(std::vector<Arch>{arch}).front(); }

SubnetBnStats SubnetEvaluator::recalibrate(const Arch& arch) {
  impl_->supernet.validate(arch);
  auto ctx = impl_->acquire();
  SubnetBnStats stats = impl_->recalibrate(arch, *ctx);
  impl_->release(std::move(ctx));
  return stats;
}

std::vector<float> subnet_logits(const Supernet& supernet, const Arch& arch, const SubnetBnStats& stats,
                                 const float* images_nchw, int n) {
  supernet.validate(arch);
  const Supernet::Impl& net = supernet.impl();
  const int c = net.layout.input_channels, r = arch.resolution;
  const std::int64_t pixels = std::int64_t{r} * r;
  // NCHW -> the engine's CHWN.
  engine::FloatBuffer input(std::int64_t{c} * pixels * n);
  for (int i = 0; i < n; ++i)
    for (int ch = 0; ch < c; ++ch)
      for (std::int64_t p = 0; p < pixels; ++p)
        input[(ch * pixels + p) * n + i] = images_nchw[(std::int64_t{i} * c + ch) * pixels + p];
  engine::Workspace ws;
  engine::build_plan(net.layout, arch, n, ws.plan);
  if (static_cast<std::size_t>(ws.plan.bn_channels()) != stats.mean.size() || stats.var.size() != stats.mean.size())
    throw Error(ErrorCode::kInvalidArgument, "BN statistics of " + stats.arch_id + " do not fit " + arch.id());
  ws.prepare(ws.plan, engine::RunMode::kInference);
  const float* logits =
      engine::run_forward(net.layout, net.params.data(), input.data(), ws, {stats.mean.data(), stats.var.data()});
  const int k = ws.plan.classes;
  std::vector<float> out(static_cast<std::size_t>(n) * k);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < k; ++j) out[static_cast<std::size_t>(i) * k + j] = logits[std::int64_t{j} * n + i];
  return out;
}

} // namespace tinynas
