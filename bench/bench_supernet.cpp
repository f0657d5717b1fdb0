// Speed of the supernet engine: images per second of one training step (forward, loss, backward,
// SGD) and of inference for one subnet at one batch size, plus the trainer's sandwich step (four
// subnets per batch). bench/supernet_vs_pytorch.py runs the same subnet and batch in PyTorch and
// reports the ratios; it configures both sides through the environment:
//   TINYNAS_BENCH_SPACE  space name or file (default fashion_mnist)
//   TINYNAS_BENCH_ARCH   arch JSON file (default: the space's largest subnet at width 1, resolution 28)
//   TINYNAS_BENCH_BATCH  batch size (default 128)
//   TINYNAS_THREADS      oneTBB threads (default: all cores)

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <tbb/global_control.h>

#include "batch_builder.hpp"
#include "executor.hpp"
#include "step_runner.hpp"
#include "supernet_impl.hpp"
#include "tinynas/space/arch.hpp"
#include "tinynas/space/rng.hpp"
#include "tinynas/space/search_space.hpp"
#include "tinynas/supernet/supernet.hpp"

namespace {

using namespace tinynas;

std::string env(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

struct Setup {
  SearchSpace space = SearchSpace::load(env("TINYNAS_BENCH_SPACE", "fashion_mnist"));
  Arch arch;
  int batch = std::stoi(env("TINYNAS_BENCH_BATCH", "128"));
  std::unique_ptr<Supernet> supernet;
  std::vector<float> input;
  std::vector<std::uint8_t> labels;

  Setup() {
    const std::string arch_file = env("TINYNAS_BENCH_ARCH", "");
    if (arch_file.empty()) {
      arch = largest_arch(space, 1.0, 28);
    } else {
      std::ifstream in(arch_file);
      std::stringstream ss;
      ss << in.rdbuf();
      arch = arch_from_json(ss.str(), space, arch_file);
    }
    supernet = std::make_unique<Supernet>(space, arch.width, 0);
    Rng rng(1);
    input.resize(static_cast<std::size_t>(space.input_channels) * arch.resolution * arch.resolution * batch);
    for (auto& x : input) x = static_cast<float>(rng.uniform() * 2 - 1);
    labels.resize(static_cast<std::size_t>(batch));
    for (auto& l : labels) l = static_cast<std::uint8_t>(rng.index(static_cast<std::uint64_t>(space.num_classes)));
  }
};

Setup& setup() {
  static Setup s;
  return s;
}

void BM_TrainStep(benchmark::State& state) {
  Setup& s = setup();
  engine::StepRunner runner(s.supernet->impl());
  const engine::SgdOptions sgd;
  for (auto _ : state) {
    runner.zero_grad();
    auto r = runner.accumulate(s.arch, s.input.data(), s.batch, s.labels.data(), 0.1f, nullptr, nullptr);
    benchmark::DoNotOptimize(r);
    runner.step(0.01, sgd);
  }
  state.SetItemsProcessed(state.iterations() * s.batch);
  state.SetLabel(s.arch.id() + " batch " + std::to_string(s.batch));
}

void BM_Inference(benchmark::State& state) {
  Setup& s = setup();
  const Supernet::Impl& net = s.supernet->impl();
  engine::Workspace ws;
  engine::build_plan(net.layout, s.arch, s.batch, ws.plan);
  ws.prepare(ws.plan, engine::RunMode::kInference);
  // Unit statistics: the cost of inference does not depend on their values.
  std::vector<float> mean(static_cast<std::size_t>(ws.plan.bn_channels()), 0.0f), var(mean.size(), 1.0f);
  for (auto _ : state) {
    const float* logits =
        engine::run_forward(net.layout, net.params.data(), s.input.data(), ws, {mean.data(), var.data()});
    benchmark::DoNotOptimize(logits);
  }
  state.SetItemsProcessed(state.iterations() * s.batch);
  state.SetLabel(s.arch.id() + " batch " + std::to_string(s.batch));
}

// The trainer's elastic-phase step: largest (largest resolution), smallest (smallest resolution)
// and two random subnets, distilled from the largest, then one SGD step. Images counted once.
void BM_SandwichStep(benchmark::State& state) {
  Setup& s = setup();
  Supernet::Impl& net = s.supernet->impl();
  engine::StepRunner runner(net);
  const int n = s.batch;
  engine::BatchBuilder builder(28, 28, 1, n, s.space.resolutions);
  ImageSet images;
  images.rows = images.cols = 28;
  Rng rng(2);
  for (int i = 0; i < n * 28 * 28; ++i) images.pixels.push_back(static_cast<std::uint8_t>(rng.index(256)));
  for (int i = 0; i < n; ++i) images.labels.push_back(static_cast<std::uint8_t>(i % s.space.num_classes));
  std::vector<int> idx(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) idx[static_cast<std::size_t>(i)] = i;
  builder.load(images, idx.data(), n, InputNormalization::uniform(1, 0.3f, 0.35f));
  std::vector<float> teacher(static_cast<std::size_t>(s.space.num_classes) * n);
  const double width = s.arch.width;
  std::uint64_t step = 0;
  for (auto _ : state) {
    runner.zero_grad();
    const Arch big = largest_arch(s.space, width, s.space.resolutions.back());
    runner.accumulate(big, builder.at(big.resolution), n, builder.labels(), 0.1f, nullptr, teacher.data());
    const Arch small = smallest_arch(s.space, width, s.space.resolutions.front());
    runner.accumulate(small, builder.at(small.resolution), n, builder.labels(), 0.0f, teacher.data(), nullptr);
    for (int k = 0; k < 2; ++k) {
      Rng pick(stream_seed(7, step * 2 + static_cast<std::uint64_t>(k)));
      const Arch a = sample_arch(s.space, pick, width, 0);
      runner.accumulate(a, builder.at(a.resolution), n, builder.labels(), 0.0f, teacher.data(), nullptr);
    }
    runner.step(0.01, engine::SgdOptions{});
    ++step;
  }
  state.SetItemsProcessed(state.iterations() * n);
}

// Wall-clock time: the work runs on oneTBB threads, so the main thread's CPU time would undercount.
BENCHMARK(BM_TrainStep)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK(BM_Inference)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK(BM_SandwichStep)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();

} // namespace

int main(int argc, char** argv) {
  std::optional<tbb::global_control> threads;
  if (const int n = std::atoi(env("TINYNAS_THREADS", "0").c_str()); n > 0)
    threads.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(n));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
