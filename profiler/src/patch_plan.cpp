#include "tinynas/profiler/patch_plan.hpp"

#include <algorithm>
#include <string>

#include "tinynas/space/error.hpp"

namespace tinynas {

namespace {

RowSpan hull(RowSpan a, RowSpan b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return {std::min(a.lo, b.lo), std::max(a.hi, b.hi)};
}

// Input rows a conv (kernel, stride, pad) reads to produce output rows `out`, clipped to the input.
RowSpan input_rows(const Op& op, RowSpan out, int input_size) {
  if (out.empty()) return {};
  if (op.type == OpType::kAdd) return out;
  int lo = out.lo * op.stride - op.pad;
  int hi = (out.hi - 1) * op.stride - op.pad + op.kernel;
  return {std::max(0, lo), std::min(input_size, hi)};
}

// The row interval of every tensor that patch row `index` needs, walking back from the split.
std::vector<RowSpan> demanded_rows(const Graph& graph, int split_op, int index, int patches) {
  std::vector<RowSpan> rows(graph.tensors.size());
  const Op& split = graph.ops[static_cast<std::size_t>(split_op)];
  const int size = graph.tensors[static_cast<std::size_t>(split.output)].h;
  const int tile = (size + patches - 1) / patches;
  rows[static_cast<std::size_t>(split.output)] = {std::min(size, index * tile), std::min(size, (index + 1) * tile)};
  for (int o = split_op; o >= 0; --o) {
    const Op& op = graph.ops[static_cast<std::size_t>(o)];
    RowSpan out = rows[static_cast<std::size_t>(op.output)];
    int in_size = graph.tensors[static_cast<std::size_t>(op.input)].h;
    RowSpan need = input_rows(op, out, in_size);
    rows[static_cast<std::size_t>(op.input)] = hull(rows[static_cast<std::size_t>(op.input)], need);
    if (op.input2 >= 0)
      rows[static_cast<std::size_t>(op.input2)] = hull(rows[static_cast<std::size_t>(op.input2)], out);
  }
  return rows;
}

} // namespace

PatchTiling compute_patch_tiling(const Graph& graph, int split_op, int patches) {
  PatchTiling t;
  t.split_op = split_op;
  t.patches = patches;
  t.tile_shapes = graph.tensors;
  // Spatial dims are square and the rules are the same for rows and columns, so patch (i, j) needs
  // rows(i) x cols(j) with cols(j) == rows(j): one 1-D walk per index gives the 2-D answer.
  std::vector<std::vector<RowSpan>> per_index;
  per_index.reserve(static_cast<std::size_t>(patches));
  for (int i = 0; i < patches; ++i) per_index.push_back(demanded_rows(graph, split_op, i, patches));

  const int split_tensor = graph.ops[static_cast<std::size_t>(split_op)].output;
  for (int tensor = 0; tensor < split_tensor; ++tensor) {
    int largest = 0;
    for (const auto& rows : per_index) largest = std::max(largest, rows[static_cast<std::size_t>(tensor)].size());
    t.tile_shapes[static_cast<std::size_t>(tensor)].h = largest;
    t.tile_shapes[static_cast<std::size_t>(tensor)].w = largest;
  }
  // The split tensor is assembled whole from the patches' output tiles.
  t.patch_macs.assign(static_cast<std::size_t>(split_op) + 1, 0);
  for (int o = 0; o <= split_op; ++o) {
    const Op& op = graph.ops[static_cast<std::size_t>(o)];
    const TensorShape& out = graph.tensors[static_cast<std::size_t>(op.output)];
    std::int64_t per_pixel = out.h * out.w == 0 ? 0 : op.macs(graph.tensors) / (std::int64_t{out.h} * out.w);
    std::int64_t rows_total = 0;
    for (const auto& rows : per_index) rows_total += rows[static_cast<std::size_t>(op.output)].size();
    std::int64_t macs = per_pixel * rows_total * rows_total;
    t.patch_macs[static_cast<std::size_t>(o)] = macs;
    t.extra_macs += macs - op.macs(graph.tensors);
  }
  // Tensors after the split are not tiled: no spans.
  for (auto& rows : per_index)
    for (std::size_t tensor = static_cast<std::size_t>(split_tensor) + 1; tensor < rows.size(); ++tensor)
      rows[tensor] = {};
  t.spans = std::move(per_index);
  return t;
}

std::vector<int> block_boundary_ops(const Graph& graph) {
  std::vector<int> ends;
  for (int o = 0; o + 1 < static_cast<int>(graph.ops.size()); ++o) {
    const Op& op = graph.ops[static_cast<std::size_t>(o)];
    const Op& next = graph.ops[static_cast<std::size_t>(o) + 1];
    if (op.block >= 0 && next.block != op.block) ends.push_back(o);
  }
  return ends;
}

int split_op_of_block(const Graph& graph, int block) {
  for (int op : block_boundary_ops(graph))
    if (graph.ops[static_cast<std::size_t>(op)].block == block) return op;
  throw Error(ErrorCode::kInvalidArgument, "split block " + std::to_string(block) + " is not a block of this network");
}

ArenaResult plan_patch_arena(const Graph& graph, const PatchTiling& tiling, bool per_op_high_water) {
  ArenaRules rules;
  rules.inplace_depthwise = true;
  rules.per_op_high_water = per_op_high_water;
  const int split_tensor = graph.ops[static_cast<std::size_t>(tiling.split_op)].output;
  return plan_arena(graph, tiling.tile_shapes, 0, static_cast<int>(graph.ops.size()) - 1, rules, split_tensor);
}

} // namespace tinynas
