// Fine-tuning one subnet into a model file (tinynas/supernet/finetune.hpp): the run, its
// checkpoints (after every epoch, and inside one: TrainCallbacks::checkpoint_seconds), and resuming it.

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>

#include "dataset_fit.hpp"
#include "epoch_loop.hpp"
#include "executor.hpp"
#include "finetune_state.hpp"
#include "ops/softmax_cross_entropy.hpp"
#include "supernet_file.hpp"
#include "supernet_impl.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/rng.hpp"
#include "tinynas/supernet/finetune.hpp"
#include "training_progress.hpp"

namespace tinynas {

void FinetuneOptions::validate() const {
  if (epochs < 1) throw invalid_option("epochs", "must be at least 1");
  if (!(lr >= 0)) throw invalid_option("lr", "must be positive (or 0 for the default)");
  if (batch_size < 0) throw invalid_option("batch_size", "must be positive (or 0 for the supernet training's)");
}

namespace {

// The supernet's largest subnet, frozen: its softmax on a batch, with batch statistics as in the
// training's sandwich rule. Forward only; the supernet is never written.
class Teacher {
public:
  explicit Teacher(const Supernet& supernet) : supernet_(supernet), arch_(supernet.largest()) {}

  const Arch& arch() const { return arch_; }

  // input [C][R][R][N] at arch().resolution; returns the softmax [K][N].
  const float* probabilities(const float* input, int n) {
    const Supernet::Impl& net = supernet_.impl();
    engine::build_plan(net.layout, arch_, n, ws_.plan);
    ws_.prepare(ws_.plan, engine::RunMode::kTrain);
    const float* logits = engine::run_forward(net.layout, net.params.data(), input, ws_);
    const int k = ws_.plan.classes;
    probabilities_.resize(std::int64_t{k} * n);
    engine::softmax(k, n, logits, probabilities_.data());
    return probabilities_.data();
  }

private:
  const Supernet& supernet_;
  Arch arch_;
  engine::Workspace ws_;
  engine::FloatBuffer probabilities_;
};

class Finetuner {
public:
  // `teacher` is the supernet the run started from (used with distill only); `model` holds the
  // weights being fine-tuned.
  Finetuner(const Supernet& teacher, Supernet& model, Arch arch, FinetuneProgress progress, const DatasetSplits& data,
            std::string out, const TrainCallbacks& callbacks)
      : model_(model), arch_(std::move(arch)), arch_json_(arch_to_json(arch_, model.space(), -1)),
        p_(std::move(progress)), out_(std::move(out)), callbacks_(callbacks),
        loop_(model.impl(), data.train, p_.config) {
    if (p_.distill) teacher_ = std::make_unique<Teacher>(teacher);
    if (p_.config.validate_each_epoch && data.val.size() > 0) {
      // The calibration seed and images of `tinynas eval` (seed 0): on the whole validation split the
      // last epoch's val_subnet is what evaluating the model reports.
      EvaluatorOptions eo;
      eo.max_images = p_.config.validation_images;
      evaluator_ = std::make_unique<SubnetEvaluator>(model_, data.train, data.val, eo);
    }
  }

  engine::FloatBuffer& momentum() { return loop_.runner().momentum(); }

  TrainResult run() {
    // One phase over all epochs: a warm-up only from scratch (inherited weights are already trained).
    const engine::LrPhase phase{"fine-tune", p_.lr, p_.from_scratch ? p_.config.warmup_epochs : 0.0, 0, p_.epochs};
    while (p_.epochs_done < p_.epochs) {
      if (callbacks_.should_stop && callbacks_.should_stop()) break;
      const auto validate = [&](EpochReport& r) {
        if (evaluator_) r.val_subnet = evaluator_->evaluate(arch_);
      };
      if (!engine::run_recorded_epoch(
              loop_, p_, p_.epochs, phase, [&](int) { return step(); }, callbacks_, pace_, validate,
              [&] { checkpoint(); }))
        break; // stopped inside the epoch, checkpointed there
    }
    TrainResult result;
    result.epochs = p_.reports;
    result.finished = p_.epochs_done >= p_.epochs;
    result.seconds = p_.seconds;
    return result;
  }

  void checkpoint() {
    const std::string json = finetune_progress_to_json(p_);
    const engine::TrainingStateRef state{json, momentum()};
    engine::write_supernet_file(out_, model_.impl(), &state, &arch_json_);
  }

private:
  // The subnet on the batch just loaded: against the smoothed labels, or with distill against
  // kFinetuneDistillWeight x the teacher's softmax + the rest x the smoothed labels.
  engine::SubnetLoss step() {
    engine::BatchBuilder& batch = loop_.batch();
    const int n = loop_.batch_size();
    const auto smoothing = static_cast<float>(p_.config.label_smoothing);
    const float* targets = nullptr;
    if (teacher_) {
      const float* soft = teacher_->probabilities(batch.at(teacher_->arch().resolution), n);
      const std::int64_t size = std::int64_t{model_.space().num_classes} * n;
      targets_.resize(size);
      engine::one_hot_targets(model_.space().num_classes, n, batch.labels(), smoothing, targets_.data());
      const auto w = static_cast<float>(kFinetuneDistillWeight);
      for (std::int64_t i = 0; i < size; ++i) targets_.data()[i] = w * soft[i] + (1 - w) * targets_.data()[i];
      targets = targets_.data();
    }
    return loop_.runner().accumulate(arch_, batch.at(arch_.resolution), n, batch.labels(), smoothing, targets, nullptr);
  }

  Supernet& model_;
  Arch arch_;
  std::string arch_json_;
  FinetuneProgress p_;
  std::string out_;
  const TrainCallbacks& callbacks_;
  engine::EpochLoop loop_;
  engine::TrainingPace pace_{std::vector<double>(static_cast<std::size_t>(p_.epochs), 1.0), loop_.batches()};
  std::unique_ptr<Teacher> teacher_;
  engine::FloatBuffer targets_;
  std::unique_ptr<SubnetEvaluator> evaluator_;
};

// The supernet a fine-tuning starts from, refusing a model (fine-tune from the supernet instead).
engine::SupernetFileContents read_supernet_not_model(const std::string& path) {
  engine::SupernetFileContents contents = engine::read_supernet_file(path);
  if (contents.model_arch)
    throw Error(ErrorCode::kInvalidFile,
                "is a model (one fine-tuned subnet), not a supernet: fine-tune from the supernet it came from", path);
  return contents;
}

void check_data_size(const FinetuneProgress& p, const DatasetSplits& data, const std::string& out) {
  if (data.train.size() != p.train_images)
    throw Error(ErrorCode::kInvalidArgument,
                "the model was fine-tuned on " + std::to_string(p.train_images) + " images; the data given now has " +
                    std::to_string(data.train.size()) + " (the same `data_dir`?)",
                out);
}

} // namespace

TrainResult finetune_model(const std::string& supernet_path, const Arch& arch, const FinetuneOptions& options,
                           const DatasetSplits& data, const std::string& out, const TrainCallbacks& callbacks) {
  options.validate();
  std::error_code ec;
  if (std::filesystem::equivalent(out, supernet_path, ec))
    throw invalid_option("out", "is the supernet itself: write the model to another file");
  files::require_writable(out);
  engine::SupernetFileContents contents = read_supernet_not_model(supernet_path);
  // The supernet run's optimiser, augmentation and split; its defaults for a supernet without a record.
  TrainingConfig config;
  if (contents.training) config = parse_training_progress(contents.training->json, supernet_path).config;
  const Supernet supernet(std::move(contents.supernet));
  supernet.validate(arch);
  engine::check_training_data(supernet.space(), data);
  config.width = supernet.width();
  config.kernel_transform = supernet.kernel_transform();
  config.seed = options.seed;
  config.validate_each_epoch = true; // one subnet's accuracy is cheap next to an epoch
  if (options.batch_size > 0) config.batch_size = options.batch_size;

  FinetuneProgress p;
  p.config = config;
  p.epochs = options.epochs;
  // Default: the rate of the phase that trained these weights, or would have (docs/SUPERNET.md measures it).
  p.lr = options.lr > 0 ? options.lr : options.from_scratch ? config.largest_lr : config.elastic_lr;
  p.distill = options.distill;
  p.from_scratch = options.from_scratch;
  p.supernet = supernet_path;
  p.supernet_crc32 = supernet.weights_crc32();
  p.train_images = data.train.size();

  Supernet model = options.from_scratch ? Supernet(supernet.space(), supernet.width(), stream_seed(options.seed, 0),
                                                   supernet.kernel_transform())
                                        : supernet.clone();
  model.set_input_normalization(supernet.input_normalization());
  model.set_class_names(supernet.class_names());
  Finetuner finetuner(supernet, model, arch, std::move(p), data, out, callbacks);
  return finetuner.run();
}

TrainResult train_subnet(const SearchSpace& space, const Arch& arch, const FinetuneOptions& options,
                         const DatasetSplits& data, const std::string& out, const TrainCallbacks& callbacks,
                         int train_limit) {
  options.validate();
  if (!options.from_scratch || options.distill)
    throw invalid_option("supernet", "training a subnet without a supernet starts from scratch, with no teacher");
  files::require_writable(out);
  engine::check_training_data(space, data);
  TrainingConfig config;
  config.width = arch.width;
  config.train_limit = train_limit; // recorded: a resume loads the same images
  config.seed = options.seed;
  config.flip = config.flip && dataset_allows_flip(data);
  config.validate_each_epoch = true;
  if (options.batch_size > 0) config.batch_size = options.batch_size;
  Supernet model(space, arch.width, stream_seed(options.seed, 0), config.kernel_transform);
  model.validate(arch);
  model.set_input_normalization(dataset_normalization(data));
  if (data.class_names.size() == static_cast<std::size_t>(space.num_classes)) model.set_class_names(data.class_names);

  FinetuneProgress p;
  p.config = config;
  p.epochs = options.epochs;
  p.lr = options.lr > 0 ? options.lr : config.largest_lr;
  p.from_scratch = true;
  p.train_images = data.train.size();
  Finetuner finetuner(model, model, arch, std::move(p), data, out, callbacks);
  return finetuner.run();
}

TrainResult resume_finetune(const std::string& supernet_path, const std::string& out, const DatasetSplits& data,
                            const TrainCallbacks& callbacks) {
  engine::SupernetFileContents contents = engine::read_supernet_file(out);
  if (!contents.model_arch)
    throw Error(ErrorCode::kInvalidFile, "holds a supernet, not a model: there is no fine-tuning to resume", out);
  if (!contents.training) throw Error(ErrorCode::kInvalidFile, "holds a model but no fine-tuning state to resume", out);
  FinetuneProgress p = parse_finetune_progress(contents.training->json, out);
  Supernet model(std::move(contents.supernet));
  const Arch arch = arch_from_json(*contents.model_arch, model.space(), out);
  // A subnet trained without a supernet (train_subnet) has none to check or learn from.
  std::optional<Supernet> supernet;
  if (!p.supernet.empty() || !supernet_path.empty()) {
    if (p.supernet.empty())
      throw invalid_option("supernet",
                           "the model in " + out + " was trained without a supernet: resume it without one");
    supernet.emplace(std::move(read_supernet_not_model(supernet_path).supernet));
    if (supernet->weights_crc32() != p.supernet_crc32)
      throw Error(ErrorCode::kInvalidArgument,
                  "was fine-tuned from another supernet (" + p.supernet + ") than " + supernet_path +
                      ": its weights differ",
                  out);
  }
  engine::check_training_data(model.space(), data);
  check_data_size(p, data, out);
  if (callbacks.on_note) callbacks.on_note(engine::resume_note(p.epochs_done, p.epochs, p.epoch_start));
  Finetuner finetuner(supernet ? *supernet : model, model, arch, std::move(p), data, out, callbacks);
  engine::FloatBuffer& m = finetuner.momentum();
  std::copy(contents.training->momentum.data(), contents.training->momentum.data() + m.size(), m.data());
  return finetuner.run();
}

TrainResult train_subnet_or_resume(const SearchSpace& space, const Arch& arch, const FinetuneOptions& options,
                                   const std::string& data_dir, int train_limit, const std::string& out, bool resume,
                                   const TrainCallbacks& callbacks) {
  options.validate();
  if (resume) return finetune_or_resume("", arch, options, data_dir, out, true, callbacks);
  TrainingConfig config;
  config.width = arch.width;
  config.train_limit = train_limit;
  const DatasetSplits data = load_dataset(fresh_training_dataset_options(space, config, data_dir, out));
  if (callbacks.on_note)
    callbacks.on_note("training " + arch.id() + " from scratch on " + std::to_string(data.train.size()) +
                      " images for " + std::to_string(options.epochs) + " epochs");
  return train_subnet(space, arch, options, data, out, callbacks, train_limit);
}

TrainResult finetune_or_resume(const std::string& supernet_path, const Arch& arch, const FinetuneOptions& options,
                               const std::string& data_dir, const std::string& out, bool resume,
                               const TrainCallbacks& callbacks) {
  options.validate(); // before loading anything
  // The supernet's split (a model records the same one), so its validation images stay held out.
  DatasetOptions d = training_dataset_options(resume ? out : supernet_path);
  d.dir = data_dir;
  d.load_test = false;
  if (resume) {
    const Arch stored = read_model_arch(out);
    if (!(stored == arch))
      throw invalid_option("arch", "is " + arch.id() + "; the model to resume holds " + stored.id());
    return resume_finetune(supernet_path, out, load_dataset(d), callbacks);
  }
  const DatasetSplits data = load_dataset(d);
  if (callbacks.on_note)
    callbacks.on_note("fine-tuning " + arch.id() +
                      (options.from_scratch ? " from scratch" : " from inherited weights") +
                      (options.distill ? " with distillation" : "") + " on " + std::to_string(data.train.size()) +
                      " images for " + std::to_string(options.epochs) + " epochs");
  return finetune_model(supernet_path, arch, options, data, out, callbacks);
}

bool is_model_file(const std::string& path) { return engine::read_supernet_file(path).model_arch.has_value(); }

Arch read_model_arch(const std::string& path) {
  engine::SupernetFileContents contents = engine::read_supernet_file(path);
  if (!contents.model_arch)
    throw Error(ErrorCode::kInvalidFile,
                "holds a supernet but no model; fine-tuning one of its subnets makes one (tinynas finetune, "
                "tinynas.finetune)",
                path);
  return arch_from_json(*contents.model_arch, contents.supernet->space, path);
}

} // namespace tinynas
