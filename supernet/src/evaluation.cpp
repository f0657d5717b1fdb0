#include "evaluation.hpp"

#include <algorithm>
#include <numeric>

#include "executor.hpp"
#include "ops/softmax_cross_entropy.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/rng.hpp"

namespace tinynas::engine {

EvalContext::EvalContext(const Supernet::Impl& net, int rows, int cols, int capacity)
    : batch(rows, cols, net.space.input_channels, capacity, net.space.resolutions) {}

SubnetBnStats recalibrate_bn(const Supernet::Impl& net, const Arch& arch, const ImageSet& images,
                             const std::vector<int>& indices, int batch_size, EvalContext& ctx) {
  SubnetBnStats stats;
  stats.arch_id = arch.id();
  std::vector<double> mean_sum, var_sum;
  std::int64_t seen = 0;
  for (std::size_t start = 0; start < indices.size(); start += static_cast<std::size_t>(batch_size)) {
    const int n = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(batch_size), indices.size() - start));
    ctx.batch.load(images, indices.data() + start, n, net.input);
    build_plan(net.layout, arch, n, ctx.ws.plan);
    ctx.ws.prepare(ctx.ws.plan, RunMode::kCalibrate);
    run_forward(net.layout, net.params.data(), ctx.batch.at(arch.resolution), ctx.ws);
    if (mean_sum.empty()) {
      mean_sum.assign(static_cast<std::size_t>(ctx.ws.plan.bn_channels()), 0.0);
      var_sum.assign(mean_sum.size(), 0.0);
    }
    // Weighted by batch size, as OFA's AverageMeter.update(value, n).
    std::size_t at = 0;
    for (std::size_t i = 0; i < ctx.ws.plan.layers.size(); ++i) {
      const LayerBuffers& b = ctx.ws.layers[i];
      for (int c = 0; c < ctx.ws.plan.layers[i].bn.channels; ++c, ++at) {
        mean_sum[at] += static_cast<double>(b.mean[c]) * n;
        var_sum[at] += static_cast<double>(b.var[c]) * n;
      }
    }
    seen += n;
  }
  if (seen == 0) throw Error(ErrorCode::kInvalidArgument, "BN recalibration needs at least one image");
  stats.mean.resize(mean_sum.size());
  stats.var.resize(var_sum.size());
  for (std::size_t i = 0; i < mean_sum.size(); ++i) {
    stats.mean[i] = static_cast<float>(mean_sum[i] / static_cast<double>(seen));
    stats.var[i] = static_cast<float>(var_sum[i] / static_cast<double>(seen));
  }
  return stats;
}

std::int64_t count_correct(const Supernet::Impl& net, const Arch& arch, const SubnetBnStats& stats,
                           const ImageSet& images, int count, int batch_size, EvalContext& ctx) {
  std::vector<int> indices(static_cast<std::size_t>(batch_size));
  std::int64_t correct = 0;
  for (int start = 0; start < count; start += batch_size) {
    const int n = std::min(batch_size, count - start);
    std::iota(indices.begin(), indices.begin() + n, start);
    ctx.batch.load(images, indices.data(), n, net.input);
    build_plan(net.layout, arch, n, ctx.ws.plan);
    if (static_cast<std::size_t>(ctx.ws.plan.bn_channels()) != stats.mean.size())
      throw Error(ErrorCode::kInternal, "BN statistics of " + stats.arch_id + " used for " + arch.id());
    ctx.ws.prepare(ctx.ws.plan, RunMode::kInference);
    const float* logits = run_forward(net.layout, net.params.data(), ctx.batch.at(arch.resolution), ctx.ws,
                                      {stats.mean.data(), stats.var.data()});
    correct += engine::count_correct(ctx.ws.plan.classes, n, logits, ctx.batch.labels());
  }
  return correct;
}

std::vector<int> calibration_indices(int available, int batches, int batch_size, std::uint64_t seed) {
  std::vector<int> all(static_cast<std::size_t>(available));
  std::iota(all.begin(), all.end(), 0);
  Rng rng(stream_seed(seed, 0xCA11B));
  // Fisher-Yates with the project's portable generator.
  for (std::size_t i = all.size(); i > 1; --i) std::swap(all[i - 1], all[rng.index(i)]);
  const std::size_t want = static_cast<std::size_t>(batches) * static_cast<std::size_t>(batch_size);
  std::vector<int> out;
  out.reserve(want);
  for (std::size_t i = 0; i < want && available > 0; ++i) out.push_back(all[i % all.size()]);
  return out;
}

} // namespace tinynas::engine
