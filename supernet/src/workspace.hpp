#pragma once
// Every buffer a forward or backward pass of a subnet needs, planned from its SubnetPlan and
// carved out of one arena that only ever grows. Sized once for the largest subnet at the largest
// resolution and batch, it serves every later subnet without allocating: no per-batch malloc (glibc
// would page-fault large blocks back in on every batch).
//
// Training keeps every layer's conv output z and BN/activation output y for backward. Calibration
// and inference keep only the live tensors, in a few rotating slots (a residual block's input
// stays live until its add), with batch norm applied in place.

#include <cstdint>
#include <vector>

#include "buffer.hpp"
#include "plan.hpp"

namespace tinynas::engine {

enum class RunMode {
  kTrain,     // batch statistics; keep activations for backward
  kCalibrate, // batch statistics, recorded for BN recalibration; no backward
  kInference, // given statistics
};

struct LayerBuffers {
  float* z = nullptr;          // conv output (training); equal to y otherwise
  float* y = nullptr;          // tensor i + 1
  float* dw_weights = nullptr; // effective depthwise weights
  float* mean = nullptr;       // batch statistics (training and calibration)
  float* var = nullptr;
  float* invstd = nullptr;
};

class Workspace {
public:
  // Assigns buffers for `plan` in `mode`, growing the arena if this plan needs more than any before.
  void prepare(const SubnetPlan& plan, RunMode mode);
  // Floats the arena holds (for tests and logs).
  std::int64_t capacity() const { return arena_.size(); }

  SubnetPlan plan; // storage reused from call to call
  RunMode mode = RunMode::kInference;
  std::vector<LayerBuffers> layers;
  std::vector<float*> tensors; // tensors[0] is set to the caller's input by forward
  float* pooled = nullptr;     // [C][N]
  float* logits = nullptr;     // [K][N]
  float* dlogits = nullptr;    // [K][N], filled by the caller before backward
  float* dpooled = nullptr;
  float* scratch = nullptr; // im2col and GEMM partial sums
  float* transform_scratch = nullptr;
  float* d_dw_weights = nullptr;
  std::vector<float*> grad_slots; // training: rotating tensor gradients
  std::int64_t slot_floats = 0;

private:
  FloatBuffer arena_;
};

} // namespace tinynas::engine
