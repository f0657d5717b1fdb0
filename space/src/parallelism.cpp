#include "tinynas/space/parallelism.hpp"

#include <optional>

#include <tbb/global_control.h>

namespace tinynas {

struct ParallelismLimit::Impl {
  std::optional<tbb::global_control> control;
};

ParallelismLimit::ParallelismLimit(int threads) : impl_(std::make_unique<Impl>()) {
  if (threads > 0)
    impl_->control.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
}

ParallelismLimit::~ParallelismLimit() = default;

int ParallelismLimit::current() {
  return static_cast<int>(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
}

} // namespace tinynas
