#include "epoch_loop.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>
#include <numeric>
#include <vector>

#include "tinynas/space/error.hpp"
#include "tinynas/space/rng.hpp"

namespace tinynas::engine {

namespace {

using Clock = std::chrono::steady_clock;

// An epoch's running loss and top-1 over its training batches, and its throughput.
class EpochTally {
public:
  explicit EpochTally(const EpochStart& start)
      : loss_sum_(start.loss_sum), correct_(start.correct), seen_(start.seen), earlier_seconds_(start.seconds) {}

  void add(double mean_loss, std::int64_t correct, std::int64_t images) {
    loss_sum_ += mean_loss * static_cast<double>(images);
    correct_ += correct;
    seen_ += images;
  }
  double loss() const { return loss_sum_ / static_cast<double>(seen_); }
  double accuracy() const { return static_cast<double>(correct_) / static_cast<double>(seen_); }
  double seconds() const { return earlier_seconds_ + seconds_since(started_); }
  double images_per_second() const { return static_cast<double>(seen_) / std::max(1e-9, seconds()); }
  EpochStart resume_at(int batch) const { return {batch, loss_sum_, correct_, seen_, seconds()}; }

  BatchProgress progress(int epoch, int epochs, const char* phase, int batch, int batches) const {
    return {.epoch = epoch,
            .epochs = epochs,
            .phase = phase,
            .batch = batch,
            .batches = batches,
            .loss = loss(),
            .accuracy = accuracy(),
            .images_per_second = images_per_second()};
  }

private:
  double loss_sum_ = 0;
  std::int64_t correct_ = 0, seen_ = 0;
  double earlier_seconds_ = 0; // before a resume inside the epoch
  Clock::time_point started_ = Clock::now();
};

// Peak * linear warm-up, then cosine to zero, over one phase of `iterations` steps.
double phase_lr(double peak, double warmup_iterations, std::int64_t iteration, std::int64_t iterations) {
  const double t = static_cast<double>(iteration);
  if (t < warmup_iterations) return peak * (t + 1) / warmup_iterations;
  const double span = std::max(1.0, static_cast<double>(iterations) - warmup_iterations);
  return peak * 0.5 * (1 + std::cos(std::numbers::pi * (t - warmup_iterations) / span));
}

std::vector<int> epoch_order(int images, std::uint64_t seed, int epoch) {
  std::vector<int> order(static_cast<std::size_t>(images));
  std::iota(order.begin(), order.end(), 0);
  Rng rng(stream_seed(stream_seed(seed, kShuffle), static_cast<std::uint64_t>(epoch)));
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.index(i)]);
  return order;
}

} // namespace

std::string resume_note(int epochs_done, int total_epochs, const EpochStart& start) {
  if (start.batch == 0)
    return "resuming after epoch " + std::to_string(epochs_done) + " of " + std::to_string(total_epochs);
  return "resuming epoch " + std::to_string(epochs_done + 1) + " of " + std::to_string(total_epochs) + " at batch " +
         std::to_string(start.batch + 1);
}

EpochLoop::EpochLoop(Supernet::Impl& net, const ImageSet& train, const TrainingConfig& config)
    : net_(net), train_(train), seed_(config.seed), runner_(net),
      batch_size_(std::min(config.batch_size, train.size())), batches_(std::max(1, train.size() / batch_size_)),
      builder_(train.rows, train.cols, net.space.input_channels, batch_size_, net.space.resolutions),
      sgd_{config.momentum, config.weight_decay, true}, augment_{config.crop_padding, config.flip,
                                                                 stream_seed(config.seed, kAugment)} {}

std::optional<EpochReport> EpochLoop::run(int epoch, int total_epochs, const LrPhase& phase, const BatchStep& step,
                                          const TrainCallbacks& callbacks, const EpochStart& start,
                                          const CheckpointInside& checkpoint_inside) {
  const int images = train_.size();
  const int n = batch_size_;
  const std::int64_t phase_iterations = std::int64_t{phase.epochs} * batches_;
  const double warmup = phase.warmup_epochs * batches_;
  if (start.batch < 0 || start.batch >= batches_)
    throw Error(ErrorCode::kInvalidFile, "the checkpoint's position inside epoch " + std::to_string(epoch + 1) +
                                             ", batch " + std::to_string(start.batch + 1) + ", is not one of its " +
                                             std::to_string(batches_) + " batches");
  const std::vector<int> order = epoch_order(images, seed_, epoch);
  EpochTally tally(start);
  auto last_checkpoint = Clock::now();
  for (int b = start.batch; b < batches_; ++b) {
    if (b > start.batch && callbacks.should_stop && callbacks.should_stop()) {
      if (checkpoint_inside) checkpoint_inside(tally.resume_at(b));
      return std::nullopt;
    }
    const std::uint64_t first_key = static_cast<std::uint64_t>(epoch) * static_cast<std::uint64_t>(images) +
                                    static_cast<std::uint64_t>(b) * static_cast<std::uint64_t>(n);
    builder_.load(train_, order.data() + static_cast<std::size_t>(b) * n, n, net_.input, &augment_, first_key);
    runner_.zero_grad();
    const SubnetLoss loss = step(b);
    const std::int64_t it = std::int64_t{epoch - phase.first_epoch} * batches_ + b;
    runner_.step(phase_lr(phase.peak_lr, warmup, it, phase_iterations), sgd_);
    tally.add(loss.loss, loss.correct, n);
    if (callbacks.on_batch) callbacks.on_batch(tally.progress(epoch + 1, total_epochs, phase.name, b + 1, batches_));
    const bool due = seconds_since(last_checkpoint) >= callbacks.checkpoint_seconds;
    if (checkpoint_inside && due && b + 1 < batches_) {
      checkpoint_inside(tally.resume_at(b + 1));
      last_checkpoint = Clock::now();
    }
  }
  EpochReport report;
  report.epoch = epoch + 1;
  report.epochs = total_epochs;
  report.phase = phase.name;
  report.loss = tally.loss();
  report.train_accuracy = tally.accuracy();
  report.images_per_second = tally.images_per_second();
  report.seconds = tally.seconds();
  return report;
}

} // namespace tinynas::engine
