#include "tn_matmul.h"

#include "tn_dot.h"

void tn_matmul_pixels_s8(const int8_t* x0, const int8_t* x1, int32_t n, const int8_t* weights, int32_t out_c,
                         const int32_t* bias, const tn_per_channel_quant* quant, const tn_quant_io* io, int8_t* out0,
                         int8_t* out1) {
  const int32_t off = io->input_offset;
  int32_t c = 0;
  for (; c + 2 <= out_c; c += 2) {
    const int8_t* w0 = weights + c * n;
    const int8_t* w1 = w0 + n;
    const int32_t b0 = bias != NULL ? bias[c] : 0;
    const int32_t b1 = bias != NULL ? bias[c + 1] : 0;
    const int32_t m0 = quant->multiplier[c], m1 = quant->multiplier[c + 1];
    const int32_t s0 = quant->shift[c], s1 = quant->shift[c + 1];
    if (x1 != NULL) {
      int32_t a[2][2] = {{b0, b1}, {b0, b1}};
      tn_dot_2x2_s8(x0, x1, w0, w1, n, off, a);
      out0[c] = tn_requantize_output(a[0][0], m0, s0, io);
      out0[c + 1] = tn_requantize_output(a[0][1], m1, s1, io);
      out1[c] = tn_requantize_output(a[1][0], m0, s0, io);
      out1[c + 1] = tn_requantize_output(a[1][1], m1, s1, io);
    } else {
      int32_t a[2] = {b0, b1};
      tn_dot_1x2_s8(x0, w0, w1, n, off, a);
      out0[c] = tn_requantize_output(a[0], m0, s0, io);
      out0[c + 1] = tn_requantize_output(a[1], m1, s1, io);
    }
  }
  for (; c < out_c; ++c) {
    const int8_t* w = weights + c * n;
    const int32_t b = bias != NULL ? bias[c] : 0;
    out0[c] = tn_requantize_output(tn_dot_1x1_s8(x0, w, n, off, b), quant->multiplier[c], quant->shift[c], io);
    if (x1 != NULL)
      out1[c] = tn_requantize_output(tn_dot_1x1_s8(x1, w, n, off, b), quant->multiplier[c], quant->shift[c], io);
  }
}
