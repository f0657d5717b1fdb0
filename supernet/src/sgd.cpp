#include "sgd.hpp"

#include "parallel.hpp"

namespace tinynas::engine {

void sgd_step(const SupernetLayout& layout, const SgdOptions& options, double lr, float* params, const float* grads,
              float* momentum) {
  const auto mu = static_cast<float>(options.momentum), rate = static_cast<float>(lr);
  parallel_for_each(static_cast<std::int64_t>(layout.params.size()), [&](std::int64_t k) {
    const ParamInfo& p = layout.params[static_cast<std::size_t>(k)];
    const float wd = p.weight_decay ? static_cast<float>(options.weight_decay) : 0.0f;
    float* w = params + p.offset;
    const float* g = grads + p.offset;
    float* buf = momentum + p.offset;
    for (std::int64_t i = 0; i < p.size; ++i) {
      const float d = g[i] + wd * w[i];
      buf[i] = mu * buf[i] + d;
      w[i] -= rate * (options.nesterov ? d + mu * buf[i] : buf[i]);
    }
  });
}

} // namespace tinynas::engine
