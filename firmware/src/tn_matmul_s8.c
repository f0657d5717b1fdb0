#include "tn_matmul.h"

#include "tn_dot.h"
#include "tn_q15.h"

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

/* One widened pixel with four weight rows (stride n). */
__attribute__((noinline)) static void tn_dot_widened_1x4(const uint8_t* xp, const int8_t* w0, int32_t n, int32_t groups,
                                                         int32_t acc[4]) {
  const int8_t* w2 = w0 + 2 * n;
  int32_t s0 = acc[0], s1 = acc[1], s2 = acc[2], s3 = acc[3];
  const uint8_t* const end = xp + 8 * groups;
  while (xp != end) {
    const int32_t x_even = tn_load_word(xp), x_odd = tn_load_word(xp + 4);
    s0 = tn_mac_group(x_even, x_odd, w0, s0);
    s1 = tn_mac_group(x_even, x_odd, w0 + n, s1);
    s2 = tn_mac_group(x_even, x_odd, w2, s2);
    s3 = tn_mac_group(x_even, x_odd, w2 + n, s3);
    w0 += 4;
    w2 += 4;
    xp += 8;
  }
  acc[0] = s0;
  acc[1] = s1;
  acc[2] = s2;
  acc[3] = s3;
}

/* Everything of one pointwise block (two pixels x two output channels): the dot products, the n % 4 tail, and
 * the four requantisations, in one out-of-line function with the loop first, so its accumulators stay in
 * registers and the per-block work after it is a few dozen instructions. */
typedef struct {
  const uint8_t* widened;
  const int8_t* x0;
  const int8_t* x1;
  const int8_t* weights;
  int32_t n;
  const int32_t* bias;
  const tn_per_channel_quant* quant;
  const tn_quant_io* io;
  int8_t* out0;
  int8_t* out1;
} tn_pw_block;

/* Two widened pixels against two weight rows, one group of 4 values. */
#if TN_HAS_DSP
#define TN_PW_GROUP(xp, w0, w1)                                                                                        \
  do {                                                                                                                 \
    const uint32_t wa_ = tn_read_s8x4(w0), wb_ = tn_read_s8x4(w1);                                                     \
    const int32_t wa_even_ = __sxtb16((int32_t)wa_), wa_odd_ = __sxtb16((int32_t)tn_ror8(wa_));                        \
    const int32_t wb_even_ = __sxtb16((int32_t)wb_), wb_odd_ = __sxtb16((int32_t)tn_ror8(wb_));                        \
    int32_t x_ = tn_load_word(xp);                                                                                     \
    s00 = __smlad(x_, wa_even_, s00);                                                                                  \
    s01 = __smlad(x_, wb_even_, s01);                                                                                  \
    x_ = tn_load_word((xp) + 4);                                                                                       \
    s00 = __smlad(x_, wa_odd_, s00);                                                                                   \
    s01 = __smlad(x_, wb_odd_, s01);                                                                                   \
    x_ = tn_load_word((xp) + 8);                                                                                       \
    s10 = __smlad(x_, wa_even_, s10);                                                                                  \
    s11 = __smlad(x_, wb_even_, s11);                                                                                  \
    x_ = tn_load_word((xp) + 12);                                                                                      \
    s10 = __smlad(x_, wa_odd_, s10);                                                                                   \
    s11 = __smlad(x_, wb_odd_, s11);                                                                                   \
  } while (0)
#else
#define TN_PW_GROUP(xp, w0, w1)                                                                                        \
  do {                                                                                                                 \
    s00 = tn_mac_group(tn_load_word(xp), tn_load_word((xp) + 4), w0, s00);                                             \
    s01 = tn_mac_group(tn_load_word(xp), tn_load_word((xp) + 4), w1, s01);                                             \
    s10 = tn_mac_group(tn_load_word((xp) + 8), tn_load_word((xp) + 12), w0, s10);                                      \
    s11 = tn_mac_group(tn_load_word((xp) + 8), tn_load_word((xp) + 12), w1, s11);                                      \
  } while (0)
#endif

__attribute__((noinline)) static void tn_pw_2x2(const tn_pw_block* b, int32_t c) {
  const int32_t n = b->n, groups = n / 4;
  const int8_t* w0 = b->weights + c * n;
  const int8_t* w1 = w0 + n;
  const uint8_t* xp = b->widened;
  const uint8_t* const end = xp + 16 * groups;
  int32_t s00 = b->bias != NULL ? b->bias[c] : 0;
  int32_t s01 = b->bias != NULL ? b->bias[c + 1] : 0;
  int32_t s10 = s00, s11 = s01;
  int32_t k;
  while (xp != end) {
    TN_PW_GROUP(xp, w0, w1);
    w0 += 4;
    w1 += 4;
    xp += 16;
  }
  {
    /* locals: the output stores below may alias nothing, but the compiler cannot know that for struct fields
     */
    const int32_t off = b->io->input_offset, out_off = b->io->output_offset;
    const int32_t lo = b->io->act_min, hi = b->io->act_max;
    const int8_t* x0 = b->x0;
    const int8_t* x1 = b->x1;
    int8_t* out0 = b->out0;
    int8_t* out1 = b->out1;
    const int32_t m0 = b->quant->multiplier[c], m1 = b->quant->multiplier[c + 1];
    const int32_t sh0 = b->quant->shift[c], sh1 = b->quant->shift[c + 1];
    int32_t r00, r01, r10, r11;
    for (k = groups * 4; k < n; ++k) { /* w0/w1 already point at the tail */
      const int32_t va = x0[k] + off, vb = x1[k] + off;
      const int32_t wa = *w0++, wb = *w1++;
      s00 += va * wa;
      s01 += va * wb;
      s10 += vb * wa;
      s11 += vb * wb;
    }
    if (sh0 <= -2 && sh1 <= -2) { /* the usual case: one rounding step (tn_requantize_fast) */
      const int32_t h0 = (int32_t)(1u << (-sh0 - 2)), h1 = (int32_t)(1u << (-sh1 - 2));
      r00 = tn_requantize_fast(s00, m0, h0, -sh0);
      r10 = tn_requantize_fast(s10, m0, h0, -sh0);
      r01 = tn_requantize_fast(s01, m1, h1, -sh1);
      r11 = tn_requantize_fast(s11, m1, h1, -sh1);
    } else {
      r00 = tn_requantize(s00, m0, sh0);
      r10 = tn_requantize(s10, m0, sh0);
      r01 = tn_requantize(s01, m1, sh1);
      r11 = tn_requantize(s11, m1, sh1);
    }
    out0[c] = tn_clamp_s8(r00 + out_off, lo, hi);
    out0[c + 1] = tn_clamp_s8(r01 + out_off, lo, hi);
    out1[c] = tn_clamp_s8(r10 + out_off, lo, hi);
    out1[c + 1] = tn_clamp_s8(r11 + out_off, lo, hi);
  }
}

void tn_matmul_widened_2px_s8(const uint8_t* widened, const int8_t* x0, const int8_t* x1, int32_t n,
                              const int8_t* weights, int32_t out_c, const int32_t* bias,
                              const tn_per_channel_quant* quant, const tn_quant_io* io, int8_t* out0, int8_t* out1) {
  const int32_t groups = n / 4, tail = groups * 4, off = io->input_offset;
  tn_pw_block block;
  int32_t c = 0;
  block.widened = widened;
  block.weights = weights;
  block.x0 = x0;
  block.x1 = x1;
  block.n = n;
  block.bias = bias;
  block.quant = quant;
  block.io = io;
  block.out0 = out0;
  block.out1 = out1;
  for (; c + 2 <= out_c; c += 2) tn_pw_2x2(&block, c);
  if (c < out_c) {
    const int8_t* w = weights + c * n;
    const int32_t b = bias != NULL ? bias[c] : 0;
    int32_t sa = b, sb = b, g, k;
    const uint8_t* xp = widened;
    for (g = 0; g < groups; ++g, xp += 16) {
      sa = tn_mac_group(tn_load_word(xp), tn_load_word(xp + 4), w + 4 * g, sa);
      sb = tn_mac_group(tn_load_word(xp + 8), tn_load_word(xp + 12), w + 4 * g, sb);
    }
    for (k = tail; k < n; ++k) {
      sa += (x0[k] + off) * w[k];
      sb += (x1[k] + off) * w[k];
    }
    out0[c] = tn_requantize_output(sa, quant->multiplier[c], quant->shift[c], io);
    out1[c] = tn_requantize_output(sb, quant->multiplier[c], quant->shift[c], io);
  }
}

void tn_matmul_widened_1px_s8(const uint8_t* widened, const int8_t* x0, int32_t n, const int8_t* weights, int32_t out_c,
                              const int32_t* bias, const tn_per_channel_quant* quant, const tn_quant_io* io,
                              int8_t* out0) {
  const int32_t groups = n / 4, tail = groups * 4, off = io->input_offset;
  int32_t c = 0;
  /* four rows per pass: each widened input word pair feeds four weight rows */
  for (; c + 4 <= out_c; c += 4) {
    const int8_t* w = weights + c * n;
    int32_t a[4];
    int32_t k, r;
    for (r = 0; r < 4; ++r) a[r] = bias != NULL ? bias[c + r] : 0;
    tn_dot_widened_1x4(widened, w, n, groups, a);
    for (r = 0; r < 4; ++r) {
      for (k = tail; k < n; ++k) a[r] += (x0[k] + off) * w[r * n + k];
      out0[c + r] = tn_requantize_output(a[r], quant->multiplier[c + r], quant->shift[c + r], io);
    }
  }
  for (; c + 2 <= out_c; c += 2) {
    const int8_t* w0 = weights + c * n;
    const int8_t* w1 = w0 + n;
    int32_t s0 = bias != NULL ? bias[c] : 0, s1 = bias != NULL ? bias[c + 1] : 0, k;
    const uint8_t* xp = widened;
    const uint8_t* const end = xp + 8 * groups;
    while (xp != end) {
      const int32_t x_even = tn_load_word(xp), x_odd = tn_load_word(xp + 4);
      s0 = tn_mac_group(x_even, x_odd, w0, s0);
      s1 = tn_mac_group(x_even, x_odd, w1, s1);
      w0 += 4;
      w1 += 4;
      xp += 8;
    }
    for (k = tail; k < n; ++k) {
      s0 += (x0[k] + off) * *w0++;
      s1 += (x0[k] + off) * *w1++;
    }
    out0[c] = tn_requantize_output(s0, quant->multiplier[c], quant->shift[c], io);
    out0[c + 1] = tn_requantize_output(s1, quant->multiplier[c + 1], quant->shift[c + 1], io);
  }
  for (; c < out_c; ++c) {
    const int8_t* w = weights + c * n;
    int32_t s = bias != NULL ? bias[c] : 0, g, k;
    const uint8_t* xp = widened;
    for (g = 0; g < groups; ++g, xp += 8) s = tn_mac_group(tn_load_word(xp), tn_load_word(xp + 4), w + 4 * g, s);
    for (k = tail; k < n; ++k) s += (x0[k] + off) * w[k];
    out0[c] = tn_requantize_output(s, quant->multiplier[c], quant->shift[c], io);
  }
}
