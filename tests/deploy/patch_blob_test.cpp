// Patch-based inference in the int8 runtime (MCUNetV2; tn_model_format.h's patch plan): a blob written for the
// patch schedule gives exactly the output of the same model run layer by layer, for every kernel size and stride
// of both spaces inside the patches, its arena is the cost model's patch prediction, and a damaged plan is refused.
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <utility>
#include <vector>

#include "../test_networks.hpp"
#include "../test_support.hpp"
#include "tinynas/deploy/model_blob.hpp"
#include "tinynas/profiler/board.hpp"
#include "tinynas/profiler/cost_model.hpp"
#include "tinynas/profiler/patch_plan.hpp"
#include "tinynas/space/arch.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/netconfig.hpp"
#include "tn/tn_interpreter.h"
#include "tn/tn_model_format.h"

namespace tinynas {
namespace {

std::int64_t predicted_patch_peak(const Graph& g, int patches, int split_block) {
  CostOptions o;
  o.schedule = Schedule::kPatch;
  o.patch.patches = patches;
  o.patch.split_block = split_block;
  return analyze(g, Board::load("qemu-mps2-an500"), o).peak_sram_bytes;
}

// (kernel, stride) of every depthwise conv a patch runs, to show the tests cover the space's kernels.
using KernelStride = std::pair<int, int>;

// Every block boundary (up to `max_splits` of them) and grids 2..4 for one model: the patch blob's output equals the
// layer-by-layer blob's, and its arena is the cost model's patch peak.
void expect_patches_bit_exact(const Graph& g, std::uint64_t seed, std::set<KernelStride>* covered,
                              std::size_t max_splits = 99) {
  const RandomInt8Model m = random_int8_model(g, seed);
  const std::vector<std::int8_t> expected = run_blob_on_host(write_model_blob(g, m.model).bytes, m.input).output;
  std::vector<int> splits = block_boundary_ops(g);
  if (splits.size() > max_splits) splits.resize(max_splits);
  for (const int split_op : splits) {
    const int block = g.ops[static_cast<std::size_t>(split_op)].block;
    const int split_rows = g.tensors[static_cast<std::size_t>(g.ops[static_cast<std::size_t>(split_op)].output)].h;
    for (int n = 2; n <= std::min(4, split_rows); ++n) {
      SCOPED_TRACE("split block " + std::to_string(block) + ", " + std::to_string(n) + "x" + std::to_string(n));
      const ModelBlob blob = write_model_blob(g, m.model, {n, block});
      EXPECT_EQ(blob.patches, n);
      EXPECT_EQ(blob.split_op, split_op);
      EXPECT_EQ(blob.arena_bytes, predicted_patch_peak(g, n, block));
      EXPECT_EQ(run_blob_on_host(blob.bytes, m.input).output, expected);
      for (int o = 0; o <= split_op; ++o)
        if (g.ops[static_cast<std::size_t>(o)].type == OpType::kDepthwiseConv)
          covered->insert({g.ops[static_cast<std::size_t>(o)].kernel, g.ops[static_cast<std::size_t>(o)].stride});
    }
  }
}

TEST(PatchBlob, BitExactWithLayerByLayerForEveryKernelAndStride) {
  std::set<KernelStride> covered;
  // the grey 1-channel stem and 3x3/5x5/7x7 depthwise at strides 1 and 2, residual adds, both split kinds
  const SearchSpace fashion = SearchSpace::load("fashion_mnist");
  Rng rng(3);
  for (int i = 0; i < 6; ++i) {
    const Graph g = lower_to_graph(lower_to_net(fashion, sample_arch(fashion, rng, fashion.width_mults.back(), 28)));
    expect_patches_bit_exact(g, static_cast<std::uint64_t>(i), &covered, 4);
  }
  // the 3-channel stem (the generic im2col conv in patches)
  const SearchSpace mcunet = SearchSpace::load("mcunet");
  const Graph g = lower_to_graph(lower_to_net(mcunet, sample_arch(mcunet, rng, mcunet.width_mults.front(), 48)));
  expect_patches_bit_exact(g, 7, &covered, 3);
  for (int k : {3, 5, 7})
    for (int s : {1, 2}) EXPECT_TRUE(covered.count({k, s})) << "no " << k << "x" << k << " stride " << s << " tested";
}

TEST(PatchBlob, McunetIn0RunsPatchByPatchAtTheCostModelsPeak) {
  std::set<KernelStride> covered;
  expect_patches_bit_exact(lower_to_graph(load_model(test::mcunet_in0_path()).net), 3, &covered, 2);
}

tn_blob_header header_of(const std::vector<std::uint8_t>& blob) {
  tn_blob_header h;
  std::memcpy(&h, blob.data(), sizeof h);
  return h;
}

void refresh_crc(std::vector<std::uint8_t>& blob) {
  tn_blob_header h = header_of(blob);
  h.crc32 = tn_crc32(0, blob.data() + TN_BLOB_CRC_START, h.total_bytes - TN_BLOB_CRC_START);
  std::memcpy(blob.data(), &h, sizeof h);
}

tn_patch_span* span_at(std::vector<std::uint8_t>& blob, std::uint32_t op, std::uint32_t index) {
  const tn_blob_header h = header_of(blob);
  tn_patch_plan plan;
  std::memcpy(&plan, blob.data() + h.patch_plan, sizeof plan);
  return reinterpret_cast<tn_patch_span*>(blob.data() + h.patch_plan + sizeof plan) + op * plan.patches + index;
}

std::string load_status(std::vector<std::uint8_t> blob) {
  refresh_crc(blob);
  std::vector<std::uint32_t> words((blob.size() + 3) / 4);
  std::memcpy(words.data(), blob.data(), blob.size());
  tn_model model;
  return tn_status_name(
      tn_model_load(&model, words.data(), static_cast<std::uint32_t>(blob.size()), 1u << 24, nullptr));
}

TEST(PatchBlob, ADamagedPatchPlanIsRefusedWithItsStatus) {
  const Graph g = lower_to_graph(test::small_net());
  const int split_op = block_boundary_ops(g).back();
  const int block = g.ops[static_cast<std::size_t>(split_op)].block;
  const ModelBlob good = write_model_blob(g, random_int8_model(g, 2).model, {3, block});
  ASSERT_EQ(load_status(good.bytes), "ok");
  const auto split = static_cast<std::uint32_t>(split_op);
  const std::uint32_t plan_at = header_of(good.bytes).patch_plan;
  ASSERT_NE(plan_at, 0u);

  std::vector<std::uint8_t> b = good.bytes;
  span_at(b, split, 1)->out.lo += 1; // a gap between the split rows of patches 0 and 1
  EXPECT_EQ(load_status(b), "patch-plan");

  b = good.bytes;
  span_at(b, split, 0)->out.hi += 1; // patches 0 and 1 overlap
  EXPECT_EQ(load_status(b), "patch-plan");

  b = good.bytes;
  span_at(b, 0, 1)->in.lo += 1; // the stem's input tile misses a row of its receptive field
  EXPECT_EQ(load_status(b), "patch-plan");

  b = good.bytes;
  span_at(b, 1, 0)->out.hi -= 1; // an op produces fewer rows than the next one reads
  EXPECT_EQ(load_status(b), "patch-plan");

  b = good.bytes;
  span_at(b, split, 2)->out.hi = 60000; // beyond the tensor
  EXPECT_EQ(load_status(b), "patch-plan");

  tn_patch_plan plan;
  b = good.bytes;
  std::memcpy(&plan, b.data() + plan_at, sizeof plan);
  plan.patches = TN_MAX_PATCHES + 1;
  std::memcpy(b.data() + plan_at, &plan, sizeof plan);
  EXPECT_NE(load_status(b), "ok");

  b = good.bytes;
  std::memcpy(&plan, b.data() + plan_at, sizeof plan);
  plan.split_op = static_cast<std::uint32_t>(g.ops.size()); // past the network
  std::memcpy(b.data() + plan_at, &plan, sizeof plan);
  EXPECT_NE(load_status(b), "ok");

  b = good.bytes;
  tn_blob_header h = header_of(b);
  h.patch_plan = h.total_bytes - 4; // the plan runs past the blob
  std::memcpy(b.data(), &h, sizeof h);
  EXPECT_EQ(load_status(b), "blob-bounds");

  b = good.bytes;
  h = header_of(b);
  h.version = 1; // version 1 had no patch plan: the field was reserved
  std::memcpy(b.data(), &h, sizeof h);
  EXPECT_EQ(load_status(b), "blob-op");

  b = good.bytes;
  tn_op_record r;
  std::memcpy(&r, b.data() + sizeof(tn_blob_header) + 1 * sizeof r, sizeof r);
  r.scratch_bytes = 1; // a patch's depthwise plane no longer fits
  std::memcpy(b.data() + sizeof(tn_blob_header) + 1 * sizeof r, &r, sizeof r);
  EXPECT_EQ(load_status(b), "scratch-too-small");

  EXPECT_THROW(write_model_blob(g, random_int8_model(g, 2).model, {3, 42}), Error);
  EXPECT_THROW(write_model_blob(g, random_int8_model(g, 2).model, {TN_MAX_PATCHES + 1, block}), Error);
}

TEST(PatchBlob, APatchModelReadsItsInputOutsideTheArena) {
  const Graph g = lower_to_graph(test::small_net());
  const RandomInt8Model m = random_int8_model(g, 4);
  const ModelBlob blob =
      write_model_blob(g, m.model, {2, g.ops[static_cast<std::size_t>(block_boundary_ops(g)[0])].block});
  std::vector<std::uint32_t> words((blob.bytes.size() + 3) / 4);
  std::memcpy(words.data(), blob.bytes.data(), blob.bytes.size());
  tn_model model;
  ASSERT_EQ(tn_model_load(&model, words.data(), static_cast<std::uint32_t>(blob.bytes.size()), 1u << 24, nullptr),
            TN_OK);
  EXPECT_EQ(model.patches, 2u);
  std::vector<std::uint8_t> arena(model.arena_bytes + model.input_bytes);
  std::memcpy(arena.data() + 8, m.input.data(), m.input.size());
  EXPECT_EQ(tn_model_invoke(&model, reinterpret_cast<const std::int8_t*>(arena.data() + 8), arena.data(), nullptr,
                            nullptr, nullptr),
            TN_ERR_OVERLAP);
  EXPECT_EQ(tn_model_invoke(&model, m.input.data(), arena.data(), nullptr, nullptr, nullptr), TN_OK);
}

} // namespace
} // namespace tinynas
