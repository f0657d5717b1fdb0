#include "tinynas/deploy/quantized_subnet.hpp"

#include "subnet_quantization.hpp"

namespace tinynas {

QuantizedSubnet quantize_trained_subnet(const std::string& supernet_path, const Arch& arch,
                                        const QuantizeSubnetOptions& options) {
  subnet_int8::check_calibration_images(options.calibration_images);
  const Supernet supernet = Supernet::load(supernet_path);
  supernet.validate(arch);
  const DatasetSplits data = subnet_int8::load_training_dataset(supernet_path, options.data_dir, false);
  EvaluatorOptions eo;
  eo.seed = options.seed; // as `eval` recalibrates, so the blob is the model `eval --int8` measured
  // The evaluator recalibrates from training images only; the evaluation set is required but never read here.
  SubnetEvaluator evaluator(supernet, data.train, data.val.size() > 0 ? data.val : data.train, eo);
  subnet_int8::SubnetQuantization q =
      subnet_int8::quantize_subnet(supernet, arch, evaluator.recalibrate(arch), data.train, options.calibration_images);
  QuantizedSubnet r;
  r.arch_id = arch.id();
  r.blob = write_model_blob(q.subnet.graph, q.model);
  r.graph = std::move(q.subnet.graph);
  r.model = std::move(q.model);
  r.normalization = supernet.input_normalization();
  r.calibration_images = q.calibration_images;
  return r;
}

} // namespace tinynas
