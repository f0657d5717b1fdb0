#include "ops/softmax_cross_entropy.hpp"

#include <algorithm>
#include <cmath>

namespace tinynas::engine {

namespace {

// log-sum-exp of column n with the usual max shift.
double log_sum_exp(int classes, int batch, const float* logits, int n, float& max_out) {
  float mx = logits[n];
  for (int k = 1; k < classes; ++k) mx = std::max(mx, logits[std::int64_t{k} * batch + n]);
  double sum = 0;
  for (int k = 0; k < classes; ++k) sum += std::exp(static_cast<double>(logits[std::int64_t{k} * batch + n] - mx));
  max_out = mx;
  return std::log(sum) + mx;
}

} // namespace

double softmax_cross_entropy(int classes, int batch, const float* logits, const float* targets, float scale,
                             float* dlogits) {
  double loss = 0;
  for (int n = 0; n < batch; ++n) {
    float mx = 0;
    const double lse = log_sum_exp(classes, batch, logits, n, mx);
    for (int k = 0; k < classes; ++k) {
      const std::int64_t i = std::int64_t{k} * batch + n;
      const double log_p = logits[i] - lse;
      loss -= targets[i] * log_p;
      if (dlogits != nullptr) dlogits[i] = static_cast<float>(scale * (std::exp(log_p) - targets[i]) / batch);
    }
  }
  return loss / batch;
}

void one_hot_targets(int classes, int batch, const std::uint8_t* labels, float smoothing, float* targets) {
  const float off = smoothing / static_cast<float>(classes);
  for (int k = 0; k < classes; ++k)
    for (int n = 0; n < batch; ++n)
      targets[std::int64_t{k} * batch + n] = (labels[n] == k ? 1.0f - smoothing : 0.0f) + off;
}

void softmax(int classes, int batch, const float* logits, float* probabilities) {
  for (int n = 0; n < batch; ++n) {
    float mx = 0;
    const double lse = log_sum_exp(classes, batch, logits, n, mx);
    for (int k = 0; k < classes; ++k) {
      const std::int64_t i = std::int64_t{k} * batch + n;
      probabilities[i] = static_cast<float>(std::exp(logits[i] - lse));
    }
  }
}

int count_correct(int classes, int batch, const float* logits, const std::uint8_t* labels) {
  int correct = 0;
  for (int n = 0; n < batch; ++n) {
    int best = 0;
    for (int k = 1; k < classes; ++k)
      if (logits[std::int64_t{k} * batch + n] > logits[std::int64_t{best} * batch + n]) best = k;
    correct += best == labels[n];
  }
  return correct;
}

} // namespace tinynas::engine
