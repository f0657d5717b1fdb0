#include "tinynas/supernet/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>
#include <numeric>

#include <nlohmann/json.hpp>

#include "batch_builder.hpp"
#include "channel_sort.hpp"
#include "json_util.hpp"
#include "step_runner.hpp"
#include "supernet_file.hpp"
#include "supernet_impl.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/rng.hpp"

namespace tinynas {

using nlohmann::json;

// ---- configuration ---------------------------------------------------------------------------

TrainingConfig make_training_config(double width, std::optional<int> epochs, std::optional<int> largest_epochs,
                                    int limit, std::uint64_t seed) {
  TrainingConfig c;
  c.width = width;
  if (epochs) {
    if (*epochs < 1) throw invalid_option("epochs", "must be at least 1");
    c.largest_epochs = *epochs * 3 / 10;
    c.elastic_epochs = *epochs - c.largest_epochs;
  }
  if (largest_epochs) {
    const int total = c.total_epochs();
    if (*largest_epochs < 0 || *largest_epochs > total)
      throw invalid_option("largest_epochs", "must be between 0 and the " + std::to_string(total) + " epochs");
    c.largest_epochs = *largest_epochs;
    c.elastic_epochs = total - c.largest_epochs;
  }
  if (limit < 0) throw invalid_option("limit", "must not be negative");
  c.seed = seed;
  c.train_limit = limit;
  // Quick runs (--limit) validate on as many held-out images as they train on, at most all.
  if (limit > 0) c.validation_images = std::max(200, limit / 5);
  return c;
}

void TrainingConfig::validate() const {
  auto bad = [](const std::string& what) { throw Error(ErrorCode::kInvalidArgument, what); };
  if (largest_epochs < 0 || elastic_epochs < 0 || total_epochs() == 0) bad("training needs at least one epoch");
  if (batch_size < 1) bad("batch size must be positive");
  if (!(largest_lr > 0) || !(elastic_lr > 0)) bad("learning rates must be positive");
  if (warmup_epochs < 0) bad("warm-up epochs must not be negative");
  if (momentum < 0 || momentum >= 1) bad("momentum must be in [0, 1)");
  if (weight_decay < 0) bad("weight decay must not be negative");
  if (label_smoothing < 0 || label_smoothing >= 1) bad("label smoothing must be in [0, 1)");
  if (subnets_per_batch < 2) bad("the sandwich rule needs at least 2 subnets per batch (largest and smallest)");
  if (distillation < 0 || distillation > 1) bad("the distillation weight must be in [0, 1]");
  if (crop_padding < 0) bad("crop padding must not be negative");
  if (val_size < 1) bad("the validation split needs at least one image");
  if (train_limit < 0) bad("the training image limit must not be negative");
}

std::string TrainingConfig::to_json() const {
  json j = {{"width", width},
            {"kernel_transform", kernel_transform_name(kernel_transform)},
            {"largest_epochs", largest_epochs},
            {"elastic_epochs", elastic_epochs},
            {"batch_size", batch_size},
            {"largest_lr", largest_lr},
            {"elastic_lr", elastic_lr},
            {"warmup_epochs", warmup_epochs},
            {"momentum", momentum},
            {"weight_decay", weight_decay},
            {"label_smoothing", label_smoothing},
            {"subnets_per_batch", subnets_per_batch},
            {"distillation", distillation},
            {"crop_padding", crop_padding},
            {"flip", flip},
            {"sort_channels", sort_channels},
            {"seed", seed},
            {"validation_images", validation_images},
            {"validate_each_epoch", validate_each_epoch},
            {"val_size", val_size},
            {"train_limit", train_limit}};
  return j.dump();
}

TrainingConfig TrainingConfig::from_json(const std::string& text, const std::string& file) {
  const json doc = json_util::parse(text, file);
  json_util::Field f(doc, file, "/training/config");
  TrainingConfig c;
  c.width = f.get_double("width");
  c.kernel_transform = parse_kernel_transform(f.get_string("kernel_transform"));
  c.largest_epochs = f.get_int("largest_epochs");
  c.elastic_epochs = f.get_int("elastic_epochs");
  c.batch_size = f.get_int("batch_size");
  c.largest_lr = f.get_double("largest_lr");
  c.elastic_lr = f.get_double("elastic_lr");
  c.warmup_epochs = f.get_double("warmup_epochs");
  c.momentum = f.get_double("momentum");
  c.weight_decay = f.get_double("weight_decay");
  c.label_smoothing = f.get_double("label_smoothing");
  c.subnets_per_batch = f.get_int("subnets_per_batch");
  c.distillation = f.get_double("distillation");
  c.crop_padding = f.get_int("crop_padding");
  c.flip = f.at("flip").as_bool();
  c.sort_channels = f.at("sort_channels").as_bool();
  if (!f.at("seed").value().is_number_unsigned()) f.at("seed").fail("must be an unsigned integer");
  c.seed = f.at("seed").value().get<std::uint64_t>();
  c.validation_images = f.get_int("validation_images");
  c.validate_each_epoch = f.at("validate_each_epoch").as_bool();
  c.val_size = f.get_int("val_size");
  c.train_limit = f.get_int("train_limit");
  return c;
}

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// An epoch's running loss and top-1 over its training batches, and its throughput.
class EpochTally {
public:
  void add(double mean_loss, std::int64_t correct, std::int64_t images) {
    loss_sum_ += mean_loss * static_cast<double>(images);
    correct_ += correct;
    seen_ += images;
  }
  double loss() const { return loss_sum_ / static_cast<double>(seen_); }
  double accuracy() const { return static_cast<double>(correct_) / static_cast<double>(seen_); }
  double images_per_second() const { return static_cast<double>(seen_) / std::max(1e-9, seconds_since(started_)); }

  BatchProgress progress(int epoch, int epochs, const char* phase, int batch, int batches) const {
    BatchProgress bp;
    bp.epoch = epoch;
    bp.epochs = epochs;
    bp.phase = phase;
    bp.batch = batch;
    bp.batches = batches;
    bp.loss = loss();
    bp.accuracy = accuracy();
    bp.images_per_second = images_per_second();
    return bp;
  }

private:
  double loss_sum_ = 0;
  std::int64_t correct_ = 0, seen_ = 0;
  Clock::time_point started_ = Clock::now();
};

// What a checkpoint records besides weights and momentum.
struct Progress {
  TrainingConfig config;
  int epochs_done = 0;
  bool channels_sorted = false;
  int train_images = 0;
  double seconds = 0;
  std::vector<EpochReport> reports;
};

json report_json(const EpochReport& r) {
  return {{"epoch", r.epoch},
          {"phase", r.phase},
          {"loss", r.loss},
          {"train_accuracy", r.train_accuracy},
          {"images_per_second", r.images_per_second},
          {"seconds", r.seconds},
          {"val_largest", r.val_largest},
          {"val_smallest", r.val_smallest}};
}

std::string progress_json(const Progress& p) {
  json j;
  j["config"] = json::parse(p.config.to_json());
  j["epochs_done"] = p.epochs_done;
  j["channels_sorted"] = p.channels_sorted;
  j["train_images"] = p.train_images;
  j["seconds"] = p.seconds;
  j["epochs"] = json::array();
  for (const auto& r : p.reports) j["epochs"].push_back(report_json(r));
  return j.dump();
}

Progress parse_progress(const std::string& text, const std::string& file) {
  const json doc = json_util::parse(text, file);
  json_util::Field f(doc, file, "/training");
  Progress p;
  p.config = TrainingConfig::from_json(doc.at("config").dump(), file);
  p.epochs_done = f.get_int("epochs_done");
  p.channels_sorted = f.at("channels_sorted").as_bool();
  p.train_images = f.get_int("train_images");
  p.seconds = f.get_double("seconds");
  json_util::Field epochs = f.at("epochs");
  for (std::size_t i = 0; i < epochs.size(); ++i) {
    json_util::Field e = epochs.at(i);
    EpochReport r;
    r.epoch = e.get_int("epoch");
    r.epochs = p.config.total_epochs();
    r.phase = e.get_string("phase");
    r.loss = e.get_double("loss");
    r.train_accuracy = e.get_double("train_accuracy");
    r.images_per_second = e.get_double("images_per_second");
    r.seconds = e.get_double("seconds");
    r.val_largest = e.get_double("val_largest");
    r.val_smallest = e.get_double("val_smallest");
    p.reports.push_back(r);
  }
  return p;
}

// Peak * linear warm-up, then cosine to zero, over one phase of `iterations` steps.
double phase_lr(double peak, double warmup_iterations, std::int64_t iteration, std::int64_t iterations) {
  const double t = static_cast<double>(iteration);
  if (t < warmup_iterations) return peak * (t + 1) / warmup_iterations;
  const double span = std::max(1.0, static_cast<double>(iterations) - warmup_iterations);
  return peak * 0.5 * (1 + std::cos(std::numbers::pi * (t - warmup_iterations) / span));
}

// Fixed streams of the seed, so nothing depends on how many numbers another part drew.
enum Stream : std::uint64_t { kShuffle = 1, kAugment = 2, kSubnets = 3, kValidation = 4 };

std::vector<int> epoch_order(int images, std::uint64_t seed, int epoch) {
  std::vector<int> order(static_cast<std::size_t>(images));
  std::iota(order.begin(), order.end(), 0);
  Rng rng(stream_seed(stream_seed(seed, kShuffle), static_cast<std::uint64_t>(epoch)));
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.index(i)]);
  return order;
}

void check_data(const SearchSpace& space, const DatasetSplits& data) {
  if (space.input_channels != 1)
    throw Error(ErrorCode::kInvalidArgument, "the dataset has grey images; space \"" + space.name + "\" expects " +
                                                 std::to_string(space.input_channels) + " input channels");
  if (data.train.size() == 0) throw Error(ErrorCode::kInvalidArgument, "no training images");
  for (std::uint8_t label : data.train.labels)
    if (label >= space.num_classes)
      throw Error(ErrorCode::kInvalidArgument, "a training label (" + std::to_string(label) +
                                                   ") is not below the space's " + std::to_string(space.num_classes) +
                                                   " classes");
}

class Trainer {
public:
  Trainer(Supernet& supernet, Progress progress, const DatasetSplits& data, std::string out,
          const TrainCallbacks& callbacks)
      : supernet_(supernet), net_(supernet.impl()), p_(std::move(progress)), data_(data), out_(std::move(out)),
        callbacks_(callbacks), runner_(net_), batch_(std::min(p_.config.batch_size, data.train.size())),
        builder_(data.train.rows, data.train.cols, batch_, net_.space.resolutions) {
    const TrainingConfig& c = p_.config;
    sgd_.momentum = c.momentum;
    sgd_.weight_decay = c.weight_decay;
    sgd_.nesterov = true;
    augment_.pad = c.crop_padding;
    augment_.flip = c.flip;
    augment_.seed = stream_seed(c.seed, kAugment);
    teacher_.resize(std::int64_t{net_.space.num_classes} * batch_);
    if (c.validate_each_epoch && data.val.size() > 0) {
      EvaluatorOptions eo;
      eo.max_images = c.validation_images;
      eo.seed = stream_seed(c.seed, kValidation);
      evaluator_ = std::make_unique<SubnetEvaluator>(supernet_, data.train, data.val, eo);
    }
  }

  engine::FloatBuffer& momentum() { return runner_.momentum(); }

  TrainResult run() {
    const TrainingConfig& c = p_.config;
    while (p_.epochs_done < c.total_epochs()) {
      if (callbacks_.should_stop && callbacks_.should_stop()) break;
      const int epoch = p_.epochs_done;
      const bool elastic = epoch >= c.largest_epochs;
      if (elastic && c.sort_channels && !p_.channels_sorted) {
        engine::sort_mid_channels(net_.layout, net_.params.data(), runner_.momentum().data());
        p_.channels_sorted = true;
        note("sorted every block's middle channels by L1 importance for the elastic phase");
      }
      const auto started = Clock::now();
      if (!run_epoch(epoch, elastic)) break; // stopped inside the epoch: keep the last checkpoint
      EpochReport& r = report_;
      r.seconds = seconds_since(started);
      if (evaluator_) {
        const std::vector<double> acc = evaluator_->evaluate({supernet_.largest(), supernet_.smallest()});
        r.val_largest = acc[0];
        r.val_smallest = acc[1];
      }
      p_.seconds += seconds_since(started);
      p_.epochs_done = epoch + 1;
      p_.reports.push_back(r);
      checkpoint();
      if (callbacks_.on_epoch) callbacks_.on_epoch(r);
    }
    TrainResult result;
    result.epochs = p_.reports;
    result.finished = p_.epochs_done >= c.total_epochs();
    result.seconds = p_.seconds;
    return result;
  }

  void checkpoint() {
    engine::TrainingState state;
    state.json = progress_json(p_);
    engine::FloatBuffer& m = runner_.momentum();
    state.momentum.resize(m.size());
    std::copy(m.data(), m.data() + m.size(), state.momentum.data());
    engine::write_supernet_file(out_, net_, &state);
  }

private:
  void note(const std::string& text) {
    if (callbacks_.on_note) callbacks_.on_note(text);
  }

  // One epoch; false if asked to stop before its end.
  bool run_epoch(int epoch, bool elastic) {
    const TrainingConfig& c = p_.config;
    const int images = data_.train.size();
    const int batches = std::max(1, images / batch_);
    const int phase_epoch = elastic ? epoch - c.largest_epochs : epoch;
    const int phase_epochs = elastic ? c.elastic_epochs : c.largest_epochs;
    const std::int64_t phase_iterations = std::int64_t{phase_epochs} * batches;
    const double warmup = c.warmup_epochs * batches;
    const double peak = elastic ? c.elastic_lr : c.largest_lr;
    const std::vector<int> order = epoch_order(images, c.seed, epoch);
    const auto smoothing = static_cast<float>(c.label_smoothing);

    report_ = {};
    report_.epoch = epoch + 1;
    report_.epochs = c.total_epochs();
    report_.phase = elastic ? "elastic" : "largest";
    EpochTally tally;
    for (int b = 0; b < batches; ++b) {
      if (b > 0 && callbacks_.should_stop && callbacks_.should_stop()) return false;
      const int n = batch_;
      const std::uint64_t first_key = static_cast<std::uint64_t>(epoch) * static_cast<std::uint64_t>(images) +
                                      static_cast<std::uint64_t>(b) * static_cast<std::uint64_t>(n);
      builder_.load(data_.train, order.data() + static_cast<std::size_t>(b) * n, n, net_.input_mean, net_.input_std,
                    &augment_, first_key);
      Rng pick(stream_seed(stream_seed(c.seed, kSubnets),
                           static_cast<std::uint64_t>(epoch) * static_cast<std::uint64_t>(batches) +
                               static_cast<std::uint64_t>(b)));
      runner_.zero_grad();
      engine::SubnetLoss largest;
      if (!elastic) {
        const auto& res = net_.space.resolutions;
        const Arch arch = supernet_.largest(res[pick.index(res.size())]);
        largest =
            runner_.accumulate(arch, builder_.at(arch.resolution), n, builder_.labels(), smoothing, nullptr, nullptr);
      } else {
        const Arch big = supernet_.largest();
        largest = runner_.accumulate(big, builder_.at(big.resolution), n, builder_.labels(), smoothing, nullptr,
                                     teacher_.data());
        for (int k = 1; k < c.subnets_per_batch; ++k) {
          const Arch arch = k == 1 ? supernet_.smallest() : sample_arch(net_.space, pick, net_.width, 0);
          student(arch, n);
        }
      }
      const std::int64_t it = std::int64_t{phase_epoch} * batches + b;
      runner_.step(phase_lr(peak, warmup, it, phase_iterations), sgd_);

      tally.add(largest.loss, largest.correct, n);
      if (callbacks_.on_batch)
        callbacks_.on_batch(
            tally.progress(epoch + 1, c.total_epochs(), elastic ? "elastic" : "largest", b + 1, batches));
    }
    report_.loss = tally.loss();
    report_.train_accuracy = tally.accuracy();
    report_.images_per_second = tally.images_per_second();
    return true;
  }

  // A non-largest subnet of the sandwich: distilled from the largest's softmax (teacher_), plus the
  // label loss with weight 1 - distillation.
  void student(const Arch& arch, int n) {
    const TrainingConfig& c = p_.config;
    const float* input = builder_.at(arch.resolution);
    if (c.distillation >= 1.0) {
      runner_.accumulate(arch, input, n, builder_.labels(), 0.0f, teacher_.data(), nullptr);
      return;
    }
    // Mixed targets: distillation * teacher + (1 - distillation) * smoothed one-hot labels (the
    // cross-entropy is linear in its targets, so this is the weighted sum of the two losses).
    const int k = net_.space.num_classes;
    mixed_.resize(std::int64_t{k} * n);
    const auto d = static_cast<float>(c.distillation), smooth = static_cast<float>(c.label_smoothing);
    for (int cls = 0; cls < k; ++cls)
      for (int i = 0; i < n; ++i) {
        const float one_hot = (builder_.labels()[i] == cls ? 1.0f - smooth : 0.0f) + smooth / static_cast<float>(k);
        mixed_[std::int64_t{cls} * n + i] = d * teacher_[std::int64_t{cls} * n + i] + (1 - d) * one_hot;
      }
    runner_.accumulate(arch, input, n, builder_.labels(), 0.0f, mixed_.data(), nullptr);
  }

  Supernet& supernet_;
  Supernet::Impl& net_;
  Progress p_;
  const DatasetSplits& data_;
  std::string out_;
  const TrainCallbacks& callbacks_;
  engine::StepRunner runner_;
  int batch_;
  engine::BatchBuilder builder_;
  engine::SgdOptions sgd_;
  engine::Augmentation augment_;
  engine::FloatBuffer teacher_, mixed_;
  std::unique_ptr<SubnetEvaluator> evaluator_;
  EpochReport report_;
};

// Mean and standard deviation of the training pixels in [0, 1].
void set_normalization_from(Supernet& supernet, const ImageSet& train) {
  double sum = 0, sq = 0;
  for (std::uint8_t p : train.pixels) {
    const double v = p / 255.0;
    sum += v;
    sq += v * v;
  }
  const double n = static_cast<double>(train.pixels.size());
  const double mean = sum / n, var = std::max(1e-12, sq / n - mean * mean);
  supernet.set_input_normalization(static_cast<float>(mean), static_cast<float>(std::sqrt(var)));
}

} // namespace

TrainResult train_supernet(const SearchSpace& space, const TrainingConfig& config, const DatasetSplits& data,
                           const std::string& out, const TrainCallbacks& callbacks) {
  config.validate();
  check_data(space, data);
  Supernet supernet(space, config.width, stream_seed(config.seed, 0), config.kernel_transform);
  set_normalization_from(supernet, data.train);
  Progress p;
  p.config = config;
  p.train_images = data.train.size();
  Trainer trainer(supernet, std::move(p), data, out, callbacks);
  return trainer.run();
}

TrainResult resume_training(const std::string& out, const DatasetSplits& data, const TrainCallbacks& callbacks) {
  engine::SupernetFileContents contents = engine::read_supernet_file(out);
  if (!contents.training) throw Error(ErrorCode::kInvalidFile, "holds a supernet but no training state to resume", out);
  Progress p = parse_progress(contents.training->json, out);
  Supernet supernet(std::move(contents.supernet));
  check_data(supernet.space(), data);
  if (data.train.size() != p.train_images)
    throw Error(ErrorCode::kInvalidArgument,
                "the checkpoint was trained on " + std::to_string(p.train_images) + " images; the data given now has " +
                    std::to_string(data.train.size()) + " (the same `data_dir` and `limit`?)",
                out);
  if (callbacks.on_note)
    callbacks.on_note("resuming after epoch " + std::to_string(p.epochs_done) + " of " +
                      std::to_string(p.config.total_epochs()));
  Trainer trainer(supernet, std::move(p), data, out, callbacks);
  engine::FloatBuffer& m = trainer.momentum();
  std::copy(contents.training->momentum.data(), contents.training->momentum.data() + m.size(), m.data());
  return trainer.run();
}

TrainingConfig read_training_config(const std::string& path) {
  engine::SupernetFileContents contents = engine::read_supernet_file(path);
  if (!contents.training) throw Error(ErrorCode::kInvalidFile, "holds no training state", path);
  return parse_progress(contents.training->json, path).config;
}

TrainingStatus training_status(const std::string& path) {
  engine::SupernetFileContents contents = engine::read_supernet_file(path);
  if (!contents.training) return TrainingStatus::kNone;
  const Progress p = parse_progress(contents.training->json, path);
  return p.epochs_done >= p.config.total_epochs() ? TrainingStatus::kFinished : TrainingStatus::kInProgress;
}

DatasetOptions training_dataset_options(const std::string& path) {
  engine::SupernetFileContents contents = engine::read_supernet_file(path);
  DatasetOptions o;
  o.classes = contents.supernet->space.num_classes;
  if (contents.training) {
    const TrainingConfig c = parse_progress(contents.training->json, path).config;
    o.val_size = c.val_size;
    o.train_limit = c.train_limit;
  }
  return o;
}

void finetune_subnet(Supernet& supernet, const Arch& arch, const ImageSet& train, int epochs, double lr,
                     const TrainingConfig& config, const TrainCallbacks& callbacks) {
  supernet.validate(arch);
  if (epochs < 1 || !(lr > 0)) throw Error(ErrorCode::kInvalidArgument, "fine-tuning needs epochs >= 1 and lr > 0");
  Supernet::Impl& net = supernet.impl();
  engine::StepRunner runner(net);
  const int batch = std::min(config.batch_size, train.size());
  engine::BatchBuilder builder(train.rows, train.cols, batch, net.space.resolutions);
  engine::SgdOptions sgd{config.momentum, config.weight_decay, true};
  engine::Augmentation augment{config.crop_padding, config.flip, stream_seed(config.seed, kAugment)};
  const int batches = std::max(1, train.size() / batch);
  const std::int64_t total = std::int64_t{epochs} * batches;
  for (int e = 0; e < epochs; ++e) {
    const std::vector<int> order = epoch_order(train.size(), config.seed, e);
    EpochTally tally;
    for (int b = 0; b < batches; ++b) {
      builder.load(train, order.data() + static_cast<std::size_t>(b) * batch, batch, net.input_mean, net.input_std,
                   &augment,
                   static_cast<std::uint64_t>(e) * static_cast<std::uint64_t>(train.size()) +
                       static_cast<std::uint64_t>(b) * static_cast<std::uint64_t>(batch));
      runner.zero_grad();
      const engine::SubnetLoss r = runner.accumulate(arch, builder.at(arch.resolution), batch, builder.labels(),
                                                     static_cast<float>(config.label_smoothing), nullptr, nullptr);
      runner.step(phase_lr(lr, 0, std::int64_t{e} * batches + b, total), sgd);
      tally.add(r.loss, r.correct, batch);
      if (callbacks.on_batch) callbacks.on_batch(tally.progress(e + 1, epochs, "fine-tune", b + 1, batches));
    }
  }
}

} // namespace tinynas
