#include "export_command.hpp"

#include <iostream>

#include "eval_command.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/supernet/dataset.hpp"
#include "tinynas/supernet/onnx_export.hpp"
#include "tinynas/supernet/subnet_evaluator.hpp"
#include "tinynas/supernet/threads.hpp"
#include "tinynas/supernet/trainer.hpp"

namespace tinynas::cli {

int run_export(const ExportOptions& options) {
  if (options.onnx.empty()) throw Error(ErrorCode::kInvalidArgument, "--onnx OUT.onnx is required");
  ParallelismScope threads(options.threads);
  const Supernet supernet = Supernet::load(options.supernet);
  const Arch arch = subnet_argument(supernet, options.arch);
  DatasetOptions d = training_dataset_options(options.supernet);
  d.dir = options.data;
  d.load_test = false;
  const DatasetSplits data = load_dataset(d);
  EvaluatorOptions eo;
  eo.seed = options.seed;
  SubnetEvaluator evaluator(supernet, data.train, data.val, eo);
  const SubnetBnStats stats = evaluator.recalibrate(arch);
  OnnxExportOptions xo;
  xo.fold_batch_norm = !options.keep_bn;
  export_onnx(supernet, arch, stats, options.onnx, xo);
  std::cout << "exported " << arch.id() << " to " << options.onnx << " (input " << supernet.space().input_channels
            << "x" << arch.resolution << "x" << arch.resolution << ", pixels as (p/255 - " << supernet.input_mean()
            << ") / " << supernet.input_std() << "; BN " << (options.keep_bn ? "as BatchNormalization nodes" : "folded")
            << ")\n";
  return 0;
}

} // namespace tinynas::cli
