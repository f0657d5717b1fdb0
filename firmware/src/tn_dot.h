/*
 * Private: the int8 dot-product blocks of the dense convolution (im2col columns against weight rows; the pointwise
 * conv and the fully connected layer widen their inputs once instead, tn_q15.h). Each adds
 * sum_k (x[k] + input_offset) * w[k] to its accumulators.
 *
 * DSP path: 4 values per step. Inputs are sign-extended to int16 pairs with the input offset added in the
 * same instruction (__sxtab16), weights with __sxtb16; bytes 1 and 3 are reached by a rotate. __smlad then
 * does two multiply-accumulates. Each input word is reused for both weight rows and each weight word for both
 * inputs, which is what makes the 2 x 2 block cheaper per MAC than the 1 x 2 and 1 x 1 tails.
 */
#ifndef TN_DOT_H
#define TN_DOT_H

#include "tn_internal.h"

/* Two inputs (pixels) x two weight rows (output channels). a[p][q] += (x_p + off) . w_q */
static inline void tn_dot_2x2_s8(const int8_t* x0, const int8_t* x1, const int8_t* w0, const int8_t* w1, int32_t n,
                                 int32_t input_offset, int32_t a[2][2]) {
  int32_t s00 = a[0][0], s01 = a[0][1], s10 = a[1][0], s11 = a[1][1];
  int32_t k = 0;
#if TN_HAS_DSP
  const int32_t off2 = tn_pack_offset16x2(input_offset);
  for (; k + 4 <= n; k += 4) {
    const uint32_t xa = tn_read_s8x4(x0 + k);
    const uint32_t xb = tn_read_s8x4(x1 + k);
    const uint32_t wa = tn_read_s8x4(w0 + k);
    const uint32_t wb = tn_read_s8x4(w1 + k);
    const int32_t xa_even = __sxtab16(off2, (int32_t)xa);
    const int32_t xa_odd = __sxtab16(off2, (int32_t)tn_ror8(xa));
    const int32_t xb_even = __sxtab16(off2, (int32_t)xb);
    const int32_t xb_odd = __sxtab16(off2, (int32_t)tn_ror8(xb));
    const int32_t wa_even = __sxtb16((int32_t)wa);
    const int32_t wa_odd = __sxtb16((int32_t)tn_ror8(wa));
    const int32_t wb_even = __sxtb16((int32_t)wb);
    const int32_t wb_odd = __sxtb16((int32_t)tn_ror8(wb));
    s00 = __smlad(xa_even, wa_even, s00);
    s00 = __smlad(xa_odd, wa_odd, s00);
    s01 = __smlad(xa_even, wb_even, s01);
    s01 = __smlad(xa_odd, wb_odd, s01);
    s10 = __smlad(xb_even, wa_even, s10);
    s10 = __smlad(xb_odd, wa_odd, s10);
    s11 = __smlad(xb_even, wb_even, s11);
    s11 = __smlad(xb_odd, wb_odd, s11);
  }
#endif
  for (; k < n; ++k) {
    const int32_t va = x0[k] + input_offset;
    const int32_t vb = x1[k] + input_offset;
    s00 += va * w0[k];
    s01 += va * w1[k];
    s10 += vb * w0[k];
    s11 += vb * w1[k];
  }
  a[0][0] = s00;
  a[0][1] = s01;
  a[1][0] = s10;
  a[1][1] = s11;
}

/* One input x two weight rows: the odd-pixel tail and the fully connected layer. */
static inline void tn_dot_1x2_s8(const int8_t* x, const int8_t* w0, const int8_t* w1, int32_t n, int32_t input_offset,
                                 int32_t a[2]) {
  int32_t s0 = a[0], s1 = a[1];
  int32_t k = 0;
#if TN_HAS_DSP
  const int32_t off2 = tn_pack_offset16x2(input_offset);
  for (; k + 4 <= n; k += 4) {
    const uint32_t xv = tn_read_s8x4(x + k);
    const uint32_t wa = tn_read_s8x4(w0 + k);
    const uint32_t wb = tn_read_s8x4(w1 + k);
    const int32_t x_even = __sxtab16(off2, (int32_t)xv);
    const int32_t x_odd = __sxtab16(off2, (int32_t)tn_ror8(xv));
    s0 = __smlad(x_even, __sxtb16((int32_t)wa), s0);
    s0 = __smlad(x_odd, __sxtb16((int32_t)tn_ror8(wa)), s0);
    s1 = __smlad(x_even, __sxtb16((int32_t)wb), s1);
    s1 = __smlad(x_odd, __sxtb16((int32_t)tn_ror8(wb)), s1);
  }
#endif
  for (; k < n; ++k) {
    const int32_t v = x[k] + input_offset;
    s0 += v * w0[k];
    s1 += v * w1[k];
  }
  a[0] = s0;
  a[1] = s1;
}

/* One input x one weight row: the odd-channel tail. */
static inline int32_t tn_dot_1x1_s8(const int8_t* x, const int8_t* w, int32_t n, int32_t input_offset, int32_t acc) {
  int32_t k = 0;
#if TN_HAS_DSP
  const int32_t off2 = tn_pack_offset16x2(input_offset);
  for (; k + 4 <= n; k += 4) {
    const uint32_t xv = tn_read_s8x4(x + k);
    const uint32_t wv = tn_read_s8x4(w + k);
    acc = __smlad(__sxtab16(off2, (int32_t)xv), __sxtb16((int32_t)wv), acc);
    acc = __smlad(__sxtab16(off2, (int32_t)tn_ror8(xv)), __sxtb16((int32_t)tn_ror8(wv)), acc);
  }
#endif
  for (; k < n; ++k) acc += (x[k] + input_offset) * w[k];
  return acc;
}

#endif /* TN_DOT_H */
