#pragma once
// Offline arena planning: given buffers with sizes and lifetimes (op index ranges), give each an
// offset in one arena so that buffers alive at the same time never overlap. This is what the
// firmware's interpreter uses as is (the host computes the plan, the target ships it as a table).
//
// Two strategies, as TF-Lite Micro's and TinyEngine's planners:
//   greedy-by-size  largest buffer first, each at the lowest offset that fits between the buffers
//                   already placed whose lifetimes overlap it. O(n^2) in the number of buffers.
//   first-fit       buffers in order of first use, each at the lowest offset that fits. O(n^2).
// Neither is optimal (the problem is NP-hard); both are exact about what they report.

#include <cstdint>
#include <string>
#include <vector>

namespace tinynas {

struct BufferRequest {
  std::int64_t bytes = 0;
  int first_op = 0; // first op (inclusive) during which the buffer must hold its data
  int last_op = 0;  // last op (inclusive)
};

struct MemoryPlan {
  std::vector<std::int64_t> offsets; // one per request, in request order
  std::int64_t arena_bytes = 0;      // max over buffers of offset + bytes
};

enum class PlacementStrategy { kGreedyBySize, kFirstFit };

MemoryPlan plan_memory(const std::vector<BufferRequest>& buffers, PlacementStrategy strategy);

// The largest sum of bytes alive during one op: no plan's arena can be smaller.
std::int64_t live_bytes_lower_bound(const std::vector<BufferRequest>& buffers);

// Runs both strategies and keeps the smaller arena (greedy-by-size on a tie, first-fit when it
// already reaches the lower bound, in which case greedy-by-size is not run). Neither heuristic
// dominates: first-fit fragments on some nets, greedy-by-size on others; the firmware ships
// whichever plan this returns, so the cost model reports exactly what it will use.
MemoryPlan plan_memory_best(const std::vector<BufferRequest>& buffers, PlacementStrategy* chosen = nullptr);

// Bytes of the arena in use (max offset + bytes of live buffers) while op `op` runs.
std::int64_t arena_high_water(const std::vector<BufferRequest>& buffers, const MemoryPlan& plan, int op);

// Checks that no two buffers alive at the same time overlap; on failure returns false and says
// which two in `why`.
bool plan_is_valid(const std::vector<BufferRequest>& buffers, const MemoryPlan& plan, std::string* why = nullptr);

// A text picture of the plan: one row per op, one column per `bytes_per_char` of arena.
std::string plan_to_ascii(const std::vector<BufferRequest>& buffers, const MemoryPlan& plan, int columns = 64);

} // namespace tinynas
