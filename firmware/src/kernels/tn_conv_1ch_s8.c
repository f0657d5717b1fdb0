/*
 * The stem convolution of a one-channel (grey) image, kernel 2..7, any stride and padding.
 *
 * With one input channel a receptive field is only kernel^2 values (9 for 3x3), too short for the generic
 * path's im2col + int8 dot products, which widen both operands again for every output channel. Here, per
 * output row, the kernel input rows it reads are widened once to int16 (input offset added; the padding and
 * one spare value at the right end are 0, what the zero point becomes once the offset is added), so any two
 * horizontally adjacent taps are one 32-bit word at any column. The weights of a channel are packed the same
 * way: per kernel row ceil(kernel / 2) words {w0, w1}, {w2, w3}, ..., the last one {w, 0} for an odd kernel.
 * Each output channel then walks the row's pixels with its weight words (3x3: in registers), bias and
 * requantisation constants held: one SMLAD per word, 6 per 9 MACs for 3x3, and no im2col.
 *
 * Scratch (tn_conv_1ch_get_buffer_size_s8): kernel * ceil(kernel / 2) packed weight words, then kernel
 * widened rows of tn_conv_1ch_row_bytes(args) bytes (tn_internal.h).
 */
#include "tn/tn_kernels.h"
#include "tn_q15.h"

/* Input row iy (or zeros outside the image) into a widened row of `halfwords` int16 values: `pad` zeros, the
 * row + offset, zeros to the end. */
static void tn_widen_row_1ch(const tn_conv_args* a, const int8_t* input, int32_t iy, int32_t halfwords, uint8_t* dst) {
  const int32_t w = a->input.w, pad = a->pad, off = a->io.input_offset;
  int32_t x;
  if (iy < 0 || iy >= a->input.h) {
    memset(dst, 0, (size_t)(2 * halfwords));
    return;
  }
  memset(dst, 0, (size_t)(2 * pad));
  {
    const int8_t* src = input + iy * w;
    uint8_t* d = dst + 2 * pad;
    x = 0;
#if TN_HAS_DSP
    {
      const int32_t off2 = tn_pack_offset16x2(off);
      for (; x + 4 <= w; x += 4, d += 8) {
        const uint32_t v = tn_read_s8x4(src + x);
        const int32_t even = __sxtab16(off2, (int32_t)v), odd = tn_sxtab16_ror8(off2, v); /* {x0, x2}, {x1, x3} */
        tn_store_word(d, (int32_t)(((uint32_t)even & 0xFFFFu) | ((uint32_t)odd << 16)));
        tn_store_word(d + 4, (int32_t)(((uint32_t)even >> 16) | ((uint32_t)odd & 0xFFFF0000u)));
      }
    }
#endif
    for (; x < w; ++x, d += 2) {
      const int16_t h = (int16_t)(src[x] + off);
      memcpy(d, &h, sizeof h);
    }
  }
  memset(dst + 2 * (pad + w), 0, (size_t)(2 * (halfwords - pad - w)));
}

/* {lo, hi} as one word of two int16 lanes. */
static inline int32_t tn_pack16x2(int32_t lo, int32_t hi) {
  return (int32_t)(((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16));
}

/* acc + x.lo * w.lo + x.hi * w.hi for two int16 pairs. */
static inline int32_t tn_dual_mac(int32_t x, int32_t w, int32_t acc) {
#if TN_HAS_DSP
  return __smlad(x, w, acc);
#else
  return acc + tn_lane_lo(x) * tn_lane_lo(w) + tn_lane_hi(x) * tn_lane_hi(w);
#endif
}

/* The kernel x kernel weights of one channel as int16 pairs, ceil(kernel / 2) words per kernel row. */
static void tn_pack_weights_1ch(const int8_t* w, int32_t kernel, uint8_t* packed) {
  int32_t ky, kx;
  for (ky = 0; ky < kernel; ++ky, w += kernel) {
    for (kx = 0; kx + 2 <= kernel; kx += 2, packed += 4) tn_store_word(packed, tn_pack16x2(w[kx], w[kx + 1]));
    if (kx < kernel) {
      tn_store_word(packed, tn_pack16x2(w[kx], 0));
      packed += 4;
    }
  }
}

/* One output channel's constants for a row: bias, requantisation, output range. */
typedef struct {
  int32_t bias;
  tn_requant_channel q;
  int32_t output_offset, act_min, act_max;
} tn_channel_1ch;

static inline int8_t tn_output_1ch(int32_t acc, tn_channel_1ch ch, int32_t fast) {
  const int32_t v = fast ? tn_requantize_fast(acc, ch.q.multiplier, ch.q.high, ch.q.right)
                         : tn_requantize_split(acc, ch.q.multiplier, ch.q.left, ch.q.right);
  return tn_clamp_s8(v + ch.output_offset, ch.act_min, ch.act_max);
}

/* As in tn_matmul_widened_s8.c: GCC 12's pre-register-allocation scheduling hoists the loads of these loops
 * and then spills; the DSP loops are compiled without it. */
#if TN_HAS_DSP && defined(__GNUC__) && !defined(__clang__)
#define TN_NO_PRE_RA_SCHEDULE __attribute__((optimize("no-schedule-insns")))
#else
#define TN_NO_PRE_RA_SCHEDULE
#endif

/* One channel along an output row of `count` pixels `step` bytes apart in the widened rows (row_bytes apart),
 * two pixels per pass so each weight word and constant is loaded once per two outputs. `fast` (a constant at
 * each call) picks the requantisation form; the constants are copied to a local first, since the int8 stores
 * may alias anything. */
static inline __attribute__((always_inline)) void tn_conv_1ch_row_3x3(const uint8_t* x, int32_t count, int32_t step,
                                                                      int32_t row_bytes, const uint8_t* packed,
                                                                      const tn_channel_1ch* ch, int32_t fast,
                                                                      int32_t out_c, int8_t* out) {
  const tn_channel_1ch c = *ch;
  const uint8_t* x1 = x + row_bytes;
  const uint8_t* x2 = x1 + row_bytes;
  int32_t p;
  for (p = 0; p + 2 <= count; p += 2) {
    int32_t w = tn_load_word(packed);
    int32_t s0 = tn_dual_mac(tn_load_word(x), w, c.bias);
    int32_t s1 = tn_dual_mac(tn_load_word(x + step), w, c.bias);
    w = tn_load_word(packed + 4);
    s0 = tn_dual_mac(tn_load_word(x + 4), w, s0);
    s1 = tn_dual_mac(tn_load_word(x + step + 4), w, s1);
    w = tn_load_word(packed + 8);
    s0 = tn_dual_mac(tn_load_word(x1), w, s0);
    s1 = tn_dual_mac(tn_load_word(x1 + step), w, s1);
    w = tn_load_word(packed + 12);
    s0 = tn_dual_mac(tn_load_word(x1 + 4), w, s0);
    s1 = tn_dual_mac(tn_load_word(x1 + step + 4), w, s1);
    w = tn_load_word(packed + 16);
    s0 = tn_dual_mac(tn_load_word(x2), w, s0);
    s1 = tn_dual_mac(tn_load_word(x2 + step), w, s1);
    w = tn_load_word(packed + 20);
    s0 = tn_dual_mac(tn_load_word(x2 + 4), w, s0);
    s1 = tn_dual_mac(tn_load_word(x2 + step + 4), w, s1);
    out[0] = tn_output_1ch(s0, c, fast);
    out[out_c] = tn_output_1ch(s1, c, fast);
    x += 2 * step;
    x1 += 2 * step;
    x2 += 2 * step;
    out += 2 * out_c;
  }
  if (p < count) {
    int32_t s = tn_dual_mac(tn_load_word(x), tn_load_word(packed), c.bias);
    s = tn_dual_mac(tn_load_word(x + 4), tn_load_word(packed + 4), s);
    s = tn_dual_mac(tn_load_word(x1), tn_load_word(packed + 8), s);
    s = tn_dual_mac(tn_load_word(x1 + 4), tn_load_word(packed + 12), s);
    s = tn_dual_mac(tn_load_word(x2), tn_load_word(packed + 16), s);
    s = tn_dual_mac(tn_load_word(x2 + 4), tn_load_word(packed + 20), s);
    *out = tn_output_1ch(s, c, fast);
  }
}

/* Any kernel: ceil(kernel / 2) words per kernel row. */
static inline __attribute__((always_inline)) void tn_conv_1ch_row_any(const uint8_t* x, int32_t count, int32_t step,
                                                                      int32_t row_bytes, int32_t kernel,
                                                                      const uint8_t* packed, const tn_channel_1ch* ch,
                                                                      int32_t fast, int32_t out_c, int8_t* out) {
  const tn_channel_1ch c = *ch;
  const int32_t pairs = (kernel + 1) / 2;
  int32_t p;
  for (p = 0; p < count; ++p, x += step, out += out_c) {
    const uint8_t* wp = packed;
    int32_t s = c.bias, ky, j;
    for (ky = 0; ky < kernel; ++ky) {
      const uint8_t* xr = x + ky * row_bytes;
      for (j = 0; j < pairs; ++j, wp += 4) s = tn_dual_mac(tn_load_word(xr + 4 * j), tn_load_word(wp), s);
    }
    *out = tn_output_1ch(s, c, fast);
  }
}

/* The four compiled forms, out of line so each loop has all registers to itself. */
TN_NO_PRE_RA_SCHEDULE __attribute__((noinline)) static void
tn_conv_1ch_row_3x3_fast(const uint8_t* x, int32_t count, int32_t step, int32_t row_bytes, const uint8_t* packed,
                         const tn_channel_1ch* ch, int32_t out_c, int8_t* out) {
  tn_conv_1ch_row_3x3(x, count, step, row_bytes, packed, ch, 1, out_c, out);
}

TN_NO_PRE_RA_SCHEDULE __attribute__((noinline)) static void
tn_conv_1ch_row_3x3_exact(const uint8_t* x, int32_t count, int32_t step, int32_t row_bytes, const uint8_t* packed,
                          const tn_channel_1ch* ch, int32_t out_c, int8_t* out) {
  tn_conv_1ch_row_3x3(x, count, step, row_bytes, packed, ch, 0, out_c, out);
}

TN_NO_PRE_RA_SCHEDULE __attribute__((noinline)) static void
tn_conv_1ch_row_any_fast(const uint8_t* x, int32_t count, int32_t step, int32_t row_bytes, int32_t kernel,
                         const uint8_t* packed, const tn_channel_1ch* ch, int32_t out_c, int8_t* out) {
  tn_conv_1ch_row_any(x, count, step, row_bytes, kernel, packed, ch, 1, out_c, out);
}

TN_NO_PRE_RA_SCHEDULE __attribute__((noinline)) static void
tn_conv_1ch_row_any_exact(const uint8_t* x, int32_t count, int32_t step, int32_t row_bytes, int32_t kernel,
                          const uint8_t* packed, const tn_channel_1ch* ch, int32_t out_c, int8_t* out) {
  tn_conv_1ch_row_any(x, count, step, row_bytes, kernel, packed, ch, 0, out_c, out);
}

tn_status tn_conv_1ch_s8(const tn_context* ctx, const tn_conv_args* args, const tn_per_channel_quant* quant,
                         const int8_t* input, const int8_t* weights, const int32_t* bias, int8_t* output) {
  int32_t k, out_c, out_w, row_bytes, halfwords, packed_bytes, oy, ky, c;
  uint8_t *packed, *rows;
  tn_channel_1ch ch;
  if (args == NULL || input == NULL || weights == NULL || output == NULL || ctx == NULL) return TN_ERR_ARGUMENT;
  if (!tn_conv_1ch_applies(args) || !tn_conv_geometry_valid(args) || !tn_quant_io_valid(&args->io))
    return TN_ERR_ARGUMENT;
  if (!tn_per_channel_valid(quant, args->output.c)) return TN_ERR_ARGUMENT;
  if (ctx->buf == NULL || ctx->size < tn_conv_1ch_get_buffer_size_s8(args)) return TN_ERR_ARGUMENT;
  k = args->kernel;
  out_c = args->output.c;
  out_w = args->output.w;
  row_bytes = tn_conv_1ch_row_bytes(args);
  halfwords = row_bytes / 2;
  packed_bytes = 4 * k * ((k + 1) / 2);
  packed = (uint8_t*)ctx->buf;
  rows = packed + packed_bytes;
  ch.output_offset = args->io.output_offset;
  ch.act_min = args->io.act_min;
  ch.act_max = args->io.act_max;
  for (oy = 0; oy < args->output.h; ++oy) {
    int8_t* out_row = output + oy * out_w * out_c;
    for (ky = 0; ky < k; ++ky)
      tn_widen_row_1ch(args, input, oy * args->stride - args->pad + ky, halfwords, rows + ky * row_bytes);
    for (c = 0; c < out_c; ++c) {
      const int32_t step = 2 * args->stride;
      int8_t* out = out_row + c;
      ch.bias = bias != NULL ? bias[c] : 0;
      ch.q = tn_requant_channel_make(quant->multiplier[c], quant->shift[c]);
      tn_pack_weights_1ch(weights + c * k * k, k, packed);
      if (k == 3) {
        if (ch.q.fast) tn_conv_1ch_row_3x3_fast(rows, out_w, step, row_bytes, packed, &ch, out_c, out);
        else tn_conv_1ch_row_3x3_exact(rows, out_w, step, row_bytes, packed, &ch, out_c, out);
      } else if (ch.q.fast) {
        tn_conv_1ch_row_any_fast(rows, out_w, step, row_bytes, k, packed, &ch, out_c, out);
      } else {
        tn_conv_1ch_row_any_exact(rows, out_w, step, row_bytes, k, packed, &ch, out_c, out);
      }
    }
  }
  return TN_OK;
}
