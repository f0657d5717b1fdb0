/*
 * The matrix products of the pointwise conv and the fully connected layer, from inputs widened once by
 * tn_widen_s8 (tn_q15.h).
 */
#include "tn_matmul.h"

#include "tn_q15.h"

/* GCC 12's first scheduling pass (before register allocation) hoists every load of these loop bodies to their
 * top; the values then need more registers than Armv7-M has, and accumulators or pointers are spilled inside
 * the inner loops (30 instead of 25 instructions per 16 MACs in the four-row loop, 22 instead of 21 in the
 * 2 x 2 one). The DSP loops are therefore compiled without that pass (the second one, after allocation, still
 * runs). The pure-C loops are left alone: for them the pass helps. */
#if TN_HAS_DSP && defined(__GNUC__) && !defined(__clang__)
#define TN_NO_PRE_RA_SCHEDULE __attribute__((optimize("no-schedule-insns")))
#else
#define TN_NO_PRE_RA_SCHEDULE
#endif

/* ---- products from widened inputs (tn_q15.h) ----
 * A weight word w = {w0, w1, w2, w3} meets a widened group {x0, x2}, {x1, x3} as {w0, w2} (even) and {w1, w3}
 * (odd), each a dual 16-bit multiply-accumulate. The loops below keep every accumulator of a block in a register:
 * 2 pixels x 2 channels for the pointwise conv (each weight word and each input word used twice: 21 instructions
 * per 16 MACs on Armv7E-M), 1 pixel x 4 channels for the fully connected layer (each input word used four
 * times). tn_mac_group (tn_q15.h) is one such pair of multiply-accumulates. */

/* The output stage. The quantisation parameters are passed as values, not through `io`: stores through int8_t
 * pointers may alias anything, so fields read after a store would be loaded again. */
typedef struct {
  int32_t output_offset, act_min, act_max;
} tn_out_range;

static inline tn_out_range tn_out_range_of(const tn_quant_io* io) {
  tn_out_range r;
  r.output_offset = io->output_offset;
  r.act_min = io->act_min;
  r.act_max = io->act_max;
  return r;
}

/* One channel's accumulators of two pixels, requantised and stored: the single rounding (tn_requantize_fast)
 * when the shift allows it, as for nearly every layer, TF-Lite's two roundings otherwise. */
static inline void tn_store_channel_2px(int32_t s0, int32_t s1, int32_t multiplier, int32_t shift, tn_out_range r,
                                        int8_t* o0, int8_t* o1) {
  int32_t q0, q1;
  if (shift <= -2) {
    const int32_t high = (int32_t)(1u << (-shift - 2));
    q0 = tn_requantize_fast(s0, multiplier, high, -shift);
    q1 = tn_requantize_fast(s1, multiplier, high, -shift);
  } else {
    q0 = tn_requantize(s0, multiplier, shift);
    q1 = tn_requantize(s1, multiplier, shift);
  }
  *o0 = tn_clamp_s8(q0 + r.output_offset, r.act_min, r.act_max);
  *o1 = tn_clamp_s8(q1 + r.output_offset, r.act_min, r.act_max);
}

static inline int8_t tn_channel_output(int32_t s, int32_t multiplier, int32_t shift, tn_out_range r) {
  const int32_t q = shift <= -2 ? tn_requantize_fast(s, multiplier, (int32_t)(1u << (-shift - 2)), -shift)
                                : tn_requantize(s, multiplier, shift);
  return tn_clamp_s8(q + r.output_offset, r.act_min, r.act_max);
}

TN_NO_PRE_RA_SCHEDULE void tn_matmul_widened_2px_s8(const uint8_t* widened, const int8_t* x0, const int8_t* x1,
                                                    int32_t n, const int8_t* weights, int32_t out_c,
                                                    const int32_t* bias, const tn_per_channel_quant* quant,
                                                    const tn_quant_io* io, int8_t* out0, int8_t* out1) {
  const int32_t tail = n & ~3, off = io->input_offset;
  const uint8_t* const xend = widened + 4 * tail; /* 16 bytes per group of 4 */
  const tn_out_range range = tn_out_range_of(io);
  const int32_t* const multiplier = quant->multiplier;
  const int32_t* const shift = quant->shift;
  int32_t c;
  for (c = 0; c + 2 <= out_c; c += 2) {
    const int8_t* w0 = weights + c * n;
    const int8_t* w1 = w0 + n;
    const uint8_t* xp = widened;
    int32_t s00 = bias != NULL ? bias[c] : 0, s01 = bias != NULL ? bias[c + 1] : 0;
    int32_t s10 = s00, s11 = s01, k;
    while (xp != xend) {
#if TN_HAS_DSP
      const uint32_t wa = tn_read_s8x4(w0), wb = tn_read_s8x4(w1);
      const int32_t wa_even = __sxtb16((int32_t)wa), wa_odd = tn_sxtb16_ror8(wa);
      const int32_t wb_even = __sxtb16((int32_t)wb), wb_odd = tn_sxtb16_ror8(wb);
      int32_t x_even = tn_load_word(xp), x_odd = tn_load_word(xp + 4);
      s00 = __smlad(x_even, wa_even, s00);
      s00 = __smlad(x_odd, wa_odd, s00);
      s01 = __smlad(x_even, wb_even, s01);
      s01 = __smlad(x_odd, wb_odd, s01);
      x_even = tn_load_word(xp + 8);
      x_odd = tn_load_word(xp + 12);
      s10 = __smlad(x_even, wa_even, s10);
      s10 = __smlad(x_odd, wa_odd, s10);
      s11 = __smlad(x_even, wb_even, s11);
      s11 = __smlad(x_odd, wb_odd, s11);
#else
      s00 = tn_mac_group(tn_load_word(xp), tn_load_word(xp + 4), w0, s00);
      s01 = tn_mac_group(tn_load_word(xp), tn_load_word(xp + 4), w1, s01);
      s10 = tn_mac_group(tn_load_word(xp + 8), tn_load_word(xp + 12), w0, s10);
      s11 = tn_mac_group(tn_load_word(xp + 8), tn_load_word(xp + 12), w1, s11);
#endif
      w0 += 4;
      w1 += 4;
      xp += 16;
    }
    for (k = tail; k < n; ++k) { /* w0/w1 already point at the tail */
      const int32_t va = x0[k] + off, vb = x1[k] + off;
      const int32_t wa = *w0++, wb = *w1++;
      s00 += va * wa;
      s01 += va * wb;
      s10 += vb * wa;
      s11 += vb * wb;
    }
    tn_store_channel_2px(s00, s10, multiplier[c], shift[c], range, out0 + c, out1 + c);
    tn_store_channel_2px(s01, s11, multiplier[c + 1], shift[c + 1], range, out0 + c + 1, out1 + c + 1);
  }
  if (c < out_c) { /* odd channel count: the last channel alone */
    const int8_t* w = weights + c * n;
    const uint8_t* xp = widened;
    int32_t sa = bias != NULL ? bias[c] : 0, sb = sa, k;
    for (; xp != xend; xp += 16, w += 4) {
      sa = tn_mac_group(tn_load_word(xp), tn_load_word(xp + 4), w, sa);
      sb = tn_mac_group(tn_load_word(xp + 8), tn_load_word(xp + 12), w, sb);
    }
    for (k = tail; k < n; ++k, ++w) {
      sa += (x0[k] + off) * *w;
      sb += (x1[k] + off) * *w;
    }
    tn_store_channel_2px(sa, sb, multiplier[c], shift[c], range, out0 + c, out1 + c);
  }
}

/* One widened pixel against four weight rows w, w + n, w + 2n, w + 3n, groups of 4 up to xend. Out of line:
 * alone, the loop gets all registers for its 4 accumulators and 4 row pointers (25 instructions per 16 MACs);
 * inlined into the caller it spills. */
TN_NO_PRE_RA_SCHEDULE __attribute__((noinline)) static void
tn_dot_widened_1x4(const uint8_t* xp, const uint8_t* xend, const int8_t* w, int32_t n, int32_t acc[4]) {
  int32_t s0 = acc[0], s1 = acc[1], s2 = acc[2], s3 = acc[3];
#if TN_HAS_DSP
  /* one post-incremented pointer per row: each weight word is a single LDR */
  const int8_t* w0 = w;
  const int8_t* w1 = w0 + n;
  const int8_t* w2 = w1 + n;
  const int8_t* w3 = w2 + n;
  while (xp != xend) {
    const int32_t x_even = tn_load_word(xp), x_odd = tn_load_word(xp + 4);
    s0 = tn_mac_group(x_even, x_odd, w0, s0);
    s1 = tn_mac_group(x_even, x_odd, w1, s1);
    s2 = tn_mac_group(x_even, x_odd, w2, s2);
    s3 = tn_mac_group(x_even, x_odd, w3, s3);
    w0 += 4;
    w1 += 4;
    w2 += 4;
    w3 += 4;
    xp += 8;
  }
#else
  /* the byte loads of the pure-C path need fewer registers when rows 1 and 3 are reached by an offset */
  const int8_t* w0 = w;
  const int8_t* w2 = w0 + 2 * n;
  while (xp != xend) {
    const int32_t x_even = tn_load_word(xp), x_odd = tn_load_word(xp + 4);
    s0 = tn_mac_group(x_even, x_odd, w0, s0);
    s1 = tn_mac_group(x_even, x_odd, w0 + n, s1);
    s2 = tn_mac_group(x_even, x_odd, w2, s2);
    s3 = tn_mac_group(x_even, x_odd, w2 + n, s3);
    w0 += 4;
    w2 += 4;
    xp += 8;
  }
#endif
  acc[0] = s0;
  acc[1] = s1;
  acc[2] = s2;
  acc[3] = s3;
}

TN_NO_PRE_RA_SCHEDULE void tn_matmul_widened_1px_s8(const uint8_t* widened, const int8_t* x0, int32_t n,
                                                    const int8_t* weights, int32_t out_c, const int32_t* bias,
                                                    const tn_per_channel_quant* quant, const tn_quant_io* io,
                                                    int8_t* out0) {
  const int32_t tail = n & ~3, off = io->input_offset;
  const uint8_t* const xend = widened + 2 * tail; /* 8 bytes per group of 4 */
  const tn_out_range range = tn_out_range_of(io);
  const int32_t* const multiplier = quant->multiplier;
  const int32_t* const shift = quant->shift;
  int32_t c = 0, r, k;
  /* four rows per pass: each widened input word pair feeds four weight rows */
  for (; c + 4 <= out_c; c += 4) {
    const int8_t* w = weights + c * n;
    int32_t s[4];
    for (r = 0; r < 4; ++r) s[r] = bias != NULL ? bias[c + r] : 0;
    tn_dot_widened_1x4(widened, xend, w, n, s);
    for (k = tail; k < n; ++k) {
      const int32_t v = x0[k] + off;
      for (r = 0; r < 4; ++r) s[r] += v * w[r * n + k];
    }
    for (r = 0; r < 4; ++r) out0[c + r] = tn_channel_output(s[r], multiplier[c + r], shift[c + r], range);
  }
  if (c + 2 <= out_c) { /* two of the last 2 or 3 rows */
    const int8_t* w0 = weights + c * n;
    const int8_t* w1 = w0 + n;
    const uint8_t* xp = widened;
    int32_t s0 = bias != NULL ? bias[c] : 0, s1 = bias != NULL ? bias[c + 1] : 0;
    while (xp != xend) {
      const int32_t x_even = tn_load_word(xp), x_odd = tn_load_word(xp + 4);
      s0 = tn_mac_group(x_even, x_odd, w0, s0);
      s1 = tn_mac_group(x_even, x_odd, w1, s1);
      w0 += 4;
      w1 += 4;
      xp += 8;
    }
    for (k = tail; k < n; ++k) {
      const int32_t v = x0[k] + off;
      s0 += v * *w0++;
      s1 += v * *w1++;
    }
    out0[c] = tn_channel_output(s0, multiplier[c], shift[c], range);
    out0[c + 1] = tn_channel_output(s1, multiplier[c + 1], shift[c + 1], range);
    c += 2;
  }
  if (c < out_c) { /* the last row */
    const int8_t* w = weights + c * n;
    const uint8_t* xp = widened;
    int32_t acc = bias != NULL ? bias[c] : 0;
    for (; xp != xend; xp += 8, w += 4) acc = tn_mac_group(tn_load_word(xp), tn_load_word(xp + 4), w, acc);
    for (k = tail; k < n; ++k, ++w) acc += (x0[k] + off) * *w;
    out0[c] = tn_channel_output(acc, multiplier[c], shift[c], range);
  }
}
