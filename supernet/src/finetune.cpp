#include "epoch_loop.hpp"
#include "supernet_impl.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/supernet/trainer.hpp"

namespace tinynas {

void finetune_subnet(Supernet& supernet, const Arch& arch, const ImageSet& train, int epochs, double lr,
                     const TrainingConfig& config, const TrainCallbacks& callbacks) {
  supernet.validate(arch);
  if (epochs < 1 || !(lr > 0)) throw Error(ErrorCode::kInvalidArgument, "fine-tuning needs epochs >= 1 and lr > 0");
  engine::EpochLoop loop(supernet.impl(), train, config);
  // One phase without warm-up over all epochs. Only on_batch is passed on: fine-tuning writes no
  // checkpoint a stop could fall back to.
  const engine::LrPhase phase{"fine-tune", lr, 0, 0, epochs};
  TrainCallbacks progress;
  progress.on_batch = callbacks.on_batch;
  const auto smoothing = static_cast<float>(config.label_smoothing);
  auto step = [&](int) {
    engine::BatchBuilder& batch = loop.batch();
    return loop.runner().accumulate(arch, batch.at(arch.resolution), loop.batch_size(), batch.labels(), smoothing,
                                    nullptr, nullptr);
  };
  for (int e = 0; e < epochs; ++e) loop.run(e, epochs, phase, step, progress);
}

} // namespace tinynas
