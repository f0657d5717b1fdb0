#pragma once
// An estimator made of a function: how the Python bindings plug in a user's callable (one call per
// generation with the whole batch) and how tests plug in synthetic accuracy functions. The
// function must honour the AccuracyEstimator contract (deterministic, one finite score per arch).

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "tinynas/search/estimator.hpp"

namespace tinynas {

class FunctionEstimator final : public AccuracyEstimator {
public:
  using Function = std::function<std::vector<double>(const std::vector<Arch>&)>;

  FunctionEstimator(std::string name, bool is_proxy, std::string score_unit, Function function)
      : name_(std::move(name)), unit_(std::move(score_unit)), proxy_(is_proxy), function_(std::move(function)) {}

  std::vector<double> evaluate(const std::vector<Arch>& archs) override { return function_(archs); }
  std::string name() const override { return name_; }
  bool is_proxy() const override { return proxy_; }
  std::string score_unit() const override { return unit_; }

private:
  std::string name_;
  std::string unit_;
  bool proxy_;
  Function function_;
};

} // namespace tinynas
