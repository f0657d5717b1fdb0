#include "tinynas/profiler/arena_plan.hpp"

#include <algorithm>
#include <numeric>

#include "tn/tn_kernels.h"

namespace tinynas {

namespace {

// The firmware's argument struct for a conv-like op reading a tensor of shape `in`. The output is derived
// from the input geometry (not read from the graph) so that patch tiles, whose halo rows make the graph's
// output shape differ, still get the kernel's real request for the tile they process.
tn_conv_args firmware_conv_args(const Op& op, const TensorShape& in, int out_channels) {
  tn_conv_args a{};
  a.input = {in.h, in.w, in.c};
  a.kernel = op.kernel;
  a.stride = op.stride;
  a.pad = tn_padding_uniform(op.pad);
  auto out_size = [&](int size) { return std::max(1, (size + 2 * op.pad - op.kernel) / op.stride + 1); };
  a.output = {out_size(in.h), out_size(in.w), out_channels};
  a.io = {0, 0, -128, 127};
  return a;
}

} // namespace

std::int64_t kernel_scratch_bytes(const Op& op, const std::vector<TensorShape>& shapes) {
  // The scratch the firmware's kernels request (firmware/include/tn/tn_kernels.h), through the same getters
  // and dispatch predicates the interpreter uses, so the planned arena is what the target really needs. The
  // depthwise kernels need one padded channel plane whether or not they run in place.
  const TensorShape& in = shapes[static_cast<std::size_t>(op.input)];
  const TensorShape& out = shapes[static_cast<std::size_t>(op.output)];
  switch (op.type) {
  case OpType::kConv:
  case OpType::kPointwiseConv: {
    tn_conv_args a = firmware_conv_args(op, in, out.c);
    return tn_conv_wrapper_get_buffer_size_s8(&a);
  }
  case OpType::kDepthwiseConv: {
    tn_conv_args a = firmware_conv_args(op, in, in.c);
    return tn_dw_conv_wrapper_get_buffer_size_s8(&a);
  }
  case OpType::kFullyConnected: {
    tn_fc_args a{};
    a.in_features = static_cast<std::int32_t>(in.elements());
    a.out_features = out.c;
    return tn_fully_connected_get_buffer_size_s8(&a);
  }
  case OpType::kAdd:
  case OpType::kAvgPool: return 0;
  }
  return 0;
}

ArenaResult plan_arena(const Graph& graph, const std::vector<TensorShape>& shapes, int first_op, int last_op,
                       const ArenaRules& rules, int pinned_tensor) {
  const int tensor_count = static_cast<int>(graph.tensors.size());
  // Last op (absolute index) that reads each tensor; -1 if none.
  std::vector<int> last_reader(static_cast<std::size_t>(tensor_count), -1);
  for (int o = 0; o < static_cast<int>(graph.ops.size()); ++o) {
    const Op& op = graph.ops[static_cast<std::size_t>(o)];
    last_reader[static_cast<std::size_t>(op.input)] = o;
    if (op.input2 >= 0) last_reader[static_cast<std::size_t>(op.input2)] = o;
  }
  auto producer = [](int tensor) { return tensor - 1; }; // ops[i] writes tensor i + 1

  // Tensors touched by the range, merged into shared buffers where a depthwise conv runs in place.
  std::vector<int> buffer_of(static_cast<std::size_t>(tensor_count), -1);
  ArenaResult result;
  auto touch = [&](int tensor, int first, int last) {
    int& b = buffer_of[static_cast<std::size_t>(tensor)];
    std::int64_t bytes = shapes[static_cast<std::size_t>(tensor)].elements();
    if (b < 0) {
      b = static_cast<int>(result.buffers.size());
      result.buffers.push_back({bytes, first, last});
      return;
    }
    BufferRequest& req = result.buffers[static_cast<std::size_t>(b)];
    req.bytes = std::max(req.bytes, bytes);
    req.first_op = std::min(req.first_op, first);
    req.last_op = std::max(req.last_op, last);
  };
  auto lifetime_end = [&](int tensor) {
    int reader = last_reader[static_cast<std::size_t>(tensor)];
    return (reader < 0 || reader > last_op) ? last_op : reader;
  };

  for (int o = first_op; o <= last_op; ++o) {
    const Op& op = graph.ops[static_cast<std::size_t>(o)];
    for (int in : {op.input, op.input2}) {
      if (in < 0 || buffer_of[static_cast<std::size_t>(in)] >= 0) continue;
      int begin = std::max(producer(in), first_op);
      touch(in, in == pinned_tensor ? first_op : begin, lifetime_end(in));
    }
    const bool in_place = rules.inplace_depthwise && op.type == OpType::kDepthwiseConv &&
                          last_reader[static_cast<std::size_t>(op.input)] == o;
    if (in_place) buffer_of[static_cast<std::size_t>(op.output)] = buffer_of[static_cast<std::size_t>(op.input)];
    touch(op.output, op.output == pinned_tensor ? first_op : o, lifetime_end(op.output));

    std::int64_t scratch = kernel_scratch_bytes(op, shapes);
    result.scratch_bytes.push_back(scratch);
    if (scratch > 0) result.buffers.push_back({scratch, o, o});
  }
  if (pinned_tensor >= 0 && buffer_of[static_cast<std::size_t>(pinned_tensor)] < 0)
    touch(pinned_tensor, first_op, last_op);

  result.plan = plan_memory_best(result.buffers, &result.strategy);
  result.peak = result.plan.arena_bytes;
  if (!rules.per_op_high_water) return result;
  result.high_water.reserve(static_cast<std::size_t>(last_op - first_op + 1));
  std::int64_t best = -1;
  for (int o = first_op; o <= last_op; ++o) {
    std::int64_t hw = arena_high_water(result.buffers, result.plan, o);
    result.high_water.push_back(hw);
    if (hw > best) {
      best = hw;
      result.peak_op = o;
    }
  }
  return result;
}

} // namespace tinynas
