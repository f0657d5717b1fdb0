/*
 * Private helpers shared by the kernels: TF-Lite's fixed-point requantisation, argument checks, and the few
 * SIMD helpers the DSP paths need. Static inline so every kernel file is self-contained after inlining.
 */
#ifndef TN_INTERNAL_H
#define TN_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "tn/tn_config.h"
#include "tn/tn_types.h"

#if TN_HAS_DSP
#include <arm_acle.h>
#endif

/* (a * b + 2^30) >> 31: TF-Lite's SaturatingRoundingDoublingHighMul (gemmlowp) for every pair except
 * a == b == INT32_MIN, which valid multipliers (>= 0) exclude. For a negative product gemmlowp's
 * "nudge, then divide rounding toward zero" equals this floor shift, so no branch is needed. One SMLAL on
 * Arm. */
static inline int32_t tn_doubling_high_mul(int32_t a, int32_t b) {
  const int64_t product = (int64_t)a * (int64_t)b + ((int64_t)1 << 30);
  return (int32_t)(product >> 31);
}

/* x / 2^exponent rounded half away from zero (gemmlowp's RoundingDivideByPOT), exponent in [0, 31]. */
static inline int32_t tn_rounding_divide_by_pot(int32_t x, int32_t exponent) {
  const int32_t mask = (int32_t)((1u << exponent) - 1u);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (int32_t)((uint32_t)x >> 31);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* TF-Lite's MultiplyByQuantizedMultiplier with the shift split once per channel: left = max(shift, 0),
 * right = max(-shift, 0). The left shift wraps as TF-Lite's x * (1 << left) does on two's complement targets.
 */
static inline int32_t tn_requantize_split(int32_t acc, int32_t multiplier, int32_t left, int32_t right) {
  const int32_t shifted = (int32_t)((uint32_t)acc << left);
  return tn_rounding_divide_by_pot(tn_doubling_high_mul(shifted, multiplier), right);
}

static inline int32_t tn_requantize(int32_t acc, int32_t multiplier, int32_t shift) {
  /* left = max(shift, 0), right = left - shift = max(-shift, 0), without branches */
  const int32_t left = shift & ~(shift >> 31);
  return tn_requantize_split(acc, multiplier, left, left - shift);
}

/* Requantisation constants of one output channel, derived once and reused for every pixel of that channel. */
typedef struct {
  int32_t multiplier;
  int32_t left;  /* max(shift, 0) */
  int32_t right; /* max(-shift, 0) */
  int32_t fast;  /* left == 0 and right >= 2: tn_requantize_fast applies */
  int32_t high;  /* fast path: 2^(right - 2) */
} tn_requant_channel;

static inline tn_requant_channel tn_requant_channel_make(int32_t multiplier, int32_t shift) {
  tn_requant_channel q;
  q.multiplier = multiplier;
  q.left = shift & ~(shift >> 31);
  q.right = q.left - shift;
  q.fast = q.left == 0 && q.right >= 2;
  q.high = q.fast ? (int32_t)(1u << (q.right - 2)) : 0;
  return q;
}

/* TF-Lite's two roundings (doubling high multiply, then RoundingDivideByPOT by `right`) folded into one
 * 64-bit multiply-accumulate for right >= 2 and no left shift, the case of nearly every layer: with P = acc *
 * M + 2^30 and h = 2^(right-1), result = floor((floor(P / 2^31) + h - [P < 0]) / 2^right) = (P + h * 2^31 -
 * [P < 0] * 2^31) >> (31 + right). h * 2^31 = 2^(right-2) * 2^32 sits in the high word, so [P < 0] is a
 * compare of high words and the final shift only needs the high word minus the borrow of the 2^31
 * subtraction. 9 instructions instead of about 15; the kernel tests compare both with TF-Lite's reference
 * formulas. */
static inline int32_t tn_requantize_fast(int32_t acc, int32_t multiplier, int32_t high, int32_t right) {
  const int64_t q = (int64_t)acc * multiplier + (int64_t)(((uint64_t)(uint32_t)high << 32) | (1u << 30));
  const int32_t hi = (int32_t)(q >> 32);
  const uint32_t lo = (uint32_t)q;
  const int32_t negative = (int32_t)((uint32_t)(hi - high) >> 31);
  const int32_t borrow = negative & (int32_t)(~lo >> 31);
  return (hi - borrow) >> (right - 1);
}

/* tn_requantize_fast with the sign of acc in place of [P < 0] (multiplier >= 0): they differ only for acc < 0
 * and acc * M in [-2^30, 0), where floor(P / 2^31) = 0 and both give floor((h - [.]) / 2^right) = 0, as
 * 0 < h = 2^(right-1) < 2^right. The borrow is then one BIC of acc and the low word, and the subtraction takes
 * it as a shifted operand: 6 instructions instead of 9 (tested against TF-Lite's formulas). */
static inline int32_t tn_requantize_fast_acc_sign(int32_t acc, int32_t multiplier, int32_t high, int32_t right) {
  const int64_t q = (int64_t)acc * multiplier + (int64_t)(((uint64_t)(uint32_t)high << 32) | (1u << 30));
  const int32_t hi = (int32_t)(q >> 32);
  const uint32_t lo = (uint32_t)q;
  return (hi - (int32_t)(((uint32_t)acc & ~lo) >> 31)) >> (right - 1);
}

/* Same value as tn_requantize(acc, multiplier, shift) (tn_internal.h). */
static inline int32_t tn_requant_channel_apply(int32_t acc, const tn_requant_channel* q) {
  if (q->fast) return tn_requantize_fast(acc, q->multiplier, q->high, q->right);
  return tn_requantize_split(acc, q->multiplier, q->left, q->right);
}

static inline int8_t tn_clamp_s8(int32_t v, int32_t lo, int32_t hi) {
  v = v < lo ? lo : v;
  v = v > hi ? hi : v;
  return (int8_t)v;
}

/* ---- argument checks (Prepare-time rules, also applied by every kernel so a bad call never faults) ---- */

static inline int tn_dims_valid(const tn_dims* d) {
  return d->h > 0 && d->w > 0 && d->c > 0 && d->h <= 4096 && d->w <= 4096 && d->c <= 65535;
}

static inline int tn_quant_io_valid(const tn_quant_io* io) {
  return io->input_offset >= -127 && io->input_offset <= 128 && io->output_offset >= -128 && io->output_offset <= 127 &&
         io->act_min >= -128 && io->act_min <= io->act_max && io->act_max <= 127;
}

static inline int tn_multiplier_valid(int32_t multiplier, int32_t shift) {
  return multiplier >= 0 && shift >= -31 && shift <= 30;
}

/* All per-channel requantisation parameters of `channels` channels are in range. */
static inline int tn_per_channel_valid(const tn_per_channel_quant* q, int32_t channels) {
  int32_t c;
  if (q == NULL || q->multiplier == NULL || q->shift == NULL) return 0;
  for (c = 0; c < channels; ++c)
    if (!tn_multiplier_valid(q->multiplier[c], q->shift[c])) return 0;
  return 1;
}

static inline int tn_pad_valid(int32_t pad, int32_t kernel) { return pad >= 0 && pad < kernel; }

/* The padded extent of one dimension: pad_before + size + pad_after. */
static inline int32_t tn_padded(int32_t pad_before, int32_t size, int32_t pad_after) {
  return pad_before + size + pad_after;
}

/* kernel/stride/pads in range and output = (padded input - kernel) / stride + 1 in both dimensions. */
static inline int tn_conv_geometry_valid(const tn_conv_args* a) {
  const int32_t ph = tn_padded(a->pad.top, a->input.h, a->pad.bottom);
  const int32_t pw = tn_padded(a->pad.left, a->input.w, a->pad.right);
  if (!tn_dims_valid(&a->input) || !tn_dims_valid(&a->output)) return 0;
  if (a->kernel < 1 || a->kernel > 15 || a->stride < 1 || a->stride > 4) return 0;
  if (!tn_pad_valid(a->pad.top, a->kernel) || !tn_pad_valid(a->pad.bottom, a->kernel) ||
      !tn_pad_valid(a->pad.left, a->kernel) || !tn_pad_valid(a->pad.right, a->kernel))
    return 0;
  if (ph < a->kernel || pw < a->kernel) return 0;
  return a->output.h == (ph - a->kernel) / a->stride + 1 && a->output.w == (pw - a->kernel) / a->stride + 1;
}

static inline int tn_padding_is_zero(const tn_padding* p) {
  return p->top == 0 && p->bottom == 0 && p->left == 0 && p->right == 0;
}

/* ---- dispatch predicates: which specialised kernel applies to a set of arguments ----
 * Asked by the wrappers, the scratch-size getters and the interpreter, and by each specialised kernel to refuse
 * arguments it does not handle. Here rather than next to the wrappers (CMSIS-NN's placement), so a kernel and
 * its wrapper never need each other. */

/* A 1x1, stride-1, unpadded convolution (a pointwise conv) runs on tn_conv_1x1_s8. */
static inline int tn_conv_1x1_applies(const tn_conv_args* a) {
  return a->kernel == 1 && a->stride == 1 && tn_padding_is_zero(&a->pad);
}

/* A kernel 2..7 convolution of a one-channel input (a grey image's stem) runs on tn_conv_1ch_s8 (checked after
 * tn_conv_1x1_applies). */
static inline int tn_conv_1ch_applies(const tn_conv_args* a) {
  return a->input.c == 1 && a->kernel >= 2 && a->kernel <= 7;
}

/* A 3x3 depthwise kernel runs on tn_dw_conv_3x3_s8. */
static inline int tn_dw_conv_3x3_applies(const tn_dw_conv_args* a) { return a->kernel == 3; }

static inline int32_t tn_round_up4(int32_t n) { return (n + 3) & ~3; }

/* tn_conv_1ch_s8's widened input rows, shared by the kernel and its getter: the padded row's int16 values and
 * one more (the right half of the last pair a kernel row reads), in whole words. */
static inline int32_t tn_conv_1ch_row_bytes(const tn_conv_args* a) {
  return tn_round_up4(2 * (tn_padded(a->pad.left, a->input.w, a->pad.right) + 1));
}

/* tn_conv_1ch_s8's 3x3 path (stride 1 or 2): every output channel's weights and constants are packed once per
 * call into a record of TN_CONV_1CH_3X3_RECORD_BYTES (6 weight words, bias, multiplier, two shift words), then k
 * widened rows follow. Other kernels and strides pack one channel at a time. */
#define TN_CONV_1CH_3X3_RECORD_BYTES 40

static inline int tn_conv_1ch_3x3_applies(const tn_conv_args* a) { return a->kernel == 3 && a->stride <= 2; }

/* 4 int8 values as one little-endian word; an unaligned LDR on Cortex-M3/M4/M7 (memcpy keeps C99 strict
 * aliasing rules and compiles to that one instruction). */
static inline uint32_t tn_read_s8x4(const int8_t* p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

#if TN_HAS_DSP
/* Rotate right by 8: brings bytes 1 and 3 to the positions __sxtb16 extracts. */
static inline uint32_t tn_ror8(uint32_t x) { return (x >> 8) | (x << 24); }

/* __sxtb16(tn_ror8(x)) and __sxtab16(a, tn_ror8(x)) as the single instruction the ISA has for them (SXTB16 and
 * SXTAB16 take a rotated operand). ACLE has no rotate form and GCC 12 does not fold the rotate into the
 * extend, so without these each odd-byte extension costs an extra MOV ... ROR #8 (one per weight word in the
 * widened matrix products' inner loops, where a word otherwise costs 5). Not volatile: the compiler may still
 * schedule, combine or drop them like any pure expression. */
static inline int32_t tn_sxtb16_ror8(uint32_t x) {
  int32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
}

static inline int32_t tn_sxtab16_ror8(int32_t a, uint32_t x) {
  int32_t r;
  __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
  return r;
}

/* {lo.lo, hi.lo} as one word: PKHBT, which ACLE does not expose and GCC 12 does not form from C. */
static inline int32_t tn_pkhbt(int32_t lo, int32_t hi) {
  int32_t r;
  __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(lo), "r"(hi));
  return r;
}

/* Both input-offset halves packed for __sxtab16: {offset, offset} as two int16. */
static inline int32_t tn_pack_offset16x2(int32_t offset) { return (int32_t)(((uint32_t)offset & 0xFFFFu) * 0x10001u); }
#endif

#endif /* TN_INTERNAL_H */
