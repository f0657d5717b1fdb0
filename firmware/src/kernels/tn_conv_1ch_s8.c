/*
 * The stem convolution of a one-channel (grey) image, kernel 2..7, any stride and padding.
 *
 * With one input channel a receptive field is only kernel^2 values (9 for 3x3), too short for the generic
 * path's im2col + int8 dot products, which widen both operands again for every output channel. Here, per
 * output row, the kernel input rows it reads are widened once to int16 (input offset added; the padding and
 * one spare value at the right end are 0, what the zero point becomes once the offset is added), so any two
 * horizontally adjacent taps are one 32-bit word at any column. The weights of a channel are packed the same
 * way: per kernel row ceil(kernel / 2) words {w0, w1}, {w2, w3}, ..., the last one {w, 0} for an odd kernel.
 * Each output channel then walks the row's pixels with its weight words, bias and requantisation constants
 * held: one SMLAD per word, and no im2col.
 *
 * 3x3 at stride 1 or 2 (the stems the search space has) goes the other way round: all channels are packed once
 * per call (weights, bias and requantisation constants in one record each), and each pair of output pixels
 * loads its window words once and runs through every channel: 4 multiplies per kernel row for two pixels, the
 * single-rounding requantisation on the accumulator's sign, and the offset and clamp of the two outputs as
 * int16 lanes (SSAT, PKHBT, QADD16, SSUB16 + SEL).
 *
 * Scratch (tn_conv_1ch_get_buffer_size_s8): 3x3, stride <= 2: out_c records of TN_CONV_1CH_3X3_RECORD_BYTES;
 * otherwise kernel * ceil(kernel / 2) packed weight words. Then kernel widened rows of
 * tn_conv_1ch_row_bytes(args) bytes (tn_internal.h).
 */
#include "tn/tn_kernels.h"
#include "tn_q15.h"

/* Input row iy (or zeros outside the image) into a widened row of `halfwords` int16 values: pad.left zeros,
 * the row + offset, zeros to the end. */
static void tn_widen_row_1ch(const tn_conv_args* a, const int8_t* input, int32_t iy, int32_t halfwords, uint8_t* dst) {
  const int32_t w = a->input.w, pad = a->pad.left, off = a->io.input_offset;
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

/* ---- 3x3, stride 1 or 2: two pixels x every channel, all channels packed once per call ---- */

/* Per kernel row two weight words P = {w0, w1} and Q = {w1, w2}. With the window words W0 = {x0, x1} and
 * W1 = {x2, x3} of a pixel p:
 *   p     = x0 w0 + x1 w1 + x2 w2 = SMLAD(W0, P) + SMLABT(W1, Q)
 *   p + 1 = x1 w0 + x2 w1 + x3 w2 = SMLATB(W0, P) + SMLAD(W1, Q)     (stride 1: the same two window words)
 *   p + 1 = SMLAD(W1, P) + SMLABT(W2, Q)                             (stride 2: W2 = {x4, x5})
 * so two pixels cost 4 multiply instructions per kernel row and their window words are loaded once for all
 * channels. Record of a channel (TN_CONV_1CH_3X3_RECORD_BYTES): P0, Q0, P1, Q1, P2, Q2, bias, multiplier, and
 * (high, right - 1) for tn_requantize_fast_acc_sign or (left, right) for tn_requantize_split. */
static void tn_pack_channels_3x3(const int8_t* w, const int32_t* bias, const tn_per_channel_quant* quant, int32_t out_c,
                                 int32_t fast, uint8_t* rec) {
  int32_t c, ky;
  for (c = 0; c < out_c; ++c, rec += TN_CONV_1CH_3X3_RECORD_BYTES) {
    const tn_requant_channel q = tn_requant_channel_make(quant->multiplier[c], quant->shift[c]);
    for (ky = 0; ky < 3; ++ky, w += 3) {
      tn_store_word(rec + 8 * ky, tn_pack16x2(w[0], w[1]));
      tn_store_word(rec + 8 * ky + 4, tn_pack16x2(w[1], w[2]));
    }
    tn_store_word(rec + 24, bias != NULL ? bias[c] : 0);
    tn_store_word(rec + 28, q.multiplier);
    tn_store_word(rec + 32, fast ? q.high : q.left);
    tn_store_word(rec + 36, fast ? q.right - 1 : q.right);
  }
}

static inline int32_t tn_mac_bt(int32_t x, int32_t w, int32_t acc) { /* acc + x.lo * w.hi */
#if TN_HAS_DSP
  return __smlabt(x, w, acc);
#else
  return acc + tn_lane_lo(x) * tn_lane_hi(w);
#endif
}

static inline int32_t tn_mac_tb(int32_t x, int32_t w, int32_t acc) { /* acc + x.hi * w.lo */
#if TN_HAS_DSP
  return __smlatb(x, w, acc);
#else
  return acc + tn_lane_hi(x) * tn_lane_lo(w);
#endif
}

/* The output range, two lanes at a time on DSP cores. */
typedef struct {
  int32_t offset, act_min, act_max; /* pure C; on DSP cores each packed twice as int16 */
} tn_range_1ch;

/* Requantised values r0, r1 (pixels p, p + 1) + output offset, clamped, stored at o[0] and o[out_c]. */
static inline void tn_store_pair_1ch(int32_t r0, int32_t r1, const tn_range_1ch* g, int8_t* o, int32_t out_c) {
#if TN_HAS_DSP
  /* saturated to int16 first: beyond that range the clamp gives the same int8 either way */
  int32_t v = __qadd16(tn_pkhbt(__ssat(r0, 16), __ssat(r1, 16)), g->offset);
  (void)__ssub16(v, g->act_min); /* GE per lane: v >= act_min */
  v = __sel(v, g->act_min);
  (void)__ssub16(g->act_max, v); /* GE per lane: v <= act_max */
  v = __sel(v, g->act_max);
  o[0] = (int8_t)v;
  o[out_c] = (int8_t)(v >> 16);
#else
  o[0] = tn_clamp_s8(r0 + g->offset, g->act_min, g->act_max);
  o[out_c] = tn_clamp_s8(r1 + g->offset, g->act_min, g->act_max);
#endif
}

static inline int32_t tn_requant_1ch(int32_t acc, const uint8_t* rec, int32_t fast) {
  const int32_t m = tn_load_word(rec + 28), a = tn_load_word(rec + 32), b = tn_load_word(rec + 36);
  return fast ? tn_requantize_fast_acc_sign(acc, m, a, b + 1) : tn_requantize_split(acc, m, a, b);
}

/* One output row: `count` pixels, the three widened rows at x (row_bytes apart), `stride` and `fast` constants
 * at each call. */
static inline __attribute__((always_inline)) void tn_conv_1ch_row_3x3(const uint8_t* x, int32_t count, int32_t stride,
                                                                      int32_t row_bytes, const uint8_t* recs,
                                                                      int32_t out_c, const tn_range_1ch* range,
                                                                      int32_t fast, int8_t* out) {
  const tn_range_1ch g = *range;
  const uint8_t* const end = recs + out_c * TN_CONV_1CH_3X3_RECORD_BYTES;
  int32_t p;
  for (p = 0; p + 2 <= count; p += 2, x += 4 * stride, out += 2 * out_c) {
    const int32_t a0 = tn_load_word(x), b0 = tn_load_word(x + 4);
    const int32_t a1 = tn_load_word(x + row_bytes), b1 = tn_load_word(x + row_bytes + 4);
    const int32_t a2 = tn_load_word(x + 2 * row_bytes), b2 = tn_load_word(x + 2 * row_bytes + 4);
    const int32_t c0 = stride == 2 ? tn_load_word(x + 8) : 0;
    const int32_t c1 = stride == 2 ? tn_load_word(x + row_bytes + 8) : 0;
    const int32_t c2 = stride == 2 ? tn_load_word(x + 2 * row_bytes + 8) : 0;
    const uint8_t* r = recs;
    int8_t* o = out;
    for (; r != end; r += TN_CONV_1CH_3X3_RECORD_BYTES, ++o) {
      const int32_t bias = tn_load_word(r + 24);
      int32_t s0, s1, w;
      w = tn_load_word(r);
      s0 = tn_dual_mac(a0, w, bias);
      s1 = stride == 2 ? tn_dual_mac(b0, w, bias) : tn_mac_tb(a0, w, bias);
      w = tn_load_word(r + 4);
      s0 = tn_mac_bt(b0, w, s0);
      s1 = stride == 2 ? tn_mac_bt(c0, w, s1) : tn_dual_mac(b0, w, s1);
      w = tn_load_word(r + 8);
      s0 = tn_dual_mac(a1, w, s0);
      s1 = stride == 2 ? tn_dual_mac(b1, w, s1) : tn_mac_tb(a1, w, s1);
      w = tn_load_word(r + 12);
      s0 = tn_mac_bt(b1, w, s0);
      s1 = stride == 2 ? tn_mac_bt(c1, w, s1) : tn_dual_mac(b1, w, s1);
      w = tn_load_word(r + 16);
      s0 = tn_dual_mac(a2, w, s0);
      s1 = stride == 2 ? tn_dual_mac(b2, w, s1) : tn_mac_tb(a2, w, s1);
      w = tn_load_word(r + 20);
      s0 = tn_mac_bt(b2, w, s0);
      s1 = stride == 2 ? tn_mac_bt(c2, w, s1) : tn_dual_mac(b2, w, s1);
      tn_store_pair_1ch(tn_requant_1ch(s0, r, fast), tn_requant_1ch(s1, r, fast), &g, o, out_c);
    }
  }
  if (p < count) { /* the odd last pixel */
    const uint8_t* r = recs;
    int8_t* o = out;
    for (; r != end; r += TN_CONV_1CH_3X3_RECORD_BYTES, ++o) {
      int32_t s = tn_dual_mac(tn_load_word(x), tn_load_word(r), tn_load_word(r + 24));
      s = tn_mac_bt(tn_load_word(x + 4), tn_load_word(r + 4), s);
      s = tn_dual_mac(tn_load_word(x + row_bytes), tn_load_word(r + 8), s);
      s = tn_mac_bt(tn_load_word(x + row_bytes + 4), tn_load_word(r + 12), s);
      s = tn_dual_mac(tn_load_word(x + 2 * row_bytes), tn_load_word(r + 16), s);
      s = tn_mac_bt(tn_load_word(x + 2 * row_bytes + 4), tn_load_word(r + 20), s);
      s = tn_requant_1ch(s, r, fast);
#if TN_HAS_DSP
      *o = tn_clamp_s8(s + tn_lane_lo(g.offset), tn_lane_lo(g.act_min), tn_lane_lo(g.act_max));
#else
      *o = tn_clamp_s8(s + g.offset, g.act_min, g.act_max);
#endif
    }
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
#define TN_CONV_1CH_ROW_3X3_FORM(name, stride, fast)                                                                   \
  TN_NO_PRE_RA_SCHEDULE __attribute__((noinline)) static void name(const uint8_t* x, int32_t count, int32_t row_bytes, \
                                                                   const uint8_t* recs, int32_t out_c,                 \
                                                                   const tn_range_1ch* range, int8_t* out) {           \
    tn_conv_1ch_row_3x3(x, count, stride, row_bytes, recs, out_c, range, fast, out);                                   \
  }
TN_CONV_1CH_ROW_3X3_FORM(tn_conv_1ch_row_3x3_s1_fast, 1, 1)
TN_CONV_1CH_ROW_3X3_FORM(tn_conv_1ch_row_3x3_s1_exact, 1, 0)
TN_CONV_1CH_ROW_3X3_FORM(tn_conv_1ch_row_3x3_s2_fast, 2, 1)
TN_CONV_1CH_ROW_3X3_FORM(tn_conv_1ch_row_3x3_s2_exact, 2, 0)

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
  int32_t k, out_c, out_w, row_bytes, halfwords, oy, ky, c;
  uint8_t *packed, *rows;
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
  packed = (uint8_t*)ctx->buf;
  if (tn_conv_1ch_3x3_applies(args)) {
    tn_range_1ch range;
    int32_t fast = 1;
    for (c = 0; c < out_c; ++c) fast &= tn_requant_channel_make(quant->multiplier[c], quant->shift[c]).fast;
    rows = packed + TN_CONV_1CH_3X3_RECORD_BYTES * out_c;
    tn_pack_channels_3x3(weights, bias, quant, out_c, fast, packed);
#if TN_HAS_DSP
    range.offset = tn_pack_offset16x2(args->io.output_offset);
    range.act_min = tn_pack_offset16x2(args->io.act_min);
    range.act_max = tn_pack_offset16x2(args->io.act_max);
#else
    range.offset = args->io.output_offset;
    range.act_min = args->io.act_min;
    range.act_max = args->io.act_max;
#endif
    for (oy = 0; oy < args->output.h; ++oy) {
      int8_t* out_row = output + oy * out_w * out_c;
      for (ky = 0; ky < 3; ++ky)
        tn_widen_row_1ch(args, input, oy * args->stride - args->pad.top + ky, halfwords, rows + ky * row_bytes);
      if (args->stride == 1) {
        if (fast) tn_conv_1ch_row_3x3_s1_fast(rows, out_w, row_bytes, packed, out_c, &range, out_row);
        else tn_conv_1ch_row_3x3_s1_exact(rows, out_w, row_bytes, packed, out_c, &range, out_row);
      } else if (fast) {
        tn_conv_1ch_row_3x3_s2_fast(rows, out_w, row_bytes, packed, out_c, &range, out_row);
      } else {
        tn_conv_1ch_row_3x3_s2_exact(rows, out_w, row_bytes, packed, out_c, &range, out_row);
      }
    }
    return TN_OK;
  }
  rows = packed + 4 * k * ((k + 1) / 2);
  {
    tn_channel_1ch ch;
    ch.output_offset = args->io.output_offset;
    ch.act_min = args->io.act_min;
    ch.act_max = args->io.act_max;
    for (oy = 0; oy < args->output.h; ++oy) {
      int8_t* out_row = output + oy * out_w * out_c;
      for (ky = 0; ky < k; ++ky)
        tn_widen_row_1ch(args, input, oy * args->stride - args->pad.top + ky, halfwords, rows + ky * row_bytes);
      for (c = 0; c < out_c; ++c) {
        ch.bias = bias != NULL ? bias[c] : 0;
        ch.q = tn_requant_channel_make(quant->multiplier[c], quant->shift[c]);
        tn_pack_weights_1ch(weights + c * k * k, k, packed);
        if (ch.q.fast)
          tn_conv_1ch_row_any_fast(rows, out_w, 2 * args->stride, row_bytes, k, packed, &ch, out_c, out_row + c);
        else tn_conv_1ch_row_any_exact(rows, out_w, 2 * args->stride, row_bytes, k, packed, &ch, out_c, out_row + c);
      }
    }
  }
  return TN_OK;
}
