#include "tinynas/profiler/memory_planner.hpp"

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace tinynas {

namespace {

bool lifetimes_overlap(const BufferRequest& a, const BufferRequest& b) {
  return a.first_op <= b.last_op && b.first_op <= a.last_op;
}

// Lowest offset at which `bytes` fits among the already placed buffers that are alive at the
// same time as `request`. `placed` holds indices into buffers/offsets.
std::int64_t lowest_fit(const std::vector<BufferRequest>& buffers, const std::vector<std::int64_t>& offsets,
                        const std::vector<int>& placed, const BufferRequest& request,
                        std::vector<std::pair<std::int64_t, std::int64_t>>& busy) {
  busy.clear();
  for (int i : placed) {
    const BufferRequest& other = buffers[static_cast<std::size_t>(i)];
    if (other.bytes > 0 && lifetimes_overlap(other, request))
      busy.emplace_back(offsets[static_cast<std::size_t>(i)], offsets[static_cast<std::size_t>(i)] + other.bytes);
  }
  std::sort(busy.begin(), busy.end());
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
  std::vector<int> placed;
  placed.reserve(buffers.size());
  std::vector<std::pair<std::int64_t, std::int64_t>> busy;
  busy.reserve(buffers.size());
  for (int index : order) {
    const BufferRequest& request = buffers[static_cast<std::size_t>(index)];
    std::int64_t offset = request.bytes > 0 ? lowest_fit(buffers, plan.offsets, placed, request, busy) : 0;
    plan.offsets[static_cast<std::size_t>(index)] = offset;
    plan.arena_bytes = std::max(plan.arena_bytes, offset + request.bytes);
    placed.push_back(index);
  }
  return plan;
}

MemoryPlan plan_memory_best(const std::vector<BufferRequest>& buffers, PlacementStrategy* chosen) {
  MemoryPlan greedy = plan_memory(buffers, PlacementStrategy::kGreedyBySize);
  MemoryPlan first_fit = plan_memory(buffers, PlacementStrategy::kFirstFit);
  const bool take_first_fit = first_fit.arena_bytes < greedy.arena_bytes;
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
        if (why) *why = "buffers " + std::to_string(a) + " and " + std::to_string(b) + " are alive together and overlap";
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
