#include "kernel_transform.hpp"

#include <algorithm>
#include <cstring>

namespace tinynas::engine {

namespace {

int kernel_index(const BlockSlot& slot, int kernel) {
  return static_cast<int>(std::find(slot.kernels.begin(), slot.kernels.end(), kernel) - slot.kernels.begin());
}

// dst[c][k][k] = centre k x k of src[c][K][K].
void crop(const float* src, int big, float* dst, int small, int channels) {
  const int off = (big - small) / 2;
  for (int c = 0; c < channels; ++c)
    for (int y = 0; y < small; ++y)
      for (int x = 0; x < small; ++x) dst[(c * small + y) * small + x] = src[(c * big + y + off) * big + x + off];
}

// dst[c][K][K] (centre) += src[c][k][k].
void uncrop_add(const float* src, int small, float* dst, int big, int channels) {
  const int off = (big - small) / 2;
  for (int c = 0; c < channels; ++c)
    for (int y = 0; y < small; ++y)
      for (int x = 0; x < small; ++x) dst[(c * big + y + off) * big + x + off] += src[(c * small + y) * small + x];
}

// Level t of the chain (kernels[t], t from the top down to the target) keeps its crop input in
// scratch: crops[t] at offset sum of channels * kernels[j]^2 for j < t.
std::int64_t level_offset(const BlockSlot& slot, int channels, int t) {
  std::int64_t off = 0;
  for (int j = 0; j < t; ++j)
    off +=
        std::int64_t{channels} * slot.kernels[static_cast<std::size_t>(j)] * slot.kernels[static_cast<std::size_t>(j)];
  return off;
}

} // namespace

std::int64_t kernel_transform_scratch_floats(const BlockSlot& slot, int channels) {
  // crops of every level, the transformed weights of every level, and two gradient buffers of the
  // largest size.
  const std::int64_t levels = level_offset(slot, channels, static_cast<int>(slot.kernels.size()));
  const std::int64_t big = std::int64_t{channels} * slot.max_kernel() * slot.max_kernel();
  return 2 * levels + 2 * big;
}

void effective_depthwise(const BlockSlot& slot, KernelTransform mode, const float* params, int channels, int kernel,
                         float* out, float* scratch) {
  const int big = slot.max_kernel();
  const float* stored = params + slot.depthwise.weight;
  if (mode == KernelTransform::kCentreCrop || kernel == big || slot.transforms.empty()) {
    crop(stored, big, out, kernel, channels);
    return;
  }
  const int top = static_cast<int>(slot.kernels.size()) - 1, target = kernel_index(slot, kernel);
  const std::int64_t levels = level_offset(slot, channels, top + 1);
  const float* cur = stored;
  int cur_k = big;
  for (int t = top - 1; t >= target; --t) {
    const int k = slot.kernels[static_cast<std::size_t>(t)], k2 = k * k;
    float* c_in = scratch + level_offset(slot, channels, t);
    float* c_out = t == target ? out : scratch + levels + level_offset(slot, channels, t);
    crop(cur, cur_k, c_in, k, channels);
    const float* m = params + slot.transforms[static_cast<std::size_t>(t)];
    for (int c = 0; c < channels; ++c)
      for (int a = 0; a < k2; ++a) {
        float acc = 0;
        for (int b = 0; b < k2; ++b) acc += c_in[c * k2 + b] * m[a * k2 + b]; // F.linear: x M^T
        c_out[c * k2 + a] = acc;
      }
    cur = c_out;
    cur_k = k;
  }
}

void effective_depthwise_backward(const BlockSlot& slot, KernelTransform mode, const float* params, int channels,
                                  int kernel, const float* d_effective, float* grads, float* scratch) {
  const int big = slot.max_kernel();
  float* stored_grad = grads + slot.depthwise.weight;
  if (mode == KernelTransform::kCentreCrop || kernel == big || slot.transforms.empty()) {
    uncrop_add(d_effective, kernel, stored_grad, big, channels);
    return;
  }
  // Recompute the forward chain to have every level's crop in scratch.
  const std::int64_t levels = level_offset(slot, channels, static_cast<int>(slot.kernels.size()));
  const std::int64_t big_size = std::int64_t{channels} * big * big;
  float* grad_a = scratch + 2 * levels;
  float* grad_b = grad_a + big_size;
  effective_depthwise(slot, mode, params, channels, kernel, grad_a, scratch); // grad_a: throwaway output
  const int top = static_cast<int>(slot.kernels.size()) - 1, target = kernel_index(slot, kernel);
  const float* d_out = d_effective;
  for (int t = target; t <= top - 1; ++t) {
    const int k = slot.kernels[static_cast<std::size_t>(t)], k2 = k * k;
    const int parent = slot.kernels[static_cast<std::size_t>(t + 1)];
    const float* c_in = scratch + level_offset(slot, channels, t);
    const float* m = params + slot.transforms[static_cast<std::size_t>(t)];
    float* dm = grads + slot.transforms[static_cast<std::size_t>(t)];
    for (int a = 0; a < k2; ++a)
      for (int b = 0; b < k2; ++b) {
        float acc = 0;
        for (int c = 0; c < channels; ++c) acc += d_out[c * k2 + a] * c_in[c * k2 + b];
        dm[a * k2 + b] += acc;
      }
    // d(crop) = d_out M, then back into the centre of the parent level's kernel.
    float* d_crop = grad_a;
    for (int c = 0; c < channels; ++c)
      for (int b = 0; b < k2; ++b) {
        float acc = 0;
        for (int a = 0; a < k2; ++a) acc += d_out[c * k2 + a] * m[a * k2 + b];
        d_crop[c * k2 + b] = acc;
      }
    if (t + 1 == top) {
      uncrop_add(d_crop, k, stored_grad, big, channels);
      break;
    }
    // d_out is dead once d_crop exists, so the parent's gradient may reuse its buffer.
    std::memset(grad_b, 0, sizeof(float) * static_cast<std::size_t>(std::int64_t{channels} * parent * parent));
    uncrop_add(d_crop, k, grad_b, parent, channels);
    d_out = grad_b;
  }
}

} // namespace tinynas::engine
