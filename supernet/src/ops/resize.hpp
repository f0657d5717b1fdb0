#pragma once
// Bilinear resize of [C][H][W][N] images, PyTorch's F.interpolate(mode="bilinear",
// align_corners=False) rule: pixel centres at half-integers, source coordinates below 0 clamped.
// No antialiasing (as PyTorch's default). Used to bring 28x28 images to a subnet's resolution.

namespace tinynas::engine {

void resize_bilinear(int channels, int in_h, int in_w, int batch, const float* in, int out_h, int out_w, float* out);

} // namespace tinynas::engine
