#pragma once
// ReLU6 and the residual add on flat arrays (the batch norm kernel fuses ReLU6 for the network's
// own layers; these stand-alone forms serve the layers that are not preceded by batch norm and
// the tests). Parallel over fixed chunks.

#include <cstdint>

namespace tinynas::engine {

// y = min(max(x, 0), 6); y may equal x.
void relu6_forward(std::int64_t count, const float* x, float* y);
// dx = dy where 0 < x < 6, else 0 (PyTorch's hardtanh rule at the kinks); dx may equal dy.
void relu6_backward(std::int64_t count, const float* x, const float* dy, float* dx);
// y = a + b; y may equal a or b. (Backward of an add passes dy to both inputs unchanged.)
void add_forward(std::int64_t count, const float* a, const float* b, float* y);
// y += x.
void accumulate(std::int64_t count, const float* x, float* y);

} // namespace tinynas::engine
