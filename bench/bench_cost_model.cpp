// Throughput of sample + lower + full cost analysis on the mcunet space, per schedule, at one and
// two threads. MCUNet reports ~2 CPU hours for its 108 spaces x 1000 samples; this measures what
// the same amount of work costs here. Run: build/bench/bench_cost_model (or `make bench`).
#include <benchmark/benchmark.h>

#include <atomic>

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include "tinynas/profiler/cost_model.hpp"
#include "tinynas/space/net_spec.hpp"

namespace tinynas {
namespace {

const SearchSpace& mcunet() {
  static const SearchSpace space = SearchSpace::load("mcunet");
  return space;
}
const Board& f746() {
  static const Board board = Board::load("stm32f746g-disco");
  return board;
}

// One sample: draw an arch, lower it, and cost it without per-layer rows (the search's path).
std::int64_t cost_one(Rng& rng, Schedule schedule) {
  CostOptions options;
  options.schedule = schedule;
  options.per_layer = false;
  Arch arch = sample_arch(mcunet(), rng);
  return summarize(lower_to_graph(lower_to_net(mcunet(), arch)), f746(), options).peak_sram_bytes;
}

void BM_SampleLowerCost(benchmark::State& state) {
  const auto schedule = static_cast<Schedule>(state.range(0));
  Rng rng(1);
  for (auto _ : state) benchmark::DoNotOptimize(cost_one(rng, schedule));
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(schedule_name(schedule));
}
BENCHMARK(BM_SampleLowerCost)
    ->Arg(static_cast<int>(Schedule::kMcunetAnalytic))
    ->Arg(static_cast<int>(Schedule::kLayerwise))
    ->Arg(static_cast<int>(Schedule::kInplaceDw))
    ->Arg(static_cast<int>(Schedule::kPatch));

// MCUNet's stage-1 workload: 108 (width, resolution) pairs x 1000 samples, in parallel.
void BM_Mcunet108x1000(benchmark::State& state) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(state.range(0)));
  const auto schedule = Schedule::kInplaceDw;
  const SearchSpace& space = mcunet();
  const std::size_t pairs = space.width_mults.size() * space.resolutions.size();
  for (auto _ : state) {
    std::atomic<std::int64_t> checksum{0};
    tbb::parallel_for(std::size_t{0}, pairs, [&](std::size_t pair) {
      Rng rng(stream_seed(1, pair));
      double width = space.width_mults[pair / space.resolutions.size()];
      int resolution = space.resolutions[pair % space.resolutions.size()];
      CostOptions options;
      options.schedule = schedule;
      options.per_layer = false;
      std::int64_t local = 0;
      for (int i = 0; i < 1000; ++i) {
        Graph g = lower_to_graph(lower_to_net(space, sample_arch(space, rng, width, resolution)));
        local += summarize(g, f746(), options).peak_sram_bytes;
      }
      checksum += local;
    });
    benchmark::DoNotOptimize(checksum.load());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(pairs) * 1000);
}
BENCHMARK(BM_Mcunet108x1000)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace
} // namespace tinynas
