#include "training_pace.hpp"

#include <algorithm>
#include <utility>

namespace tinynas::engine {

TrainingPace::TrainingPace(std::vector<double> cost_per_batch, int batches)
    : cost_(std::move(cost_per_batch)), batches_(batches) {}

void TrainingPace::batch_done(int epoch, double seconds) {
  if (epoch >= 1 && epoch <= static_cast<int>(cost_.size())) {
    const double cost = cost_[static_cast<std::size_t>(epoch - 1)];
    auto t = std::find_if(timed_.begin(), timed_.end(), [&](const Timed& x) { return x.cost == cost; });
    if (t == timed_.end()) t = timed_.insert(timed_.end(), Timed{cost, 0, 0});
    t->seconds += seconds - (epoch == last_epoch_ ? last_seconds_ : 0);
    ++t->batches;
  }
  last_epoch_ = epoch;
  last_seconds_ = seconds;
}

void TrainingPace::validation_took(double seconds) { validation_seconds_ = seconds; }

double TrainingPace::batch_seconds(double cost) const {
  for (const Timed& t : timed_)
    if (t.cost == cost) return t.seconds / t.batches;
  const Timed& last = timed_.back();
  return last.seconds / last.batches * (last.cost > 0 ? cost / last.cost : 1);
}

double TrainingPace::seconds_left(int epoch, int batch) const {
  const int epochs = static_cast<int>(cost_.size());
  if (epoch > epochs) return 0;
  if (timed_.empty()) return -1;
  double left = 0;
  for (int e = std::max(epoch, 1); e <= epochs; ++e) {
    const int batches = e == epoch ? batches_ - batch : batches_;
    left += batches * batch_seconds(cost_[static_cast<std::size_t>(e - 1)]) + validation_seconds_;
  }
  return left;
}

} // namespace tinynas::engine
