#include "tn/tn_kernels.h"
#include "tn_dw_plane.h"

/* Largest kernel the generic path takes: its per-channel weight tables live on the stack. */
#define TN_DW_MAX_KERNEL 9

#if TN_HAS_DSP
static inline int32_t tn_pack16x2(int32_t lo, int32_t hi) {
  return (int32_t)(((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16));
}

/* How one kernel row is read on the DSP path: `groups` words of 4 taps at byte offsets `offset[g]`, then the
 * taps from `tail` on one by one. For k = 7 two overlapping words cover the row (taps 0-3 and 3-6, the second
 * with tap 3's weight zeroed), so no tap is left over. */
typedef struct {
  int32_t groups; /* 0..2 (kernels up to TN_DW_MAX_KERNEL = 9) */
  int32_t offset[2];
  int32_t tail;
} tn_dw_row_plan;

static tn_dw_row_plan tn_dw_plan_row(int32_t k) {
  tn_dw_row_plan p;
  p.groups = k / 4;
  p.offset[0] = 0;
  p.offset[1] = 4;
  p.tail = 4 * p.groups;
  if (k == 7) {
    p.groups = 2;
    p.offset[1] = 3;
    p.tail = 7;
  }
  return p;
}

/* The channel's weights in reading order: per row, for each group {w_a, w_c} and {w_b, w_d} as int16 pairs
 * (matching __sxtb16 of the input word and of its rotation), then the tail taps. */
static void tn_dw_weight_program(const int8_t* weights, int32_t c, int32_t channel, int32_t k, const tn_dw_row_plan* p,
                                 int32_t* prog) {
  int32_t ky, g, kx;
  for (ky = 0; ky < k; ++ky) {
    const int8_t* w = weights + (ky * k) * c + channel;
    for (g = 0; g < p->groups; ++g) {
      int32_t t[4], i;
      for (i = 0; i < 4; ++i) {
        const int32_t tap = p->offset[g] + i;
        /* a tap the previous group already covered contributes through that group only */
        t[i] = (g > 0 && tap < p->offset[g - 1] + 4) ? 0 : w[tap * c];
      }
      *prog++ = tn_pack16x2(t[0], t[2]);
      *prog++ = tn_pack16x2(t[1], t[3]);
    }
    for (kx = p->tail; kx < k; ++kx) *prog++ = w[kx * c];
  }
}

/* All outputs of one channel. Inlined with literal k, groups, offsets and tail at the call sites below, so
 * the compiler unrolls the row loops into straight-line code for 5x5 and 7x7. */
static inline void tn_dw_channel_program(const tn_dw_conv_args* a, const int8_t* plane, const int32_t* prog, int32_t k,
                                         int32_t groups, int32_t offset0, int32_t offset1, int32_t tail,
                                         const tn_dw_channel_quant* cq, int8_t* out, int fast) {
  const int32_t c = a->input.c, pw = tn_dw_plane_width(a), stride = a->stride;
  const int32_t out_w = a->output.w, out_h = a->output.h;
  int32_t oy, ox;
  for (oy = 0; oy < out_h; ++oy) {
    const int8_t* window = plane + oy * stride * pw;
    int8_t* o = out + oy * out_w * c;
    for (ox = 0; ox < out_w; ++ox, window += stride, o += c) {
      const int32_t* wp = prog;
      int32_t acc = cq->bias, ky, kx;
      for (ky = 0; ky < k; ++ky) {
        const int8_t* row = window + ky * pw;
        if (groups > 0) {
          const uint32_t v = tn_read_s8x4(row + offset0);
          acc = __smlad(__sxtb16((int32_t)v), wp[0], acc);
          acc = __smlad(__sxtb16((int32_t)tn_ror8(v)), wp[1], acc);
          wp += 2;
        }
        if (groups > 1) {
          const uint32_t v = tn_read_s8x4(row + offset1);
          acc = __smlad(__sxtb16((int32_t)v), wp[0], acc);
          acc = __smlad(__sxtb16((int32_t)tn_ror8(v)), wp[1], acc);
          wp += 2;
        }
        for (kx = tail; kx < k; ++kx) acc += row[kx] * *wp++;
      }
      *o = tn_dw_output(acc, cq, &a->io, fast);
    }
  }
}
#endif

/* One output channel of a kxk depthwise conv from its padded plane. */
static void tn_dw_channel_kxk(const tn_dw_conv_args* a, const int8_t* plane, const int8_t* weights, int32_t channel,
                              const tn_dw_channel_quant* cq, int8_t* output) {
  const int32_t k = a->kernel, c = a->input.c;
#if TN_HAS_DSP
  int32_t prog[TN_DW_MAX_KERNEL * (2 * 2 + 3)];
  const tn_dw_row_plan p = tn_dw_plan_row(k);
  tn_dw_weight_program(weights, c, channel, k, &p, prog);
  /* literal plans for the common sizes (tn_dw_plan_row gives the same values) let the row loops unroll */
  if (k == 5 && cq->q.fast) tn_dw_channel_program(a, plane, prog, 5, 1, 0, 4, 4, cq, output + channel, 1);
  else if (k == 7 && cq->q.fast) tn_dw_channel_program(a, plane, prog, 7, 2, 0, 3, 7, cq, output + channel, 1);
  else tn_dw_channel_program(a, plane, prog, k, p.groups, p.offset[0], p.offset[1], p.tail, cq, output + channel, 0);
#else
  const int32_t pw = tn_dw_plane_width(a), stride = a->stride;
  int32_t taps[TN_DW_MAX_KERNEL * TN_DW_MAX_KERNEL];
  int8_t* out = output + channel;
  int32_t ky, kx, oy, ox;
  for (ky = 0; ky < k; ++ky)
    for (kx = 0; kx < k; ++kx) taps[ky * k + kx] = weights[(ky * k + kx) * c + channel];
  for (oy = 0; oy < a->output.h; ++oy)
    for (ox = 0; ox < a->output.w; ++ox) {
      const int8_t* window = plane + oy * stride * pw + ox * stride;
      int32_t acc = cq->bias;
      for (ky = 0; ky < k; ++ky)
        for (kx = 0; kx < k; ++kx) acc += window[ky * pw + kx] * taps[ky * k + kx];
      out[(oy * a->output.w + ox) * c] = tn_dw_output(acc, cq, &a->io, 0);
    }
#endif
}

tn_status tn_dw_conv_s8(const tn_context* ctx, const tn_dw_conv_args* args, const tn_per_channel_quant* quant,
                        const int8_t* input, const int8_t* weights, const int32_t* bias, int8_t* output) {
  int32_t ch;
  int8_t* plane;
  if (!tn_dw_args_valid(ctx, args, quant, input, weights, output) || args->kernel > TN_DW_MAX_KERNEL)
    return TN_ERR_ARGUMENT;
  plane = (int8_t*)ctx->buf;
  for (ch = 0; ch < args->input.c; ++ch) {
    const tn_dw_channel_quant cq = tn_dw_channel(args, quant, weights, bias, ch);
    tn_dw_load_plane(args, input, ch, plane);
    tn_dw_channel_kxk(args, plane, weights, ch, &cq, output);
  }
  return TN_OK;
}
