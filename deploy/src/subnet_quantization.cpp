#include "subnet_quantization.hpp"

#include <algorithm>
#include <vector>

#include "tinynas/space/error.hpp"
#include "tinynas/supernet/trainer.hpp"

namespace tinynas::subnet_int8 {

void check_calibration_images(int count) {
  if (count < 1) throw Error(ErrorCode::kInvalidArgument, "int8 calibration needs at least one image");
}

DatasetSplits load_training_dataset(const std::string& supernet_path, const std::string& data_dir, bool load_test) {
  DatasetOptions d = training_dataset_options(supernet_path);
  if (!data_dir.empty()) d.dir = data_dir;
  d.load_test = load_test;
  return load_dataset(d);
}

SubnetQuantization quantize_subnet(const Supernet& supernet, const Arch& arch, const SubnetBnStats& stats,
                                   const ImageSet& train, int count) {
  check_calibration_images(count);
  SubnetQuantization r{subnet_graph(supernet, arch, stats), {}, std::min(count, train.size())};
  std::vector<FloatImage> calibration;
  calibration.reserve(static_cast<std::size_t>(r.calibration_images));
  // Evenly spaced over the whole split, not its first N images, so no stretch of the file sets the ranges.
  const int step = train.size() / r.calibration_images;
  for (int i = 0; i < r.calibration_images; ++i)
    calibration.push_back(std::move(network_inputs(supernet, train, i * step, 1, arch.resolution).front()));
  r.model = quantize(r.subnet.graph, r.subnet.weights, calibration);
  return r;
}

} // namespace tinynas::subnet_int8
