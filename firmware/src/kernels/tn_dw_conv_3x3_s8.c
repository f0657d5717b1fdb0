#include "tn/tn_kernels.h"
#include "tn_dw_plane.h"

#if TN_HAS_DSP
/* Two int16 lanes {lo, hi}. */
static inline int32_t tn_pack16x2(int32_t lo, int32_t hi) {
  return (int32_t)(((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16));
}
#endif

/* One output channel of a 3x3 depthwise conv from its padded plane; `fast` selects the requantisation
 * (tn_dw_output) and is a literal at both call sites. */
static inline void tn_dw_3x3_channel(const tn_dw_conv_args* a, const int8_t* plane, const int8_t* weights,
                                     int32_t channel, const tn_dw_channel_quant* cq, int8_t* output, int fast) {
  const int32_t c = a->input.c, pw = tn_dw_plane_width(a), stride = a->stride;
  const int32_t out_w = a->output.w, out_h = a->output.h;
  const int32_t w0 = weights[0 * c + channel], w1 = weights[1 * c + channel], w2 = weights[2 * c + channel];
  const int32_t w3 = weights[3 * c + channel], w4 = weights[4 * c + channel], w5 = weights[5 * c + channel];
  const int32_t w6 = weights[6 * c + channel], w7 = weights[7 * c + channel], w8 = weights[8 * c + channel];
  int8_t* out = output + channel;
  int32_t oy;
#if TN_HAS_DSP
  /* each row's taps as {w0, w2} for the even bytes of a 4-byte window and w1 for an odd byte */
  const int32_t r0_02 = tn_pack16x2(w0, w2), r1_02 = tn_pack16x2(w3, w5), r2_02 = tn_pack16x2(w6, w8);
#endif
  for (oy = 0; oy < out_h; ++oy) {
    const int8_t* r0 = plane + oy * stride * pw;
    const int8_t* r1 = r0 + pw;
    const int8_t* r2 = r1 + pw;
    int32_t ox = 0;
#if TN_HAS_DSP
    if (stride == 1) {
      /* outputs ox, ox+1 read bytes ox..ox+3 of each row: {a,c} . {w0,w2} + b*w1 and {b,d} . {w0,w2} + c*w1
       */
      for (; ox + 2 <= out_w; ox += 2) {
        int32_t acc0 = cq->bias, acc1 = cq->bias;
        uint32_t v;
        int32_t ve, vo;
        v = tn_read_s8x4(r0 + ox);
        ve = __sxtb16((int32_t)v);
        vo = __sxtb16((int32_t)tn_ror8(v));
        acc0 = __smlabb(vo, w1, __smlad(ve, r0_02, acc0));
        acc1 = __smlatb(ve, w1, __smlad(vo, r0_02, acc1));
        v = tn_read_s8x4(r1 + ox);
        ve = __sxtb16((int32_t)v);
        vo = __sxtb16((int32_t)tn_ror8(v));
        acc0 = __smlabb(vo, w4, __smlad(ve, r1_02, acc0));
        acc1 = __smlatb(ve, w4, __smlad(vo, r1_02, acc1));
        v = tn_read_s8x4(r2 + ox);
        ve = __sxtb16((int32_t)v);
        vo = __sxtb16((int32_t)tn_ror8(v));
        acc0 = __smlabb(vo, w7, __smlad(ve, r2_02, acc0));
        acc1 = __smlatb(ve, w7, __smlad(vo, r2_02, acc1));
        out[(oy * out_w + ox) * c] = tn_dw_output(acc0, cq, &a->io, fast);
        out[(oy * out_w + ox + 1) * c] = tn_dw_output(acc1, cq, &a->io, fast);
      }
    } else if (stride == 2) {
      /* outputs ox, ox+1 read bytes 2ox..2ox+4: {a,c} . {w0,w2} + b*w1 and c*w0 + d*w1 + e*w2 */
      for (; ox + 2 <= out_w; ox += 2) {
        int32_t acc0 = cq->bias, acc1 = cq->bias;
        uint32_t v;
        int32_t ve, vo;
        const int32_t x = 2 * ox;
        v = tn_read_s8x4(r0 + x);
        ve = __sxtb16((int32_t)v);
        vo = __sxtb16((int32_t)tn_ror8(v));
        acc0 = __smlabb(vo, w1, __smlad(ve, r0_02, acc0));
        acc1 = __smlatb(vo, w1, __smlatb(ve, w0, acc1)) + r0[x + 4] * w2;
        v = tn_read_s8x4(r1 + x);
        ve = __sxtb16((int32_t)v);
        vo = __sxtb16((int32_t)tn_ror8(v));
        acc0 = __smlabb(vo, w4, __smlad(ve, r1_02, acc0));
        acc1 = __smlatb(vo, w4, __smlatb(ve, w3, acc1)) + r1[x + 4] * w5;
        v = tn_read_s8x4(r2 + x);
        ve = __sxtb16((int32_t)v);
        vo = __sxtb16((int32_t)tn_ror8(v));
        acc0 = __smlabb(vo, w7, __smlad(ve, r2_02, acc0));
        acc1 = __smlatb(vo, w7, __smlatb(ve, w6, acc1)) + r2[x + 4] * w8;
        out[(oy * out_w + ox) * c] = tn_dw_output(acc0, cq, &a->io, fast);
        out[(oy * out_w + ox + 1) * c] = tn_dw_output(acc1, cq, &a->io, fast);
      }
    }
#endif
    for (; ox < out_w; ++ox) {
      const int32_t x = ox * stride;
      int32_t acc = cq->bias;
      acc += r0[x] * w0 + r0[x + 1] * w1 + r0[x + 2] * w2;
      acc += r1[x] * w3 + r1[x + 1] * w4 + r1[x + 2] * w5;
      acc += r2[x] * w6 + r2[x + 1] * w7 + r2[x + 2] * w8;
      out[(oy * out_w + ox) * c] = tn_dw_output(acc, cq, &a->io, fast);
    }
  }
}

tn_status tn_dw_conv_3x3_s8(const tn_context* ctx, const tn_dw_conv_args* args, const tn_per_channel_quant* quant,
                            const int8_t* input, const int8_t* weights, const int32_t* bias, int8_t* output) {
  int32_t ch;
  int8_t* plane;
  if (!tn_dw_args_valid(ctx, args, quant, input, weights, output) || !tn_dw_conv_3x3_applies(args))
    return TN_ERR_ARGUMENT;
  plane = (int8_t*)ctx->buf;
  for (ch = 0; ch < args->input.c; ++ch) {
    const tn_dw_channel_quant cq = tn_dw_channel(args, quant, weights, bias, ch);
    tn_dw_load_plane(args, input, ch, plane);
    if (cq.q.fast) tn_dw_3x3_channel(args, plane, weights, ch, &cq, output, 1);
    else tn_dw_3x3_channel(args, plane, weights, ch, &cq, output, 0);
  }
  return TN_OK;
}
