#include "train_command.hpp"

#include <cstdio>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "interrupt.hpp"
#include "tinynas/dataset/dataset.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/parallelism.hpp"
#include "tinynas/space/search_space.hpp"
#include "tinynas/supernet/trainer.hpp"
#include "training_printer.hpp"

namespace tinynas::cli {

namespace {

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

TrainingConfig config_from(const TrainOptions& o) {
  TrainingConfig c = make_training_config(o.width, o.epochs, o.largest_epochs, o.limit, o.seed);
  c.kernel_transform = parse_kernel_transform(o.kernel_transform);
  c.batch_size = o.batch_size;
  c.val_size = o.val_size;
  c.validate();
  return c;
}

} // namespace

int run_train(const TrainOptions& options) {
  if (options.out.empty()) throw Error(ErrorCode::kInvalidArgument, "--out FILE is required");
  if (options.limit < 0) throw Error(ErrorCode::kInvalidArgument, "--limit must not be negative");
  ParallelismLimit threads(options.threads);
  TrainingPrinter printer;
  TrainCallbacks callbacks;
  callbacks.on_batch = [&](const BatchProgress& p) { printer.batch(p); };
  callbacks.on_epoch = [&](const EpochReport& r) {
    printer.epoch(r);
    spdlog::info("epoch {}/{} ({}) done in {:.0f} s; checkpoint written to {}", r.epoch, r.epochs, r.phase, r.seconds,
                 options.out);
  };
  callbacks.on_note = [&](const std::string& text) { printer.note(text); };
  const InterruptGuard interrupt("stopping after the current batch, checkpointed");
  callbacks.should_stop = [&] { return interrupt.requested(); };

  TrainResult result;
  std::string space_name;
  if (options.resume) {
    if (training_status(options.out) == TrainingStatus::kNone)
      throw Error(ErrorCode::kInvalidFile, "holds no training state to resume (a finished export or another file)",
                  options.out);
    DatasetOptions d = training_dataset_options(options.out);
    d.dir = options.data;
    d.load_test = false;
    const DatasetSplits data = load_dataset(d);
    result = resume_training(options.out, data, callbacks);
    space_name = Supernet::load(options.out).space().name;
  } else {
    SearchSpace space = SearchSpace::load(options.space);
    const TrainingConfig config = config_from(options);
    const DatasetSplits data = load_dataset(
        fresh_training_dataset_options(space, config, options.data, options.out, options.classes_from_data));
    if (options.classes_from_data) {
      space = space_with_classes_of(std::move(space), data);
      printer.note("space " + space.name + " set to the data's " + std::to_string(space.num_classes) + " classes");
    }
    printer.note("data: " + describe_dataset(data));
    printer.note("training a supernet of space " + space.name + " at width " + number(options.width) + " on " +
                 std::to_string(data.train.size()) + " images (" + std::to_string(config.largest_epochs) +
                 " largest + " + std::to_string(config.elastic_epochs) + " elastic epochs), " +
                 std::to_string(data.val.size()) + " held out for validation");
    result = train_supernet(space, config, data, options.out, callbacks);
    space_name = space.name;
  }

  printer.finish();
  const EpochReport last = result.epochs.empty() ? EpochReport{} : result.epochs.back();
  if (options.json) {
    nlohmann::json j = {{"supernet", options.out},
                        {"space", space_name},
                        {"finished", result.finished},
                        {"epochs", last.epoch},
                        {"total_epochs", last.epochs},
                        {"seconds", result.seconds},
                        // kept for scripts written against earlier versions; last_epoch has every field
                        {"val_accuracy_largest", last.val_largest},
                        {"val_accuracy_smallest", last.val_smallest},
                        {"last_epoch", nlohmann::json::parse(last.to_json())}};
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << (result.finished ? "trained" : "stopped") << ": " << options.out << " after " << last.epoch << "/"
              << last.epochs << " epochs in " << static_cast<long>(result.seconds) << " s; validation accuracy largest "
              << percent_or_dash(last.val_largest) << ", smallest " << percent_or_dash(last.val_smallest) << "\n";
  }
  if (!result.finished) {
    std::cerr << "tinynas: training stopped; continue with: tinynas train --out " << options.out << " --resume\n";
    return 130;
  }
  return 0;
}

} // namespace tinynas::cli
