// What an image folder costs next to the same images as IDX files: Fashion-MNIST training images
// written once as PNG files (train/<class>/<n>.png) and as uncompressed IDX files, then
//   BM_Load/idx            reading the IDX files,
//   BM_Load/folder_cold    listing, probing and decoding the PNG folder (no cache),
//   BM_Load/folder_warm    the same load served by the decode cache (.tnds),
//   BM_Epoch/idx, /folder  one training epoch of the largest subnet (trainer API) on each loaded set.
// The ImageSet a folder gives is the same kind of memory as IDX's, so every epoch after loading costs
// the same: loading is the whole difference. Environment:
//   TINYNAS_BENCH_IMAGES  images written (default 10000)
//   TINYNAS_BENCH_EPOCH   training images per epoch (default 3000)
//   TINYNAS_THREADS       oneTBB threads (default: all cores)

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>
#include <stb_image_write.h>
#include <unistd.h>

#include "tinynas/dataset/dataset.hpp"
#include "tinynas/dataset/image_folder.hpp"
#include "tinynas/space/parallelism.hpp"
#include "tinynas/space/search_space.hpp"
#include "tinynas/supernet/trainer.hpp"

namespace {

using namespace tinynas;
namespace fs = std::filesystem;

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::stoi(v) : fallback;
}

void put_be32(std::ofstream& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.put(static_cast<char>((v >> shift) & 0xFF));
}

// The benchmark's data: written once per process into a temporary folder, removed at exit.
struct Fixture {
  fs::path root = fs::temp_directory_path() / ("tinynas-bench-dataset-" + std::to_string(::getpid()));
  int images = env_int("TINYNAS_BENCH_IMAGES", 10000);
  int val_size = 200;

  Fixture() {
    spdlog::set_level(spdlog::level::warn); // one info line per load would drown the table
    DatasetOptions d;
    d.load_test = false;
    d.val_size = 1;
    const ImageSet source = load_dataset(d).train.slice(0, images);
    fs::create_directories(root / "idx");
    std::ofstream px(root / "idx/train-images-idx3-ubyte", std::ios::binary);
    std::ofstream lb(root / "idx/train-labels-idx1-ubyte", std::ios::binary);
    px.write("\0\0\x08\x03", 4);
    lb.write("\0\0\x08\x01", 4);
    for (std::uint32_t dim : {static_cast<std::uint32_t>(images), 28U, 28U}) put_be32(px, dim);
    put_be32(lb, static_cast<std::uint32_t>(images));
    px.write(reinterpret_cast<const char*>(source.pixels.data()), static_cast<std::streamsize>(source.pixels.size()));
    lb.write(reinterpret_cast<const char*>(source.labels.data()), static_cast<std::streamsize>(source.labels.size()));
    for (int i = 0; i < images; ++i) {
      const fs::path dir = root / "folder/train" / ("class" + std::to_string(source.labels[i]));
      fs::create_directories(dir);
      const std::string file = (dir / (std::to_string(i) + ".png")).string();
      stbi_write_png(file.c_str(), 28, 28, 1, source.image(i), 28);
    }
  }
  ~Fixture() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }

  DatasetOptions idx() const {
    DatasetOptions d;
    d.dir = (root / "idx").string();
    d.val_size = val_size;
    d.load_test = false;
    return d;
  }
  DatasetOptions folder(bool cached) const {
    DatasetOptions d = idx();
    d.dir = (root / "folder").string();
    if (cached) d.cache_dir = (root / "cache").string();
    return d;
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

std::unique_ptr<ParallelismLimit> threads() {
  return std::make_unique<ParallelismLimit>(env_int("TINYNAS_THREADS", 0));
}

void BM_Load(benchmark::State& state, int source) {
  const Fixture& f = fixture();
  const auto limit = threads();
  if (source == 2) load_image_folder(f.folder(true)); // fills the cache
  int loaded = 0;
  for (auto _ : state) {
    const DatasetSplits d = source == 0 ? load_dataset(f.idx()) : load_image_folder(f.folder(source == 2)).splits;
    loaded = d.train.size() + d.val.size() + d.test.size();
    benchmark::DoNotOptimize(d.train.pixels.data());
  }
  state.SetItemsProcessed(state.iterations() * loaded);
}

void BM_Epoch(benchmark::State& state, bool from_folder) {
  const Fixture& f = fixture();
  const auto limit = threads();
  DatasetSplits data = from_folder ? load_image_folder(f.folder(true)).splits : load_dataset(f.idx());
  const int n = std::min(env_int("TINYNAS_BENCH_EPOCH", 3000), data.train.size());
  data.train = data.train.slice(0, n);
  const SearchSpace space = SearchSpace::load("fashion_mnist");
  TrainingConfig config;
  config.largest_epochs = 1;
  config.elastic_epochs = 0;
  config.validate_each_epoch = false;
  config.val_size = f.val_size;
  const std::string out = (f.root / "bench.supernet").string();
  for (auto _ : state) benchmark::DoNotOptimize(train_supernet(space, config, data, out).seconds);
  state.SetItemsProcessed(state.iterations() * n);
}

BENCHMARK_CAPTURE(BM_Load, idx, 0)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Load, folder_cold, 1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Load, folder_warm, 2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Epoch, idx, false)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);
BENCHMARK_CAPTURE(BM_Epoch, folder, true)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

} // namespace
