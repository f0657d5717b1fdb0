// Test fixture for tests/python/test_supernet_onnx.py: exports subnets of supernets to ONNX and
// writes, next to each model, the arch, an input batch and the logits the C++ engine computes for
// it (inference with recalibrated BN statistics, BN not folded: the engine's own path). The Python
// test rebuilds each subnet in PyTorch from the arch alone, loads the ONNX initializers and
// compares logits.
//
// usage: supernet_onnx_fixture OUT_DIR   (writes OUT_DIR/cases.json and the files it lists)

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "supernet_impl.hpp"
#include "supernet_test_support.hpp"
#include "tinynas/space/rng.hpp"
#include "tinynas/supernet/onnx_export.hpp"
#include "tinynas/supernet/subnet_evaluator.hpp"

using namespace tinynas;

namespace {

void write_floats(const std::string& path, const std::vector<float>& v) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(float)));
}

void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// Non-trivial BN scales and shifts (fresh ones are 1 and 0, which would hide folding mistakes), and
// OFA transform matrices away from the identity.
void perturb(Supernet& s, std::uint64_t seed) {
  Rng rng(seed);
  for (const ParameterInfo& p : s.parameters()) {
    const bool bn = p.name.find(".bn.") != std::string::npos;
    const bool transform = p.name.find("transform") != std::string::npos;
    if (!bn && !transform) continue;
    std::int64_t offset = 0;
    for (const auto& q : s.impl().layout.params)
      if (q.name == p.name) offset = q.offset;
    for (std::int64_t i = 0; i < p.size; ++i) {
      float& v = s.impl().params[offset + i];
      const double u = rng.uniform() - 0.5;
      if (transform) v += static_cast<float>(0.2 * u);
      else if (p.name.ends_with(".weight")) v = static_cast<float>(1.0 + u);
      else v = static_cast<float>(0.5 * u);
    }
  }
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: supernet_onnx_fixture OUT_DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  const SearchSpace fashion = SearchSpace::load(test::source_path("configs/spaces/fashion_mnist.json"));
  const SearchSpace tiny = test::tiny_space();

  struct Case {
    std::string name;
    const SearchSpace* space;
    KernelTransform transform;
    bool fold;
    int kind; // 0 largest, 1 smallest, 2 random
  };
  const std::vector<Case> cases = {
      {"fashion_largest_folded", &fashion, KernelTransform::kCentreCrop, true, 0},
      {"fashion_smallest_bn_nodes", &fashion, KernelTransform::kCentreCrop, false, 1},
      {"fashion_random_folded", &fashion, KernelTransform::kCentreCrop, true, 2},
      {"fashion_random_ofa_matrix", &fashion, KernelTransform::kOfaMatrix, true, 2},
      {"tiny_feature_mix_bn_nodes", &tiny, KernelTransform::kOfaMatrix, false, 2},
  };

  nlohmann::json list = nlohmann::json::array();
  std::uint64_t seed = 1;
  for (const Case& c : cases) {
    Supernet s(*c.space, 1.0, seed, c.transform);
    perturb(s, seed + 100);
    Rng rng(seed + 200);
    const Arch arch = c.kind == 0 ? s.largest() : c.kind == 1 ? s.smallest() : sample_arch(*c.space, rng, 1.0, 0);
    const ImageSet calibration = test::pattern_images(128, c.space->num_classes, seed + 300);
    EvaluatorOptions eo;
    eo.calibration_batches = 2;
    eo.calibration_batch_size = 32;
    SubnetEvaluator ev(s, calibration, calibration, eo);
    const SubnetBnStats stats = ev.recalibrate(arch);

    const int n = 3, r = arch.resolution, ch = c.space->input_channels;
    std::vector<float> input(static_cast<std::size_t>(n * ch * r * r));
    for (auto& x : input) x = static_cast<float>(2.0 * rng.uniform() - 1.0);
    const std::vector<float> logits = subnet_logits(s, arch, stats, input.data(), n);

    OnnxExportOptions xo;
    xo.fold_batch_norm = c.fold;
    const std::string base = dir + "/" + c.name;
    export_onnx(s, arch, stats, base + ".onnx", xo);
    write_text(base + ".arch.json", arch_to_json(arch, *c.space));
    write_text(base + ".space.json", c.space->to_json());
    write_floats(base + ".input.bin", input);
    write_floats(base + ".logits.bin", logits);
    list.push_back({{"name", c.name},
                    {"fold_bn", c.fold},
                    {"batch", n},
                    {"channels", ch},
                    {"resolution", r},
                    {"classes", c.space->num_classes},
                    {"arch_id", arch.id()}});
    ++seed;
  }
  write_text(dir + "/cases.json", list.dump(2));
  return 0;
}
