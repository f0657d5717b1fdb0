#include "tinynas/deploy/subnet_accuracy.hpp"

#include <vector>

#include <nlohmann/json.hpp>

#include "subnet_quantization.hpp"
#include "tinynas/deploy/model_blob.hpp"
#include "tinynas/deploy/quantized_accuracy.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

namespace {

// Quantises `arch` (subnet_quantization.hpp) and classifies the first `images` images of `split` with the float
// reference and the int8 model.
Int8Accuracy measure_int8(const Supernet& supernet, const Arch& arch, SubnetEvaluator& evaluator, const ImageSet& train,
                          const ImageSet& split, int images, int count, const std::function<void(int, int)>& progress) {
  const subnet_int8::SubnetQuantization q =
      subnet_int8::quantize_subnet(supernet, arch, evaluator.recalibrate(arch), train, count);
  const SubnetGraph& subnet = q.subnet;
  const std::vector<FloatImage> inputs = network_inputs(supernet, split, 0, images, arch.resolution);
  const std::vector<int> labels(split.labels.begin(), split.labels.begin() + images);
  const QuantizedAccuracy a =
      measure_quantized_accuracy(subnet.graph, subnet.weights, q.model, inputs, labels, progress);
  Int8Accuracy r;
  r.accuracy = a.int8_accuracy();
  r.float_reference_accuracy = a.float_accuracy();
  r.agreement = a.agreement();
  r.calibration_images = q.calibration_images;
  return r;
}

// What both evaluations start from, checked first: the supernet holding `arch` and the dataset as its training
// run split it (the test split loaded only when asked for).
struct EvaluationData {
  Supernet supernet;
  DatasetSplits data;
  const ImageSet& split() const { return test ? data.test : data.val; }
  bool test = false;
};

EvaluationData load_evaluation_data(const std::string& supernet_path, const Arch& arch,
                                    const SubnetAccuracyOptions& options, bool int8) {
  if (options.split != "val" && options.split != "test")
    throw Error(ErrorCode::kInvalidArgument, "the split must be val or test, not \"" + options.split + "\"");
  if (int8) subnet_int8::check_calibration_images(options.calibration_images);
  EvaluationData e{Supernet::load(supernet_path), {}, options.split == "test"};
  e.supernet.validate(arch);
  e.data = subnet_int8::load_training_dataset(supernet_path, options.data_dir, e.test);
  return e;
}

} // namespace

Int8EvaluationSet int8_evaluation_set(const std::string& supernet_path, const Arch& arch,
                                      const SubnetAccuracyOptions& options) {
  const EvaluationData e = load_evaluation_data(supernet_path, arch, options, true);
  const Supernet& supernet = e.supernet;
  const DatasetSplits& data = e.data;
  const ImageSet& split = e.split();
  EvaluatorOptions eo;
  eo.seed = options.seed;
  SubnetEvaluator evaluator(supernet, data.train, split, eo);
  const subnet_int8::SubnetQuantization q =
      subnet_int8::quantize_subnet(supernet, arch, evaluator.recalibrate(arch), data.train, options.calibration_images);
  const int images = options.limit > 0 ? std::min(options.limit, split.size()) : split.size();
  Int8EvaluationSet set;
  set.arch_id = arch.id();
  set.graph = q.subnet.graph;
  set.model = q.model;
  const HostModel host(write_model_blob(set.graph, set.model).bytes);
  const int classes = set.graph.tensors[static_cast<std::size_t>(set.graph.output)].c;
  for (const FloatImage& image : network_inputs(supernet, split, 0, images, arch.resolution)) {
    set.inputs.push_back(quantize_image(set.model, set.graph, image));
    set.host_out.push_back(host.run(set.inputs.back()).output);
    set.host_top1.push_back(top1(set.host_out.back().data(), classes));
  }
  set.labels.assign(split.labels.begin(), split.labels.begin() + images);
  return set;
}

SubnetAccuracy evaluate_subnet_accuracy(const std::string& supernet_path, const Arch& arch,
                                        const SubnetAccuracyOptions& options) {
  const EvaluationData e = load_evaluation_data(supernet_path, arch, options, options.int8);
  const Supernet& supernet = e.supernet;
  const DatasetSplits& data = e.data;
  const ImageSet& split = e.split();

  EvaluatorOptions eo;
  eo.seed = options.seed;
  eo.max_images = options.limit;
  SubnetEvaluator evaluator(supernet, data.train, split, eo);
  SubnetAccuracy r;
  r.arch_id = arch.id();
  r.supernet = supernet_path;
  r.split = options.split;
  r.accuracy = evaluator.evaluate(arch);
  r.images = evaluator.evaluation_images();
  r.bn_calibration_images = eo.calibration_batches * eo.calibration_batch_size;
  r.class_names = supernet.class_names();
  if (options.int8) {
    r.has_int8 = true;
    r.int8 = measure_int8(supernet, arch, evaluator, data.train, split, r.images, options.calibration_images,
                          options.int8_progress);
  }
  return r;
}

std::string SubnetAccuracy::to_json(int indent) const {
  nlohmann::json j = {{"accuracy", accuracy}, {"split", split},       {"images", images},
                      {"arch", arch_id},      {"supernet", supernet}, {"calibration_images", bn_calibration_images}};
  if (!class_names.empty()) j["classes"] = class_names;
  if (has_int8)
    j["int8"] = {{"accuracy", int8.accuracy},
                 {"float_reference_accuracy", int8.float_reference_accuracy},
                 {"accuracy_drop_points", 100 * (accuracy - int8.accuracy)},
                 {"agreement", int8.agreement},
                 {"images", images},
                 {"calibration_images", int8.calibration_images},
                 {"runtime", "host build of the firmware's int8 runtime (bit-exact with the boards)"}};
  return j.dump(indent);
}

} // namespace tinynas
