#pragma once
// Softmax cross-entropy against target distributions, on logits laid out [K classes][N]: hard
// labels (one-hot, optionally label-smoothed) for the largest subnet, and the largest subnet's
// softmax for the others (in-place distillation uses the same loss with soft targets).

#include <cstdint>

namespace tinynas::engine {

// Mean over the batch of -sum_k target[k][n] log softmax(logits)[k][n]. When dlogits is non-null
// it receives d(loss * scale)/dlogits = scale * (softmax - target) / N.
double softmax_cross_entropy(int classes, int batch, const float* logits, const float* targets, float scale,
                             float* dlogits);

// targets[k][n] = (1 - smoothing) [k == label[n]] + smoothing / K.
void one_hot_targets(int classes, int batch, const std::uint8_t* labels, float smoothing, float* targets);

// probabilities[k][n] = softmax(logits)[k][n] (the distillation targets).
void softmax(int classes, int batch, const float* logits, float* probabilities);

// Number of columns whose largest logit is at the label (ties: the first index wins).
int count_correct(int classes, int batch, const float* logits, const std::uint8_t* labels);

} // namespace tinynas::engine
