#include "eval_command.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "tinynas/space/error.hpp"
#include "tinynas/supernet/dataset.hpp"
#include "tinynas/supernet/subnet_evaluator.hpp"
#include "tinynas/supernet/threads.hpp"
#include "tinynas/supernet/trainer.hpp"

namespace tinynas::cli {

Arch subnet_argument(const Supernet& supernet, const std::string& argument) {
  if (argument == "largest") return supernet.largest();
  if (argument == "smallest") return supernet.smallest();
  std::ifstream in(argument, std::ios::binary);
  if (!in) throw Error(ErrorCode::kInvalidFile, "cannot open the arch file (or say largest / smallest)", argument);
  std::stringstream text;
  text << in.rdbuf();
  const Arch arch = arch_from_json(text.str(), supernet.space(), argument);
  supernet.validate(arch, argument);
  return arch;
}

int run_eval(const EvalOptions& options) {
  if (options.split != "val" && options.split != "test")
    throw Error(ErrorCode::kInvalidArgument, "--split must be val or test, not \"" + options.split + "\"");
  ParallelismScope threads(options.threads);
  const auto started = std::chrono::steady_clock::now();
  const Supernet supernet = Supernet::load(options.supernet);
  const Arch arch = subnet_argument(supernet, options.arch);

  DatasetOptions d = training_dataset_options(options.supernet);
  d.dir = options.data;
  d.load_test = options.split == "test";
  const DatasetSplits data = load_dataset(d);
  const ImageSet& split = options.split == "test" ? data.test : data.val;

  EvaluatorOptions eo;
  eo.seed = options.seed;
  eo.max_images = options.limit;
  SubnetEvaluator evaluator(supernet, data.train, split, eo);
  const double accuracy = evaluator.evaluate(arch);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  spdlog::info("evaluated {} on {} {} images in {:.1f} s", arch.id(), evaluator.evaluation_images(), options.split,
               seconds);

  if (options.json) {
    nlohmann::json j = {{"accuracy", accuracy},
                        {"split", options.split},
                        {"images", evaluator.evaluation_images()},
                        {"arch", arch.id()},
                        {"supernet", options.supernet},
                        {"calibration_images", eo.calibration_batches * eo.calibration_batch_size}};
    std::cout << j.dump(2) << "\n";
  } else {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f%%", 100 * accuracy);
    std::cout << arch.id() << ": top-1 " << buf << " on " << evaluator.evaluation_images() << " " << options.split
              << " images (BN recalibrated on " << eo.calibration_batches * eo.calibration_batch_size
              << " training images)\n";
  }
  return 0;
}

} // namespace tinynas::cli
