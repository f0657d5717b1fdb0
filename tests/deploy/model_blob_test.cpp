// The model blob: its arena is the cost model's inplace-dw peak, the host runtime runs it deterministically,
// and every kind of corruption is refused with the right firmware status (never a crash).
#include <gtest/gtest.h>

#include <cstring>
#include <thread>
#include <vector>

#include "../test_networks.hpp"
#include "../test_support.hpp"
#include "tinynas/deploy/model_blob.hpp"
#include "tinynas/hil/hil_profiler.hpp"
#include "tinynas/profiler/board.hpp"
#include "tinynas/profiler/cost_model.hpp"
#include "tinynas/space/arch.hpp"
#include "tinynas/space/error.hpp"
#include "tinynas/space/netconfig.hpp"
#include "tn/tn_interpreter.h"
#include "tn/tn_model_format.h"

namespace tinynas {
namespace {

std::int64_t predicted_peak(const Graph& g) {
  CostOptions o;
  o.schedule = Schedule::kInplaceDw;
  return analyze(g, Board::load("qemu-mps2-an500"), o).peak_sram_bytes;
}

void refresh_crc(std::vector<std::uint8_t>& blob) {
  tn_blob_header h;
  std::memcpy(&h, blob.data(), sizeof h);
  h.crc32 = tn_crc32(0, blob.data() + TN_BLOB_CRC_START, h.total_bytes - TN_BLOB_CRC_START);
  std::memcpy(blob.data(), &h, sizeof h);
}

tn_op_record record(const std::vector<std::uint8_t>& blob, int op) {
  tn_op_record r;
  std::memcpy(&r, blob.data() + sizeof(tn_blob_header) + static_cast<std::size_t>(op) * sizeof r, sizeof r);
  return r;
}

void set_record(std::vector<std::uint8_t>& blob, int op, const tn_op_record& r) {
  std::memcpy(blob.data() + sizeof(tn_blob_header) + static_cast<std::size_t>(op) * sizeof r, &r, sizeof r);
  refresh_crc(blob);
}

std::string refusal(const std::vector<std::uint8_t>& blob) {
  try {
    run_blob_on_host(blob, std::vector<std::int8_t>(432, 0));
  } catch (const Error& e) {
    return e.message();
  }
  return "accepted";
}

TEST(ModelBlob, ArenaIsTheCostModelsPeakAndRunsAreDeterministic) {
  const Graph g = lower_to_graph(test::small_net());
  const RandomInt8Model m = random_int8_model(g, 5);
  const ModelBlob blob = write_model_blob(g, m.model);
  EXPECT_EQ(blob.arena_bytes, predicted_peak(g));
  EXPECT_EQ(blob.bytes.size() % 4, 0u);
  EXPECT_EQ(blob.input_bytes, 12 * 12 * 3);
  EXPECT_EQ(blob.output_bytes, 10);
  // depthwise convs whose input has no other reader run in place
  for (std::size_t o = 0; o < g.ops.size(); ++o)
    if (g.ops[o].type == OpType::kDepthwiseConv) {
      EXPECT_TRUE(blob.in_place[o]) << g.op_name(static_cast<int>(o));
      EXPECT_EQ(blob.tensor_offsets[static_cast<std::size_t>(g.ops[o].input)],
                blob.tensor_offsets[static_cast<std::size_t>(g.ops[o].output)]);
    }
  const HostRunResult a = run_blob_on_host(blob.bytes, m.input);
  const HostRunResult b = run_blob_on_host(blob.bytes, m.input);
  EXPECT_EQ(a.output, b.output);
  EXPECT_EQ(a.output_crc, tn_crc32(0, reinterpret_cast<const std::uint8_t*>(a.output.data()), 10));
}

// One loaded model, many runs from several threads at once (each with its own arena): every output is the one a
// fresh load gives.
TEST(ModelBlob, HostModelRunsConcurrentlyAsFreshLoads) {
  const Graph g = lower_to_graph(test::small_net());
  const ModelBlob blob = write_model_blob(g, random_int8_model(g, 7).model);
  const HostModel host(blob.bytes);
  std::vector<std::vector<std::int8_t>> inputs;
  for (std::uint64_t seed = 0; seed < 8; ++seed) inputs.push_back(random_int8_model(g, seed).input);
  std::vector<HostRunResult> results(inputs.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < inputs.size(); ++i) threads.emplace_back([&, i] { results[i] = host.run(inputs[i]); });
  for (std::thread& t : threads) t.join();
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const HostRunResult fresh = run_blob_on_host(blob.bytes, inputs[i]);
    EXPECT_EQ(results[i].output, fresh.output) << i;
    EXPECT_EQ(results[i].output_crc, fresh.output_crc) << i;
  }
  EXPECT_THROW(host.run(std::vector<std::int8_t>(5, 0)), Error);
}

TEST(ModelBlob, EveryCorruptionIsRefusedWithItsStatus) {
  const Graph g = lower_to_graph(test::small_net());
  const ModelBlob good = write_model_blob(g, random_int8_model(g, 6).model);
  ASSERT_EQ(refusal(good.bytes), "accepted");

  std::vector<std::uint8_t> b = good.bytes;
  b[0] ^= 0xFF;
  EXPECT_NE(refusal(b).find("blob-magic"), std::string::npos);

  b = good.bytes;
  b[4] = 99; // version
  EXPECT_NE(refusal(b).find("blob-version"), std::string::npos);

  b = good.bytes;
  b.resize(b.size() - 8); // truncated: the header claims more than there is
  EXPECT_NE(refusal(b).find("blob-size"), std::string::npos);

  b = good.bytes;
  b[b.size() - 5] ^= 0x10; // a weight or table byte
  EXPECT_NE(refusal(b).find("blob-crc"), std::string::npos);

  b = good.bytes;
  tn_op_record r = record(b, 3);
  r.output = 0x7FFFFFF0u; // outside the arena
  set_record(b, 3, r);
  const std::string bounds = refusal(b);
  EXPECT_NE(bounds.find("blob-bounds"), std::string::npos) << bounds;
  EXPECT_NE(bounds.find("op 3"), std::string::npos) << bounds;

  b = good.bytes;
  r = record(b, 1); // the first depthwise conv
  ASSERT_EQ(r.type, TN_OP_DEPTHWISE);
  r.scratch_bytes -= 1;
  set_record(b, 1, r);
  EXPECT_NE(refusal(b).find("scratch-too-small"), std::string::npos);

  b = good.bytes;
  r = record(b, 0);
  r.type = 42;
  set_record(b, 0, r);
  EXPECT_NE(refusal(b).find("blob-op"), std::string::npos);

  b = good.bytes;
  r = record(b, 0);
  r.stride = 1; // the output shape no longer follows kernel/stride/pad
  set_record(b, 0, r);
  EXPECT_NE(refusal(b).find("blob-shape"), std::string::npos);

  b = good.bytes;
  r = record(b, 2);
  r.shift = r.weights; // an int32 table pointing at int8 weights: misaligned or out of range values
  r.multiplier = 3;
  set_record(b, 2, r);
  EXPECT_NE(refusal(b), "accepted");
}

TEST(ModelBlob, RandomSubnetsOfBothSpacesPlanAndRun) {
  for (const char* space_name : {"fashion_mnist", "mcunet"}) {
    const SearchSpace space = SearchSpace::load(space_name);
    Rng rng(11);
    for (int i = 0; i < 4; ++i) {
      const double width = space.width_mults.front();
      const int resolution = space.resolutions.front();
      const Graph g = lower_to_graph(lower_to_net(space, sample_arch(space, rng, width, resolution)));
      const RandomInt8Model m = random_int8_model(g, static_cast<std::uint64_t>(i));
      const ModelBlob blob = write_model_blob(g, m.model);
      EXPECT_EQ(blob.arena_bytes, predicted_peak(g)) << space_name << " " << i;
      EXPECT_EQ(run_blob_on_host(blob.bytes, m.input).output.size(), static_cast<std::size_t>(space.num_classes));
    }
  }
}

TEST(ModelBlob, McunetZooConfigPlansAtTheCostModelsPeak) {
  const Graph g = lower_to_graph(load_model(test::mcunet_in0_path()).net);
  const ModelBlob blob = write_model_blob(g, random_int8_model(g, 1).model);
  EXPECT_EQ(blob.arena_bytes, predicted_peak(g));
}

} // namespace
} // namespace tinynas
