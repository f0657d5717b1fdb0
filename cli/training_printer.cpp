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
  line_.update(fmt::format("epoch {}/{} {:<8} batch {}/{}  loss {:.4f}  acc {}  {:.0f} images/s{}", p.epoch, p.epochs,
                           p.phase, p.batch, p.batches, p.loss, percent_or_dash(p.accuracy), p.images_per_second,
                           p.seconds_left >= 0 ? fmt::format("  ~{:.0f} s left", p.seconds_left) : ""),
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
