/*
 * Private: the channel-plane scheme every depthwise kernel shares. One channel of the [H, W, C] input is
 * copied into a (top + H + bottom) x (left + W + right) plane whose border holds the input zero point; the kernel then
 * reads only the plane, so it needs no bounds checks and may overwrite the input's channel slots (in place).
 *
 * Offset folding: with the border at the zero point, sum_taps (x + input_offset) * w
 * = sum_taps x * w + input_offset * sum_taps w for every output pixel, so each channel starts from
 * bias + input_offset * sum(w) and the inner loops multiply raw int8 values.
 */
#ifndef TN_DW_PLANE_H
#define TN_DW_PLANE_H

#include "tn_internal.h"

/* Row length of the padded plane. */
static inline int32_t tn_dw_plane_width(const tn_dw_conv_args* a) {
  return tn_padded(a->pad.left, a->input.w, a->pad.right);
}

static inline int32_t tn_dw_plane_bytes(const tn_dw_conv_args* a) {
  return tn_padded(a->pad.top, a->input.h, a->pad.bottom) * tn_dw_plane_width(a);
}

/* Everything a depthwise kernel checks before touching memory. */
static inline int tn_dw_args_valid(const tn_context* ctx, const tn_dw_conv_args* a, const tn_per_channel_quant* q,
                                   const int8_t* input, const int8_t* weights, const int8_t* output) {
  if (ctx == NULL || a == NULL || input == NULL || weights == NULL || output == NULL) return 0;
  if (!tn_conv_geometry_valid(a) || a->input.c != a->output.c || !tn_quant_io_valid(&a->io)) return 0;
  if (ctx->buf == NULL || ctx->size < tn_dw_plane_bytes(a)) return 0;
  /* in place means exactly in place: any other overlap would clobber unread input */
  if (output != input) {
    const int8_t* in_end = input + a->input.h * a->input.w * a->input.c;
    const int8_t* out_end = output + a->output.h * a->output.w * a->output.c;
    if (output < in_end && input < out_end) return 0;
  }
  return tn_per_channel_valid(q, a->output.c);
}

static inline void tn_dw_load_plane(const tn_dw_conv_args* a, const int8_t* input, int32_t channel, int8_t* plane) {
  const tn_padding pad = a->pad;
  const int32_t w = a->input.w, h = a->input.h, c = a->input.c;
  const int32_t pw = tn_dw_plane_width(a);
  const int8_t pad_value = (int8_t)(-a->io.input_offset);
  const int8_t* src = input + channel;
  int32_t i, y, x;
  for (i = 0; i < pad.top * pw; ++i) plane[i] = pad_value;
  plane += pad.top * pw;
  for (y = 0; y < h; ++y) {
    for (x = 0; x < pad.left; ++x) *plane++ = pad_value;
    /* a strided gather: four at a time halves the loop overhead of this byte-by-byte copy */
    for (x = 0; x + 4 <= w; x += 4) {
      plane[0] = src[0];
      plane[1] = src[c];
      plane[2] = src[2 * c];
      plane[3] = src[3 * c];
      plane += 4;
      src += 4 * c;
    }
    for (; x < w; ++x) {
      *plane++ = *src;
      src += c;
    }
    for (x = 0; x < pad.right; ++x) *plane++ = pad_value;
  }
  for (i = 0; i < pad.bottom * pw; ++i) plane[i] = pad_value;
}

/* Requantisation constants of one output channel, with the input offset folded into the bias. */
typedef struct {
  int32_t bias;
  tn_requant_channel q;
} tn_dw_channel_quant;

static inline tn_dw_channel_quant tn_dw_channel(const tn_dw_conv_args* a, const tn_per_channel_quant* q,
                                                const int8_t* weights, const int32_t* bias, int32_t channel) {
  tn_dw_channel_quant cq;
  const int32_t taps = a->kernel * a->kernel, c = a->input.c;
  int32_t t, sum = 0;
  for (t = 0; t < taps; ++t) sum += weights[t * c + channel];
  cq.bias = (bias != NULL ? bias[channel] : 0) + a->io.input_offset * sum;
  cq.q = tn_requant_channel_make(q->multiplier[channel], q->shift[channel]);
  return cq;
}

/* `fast` is a literal at every call site (the kernels instantiate their channel loops for both values), so
 * the choice between the one-step and the two-step requantisation is made once per channel, not per output.
 */
static inline int8_t tn_dw_output(int32_t acc, const tn_dw_channel_quant* cq, const tn_quant_io* io, int fast) {
  const int32_t r = fast ? tn_requantize_fast(acc, cq->q.multiplier, cq->q.high, cq->q.right)
                         : tn_requantize_split(acc, cq->q.multiplier, cq->q.left, cq->q.right);
  return tn_clamp_s8(r + io->output_offset, io->act_min, io->act_max);
}

#endif /* TN_DW_PLANE_H */
