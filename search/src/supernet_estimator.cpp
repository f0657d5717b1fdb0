#include "supernet_estimator.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "tinynas/dataset/dataset.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/supernet/subnet_evaluator.hpp"
#include "tinynas/supernet/supernet.hpp"
#include "tinynas/supernet/trainer.hpp"

namespace tinynas {

namespace {

class SupernetEstimator final : public AccuracyEstimator {
public:
  // The evaluator copies the calibration and validation images it needs: `data` can go afterwards.
  SupernetEstimator(Supernet supernet, const DatasetSplits& data, const EvaluatorOptions& options)
      : supernet_(std::move(supernet)),
        fingerprint_(fmt::format("supernet weights crc32 {:08x}", supernet_.weights_crc32())),
        evaluator_(supernet_, data.train, data.val, options) {}

  std::vector<double> evaluate(const std::vector<Arch>& archs) override { return evaluator_.evaluate(archs); }
  std::string name() const override { return "supernet"; }
  bool is_proxy() const override { return false; }
  std::string score_unit() const override { return "top-1 accuracy"; }
  double required_width() const override { return supernet_.width(); }
  std::string fingerprint() const override { return fingerprint_; }

private:
  Supernet supernet_; // declared before the evaluator, which refers to it
  std::string fingerprint_;
  SubnetEvaluator evaluator_;
};

} // namespace

std::unique_ptr<AccuracyEstimator> make_supernet_estimator(const SearchSpace& space, const EstimatorOptions& options) {
  if (options.supernet.empty())
    throw invalid_option("supernet", "the supernet estimator needs a supernet file (trained with `tinynas train`)");
  Supernet supernet = Supernet::load(options.supernet);
  if (supernet.space().name != space.name)
    throw Error(ErrorCode::kInvalidFile,
                fmt::format("the supernet was trained on space \"{}\", the search is over \"{}\" (set `space` to {})",
                            supernet.space().name, space.name, supernet.space().name),
                options.supernet);
  // The split the supernet was trained with: its validation images were never trained on.
  DatasetOptions data_options = training_dataset_options(options.supernet);
  if (!options.data_dir.empty()) data_options.dir = options.data_dir;
  data_options.load_test = false; // the test split is for final numbers, never for search
  DatasetSplits data = load_dataset(data_options);
  EvaluatorOptions evaluator;
  evaluator.calibration_batches = options.calibration_batches;
  evaluator.max_images = options.eval_images;
  spdlog::info("supernet estimator: {} (width {:g}), {} validation images per subnet", options.supernet,
               supernet.width(), options.eval_images > 0 ? options.eval_images : data.val.size());
  return std::make_unique<SupernetEstimator>(std::move(supernet), data, evaluator);
}

SearchSpace supernet_space(const std::string& file) { return Supernet::load(file).space(); }

} // namespace tinynas
