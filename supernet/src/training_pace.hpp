#pragma once
// Private: the time a training run has left, for every front end's progress (BatchProgress and
// EpochReport carry it), so the CLI and Python say the same thing.

#include <vector>

namespace tinynas::engine {

// The run's time left at the pace of its batches in this process. Each epoch has a relative cost per batch
// (a supernet's sandwich epochs train several subnets a batch, its first epochs one): a batch of an epoch whose
// cost was timed takes that cost's mean time; of another, the last timed cost's time per unit of cost, scaled.
// Each epoch's validation takes the last one's time.
class TrainingPace {
public:
  // cost_per_batch[e]: epoch e's (0-based) relative cost of a batch; every epoch has `batches`.
  TrainingPace(std::vector<double> cost_per_batch, int batches);

  // A batch of `epoch` (1-based) done, `seconds` after this process began the epoch: it took the time since
  // the batch before it in the epoch, or since the epoch began.
  void batch_done(int epoch, double seconds);
  void validation_took(double seconds);

  // After `batch` (1-based; 0: none yet) of `epoch` (1-based), its validation still to come; -1 until a batch
  // was timed, 0 past the last epoch.
  double seconds_left(int epoch, int batch) const;

private:
  struct Timed {
    double cost = 0, seconds = 0;
    int batches = 0;
  };
  double batch_seconds(double cost) const;

  std::vector<double> cost_;
  int batches_ = 0;
  std::vector<Timed> timed_; // per distinct cost, in the order first timed
  int last_epoch_ = 0;
  double last_seconds_ = 0;
  double validation_seconds_ = 0;
};

} // namespace tinynas::engine
