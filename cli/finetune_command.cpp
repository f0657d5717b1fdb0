#include "finetune_command.hpp"

#include <iostream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "interrupt.hpp"
#include "subnet_source.hpp"
#include "tinynas/dataset/dataset.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/parallelism.hpp"
#include "tinynas/supernet/finetune.hpp"
#include "training_printer.hpp"

namespace tinynas::cli {

int run_finetune(const FinetuneCommandOptions& options) {
  if (options.out.empty()) throw Error(ErrorCode::kInvalidArgument, "--out MODEL is required");
  FinetuneOptions fo;
  fo.epochs = options.epochs;
  fo.lr = options.lr;
  fo.distill = options.distill;
  fo.from_scratch = options.from_scratch;
  fo.batch_size = options.batch_size;
  fo.seed = options.seed;
  fo.validate(); // before loading anything
  ParallelismLimit threads(options.threads);
  const SubnetSource subnet = resolve_subnet(options.supernet, options.arch, "");

  TrainingPrinter printer;
  TrainCallbacks callbacks;
  callbacks.on_batch = [&](const BatchProgress& p) { printer.batch(p); };
  callbacks.on_epoch = [&](const EpochReport& r) {
    printer.epoch(r);
    spdlog::info("epoch {}/{} done in {:.0f} s; model written to {}", r.epoch, r.epochs, r.seconds, options.out);
  };
  callbacks.on_note = [&](const std::string& text) { printer.note(text); };
  const InterruptGuard interrupt("stopping after the current batch; the last epoch's model stays");
  callbacks.should_stop = [&] { return interrupt.requested(); };

  // The supernet's split (the model's records the same one), so its validation images stay held out.
  DatasetOptions d = training_dataset_options(options.resume ? options.out : subnet.file);
  d.dir = options.data;
  d.load_test = false;
  TrainResult result;
  if (options.resume) {
    if (!(read_model_arch(options.out) == subnet.arch))
      throw Error(ErrorCode::kInvalidArgument,
                  "holds a model of another subnet (" + read_model_arch(options.out).id() + ") than " + options.arch,
                  options.out);
    result = resume_finetune(subnet.file, options.out, load_dataset(d), callbacks);
  } else {
    const DatasetSplits data = load_dataset(d);
    printer.note("fine-tuning " + subnet.arch.id() +
                 (options.from_scratch ? " from scratch" : " from inherited weights") +
                 (options.distill ? " with distillation" : "") + " on " + std::to_string(data.train.size()) +
                 " images for " + std::to_string(options.epochs) + " epochs");
    result = finetune_model(subnet.file, subnet.arch, fo, data, options.out, callbacks);
  }

  printer.finish();
  const EpochReport last = result.epochs.empty() ? EpochReport{} : result.epochs.back();
  if (options.json) {
    const nlohmann::json j = {{"model", options.out},      {"supernet", subnet.file},
                              {"arch", subnet.arch.id()},  {"finished", result.finished},
                              {"epochs", last.epoch},      {"total_epochs", last.epochs},
                              {"seconds", result.seconds}, {"last_epoch", nlohmann::json::parse(last.to_json())}};
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << (result.finished ? "fine-tuned" : "stopped") << ": " << options.out << " after " << last.epoch << "/"
              << last.epochs << " epochs in " << static_cast<long>(result.seconds) << " s; validation accuracy "
              << percent_or_dash(last.val_subnet) << "\n";
  }
  if (!result.finished) {
    std::cerr << "tinynas: fine-tuning stopped; continue with the same command and --resume\n";
    return 130;
  }
  return 0;
}

} // namespace tinynas::cli
