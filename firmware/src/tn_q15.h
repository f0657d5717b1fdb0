/*
 * Private: int8 inputs widened once to int16 with the input offset added, then reused against every weight
 * row (the pointwise conv and the fully connected layer; CMSIS-NN's q15 "two column buffer" idea). Widening
 * is what costs most per int8 MAC on Armv7E-M (__sxtab16 + a rotate for half of the bytes), so doing it once
 * per input instead of once per output channel is the main saving.
 *
 * Layout, per group of 4 input values x0..x3 (x + offset): one word {x0, x2} then one word {x1, x3}, as
 * __sxtab16 produces them, so a weight word needs only __sxtb16 and its rotated twin to pair with them. Two
 * pixels are interleaved group by group ({p0 even, p0 odd, p1 even, p1 odd}) so one pointer walks both. Words
 * are read and written with memcpy: the arena plan gives buffers byte offsets, and LDR/STR accept unaligned
 * addresses. The values left over when n is not a multiple of 4 are not widened; the tails read the int8
 * input.
 */
#ifndef TN_Q15_H
#define TN_Q15_H

#include "tn_internal.h"

static inline int32_t tn_load_word(const uint8_t* p) {
  int32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline void tn_store_word(uint8_t* p, int32_t v) { memcpy(p, &v, sizeof v); }

/* Widens n / 4 groups of each of `pixels` (1 or 2) inputs into buf (16 or 8 bytes per group). */
static inline void tn_widen_s8(const int8_t* x0, const int8_t* x1, int32_t n, int32_t input_offset, uint8_t* buf) {
  const int32_t groups = n / 4;
  int32_t g;
#if TN_HAS_DSP
  const int32_t off2 = tn_pack_offset16x2(input_offset);
  for (g = 0; g < groups; ++g) {
    const uint32_t a = tn_read_s8x4(x0 + 4 * g);
    tn_store_word(buf, __sxtab16(off2, (int32_t)a));
    tn_store_word(buf + 4, tn_sxtab16_ror8(off2, a));
    buf += 8;
    if (x1 != NULL) {
      const uint32_t b = tn_read_s8x4(x1 + 4 * g);
      tn_store_word(buf, __sxtab16(off2, (int32_t)b));
      tn_store_word(buf + 4, tn_sxtab16_ror8(off2, b));
      buf += 8;
    }
  }
#else
  for (g = 0; g < groups; ++g) {
    const int8_t* xs[2];
    int32_t p;
    xs[0] = x0 + 4 * g;
    xs[1] = x1 != NULL ? x1 + 4 * g : NULL;
    for (p = 0; p < (x1 != NULL ? 2 : 1); ++p) {
      const int8_t* x = xs[p];
      int16_t h[4];
      h[0] = (int16_t)(x[0] + input_offset);
      h[1] = (int16_t)(x[2] + input_offset);
      h[2] = (int16_t)(x[1] + input_offset);
      h[3] = (int16_t)(x[3] + input_offset);
      memcpy(buf, h, sizeof h);
      buf += 8;
    }
  }
#endif
}

/* Reads the two int16 lanes of a widened word (pure-C path). */
static inline int32_t tn_lane_lo(int32_t w) { return (int16_t)(uint16_t)((uint32_t)w & 0xFFFFu); }
static inline int32_t tn_lane_hi(int32_t w) { return (int16_t)(uint16_t)((uint32_t)w >> 16); }

/* One widened word pair {x0,x2},{x1,x3} against the weight bytes w[0..3]. */
static inline int32_t tn_mac_group(int32_t x_even, int32_t x_odd, const int8_t* w, int32_t acc) {
#if TN_HAS_DSP
  const uint32_t wv = tn_read_s8x4(w);
  acc = __smlad(x_even, __sxtb16((int32_t)wv), acc);
  return __smlad(x_odd, tn_sxtb16_ror8(wv), acc);
#else
  return acc + tn_lane_lo(x_even) * w[0] + tn_lane_hi(x_even) * w[2] + tn_lane_lo(x_odd) * w[1] +
         tn_lane_hi(x_odd) * w[3];
#endif
}

#endif /* TN_Q15_H */
