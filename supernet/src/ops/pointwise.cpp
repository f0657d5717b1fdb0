#include "ops/pointwise.hpp"

#include "ops/gemm.hpp"

namespace tinynas::engine {

std::int64_t pointwise_scratch_floats(const PointwiseShape& s) {
  return reduction_scratch_floats(s.out_channels, s.in_channels);
}

void pointwise_forward(const PointwiseShape& s, const float* in, const float* weight, float* out) {
  matmul_wide({weight, s.out_channels, s.in_channels, s.weight_ld}, false, {in, s.in_channels, s.pixels, s.pixels},
              {out, s.out_channels, s.pixels, s.pixels}, false);
}

void pointwise_backward(const PointwiseShape& s, const float* in, const float* weight, const float* dout, float* din,
                        float* dweight, float* scratch) {
  matmul_accumulate_abt({dout, s.out_channels, s.pixels, s.pixels}, {in, s.in_channels, s.pixels, s.pixels},
                        {dweight, s.out_channels, s.in_channels, s.weight_ld}, scratch);
  if (din == nullptr) return;
  matmul_wide({weight, s.out_channels, s.in_channels, s.weight_ld}, true, {dout, s.out_channels, s.pixels, s.pixels},
              {din, s.in_channels, s.pixels, s.pixels}, false);
}

} // namespace tinynas::engine
