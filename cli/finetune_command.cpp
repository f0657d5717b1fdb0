#include "finetune_command.hpp"

#include <iostream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "interrupt.hpp"
#include "subnet_source.hpp"
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
  fo.validate(); // before loading the supernet
  ParallelismLimit threads(options.threads);
  const bool standalone = options.supernet.empty(); // --from-scratch --space S: no supernet behind it
  if (standalone && (!options.from_scratch || options.space.empty()))
    throw Error(ErrorCode::kInvalidArgument,
                "give --supernet S (fine-tune one of its subnets), or --from-scratch --space S (train the arch alone)");
  if (!standalone && (!options.space.empty() || options.limit != 0))
    throw Error(ErrorCode::kInvalidArgument,
                "--space and --limit are the supernet's: give them only with --from-scratch and no --supernet");
  const SearchSpace space = standalone ? SearchSpace::load(options.space) : SearchSpace{};
  const SubnetSource subnet = standalone ? SubnetSource{"", arch_argument(space, options.arch)}
                                         : resolve_subnet(options.supernet, options.arch, "");

  TrainingPrinter printer;
  TrainCallbacks callbacks;
  callbacks.on_batch = [&](const BatchProgress& p) { printer.batch(p); };
  callbacks.on_epoch = [&](const EpochReport& r) {
    printer.epoch(r);
    spdlog::info("epoch {}/{} done in {:.0f} s; model written to {}", r.epoch, r.epochs, r.seconds, options.out);
  };
  callbacks.on_note = [&](const std::string& text) { printer.note(text); };
  const InterruptGuard interrupt("stopping after the current batch, checkpointed");
  callbacks.should_stop = [&] { return interrupt.requested(); };

  const TrainResult result = standalone ? train_subnet_or_resume(space, subnet.arch, fo, options.data, options.limit,
                                                                 options.out, options.resume, callbacks)
                                        : finetune_or_resume(subnet.file, subnet.arch, fo, options.data, options.out,
                                                             options.resume, callbacks);

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
