#include "channel_sort.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace tinynas::engine {

namespace {

// Rows [0, rows) of a [rows][width] array at `offset`, reordered: new row i = old row order[i].
void permute_rows(float* base, std::int64_t offset, const std::vector<int>& order, std::int64_t width) {
  std::vector<float> copy(base + offset, base + offset + static_cast<std::int64_t>(order.size()) * width);
  for (std::size_t i = 0; i < order.size(); ++i)
    std::copy_n(copy.data() + order[i] * width, width, base + offset + static_cast<std::int64_t>(i) * width);
}

// Columns of a [rows][cols] array at `offset`: new column j = old column order[j].
void permute_columns(float* base, std::int64_t offset, int rows, const std::vector<int>& order) {
  const auto cols = static_cast<std::int64_t>(order.size());
  std::vector<float> row(static_cast<std::size_t>(cols));
  for (int r = 0; r < rows; ++r) {
    float* p = base + offset + r * cols;
    for (std::int64_t j = 0; j < cols; ++j) row[static_cast<std::size_t>(j)] = p[order[static_cast<std::size_t>(j)]];
    std::copy(row.begin(), row.end(), p);
  }
}

void permute_slot(const BlockSlot& s, const std::vector<int>& order, float* a) {
  const int k = s.max_kernel();
  permute_rows(a, s.expand.weight, order, s.in_channels);
  permute_rows(a, s.expand_bn.gamma, order, 1);
  permute_rows(a, s.expand_bn.beta, order, 1);
  permute_rows(a, s.depthwise.weight, order, std::int64_t{k} * k);
  permute_rows(a, s.depthwise_bn.gamma, order, 1);
  permute_rows(a, s.depthwise_bn.beta, order, 1);
  permute_columns(a, s.project.weight, s.out_channels, order);
}

} // namespace

void sort_mid_channels(const SupernetLayout& layout, float* params, float* momentum) {
  for (const auto& stage : layout.stages)
    for (const BlockSlot& s : stage) {
      const int mid = s.max_mid();
      std::vector<double> importance(static_cast<std::size_t>(mid), 0.0);
      for (int o = 0; o < s.out_channels; ++o)
        for (int j = 0; j < mid; ++j)
          importance[static_cast<std::size_t>(j)] += std::abs(params[s.project.weight + std::int64_t{o} * mid + j]);
      std::vector<int> order(static_cast<std::size_t>(mid));
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return importance[static_cast<std::size_t>(a)] > importance[static_cast<std::size_t>(b)];
      });
      permute_slot(s, order, params);
      if (momentum != nullptr) permute_slot(s, order, momentum);
    }
}

} // namespace tinynas::engine
