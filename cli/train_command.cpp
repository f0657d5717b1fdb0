#include "train_command.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "tinynas/space/error.hpp"
#include "tinynas/space/parallelism.hpp"
#include "tinynas/space/search_space.hpp"
#include "tinynas/supernet/dataset.hpp"
#include "tinynas/supernet/trainer.hpp"

namespace tinynas::cli {

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_interrupt(int) { g_stop = true; }

// Ctrl-C finishes the current batch and leaves the last epoch's checkpoint in place.
class InterruptGuard {
public:
  InterruptGuard() { previous_ = std::signal(SIGINT, on_interrupt); }
  ~InterruptGuard() { std::signal(SIGINT, previous_); }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

private:
  void (*previous_)(int);
};

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

std::string percent(double fraction) {
  if (fraction < 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", 100 * fraction);
  return buf;
}

// Live progress on a terminal (one line rewritten a few times a second), one line per epoch when
// stderr is a file or pipe (logs stay readable).
class ProgressPrinter {
public:
  ProgressPrinter() : tty_(::isatty(STDERR_FILENO) != 0) {}

  void batch(const BatchProgress& p) {
    if (!tty_) return;
    const auto now = std::chrono::steady_clock::now();
    if (p.batch != p.batches && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    std::fprintf(stderr, "\r\033[Kepoch %d/%d %-8s batch %d/%d  loss %.4f  acc %s  %.0f images/s", p.epoch, p.epochs,
                 p.phase, p.batch, p.batches, p.loss, percent(p.accuracy).c_str(), p.images_per_second);
    std::fflush(stderr);
  }
  void epoch(const EpochReport& r) {
    if (tty_) std::fprintf(stderr, "\r\033[K");
    std::fprintf(stderr,
                 "epoch %d/%d %-8s loss %.4f  train acc %s  %.0f images/s  %.0f s  val largest %s  smallest %s\n",
                 r.epoch, r.epochs, r.phase.c_str(), r.loss, percent(r.train_accuracy).c_str(), r.images_per_second,
                 r.seconds, percent(r.val_largest).c_str(), percent(r.val_smallest).c_str());
    std::fflush(stderr);
  }
  void note(const std::string& text) {
    if (tty_) std::fprintf(stderr, "\r\033[K");
    std::fprintf(stderr, "%s\n", text.c_str());
    std::fflush(stderr);
  }

private:
  bool tty_;
  std::chrono::steady_clock::time_point last_{};
};

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
  ProgressPrinter printer;
  TrainCallbacks callbacks;
  callbacks.on_batch = [&](const BatchProgress& p) { printer.batch(p); };
  callbacks.on_epoch = [&](const EpochReport& r) {
    printer.epoch(r);
    spdlog::info("epoch {}/{} ({}) done in {:.0f} s; checkpoint written to {}", r.epoch, r.epochs, r.phase, r.seconds,
                 options.out);
  };
  callbacks.on_note = [&](const std::string& text) { printer.note(text); };
  callbacks.should_stop = [] { return g_stop.load(); };
  g_stop = false;
  InterruptGuard interrupt;

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
    const SearchSpace space = SearchSpace::load(options.space);
    const TrainingConfig config = config_from(options);
    DatasetOptions d;
    d.dir = options.data;
    d.val_size = config.val_size;
    d.train_limit = config.train_limit;
    d.classes = space.num_classes;
    d.load_test = false;
    const DatasetSplits data = load_dataset(d);
    printer.note("training a supernet of space " + space.name + " at width " + number(options.width) + " on " +
                 std::to_string(data.train.size()) + " images (" + std::to_string(config.largest_epochs) +
                 " largest + " + std::to_string(config.elastic_epochs) + " elastic epochs), " +
                 std::to_string(data.val.size()) + " held out for validation");
    result = train_supernet(space, config, data, options.out, callbacks);
    space_name = space.name;
  }

  const EpochReport last = result.epochs.empty() ? EpochReport{} : result.epochs.back();
  if (options.json) {
    nlohmann::json j = {{"supernet", options.out},
                        {"space", space_name},
                        {"finished", result.finished},
                        {"epochs", last.epoch},
                        {"total_epochs", last.epochs},
                        {"seconds", result.seconds},
                        {"last_epoch", nlohmann::json::parse(last.to_json())}};
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << (result.finished ? "trained" : "stopped") << ": " << options.out << " after " << last.epoch << "/"
              << last.epochs << " epochs in " << static_cast<long>(result.seconds) << " s; validation accuracy largest "
              << percent(last.val_largest) << ", smallest " << percent(last.val_smallest) << "\n";
  }
  if (!result.finished) {
    std::cerr << "tinynas: training stopped; continue with: tinynas train --out " << options.out << " --resume\n";
    return 130;
  }
  return 0;
}

} // namespace tinynas::cli
