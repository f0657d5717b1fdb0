#include "workspace.hpp"

#include <algorithm>

#include "kernel_transform.hpp"
#include "ops/conv2d.hpp"
#include "ops/pointwise.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas::engine {

namespace {

// Offsets first, pointers after the arena has its final size.
struct Carver {
  std::int64_t total = 0;
  std::int64_t take(std::int64_t floats) {
    const std::int64_t at = total;
    total += (floats + 15) / 16 * 16; // 64-byte aligned pieces
    return at;
  }
};

constexpr int kGradSlots = 4;

} // namespace

void Workspace::prepare(const SubnetPlan& p, RunMode m) {
  mode = m;
  const auto count = p.layers.size();
  const int n = p.batch;
  Carver carve;
  struct Offsets {
    std::int64_t z = -1, y = -1, dw = -1, stats = -1;
  };
  std::vector<Offsets> off(count);
  std::vector<std::int64_t> tensor_off(count + 1, -1);

  std::int64_t max_tensor = 0, max_scratch = 0, max_dw = 0, max_transform = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const PlanLayer& l = p.layers[i];
    max_tensor = std::max(max_tensor, l.out_size());
    if (l.kind == LayerKind::kConv) max_scratch = std::max(max_scratch, conv2d_scratch_floats(l.shape));
    if (l.kind == LayerKind::kPointwise)
      max_scratch = std::max(max_scratch, pointwise_scratch_floats({l.shape.in_channels, l.shape.out_channels,
                                                                    l.shape.out_plane(), l.weight_ld}));
    if (l.kind == LayerKind::kDepthwise) {
      const std::int64_t dw = std::int64_t{l.shape.out_channels} * l.kernel * l.kernel;
      max_dw = std::max(max_dw, dw);
      off[i].dw = carve.take(dw);
      max_transform = std::max(max_transform, kernel_transform_scratch_floats(*l.slot, l.shape.out_channels));
    }
    if (m != RunMode::kInference) off[i].stats = carve.take(3 * std::int64_t{l.bn.channels});
  }

  std::vector<int> slot_of(count + 1, -1);
  std::int64_t slots_base = -1;
  if (m == RunMode::kTrain) {
    for (std::size_t i = 0; i < count; ++i) {
      off[i].z = carve.take(p.layers[i].out_size());
      off[i].y = carve.take(p.layers[i].out_size());
    }
  } else {
    // Live-range assignment of tensors 1..L to rotating slots of max_tensor floats.
    std::vector<std::size_t> last_use(count + 1, 0);
    for (std::size_t i = 0; i < count; ++i) {
      const PlanLayer& l = p.layers[i];
      last_use[static_cast<std::size_t>(l.input)] = std::max(last_use[static_cast<std::size_t>(l.input)], i);
      if (l.residual >= 0)
        last_use[static_cast<std::size_t>(l.residual)] = std::max(last_use[static_cast<std::size_t>(l.residual)], i);
    }
    last_use[count] = count; // read by the head
    std::vector<bool> busy;
    for (std::size_t i = 0; i < count; ++i) {
      auto free_slot = std::find(busy.begin(), busy.end(), false);
      int s = static_cast<int>(free_slot - busy.begin());
      if (free_slot == busy.end()) busy.push_back(true);
      else *free_slot = true;
      slot_of[i + 1] = s;
      for (std::size_t t = 1; t <= i; ++t)
        if (slot_of[t] >= 0 && last_use[t] == i && busy[static_cast<std::size_t>(slot_of[t])] &&
            slot_of[t] != slot_of[i + 1]) {
          busy[static_cast<std::size_t>(slot_of[t])] = false;
        }
    }
    slots_base = carve.take(static_cast<std::int64_t>(busy.size()) * max_tensor);
    slot_floats = max_tensor;
  }

  const std::int64_t pooled_off = carve.take(std::int64_t{p.head_channels} * n);
  const std::int64_t logits_off = carve.take(std::int64_t{p.classes} * n);
  const std::int64_t scratch_off = carve.take(max_scratch);
  std::int64_t dlogits_off = -1, dpooled_off = -1, grads_off = -1, ddw_off = -1, transform_off = -1;
  if (m == RunMode::kTrain) {
    dlogits_off = carve.take(std::int64_t{p.classes} * n);
    dpooled_off = carve.take(std::int64_t{p.head_channels} * n);
    grads_off = carve.take(kGradSlots * max_tensor);
    ddw_off = carve.take(max_dw);
    transform_off = carve.take(max_transform);
  } else {
    transform_off = carve.take(max_transform);
  }

  arena_.resize(std::max(carve.total, arena_.size()));
  float* base = arena_.data();
  auto at = [&](std::int64_t o) { return o < 0 ? nullptr : base + o; };

  layers.assign(count, {});
  tensors.assign(count + 1, nullptr);
  for (std::size_t i = 0; i < count; ++i) {
    LayerBuffers& b = layers[i];
    if (m == RunMode::kTrain) {
      b.z = at(off[i].z);
      b.y = at(off[i].y);
    } else {
      b.y = b.z = base + slots_base + slot_of[i + 1] * max_tensor;
    }
    tensors[i + 1] = b.y;
    b.dw_weights = at(off[i].dw);
    if (off[i].stats >= 0) {
      b.mean = base + off[i].stats;
      b.var = b.mean + p.layers[i].bn.channels;
      b.invstd = b.var + p.layers[i].bn.channels;
    }
  }
  pooled = at(pooled_off);
  logits = at(logits_off);
  scratch = at(scratch_off);
  dlogits = at(dlogits_off);
  dpooled = at(dpooled_off);
  d_dw_weights = at(ddw_off);
  transform_scratch = at(transform_off);
  grad_slots.clear();
  if (m == RunMode::kTrain) {
    slot_floats = max_tensor;
    for (int s = 0; s < kGradSlots; ++s) grad_slots.push_back(base + grads_off + s * max_tensor);
  }
}

} // namespace tinynas::engine
