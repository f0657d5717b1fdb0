#include "tinynas/supernet/trainer.hpp"

#include <algorithm>
#include <cmath>

#include "channel_sort.hpp"
#include "dataset_fit.hpp"
#include "epoch_loop.hpp"
#include "supernet_file.hpp"
#include "supernet_impl.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/graph.hpp"
#include "tinynas/space/net_spec.hpp"
#include "tinynas/space/rng.hpp"
#include "training_progress.hpp"

namespace tinynas {

namespace {

// Each epoch's relative cost of a batch: the MACs its subnets train. Phase 1 trains the largest subnet at a
// random resolution; phase 2 the largest, the smallest and subnets_per_batch - 2 random ones (their mean
// MACs from a fixed sample of 32).
std::vector<double> epoch_costs(const Supernet::Impl& net, const TrainingConfig& c) {
  const auto macs = [&](const Arch& a) { return static_cast<double>(subnet_macs(net.space, a)); };
  double largest = 0;
  for (int r : net.space.resolutions) largest += macs(largest_arch(net.space, net.width, r));
  largest /= static_cast<double>(net.space.resolutions.size());
  // As Supernet::largest() and smallest() choose them: the largest and the smallest resolution.
  double sandwich = macs(largest_arch(net.space, net.width, net.space.resolutions.back()));
  if (c.subnets_per_batch >= 2) {
    Rng rng(1);
    double random = 0;
    for (int i = 0; i < 32; ++i) random += macs(sample_arch(net.space, rng, net.width, 0));
    sandwich += macs(smallest_arch(net.space, net.width, net.space.resolutions.front())) +
                (c.subnets_per_batch - 2) * random / 32;
  }
  std::vector<double> costs(static_cast<std::size_t>(c.largest_epochs), largest);
  costs.insert(costs.end(), static_cast<std::size_t>(c.elastic_epochs), sandwich);
  return costs;
}

class Trainer {
public:
  Trainer(Supernet& supernet, TrainingProgress progress, const DatasetSplits& data, std::string out,
          const TrainCallbacks& callbacks)
      : supernet_(supernet), net_(supernet.impl()), p_(std::move(progress)), out_(std::move(out)),
        callbacks_(callbacks), loop_(net_, data.train, p_.config) {
    const TrainingConfig& c = p_.config;
    teacher_.resize(std::int64_t{net_.space.num_classes} * loop_.batch_size());
    if (c.validate_each_epoch && data.val.size() > 0) {
      EvaluatorOptions eo;
      eo.max_images = c.validation_images;
      eo.seed = stream_seed(c.seed, engine::kValidation);
      evaluator_ = std::make_unique<SubnetEvaluator>(supernet_, data.train, data.val, eo);
    }
  }

  engine::FloatBuffer& momentum() { return loop_.runner().momentum(); }

  TrainResult run() {
    const TrainingConfig& c = p_.config;
    while (p_.epochs_done < c.total_epochs()) {
      if (callbacks_.should_stop && callbacks_.should_stop()) break;
      const int epoch = p_.epochs_done;
      const bool elastic = epoch >= c.largest_epochs;
      if (elastic && c.sort_channels && !p_.channels_sorted) {
        engine::sort_mid_channels(net_.layout, net_.params.data(), momentum().data());
        p_.channels_sorted = true;
        note("sorted every block's middle channels by L1 importance for the elastic phase");
      }
      if (!run_epoch(epoch, elastic)) break; // stopped inside the epoch, checkpointed there
    }
    TrainResult result;
    result.epochs = p_.reports;
    result.finished = p_.epochs_done >= c.total_epochs();
    result.seconds = p_.seconds;
    return result;
  }

  void checkpoint() {
    const std::string json = training_progress_to_json(p_);
    const engine::TrainingStateRef state{json, momentum()};
    engine::write_supernet_file(out_, net_, &state);
  }

private:
  void note(const std::string& text) {
    if (callbacks_.on_note) callbacks_.on_note(text);
  }

  // Phase 1 trains the largest subnet at a random resolution per batch; phase 2 the sandwich. False
  // when stopped inside the epoch.
  bool run_epoch(int epoch, bool elastic) {
    const TrainingConfig& c = p_.config;
    const engine::LrPhase phase =
        elastic ? engine::LrPhase{"elastic", c.elastic_lr, c.warmup_epochs, c.largest_epochs, c.elastic_epochs}
                : engine::LrPhase{"largest", c.largest_lr, c.warmup_epochs, 0, c.largest_epochs};
    const auto smoothing = static_cast<float>(c.label_smoothing);
    const int n = loop_.batch_size();
    engine::StepRunner& runner = loop_.runner();
    engine::BatchBuilder& batch = loop_.batch();
    auto step = [&](int b) {
      Rng pick(stream_seed(stream_seed(c.seed, engine::kSubnets),
                           static_cast<std::uint64_t>(epoch) * static_cast<std::uint64_t>(loop_.batches()) +
                               static_cast<std::uint64_t>(b)));
      if (!elastic) {
        const auto& res = net_.space.resolutions;
        const Arch arch = supernet_.largest(res[pick.index(res.size())]);
        return runner.accumulate(arch, batch.at(arch.resolution), n, batch.labels(), smoothing, nullptr, nullptr);
      }
      const Arch big = supernet_.largest();
      const engine::SubnetLoss largest =
          runner.accumulate(big, batch.at(big.resolution), n, batch.labels(), smoothing, nullptr, teacher_.data());
      for (int k = 1; k < c.subnets_per_batch; ++k) {
        const Arch arch = k == 1 ? supernet_.smallest() : sample_arch(net_.space, pick, net_.width, 0);
        student(arch, n);
      }
      return largest;
    };
    const auto validate = [&](EpochReport& r) {
      if (!evaluator_) return;
      const std::vector<double> acc = evaluator_->evaluate({supernet_.largest(), supernet_.smallest()});
      r.val_largest = acc[0];
      r.val_smallest = acc[1];
    };
    return engine::run_recorded_epoch(loop_, p_, c.total_epochs(), phase, step, callbacks_, pace_, validate,
                                      [&] { checkpoint(); });
  }

  // A non-largest subnet of the sandwich: distilled from the largest's softmax (teacher_), plus the
  // label loss with weight 1 - distillation.
  void student(const Arch& arch, int n) {
    const TrainingConfig& c = p_.config;
    engine::StepRunner& runner = loop_.runner();
    engine::BatchBuilder& batch = loop_.batch();
    const float* input = batch.at(arch.resolution);
    if (c.distillation >= 1.0) {
      runner.accumulate(arch, input, n, batch.labels(), 0.0f, teacher_.data(), nullptr);
      return;
    }
    // Mixed targets: distillation * teacher + (1 - distillation) * smoothed one-hot labels (the
    // cross-entropy is linear in its targets, so this is the weighted sum of the two losses).
    const int k = net_.space.num_classes;
    mixed_.resize(std::int64_t{k} * n);
    const auto d = static_cast<float>(c.distillation), smooth = static_cast<float>(c.label_smoothing);
    for (int cls = 0; cls < k; ++cls)
      for (int i = 0; i < n; ++i) {
        const float one_hot = (batch.labels()[i] == cls ? 1.0f - smooth : 0.0f) + smooth / static_cast<float>(k);
        mixed_[std::int64_t{cls} * n + i] = d * teacher_[std::int64_t{cls} * n + i] + (1 - d) * one_hot;
      }
    runner.accumulate(arch, input, n, batch.labels(), 0.0f, mixed_.data(), nullptr);
  }

  Supernet& supernet_;
  Supernet::Impl& net_;
  TrainingProgress p_;
  std::string out_;
  const TrainCallbacks& callbacks_;
  engine::EpochLoop loop_;
  engine::TrainingPace pace_{epoch_costs(net_, p_.config), loop_.batches()};
  engine::FloatBuffer teacher_, mixed_;
  std::unique_ptr<SubnetEvaluator> evaluator_;
};

} // namespace

TrainResult train_supernet(const SearchSpace& space, const TrainingConfig& config, const DatasetSplits& data,
                           const std::string& out, const TrainCallbacks& callbacks) {
  config.validate();
  files::require_writable(out); // before the first epoch, not after it
  engine::check_training_data(space, data);
  Supernet supernet(space, config.width, stream_seed(config.seed, 0), config.kernel_transform);
  supernet.set_input_normalization(dataset_normalization(data));
  if (data.class_names.size() == static_cast<std::size_t>(space.num_classes))
    supernet.set_class_names(data.class_names);
  TrainingProgress p;
  p.config = config;
  // Flips only where the data allows them (dataset.json); recorded, so a resume augments alike.
  p.config.flip = config.flip && dataset_allows_flip(data);
  p.train_images = data.train.size();
  Trainer trainer(supernet, std::move(p), data, out, callbacks);
  return trainer.run();
}

TrainResult resume_training(const std::string& out, const DatasetSplits& data, const TrainCallbacks& callbacks) {
  engine::SupernetFileContents contents = engine::read_supernet_file(out);
  if (!contents.training) throw Error(ErrorCode::kInvalidFile, "holds a supernet but no training state to resume", out);
  if (contents.model_arch)
    throw Error(ErrorCode::kInvalidFile, "holds a model (a fine-tuned subnet), not a supernet training run", out);
  TrainingProgress p = parse_training_progress(contents.training->json, out);
  Supernet supernet(std::move(contents.supernet));
  engine::check_training_data(supernet.space(), data);
  if (data.train.size() != p.train_images)
    throw Error(ErrorCode::kInvalidArgument,
                "the checkpoint was trained on " + std::to_string(p.train_images) + " images; the data given now has " +
                    std::to_string(data.train.size()) + " (the same `data_dir` and `limit`?)",
                out);
  if (callbacks.on_note) callbacks.on_note(engine::resume_note(p.epochs_done, p.config.total_epochs(), p.epoch_start));
  Trainer trainer(supernet, std::move(p), data, out, callbacks);
  engine::FloatBuffer& m = trainer.momentum();
  std::copy(contents.training->momentum.data(), contents.training->momentum.data() + m.size(), m.data());
  return trainer.run();
}

} // namespace tinynas
