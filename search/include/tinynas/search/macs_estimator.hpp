#pragma once
// The MACs proxy: score = multiply-accumulates of the subnet (convolutions and the classifier,
// BN folded). It is MCUNet's stage-1 reasoning (more computation within the same memory tends to
// mean more accuracy) applied per subnet: fast and deterministic, but a proxy, not an accuracy —
// it always prefers the largest network that fits.

#include "tinynas/search/estimator.hpp"

namespace tinynas {

class MacsProxyEstimator final : public AccuracyEstimator {
public:
  // Keeps a copy of `space`: the estimator may outlive the caller's object.
  explicit MacsProxyEstimator(SearchSpace space);

  std::vector<double> evaluate(const std::vector<Arch>& archs) override;
  std::string name() const override { return "macs"; }
  bool is_proxy() const override { return true; }
  std::string score_unit() const override { return "MACs"; }

private:
  SearchSpace space_;
};

} // namespace tinynas
