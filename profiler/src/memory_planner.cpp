#include "tinynas/profiler/memory_planner.hpp"

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace tinynas {

namespace {

bool lifetimes_overlap(const BufferRequest& a, const BufferRequest& b) {
  return a.first_op <= b.last_op && b.first_op <= a.last_op;
}

// A placed buffer, stored contiguously: the search plans ~10^5 graphs a second, and this scan
// is its inner loop.
struct Placed {
  int first_op;
  int last_op;
  std::int64_t begin;
  std::int64_t end;
};

// Lowest offset at which `request` fits among the placed buffers alive at the same time.
std::int64_t lowest_fit(const std::vector<Placed>& placed, const BufferRequest& request,
                        std::vector<std::pair<std::int64_t, std::int64_t>>& busy) {
  busy.clear();
  for (const Placed& p : placed) {
    if (p.first_op <= request.last_op && request.first_op <= p.last_op) busy.emplace_back(p.begin, p.end);
  }
  // Few buffers are alive together: insertion sort beats std::sort here.
  for (std::size_t i = 1; i < busy.size(); ++i) {
    auto item = busy[i];
    std::size_t j = i;
    for (; j > 0 && busy[j - 1] > item; --j) busy[j] = busy[j - 1];
    busy[j] = item;
  }
  std::int64_t candidate = 0;
  for (const auto& [begin, end] : busy) {
    if (begin - candidate >= request.bytes) break; // the gap before this busy range is enough
    candidate = std::max(candidate, end);
  }
  return candidate;
}

} // namespace

MemoryPlan plan_memory(const std::vector<BufferRequest>& buffers, PlacementStrategy strategy) {
  MemoryPlan plan;
  plan.offsets.assign(buffers.size(), 0);
  std::vector<int> order(buffers.size());
  std::iota(order.begin(), order.end(), 0);
  if (strategy == PlacementStrategy::kGreedyBySize) {
    // TFLM's greedy planner: biggest first; ties by earlier first use, then index (deterministic).
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
      const auto& x = buffers[static_cast<std::size_t>(a)];
      const auto& y = buffers[static_cast<std::size_t>(b)];
      if (x.bytes != y.bytes) return x.bytes > y.bytes;
      return x.first_op < y.first_op;
    });
  } else {
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
      return buffers[static_cast<std::size_t>(a)].first_op < buffers[static_cast<std::size_t>(b)].first_op;
    });
  }
  std::vector<Placed> placed;
  placed.reserve(buffers.size());
  std::vector<std::pair<std::int64_t, std::int64_t>> busy;
  busy.reserve(buffers.size());
  const bool by_first_use = strategy == PlacementStrategy::kFirstFit;
  for (int index : order) {
    const BufferRequest& request = buffers[static_cast<std::size_t>(index)];
    if (request.bytes <= 0) continue; // empty buffers sit at 0 and never conflict
    // In first-use order, a buffer that died before this one starts cannot meet any later one
    // either: dropping it keeps the scan to the buffers alive now.
    if (by_first_use) std::erase_if(placed, [&](const Placed& p) { return p.last_op < request.first_op; });
    std::int64_t offset = lowest_fit(placed, request, busy);
    plan.offsets[static_cast<std::size_t>(index)] = offset;
    plan.arena_bytes = std::max(plan.arena_bytes, offset + request.bytes);
    placed.push_back({request.first_op, request.last_op, offset, offset + request.bytes});
  }
  return plan;
}

std::int64_t live_bytes_lower_bound(const std::vector<BufferRequest>& buffers) {
  int last_op = 0;
  for (const auto& b : buffers) last_op = std::max(last_op, b.last_op);
  std::vector<std::int64_t> change(static_cast<std::size_t>(last_op) + 2, 0);
  for (const auto& b : buffers) {
    change[static_cast<std::size_t>(b.first_op)] += b.bytes;
    change[static_cast<std::size_t>(b.last_op) + 1] -= b.bytes;
  }
  std::int64_t live = 0, most = 0;
  for (std::int64_t delta : change) most = std::max(most, live += delta);
  return most;
}

MemoryPlan plan_memory_best(const std::vector<BufferRequest>& buffers, PlacementStrategy* chosen) {
  // First-fit is the cheaper heuristic; when it reaches the lower bound no plan can be smaller.
  MemoryPlan first_fit = plan_memory(buffers, PlacementStrategy::kFirstFit);
  bool take_first_fit = first_fit.arena_bytes <= live_bytes_lower_bound(buffers);
  MemoryPlan greedy;
  if (!take_first_fit) {
    greedy = plan_memory(buffers, PlacementStrategy::kGreedyBySize);
    take_first_fit = first_fit.arena_bytes < greedy.arena_bytes;
  }
  if (chosen) *chosen = take_first_fit ? PlacementStrategy::kFirstFit : PlacementStrategy::kGreedyBySize;
  return take_first_fit ? first_fit : greedy;
}

std::int64_t arena_high_water(const std::vector<BufferRequest>& buffers, const MemoryPlan& plan, int op) {
  std::int64_t high = 0;
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    if (buffers[i].first_op <= op && op <= buffers[i].last_op)
      high = std::max(high, plan.offsets[i] + buffers[i].bytes);
  }
  return high;
}

bool plan_is_valid(const std::vector<BufferRequest>& buffers, const MemoryPlan& plan, std::string* why) {
  for (std::size_t a = 0; a < buffers.size(); ++a) {
    if (plan.offsets[a] < 0 || plan.offsets[a] + buffers[a].bytes > plan.arena_bytes) {
      if (why) *why = "buffer " + std::to_string(a) + " lies outside the arena";
      return false;
    }
    for (std::size_t b = a + 1; b < buffers.size(); ++b) {
      if (buffers[a].bytes == 0 || buffers[b].bytes == 0 || !lifetimes_overlap(buffers[a], buffers[b])) continue;
      bool disjoint = plan.offsets[a] + buffers[a].bytes <= plan.offsets[b] ||
                      plan.offsets[b] + buffers[b].bytes <= plan.offsets[a];
      if (!disjoint) {
        if (why)
          *why = "buffers " + std::to_string(a) + " and " + std::to_string(b) + " are alive together and overlap";
        return false;
      }
    }
  }
  return true;
}

std::string plan_to_ascii(const std::vector<BufferRequest>& buffers, const MemoryPlan& plan, int columns) {
  if (plan.arena_bytes == 0 || buffers.empty()) return "(empty plan)\n";
  int last_op = 0;
  for (const auto& b : buffers) last_op = std::max(last_op, b.last_op);
  std::string out;
  const double bytes_per_column = static_cast<double>(plan.arena_bytes) / columns;
  for (int op = 0; op <= last_op; ++op) {
    std::string row(static_cast<std::size_t>(columns), '.');
    for (std::size_t i = 0; i < buffers.size(); ++i) {
      if (buffers[i].bytes == 0 || op < buffers[i].first_op || op > buffers[i].last_op) continue;
      auto begin = static_cast<int>(static_cast<double>(plan.offsets[i]) / bytes_per_column);
      auto end = static_cast<int>(static_cast<double>(plan.offsets[i] + buffers[i].bytes) / bytes_per_column);
      char mark = static_cast<char>(i < 26 ? 'A' + i : (i < 52 ? 'a' + (i - 26) : '*'));
      for (int c = begin; c < std::max(end, begin + 1) && c < columns; ++c) row[static_cast<std::size_t>(c)] = mark;
    }
    char label[16];
    std::snprintf(label, sizeof label, "%4d ", op);
    out += label + row + "\n";
  }
  return out;
}

} // namespace tinynas
