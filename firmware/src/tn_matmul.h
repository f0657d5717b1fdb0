/*
 * Private: the matrix product behind the dense and pointwise convolutions. Produces every output channel of
 * one or two output pixels from their input rows (im2col columns for a kxk conv, input pixels for a 1x1
 * conv).
 */
#ifndef TN_MATMUL_H
#define TN_MATMUL_H

#include "tn_internal.h"

/* out0[c] = requant(bias[c] + (x0 + input_offset) . weights[c]) for c in [0, out_c), and the same for x1/out1
 * when x1 != NULL. weights: [out_c][n]; bias may be NULL. */
void tn_matmul_pixels_s8(const int8_t* x0, const int8_t* x1, int32_t n, const int8_t* weights, int32_t out_c,
                         const int32_t* bias, const tn_per_channel_quant* quant, const tn_quant_io* io, int8_t* out0,
                         int8_t* out1);

/* The same products from inputs widened by tn_widen_s8 (tn_q15.h): `widened` holds x0 and x1 interleaved
 * (x1 != NULL) or x0 alone; x0/x1 are still needed for the n % 4 tail. */
void tn_matmul_widened_2px_s8(const uint8_t* widened, const int8_t* x0, const int8_t* x1, int32_t n,
                              const int8_t* weights, int32_t out_c, const int32_t* bias,
                              const tn_per_channel_quant* quant, const tn_quant_io* io, int8_t* out0, int8_t* out1);
void tn_matmul_widened_1px_s8(const uint8_t* widened, const int8_t* x0, int32_t n, const int8_t* weights, int32_t out_c,
                              const int32_t* bias, const tn_per_channel_quant* quant, const tn_quant_io* io,
                              int8_t* out0);

static inline int8_t tn_requantize_output(int32_t acc, int32_t multiplier, int32_t shift, const tn_quant_io* io) {
  return tn_clamp_s8(tn_requantize(acc, multiplier, shift) + io->output_offset, io->act_min, io->act_max);
}

static inline int8_t tn_requant_channel_output(int32_t acc, const tn_requant_channel* q, const tn_quant_io* io) {
  return tn_clamp_s8(tn_requant_channel_apply(acc, q) + io->output_offset, io->act_min, io->act_max);
}

#endif /* TN_MATMUL_H */
