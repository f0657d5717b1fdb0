#pragma once
// Accuracy estimators: what stage 2 ranks subnets by. One interface for all of them, called with a
// batch of subnets at once (a generation's, in chunks of EvolutionHooks::chunk), so that
//   - the MACs proxy (MacsProxyEstimator) answers instantly,
//   - a supernet estimator (the supernet module) can recalibrate BN and evaluate the batch in
//     parallel with its own threads,
//   - a Python callable (the bindings) is called once per batch, taking the GIL once,
// and the evolution code never changes when a new estimator arrives.
//
// Contract for every estimator:
//   - evaluate() returns one finite score per arch, in order; higher is better. Its unit is the
//     estimator's (MACs for the proxy, top-1 accuracy in [0, 1] for the supernet).
//   - Deterministic: an arch's score depends only on the arch (and the estimator's construction),
//     not on the batch it arrives in, its position, or the thread count. Resume relies on this.
//   - It is called from one thread at a time; it may throw (tinynas::Error, or anything else: the
//     search stops and the last checkpoint stays valid).

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tinynas/space/arch.hpp"
#include "tinynas/space/search_space.hpp"

namespace tinynas {

class AccuracyEstimator {
public:
  virtual ~AccuracyEstimator() = default;

  // Scores of valid archs of the space the estimator was made for, one per arch, in order.
  virtual std::vector<double> evaluate(const std::vector<Arch>& archs) = 0;
  // Short name, as the `estimator` option spells it: "macs", "supernet", ...
  virtual std::string name() const = 0;
  // True when the score is a stand-in for accuracy (not an accuracy measurement). The CLI warns
  // loudly and every output file says so.
  virtual bool is_proxy() const = 0;
  // What a score means, for tables and summaries: "MACs", "top-1 accuracy", ...
  virtual std::string score_unit() const = 0;
  // > 0 when the estimator scores only subnets of this width multiplier (a supernet is trained at
  // one width): the search must then restrict stage 1 to it (Stage1Options::fixed_width).
  virtual double required_width() const { return 0; }
  // What the scores depend on beyond the search configuration, known by content: for a supernet, its weights'
  // CRC-32. A checkpoint records it, so that a resumed search knows its supernet wherever the file is now (a run
  // moved to another directory or host) and refuses another one at the same path. Empty when the configuration
  // says it all (the MACs proxy, a Python callable).
  virtual std::string fingerprint() const { return {}; }
};

// What the estimators other than the MACs proxy need; part of the search configuration.
struct EstimatorOptions {
  std::string supernet;         // "supernet": the trained supernet file (tinynas train --out)
  std::string data_dir;         // "supernet": the dataset directory ("" = the default dataset)
  int eval_images = 0;          // "supernet": validation images per subnet (0 = the whole split)
  int calibration_batches = 20; // "supernet": BN recalibration batches of 64 training images
};

// How a score reads to a person: "241.95M MACs" for the MACs proxy, "0.9312 (top-1 accuracy)" otherwise.
std::string score_text(double score, const std::string& unit);

// The estimators the `estimator` option accepts, in the order help texts list them.
std::vector<std::string> estimator_names();

// Makes an estimator by name for `space`: "macs", or "supernet" (options.supernet names the file;
// the supernet must belong to `space`). Unknown names and missing options give invalid_option
// naming the option (estimator, supernet).
std::unique_ptr<AccuracyEstimator> make_estimator(std::string_view name, const SearchSpace& space,
                                                  const EstimatorOptions& options = {});

} // namespace tinynas
