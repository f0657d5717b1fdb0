#include "tinynas/deploy/model_blob.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>

#include "tinynas/profiler/arena_plan.hpp"
#include "tinynas/profiler/patch_plan.hpp"
#include "tinynas/space/error.hpp"
#include "tn/tn_interpreter.h"
#include "tn/tn_model_format.h"

namespace tinynas {

namespace {

// Which plan_arena buffer holds each tensor and each op's scratch. plan_arena returns buffers in creation order
// (per op: its not-yet-placed inputs, its output unless it runs in place, then its scratch); this replays that
// order and checks every buffer against the result, so a change in plan_arena cannot silently misplace tensors.
struct PlanMapping {
  std::vector<int> buffer_of_tensor;
  std::vector<int> scratch_buffer_of_op; // -1: no scratch
  std::vector<bool> in_place;
};

PlanMapping map_plan(const Graph& g, const std::vector<TensorShape>& shapes, const ArenaResult& r) {
  const std::size_t tensors = g.tensors.size();
  std::vector<int> last_reader(tensors, -1);
  for (int o = 0; o < static_cast<int>(g.ops.size()); ++o) {
    const Op& op = g.ops[static_cast<std::size_t>(o)];
    last_reader[static_cast<std::size_t>(op.input)] = o;
    if (op.input2 >= 0) last_reader[static_cast<std::size_t>(op.input2)] = o;
  }
  PlanMapping m;
  m.buffer_of_tensor.assign(tensors, -1);
  m.scratch_buffer_of_op.assign(g.ops.size(), -1);
  m.in_place.assign(g.ops.size(), false);
  int next = 0;
  auto expect = [&](std::int64_t bytes) {
    if (next >= static_cast<int>(r.buffers.size()) || r.buffers[static_cast<std::size_t>(next)].bytes < bytes)
      throw Error(ErrorCode::kInternal, "model blob: the arena plan does not have the buffers the graph needs");
    return next++;
  };
  for (std::size_t o = 0; o < g.ops.size(); ++o) {
    const Op& op = g.ops[o];
    for (int in : {op.input, op.input2}) {
      if (in < 0 || m.buffer_of_tensor[static_cast<std::size_t>(in)] >= 0) continue;
      m.buffer_of_tensor[static_cast<std::size_t>(in)] = expect(shapes[static_cast<std::size_t>(in)].elements());
    }
    const bool in_place =
        op.type == OpType::kDepthwiseConv && last_reader[static_cast<std::size_t>(op.input)] == static_cast<int>(o);
    if (in_place) {
      m.buffer_of_tensor[static_cast<std::size_t>(op.output)] = m.buffer_of_tensor[static_cast<std::size_t>(op.input)];
      m.in_place[o] = true;
    } else {
      m.buffer_of_tensor[static_cast<std::size_t>(op.output)] =
          expect(shapes[static_cast<std::size_t>(op.output)].elements());
    }
    if (r.scratch_bytes[o] > 0) m.scratch_buffer_of_op[o] = expect(r.scratch_bytes[o]);
  }
  if (next != static_cast<int>(r.buffers.size()))
    throw Error(ErrorCode::kInternal, "model blob: the arena plan has buffers the graph does not use");
  return m;
}

std::uint8_t firmware_op_type(OpType t) {
  switch (t) {
  case OpType::kConv: return TN_OP_CONV;
  case OpType::kDepthwiseConv: return TN_OP_DEPTHWISE;
  case OpType::kPointwiseConv: return TN_OP_POINTWISE;
  case OpType::kAdd: return TN_OP_ADD;
  case OpType::kAvgPool: return TN_OP_AVGPOOL;
  case OpType::kFullyConnected: return TN_OP_FC;
  }
  return 0;
}

class BlobBuilder {
public:
  explicit BlobBuilder(std::size_t data_start) : bytes_(data_start, 0) {}

  template <typename T>
  std::uint32_t append(const std::vector<T>& values) {
    if (values.empty()) return TN_NO_OFFSET;
    while (bytes_.size() % 4 != 0) bytes_.push_back(0);
    const auto offset = static_cast<std::uint32_t>(bytes_.size());
    const std::size_t n = values.size() * sizeof(T);
    bytes_.resize(bytes_.size() + n);
    std::memcpy(bytes_.data() + offset, values.data(), n);
    return offset;
  }
  std::vector<std::uint8_t>& bytes() { return bytes_; }

private:
  std::vector<std::uint8_t> bytes_;
};

std::uint16_t dim16(int v) {
  if (v <= 0 || v > 65535) throw Error(ErrorCode::kInternal, "model blob: a tensor dimension does not fit 16 bits");
  return static_cast<std::uint16_t>(v);
}

std::uint32_t u32(std::int64_t v) {
  if (v < 0 || v > 0xFFFFFFFEll) throw Error(ErrorCode::kInternal, "model blob: an offset does not fit 32 bits");
  return static_cast<std::uint32_t>(v);
}

std::uint16_t row16(int v) {
  if (v < 0 || v > 65535) throw Error(ErrorCode::kInternal, "model blob: a patch span does not fit 16 bits");
  return static_cast<std::uint16_t>(v);
}

tn_span span_of(RowSpan r) { return r.empty() ? tn_span{0, 0} : tn_span{row16(r.lo), row16(r.hi)}; }

// The tn_patch_plan and its spans (tn_model_format.h) as the bytes the blob carries.
std::vector<std::uint8_t> patch_plan_words(const Graph& graph, const PatchTiling& tiling) {
  tn_patch_plan plan{};
  plan.patches = static_cast<std::uint32_t>(tiling.patches);
  plan.split_op = static_cast<std::uint32_t>(tiling.split_op);
  std::vector<tn_patch_span> spans;
  for (int o = 0; o <= tiling.split_op; ++o) {
    const Op& op = graph.ops[static_cast<std::size_t>(o)];
    for (int i = 0; i < tiling.patches; ++i) {
      const std::vector<RowSpan>& rows = tiling.spans[static_cast<std::size_t>(i)];
      tn_patch_span s{};
      s.out = span_of(rows[static_cast<std::size_t>(op.output)]);
      s.in = span_of(rows[static_cast<std::size_t>(op.input)]);
      s.in2 = op.input2 >= 0 ? span_of(rows[static_cast<std::size_t>(op.input2)]) : tn_span{0, 0};
      spans.push_back(s);
    }
  }
  std::vector<std::uint8_t> bytes(sizeof plan + spans.size() * sizeof(tn_patch_span));
  std::memcpy(bytes.data(), &plan, sizeof plan);
  std::memcpy(bytes.data() + sizeof plan, spans.data(), spans.size() * sizeof(tn_patch_span));
  return bytes;
}

} // namespace

std::string firmware_status_name(int status) {
  const char* name = tn_status_name(static_cast<tn_status>(status));
  if (std::string(name) == "unknown") return "status " + std::to_string(status);
  return name;
}

ModelBlob write_model_blob(const Graph& graph, const QuantizedModel& model, const BlobSchedule& schedule) {
  if (model.ops.size() != graph.ops.size() || model.tensors.size() != graph.tensors.size())
    throw Error(ErrorCode::kInternal, "model blob: the quantised model does not match the graph");
  const int last = static_cast<int>(graph.ops.size()) - 1;
  std::optional<PatchTiling> tiling;
  if (schedule.patches != 0) {
    if (schedule.patches < 1 || schedule.patches > static_cast<int>(TN_MAX_PATCHES))
      throw Error(ErrorCode::kInvalidArgument, "a patch grid of " + std::to_string(schedule.patches) +
                                                   " is out of range (1.." + std::to_string(TN_MAX_PATCHES) + ")");
    tiling = compute_patch_tiling(graph, split_op_of_block(graph, schedule.split_block), schedule.patches);
  }
  ArenaRules rules;
  rules.inplace_depthwise = true;
  rules.per_op_high_water = false;
  const std::vector<TensorShape>& shapes = tiling ? tiling->tile_shapes : graph.tensors;
  const ArenaResult plan = tiling ? plan_patch_arena(graph, *tiling, false) : plan_arena(graph, shapes, 0, last, rules);
  const PlanMapping map = map_plan(graph, shapes, plan);

  ModelBlob blob;
  blob.patches = tiling ? tiling->patches : 0;
  blob.split_op = tiling ? tiling->split_op : -1;
  blob.arena_bytes = plan.plan.arena_bytes;
  blob.scratch_bytes = plan.scratch_bytes;
  blob.in_place = map.in_place;
  blob.tensor_offsets.resize(graph.tensors.size(), -1);
  for (std::size_t t = 0; t < graph.tensors.size(); ++t)
    if (map.buffer_of_tensor[t] >= 0)
      blob.tensor_offsets[t] = plan.plan.offsets[static_cast<std::size_t>(map.buffer_of_tensor[t])];
  blob.input_offset = blob.tensor_offsets[static_cast<std::size_t>(graph.input)];
  blob.input_bytes = graph.tensors[static_cast<std::size_t>(graph.input)].elements();
  blob.output_offset = blob.tensor_offsets[static_cast<std::size_t>(graph.output)];
  blob.output_bytes = graph.tensors[static_cast<std::size_t>(graph.output)].elements();

  const std::size_t records_start = sizeof(tn_blob_header);
  BlobBuilder b(records_start + graph.ops.size() * sizeof(tn_op_record));
  std::vector<tn_op_record> records(graph.ops.size());
  for (std::size_t o = 0; o < graph.ops.size(); ++o) {
    const Op& op = graph.ops[o];
    const QuantizedOp& q = model.ops[o];
    const TensorShape& is = graph.tensors[static_cast<std::size_t>(op.input)];
    const TensorShape& os = graph.tensors[static_cast<std::size_t>(op.output)];
    tn_op_record r{};
    r.type = firmware_op_type(op.type);
    r.kernel = static_cast<std::uint8_t>(op.kernel);
    r.stride = static_cast<std::uint8_t>(op.stride);
    r.pad = static_cast<std::uint8_t>(op.pad);
    r.in_h = dim16(is.h);
    r.in_w = dim16(is.w);
    r.in_c = dim16(is.c);
    r.out_h = dim16(os.h);
    r.out_w = dim16(os.w);
    r.out_c = dim16(os.c);
    r.input = u32(blob.tensor_offsets[static_cast<std::size_t>(op.input)]);
    r.input2 = op.input2 >= 0 ? u32(blob.tensor_offsets[static_cast<std::size_t>(op.input2)]) : TN_NO_OFFSET;
    r.output = u32(blob.tensor_offsets[static_cast<std::size_t>(op.output)]);
    const int scratch = map.scratch_buffer_of_op[o];
    r.scratch = scratch >= 0 ? u32(plan.plan.offsets[static_cast<std::size_t>(scratch)]) : TN_NO_OFFSET;
    r.scratch_bytes = u32(plan.scratch_bytes[o]);
    r.input_offset = -model.tensors[static_cast<std::size_t>(op.input)].zero_point;
    r.input2_offset = op.input2 >= 0 ? -model.tensors[static_cast<std::size_t>(op.input2)].zero_point : 0;
    r.output_offset = model.tensors[static_cast<std::size_t>(op.output)].zero_point;
    r.act_min = q.act_min;
    r.act_max = q.act_max;
    r.weights = b.append(q.weights);
    r.bias = b.append(q.bias);
    r.multiplier = b.append(q.multiplier);
    r.shift = b.append(q.shift);
    r.input1_multiplier = q.input1_multiplier;
    r.input1_shift = q.input1_shift;
    r.input2_multiplier = q.input2_multiplier;
    r.input2_shift = q.input2_shift;
    r.output_multiplier = q.output_multiplier;
    r.output_shift = q.output_shift;
    r.left_shift = q.left_shift;
    records[o] = r;
  }
  std::uint32_t patch_plan = 0;
  if (tiling) patch_plan = b.append(patch_plan_words(graph, *tiling));
  std::vector<std::uint8_t>& bytes = b.bytes();
  while (bytes.size() % 4 != 0) bytes.push_back(0);
  std::memcpy(bytes.data() + records_start, records.data(), records.size() * sizeof(tn_op_record));

  tn_blob_header h{};
  h.magic = TN_BLOB_MAGIC;
  h.version = TN_BLOB_VERSION;
  h.total_bytes = u32(static_cast<std::int64_t>(bytes.size()));
  h.op_count = u32(static_cast<std::int64_t>(graph.ops.size()));
  h.ops_offset = static_cast<std::uint32_t>(records_start);
  h.arena_bytes = u32(blob.arena_bytes);
  h.input_offset = u32(blob.input_offset);
  h.input_bytes = u32(blob.input_bytes);
  h.output_offset = u32(blob.output_offset);
  h.output_bytes = u32(blob.output_bytes);
  h.input_zero_point = model.tensors[static_cast<std::size_t>(graph.input)].zero_point;
  h.output_zero_point = model.tensors[static_cast<std::size_t>(graph.output)].zero_point;
  h.patch_plan = patch_plan;
  std::memcpy(bytes.data(), &h, sizeof h);
  h.crc32 = tn_crc32(0, bytes.data() + TN_BLOB_CRC_START, h.total_bytes - TN_BLOB_CRC_START);
  std::memcpy(bytes.data(), &h, sizeof h);
  blob.bytes = std::move(bytes);
  return blob;
}

struct HostModel::Impl {
  std::vector<std::uint32_t> words; // the blob, 4-byte aligned as the runtime wants it; `model` points into it
  tn_model model{};
};

HostModel::HostModel(const std::vector<std::uint8_t>& blob) : impl_(std::make_unique<Impl>()) {
  impl_->words.assign((blob.size() + 3) / 4, 0);
  std::memcpy(impl_->words.data(), blob.data(), blob.size());
  std::uint32_t failed = 0;
  const tn_status s =
      tn_model_load(&impl_->model, impl_->words.data(), static_cast<std::uint32_t>(blob.size()), 0xFFFFFFFFu, &failed);
  if (s != TN_OK)
    throw Error(ErrorCode::kInvalidArgument, "the host runtime refuses the model blob: " + firmware_status_name(s) +
                                                 (failed != 0xFFFFFFFFu ? " at op " + std::to_string(failed) : ""));
}

HostModel::~HostModel() = default;

HostRunResult HostModel::run(const std::vector<std::int8_t>& input) const {
  const tn_model& model = impl_->model;
  std::uint32_t failed = 0;
  if (input.size() != model.input_bytes)
    throw Error(ErrorCode::kInvalidArgument, "input has " + std::to_string(input.size()) +
                                                 " bytes, the model expects " + std::to_string(model.input_bytes));
  std::vector<std::uint8_t> arena(model.arena_bytes + 16, 0);
  const tn_status s = tn_model_invoke(&model, input.data(), arena.data(), nullptr, nullptr, &failed);
  if (s != TN_OK)
    throw Error(ErrorCode::kInternal,
                "the host runtime failed at op " + std::to_string(failed) + ": " + firmware_status_name(s));
  HostRunResult r;
  const auto* out = reinterpret_cast<const std::int8_t*>(arena.data() + model.output_offset);
  r.output.assign(out, out + model.output_bytes);
  r.output_crc = tn_crc32(0, arena.data() + model.output_offset, model.output_bytes);
  return r;
}

HostRunResult run_blob_on_host(const std::vector<std::uint8_t>& blob, const std::vector<std::int8_t>& input) {
  return HostModel(blob).run(input);
}

} // namespace tinynas
