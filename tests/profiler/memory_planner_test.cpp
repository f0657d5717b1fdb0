// Arena planners checked on hand-computed plans, against the overlap checker on random real
// networks, and for the lower bound every plan must respect.
#include <gtest/gtest.h>

#include <algorithm>

#include "tinynas/profiler/arena_plan.hpp" // private: tested directly
#include "tinynas/profiler/memory_planner.hpp"
#include "tinynas/space/arch.hpp"
#include "tinynas/space/graph.hpp"
#include "tinynas/space/net_spec.hpp"

namespace tinynas {
namespace {

TEST(MemoryPlanner, GreedyBySizeHandPlan) {
  // A [0,1] 100 B, B [1,2] 50 B, C [2,3] 100 B, D [0,3] 20 B.
  std::vector<BufferRequest> b = {{100, 0, 1}, {50, 1, 2}, {100, 2, 3}, {20, 0, 3}};
  MemoryPlan p = plan_memory(b, PlacementStrategy::kGreedyBySize);
  // A at 0; C (overlaps only B and D, not yet placed... and not A) at 0; B overlaps A and C: 100;
  // D overlaps everything: 150.
  EXPECT_EQ(p.offsets, (std::vector<std::int64_t>{0, 100, 0, 150}));
  EXPECT_EQ(p.arena_bytes, 170);
  EXPECT_TRUE(plan_is_valid(b, p));
}

TEST(MemoryPlanner, FirstFitHandPlan) {
  std::vector<BufferRequest> b = {{100, 0, 1}, {50, 1, 2}, {100, 2, 3}, {20, 0, 3}};
  MemoryPlan p = plan_memory(b, PlacementStrategy::kFirstFit);
  // By first use: A 0, D (0) after A: 100, B overlaps A and D: 120, C overlaps B and D: gap
  // [0,100) is free -> 0.
  EXPECT_EQ(p.offsets, (std::vector<std::int64_t>{0, 120, 0, 100}));
  EXPECT_EQ(p.arena_bytes, 170);
  EXPECT_TRUE(plan_is_valid(b, p));
}

TEST(MemoryPlanner, FillsGapsBetweenBuffers) {
  // X [0,2] 10 B at 0, Y [0,2] 10 B at 10, Z [1,1] 5 B must go above both... unless a gap: make one.
  std::vector<BufferRequest> b = {{30, 0, 0}, {10, 1, 2}, {10, 0, 2}, {15, 1, 1}};
  MemoryPlan p = plan_memory(b, PlacementStrategy::kGreedyBySize);
  // 30 at 0; 15 [1,1] overlaps the 10s not yet placed -> 0; 10 [1,2] overlaps 15@0 -> 15;
  // 10 [0,2] overlaps 30@0, 15@0, 10@15 -> 30.
  EXPECT_EQ(p.offsets, (std::vector<std::int64_t>{0, 15, 30, 0}));
  EXPECT_EQ(p.arena_bytes, 40);
}

TEST(MemoryPlanner, BestOfBothNeverWorseThanEither) {
  std::vector<BufferRequest> b = {{64, 0, 0},  {64, 0, 1},  {36, 0, 0},  {64, 1, 2}, {128, 2, 6}, {256, 3, 4},
                                  {256, 4, 5}, {128, 5, 6}, {128, 6, 7}, {8, 7, 8},  {10, 8, 8}};
  PlacementStrategy chosen{};
  MemoryPlan best = plan_memory_best(b, &chosen);
  EXPECT_EQ(plan_memory(b, PlacementStrategy::kGreedyBySize).arena_bytes, 640);
  EXPECT_EQ(plan_memory(b, PlacementStrategy::kFirstFit).arena_bytes, 704);
  EXPECT_EQ(best.arena_bytes, 640);
  EXPECT_EQ(chosen, PlacementStrategy::kGreedyBySize);
  EXPECT_EQ(live_bytes_lower_bound(b), 128 + 256 + 256); // op 4
}

TEST(MemoryPlanner, FirstFitAtTheLowerBoundIsKept) {
  std::vector<BufferRequest> b = {{100, 0, 1}, {50, 1, 2}};
  PlacementStrategy chosen{};
  MemoryPlan best = plan_memory_best(b, &chosen);
  EXPECT_EQ(live_bytes_lower_bound(b), 150);
  EXPECT_EQ(best.arena_bytes, 150);
  EXPECT_EQ(chosen, PlacementStrategy::kFirstFit);
}

TEST(MemoryPlanner, HighWaterAndAscii) {
  std::vector<BufferRequest> b = {{100, 0, 1}, {50, 1, 2}};
  MemoryPlan p = plan_memory(b, PlacementStrategy::kFirstFit);
  EXPECT_EQ(arena_high_water(b, p, 0), 100);
  EXPECT_EQ(arena_high_water(b, p, 1), 150);
  EXPECT_EQ(arena_high_water(b, p, 2), 150); // B sits above A's old place
  std::string art = plan_to_ascii(b, p, 15);
  EXPECT_NE(art.find("AAAAAAAAAABBBBB"), std::string::npos) << art;
}

TEST(MemoryPlanner, CheckerCatchesOverlap) {
  std::vector<BufferRequest> b = {{100, 0, 1}, {50, 1, 2}};
  MemoryPlan p{{0, 60}, 110};
  std::string why;
  EXPECT_FALSE(plan_is_valid(b, p, &why));
  EXPECT_NE(why.find("overlap"), std::string::npos);
}

// Every plan of a real network is valid and at least the largest sum of simultaneously live bytes.
TEST(MemoryPlanner, RandomMcunetSubnetsGetValidPlans) {
  SearchSpace space = SearchSpace::load("mcunet");
  Rng rng(7);
  for (int i = 0; i < 40; ++i) {
    Graph g = lower_to_graph(lower_to_net(space, sample_arch(space, rng)));
    for (bool inplace : {false, true}) {
      ArenaResult r = plan_arena(g, g.tensors, 0, static_cast<int>(g.ops.size()) - 1, {inplace});
      std::string why;
      ASSERT_TRUE(plan_is_valid(r.buffers, r.plan, &why)) << why;
      std::int64_t live_max = 0;
      for (int op = 0; op < static_cast<int>(g.ops.size()); ++op) {
        std::int64_t live = 0;
        for (const auto& buf : r.buffers)
          if (buf.first_op <= op && op <= buf.last_op) live += buf.bytes;
        live_max = std::max(live_max, live);
      }
      EXPECT_GE(r.peak, live_max);
      // Heuristic quality gate: fragmentation stays under a third of the lower bound.
      EXPECT_LE(r.peak, live_max + live_max / 3);
    }
  }
}

} // namespace
} // namespace tinynas
