#include "training_printer.hpp"

#include <cstdio>

#include <fmt/format.h>

namespace tinynas::cli {

std::string percent_or_dash(double fraction) {
  if (fraction < 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", 100 * fraction);
  return buf;
}

void TrainingPrinter::batch(const BatchProgress& p) {
  // Time left: the batches left times a moving average of the recent seconds per batch (a supernet's
  // elastic phase costs several times its largest phase per batch: the average follows it).
  const auto now = std::chrono::steady_clock::now();
  if (batches_seen_++ > 0) {
    const double last = std::chrono::duration<double>(now - last_batch_).count();
    seconds_per_batch_ = batches_seen_ == 2 ? last : 0.95 * seconds_per_batch_ + 0.05 * last;
  }
  last_batch_ = now;
  const double left = seconds_per_batch_ * ((p.epochs - p.epoch) * p.batches + (p.batches - p.batch));
  line_.update(fmt::format("epoch {}/{} {:<8} batch {}/{}  loss {:.4f}  acc {}  {:.0f} images/s{}", p.epoch, p.epochs,
                           p.phase, p.batch, p.batches, p.loss, percent_or_dash(p.accuracy), p.images_per_second,
                           batches_seen_ > 1 ? fmt::format("  ~{:.0f} s left", left) : ""),
               p.batch == p.batches);
}

void TrainingPrinter::epoch(const EpochReport& r) {
  const std::string validation = r.val_subnet >= 0 ? "val " + percent_or_dash(r.val_subnet)
                                                   : "val largest " + percent_or_dash(r.val_largest) + "  smallest " +
                                                         percent_or_dash(r.val_smallest);
  line_.print(fmt::format("epoch {}/{} {:<8} loss {:.4f}  train acc {}  {:.0f} images/s  {:.0f} s  {}", r.epoch,
                          r.epochs, r.phase, r.loss, percent_or_dash(r.train_accuracy), r.images_per_second, r.seconds,
                          validation));
}

} // namespace tinynas::cli
