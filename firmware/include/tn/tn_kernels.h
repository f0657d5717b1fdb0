/*
 * TinyNAS int8 kernels (C99). One public function per file in src/kernels/, named tn_<op>[_<constraint>]_s8
 * as CMSIS-NN names its arm_ functions. Each op family has
 *   - named predicates that say which specialised kernel applies to a set of arguments (private:
 * src/tn_internal.h),
 *   - a wrapper that dispatches through those predicates,
 *   - scratch-size getters that use the same predicates, so the size the host plans (profiler/, which links
 * the host build of this library) is exactly what the dispatched kernel uses. Every kernel validates its
 * arguments and returns TN_ERR_ARGUMENT instead of faulting; none allocates, logs or keeps state between
 * calls. Layouts and quantisation conventions: tn_types.h. Scratch requests do not depend on the instruction
 * set: the pure-C path uses the same buffers, so a plan made on the host (pure C) is exactly what a
 * Cortex-M4/M7 image needs.
 */
#ifndef TN_KERNELS_H
#define TN_KERNELS_H

#include "tn/tn_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- which kernel runs an op ----
 * The wrappers pick a kernel by the op's shape; a build may leave kernels out (TN_WITH_* in tn_config.h), and
 * then the pick falls back to its kind's general kernel or to TN_KERNEL_OMITTED. */
typedef enum {
  TN_KERNEL_CONV,     /* tn_conv_s8 (TN_WITH_CONV) */
  TN_KERNEL_CONV_1X1, /* tn_conv_1x1_s8 (TN_WITH_CONV_1X1) */
  TN_KERNEL_CONV_1CH, /* tn_conv_1ch_s8 (TN_WITH_CONV_1CH) */
  TN_KERNEL_DW,       /* tn_dw_conv_s8 (TN_WITH_DW) */
  TN_KERNEL_DW_3X3,   /* tn_dw_conv_3x3_s8 (TN_WITH_DW_3X3) */
  TN_KERNEL_FC,       /* tn_fully_connected_s8 (always) */
  TN_KERNEL_ADD,      /* tn_add_s8 (TN_WITH_ADD) */
  TN_KERNEL_AVGPOOL,  /* tn_avgpool_s8 (always) */
  TN_KERNEL_OMITTED   /* no kernel of this build runs it */
} tn_kernel;

/* The kernel tn_conv_wrapper_s8 / tn_dw_conv_wrapper_s8 run for `args` in this build. */
tn_kernel tn_conv_kernel(const tn_conv_args* args);
tn_kernel tn_dw_conv_kernel(const tn_dw_conv_args* args);
/* The suffix of the kernel's TN_WITH_ macro ("CONV_1X1"), "" for the kernels that are always compiled. */
const char* tn_kernel_macro(tn_kernel kernel);

/* ---- dense convolution (kxk, any input channels; the first layer of a network) ---- */

/* Output shape arithmetic shared by every conv-like kernel: 1 when args->output is what kernel/stride/pad
 * give. */
int tn_conv_shape_is_consistent(const tn_conv_args* args);

/* Dispatches to tn_conv_1x1_s8, tn_conv_1ch_s8 or tn_conv_s8. ctx->size must be >=
 * tn_conv_wrapper_get_buffer_size_s8(args).
 */
tn_status tn_conv_wrapper_s8(const tn_context* ctx, const tn_conv_args* args, const tn_per_channel_quant* quant,
                             const int8_t* input, const int8_t* weights, const int32_t* bias, int8_t* output);
int32_t tn_conv_wrapper_get_buffer_size_s8(const tn_conv_args* args);

/* Generic kxk convolution: im2col of two output pixels at a time into int8 columns (padding filled with the
 * input zero point, so the offset arithmetic needs no special case), then a 2 x 2 (pixels x channels) int8
 * matrix product. Scratch: 2 columns of kernel * kernel * in_c bytes, each rounded up to 4. */
tn_status tn_conv_s8(const tn_context* ctx, const tn_conv_args* args, const tn_per_channel_quant* quant,
                     const int8_t* input, const int8_t* weights, const int32_t* bias, int8_t* output);
int32_t tn_conv_get_buffer_size_s8(const tn_conv_args* args);

/* One input channel, kernel 2..7, any stride and padding: per output row, the kernel input rows it reads are
 * widened to int16 once (input offset added, padding 0). 3x3 at stride 1 or 2: every channel's weights (as
 * int16 pairs) and constants are packed once per call, and each pair of output pixels runs through all
 * channels. Other kernels and strides: every output channel runs along the row with its weights packed.
 * Scratch: 3x3, stride <= 2: 40 bytes per output channel; otherwise kernel * ceil(kernel / 2) words of packed
 * weights. Then kernel rows of 2 * (left + in.w + right + 1) bytes rounded up to 4 (3x3, 32 wide, pad 1, 16
 * channels: 640 + 216 = 856 bytes). */
tn_status tn_conv_1ch_s8(const tn_context* ctx, const tn_conv_args* args, const tn_per_channel_quant* quant,
                         const int8_t* input, const int8_t* weights, const int32_t* bias, int8_t* output);
int32_t tn_conv_1ch_get_buffer_size_s8(const tn_conv_args* args);

/* Pointwise convolution: the [H*W, in_c] input is already the matrix. Scratch: two pixels' inputs widened to
 * int16 (16 bytes per 4 input channels), reused by every output channel. */
tn_status tn_conv_1x1_s8(const tn_context* ctx, const tn_conv_args* args, const tn_per_channel_quant* quant,
                         const int8_t* input, const int8_t* weights, const int32_t* bias, int8_t* output);
int32_t tn_conv_1x1_get_buffer_size_s8(const tn_conv_args* args);

/* ---- depthwise convolution ----
 * All depthwise kernels work one channel at a time: the channel is first copied into a zero-point-padded
 * plane of (top + in.h + bottom) x (left + in.w + right) bytes of scratch, then its output channel is computed from
 * that plane. Channel c of the output only overwrites channel c's positions of an [H, W, C] buffer, which is
 * already saved, so `output` may be exactly `input` (in place: one buffer of max(input, output) bytes instead
 * of two, TinyEngine's schedule, which the profiler's inplace-dw plan uses). Partial overlap is not allowed.
 */

tn_status tn_dw_conv_wrapper_s8(const tn_context* ctx, const tn_dw_conv_args* args, const tn_per_channel_quant* quant,
                                const int8_t* input, const int8_t* weights, const int32_t* bias, int8_t* output);
int32_t tn_dw_conv_wrapper_get_buffer_size_s8(const tn_dw_conv_args* args);

tn_status tn_dw_conv_3x3_s8(const tn_context* ctx, const tn_dw_conv_args* args, const tn_per_channel_quant* quant,
                            const int8_t* input, const int8_t* weights, const int32_t* bias, int8_t* output);
int32_t tn_dw_conv_3x3_get_buffer_size_s8(const tn_dw_conv_args* args);

/* Any odd kernel size (5x5, 7x7, ...). */
tn_status tn_dw_conv_s8(const tn_context* ctx, const tn_dw_conv_args* args, const tn_per_channel_quant* quant,
                        const int8_t* input, const int8_t* weights, const int32_t* bias, int8_t* output);
int32_t tn_dw_conv_get_buffer_size_s8(const tn_dw_conv_args* args);

/* ---- fully connected ----
 * Per-channel requantisation, output [out_features]. Scratch: the input widened to int16 once (8 bytes per 4
 * values), then four weight rows per pass. */
tn_status tn_fully_connected_s8(const tn_context* ctx, const tn_fc_args* args, const tn_per_channel_quant* quant,
                                const int8_t* input, const int8_t* weights, const int32_t* bias, int8_t* output);
int32_t tn_fully_connected_get_buffer_size_s8(const tn_fc_args* args);

/* ---- no scratch ---- */

/* Residual add. output may alias input1 or input2 exactly (elementwise). */
tn_status tn_add_s8(const tn_add_args* args, const int8_t* input1, const int8_t* input2, int8_t* output);

/* Global average pool [H, W, C] -> [C]. */
tn_status tn_avgpool_s8(const tn_avgpool_args* args, const int8_t* input, int8_t* output);

#ifdef __cplusplus
}
#endif

#endif /* TN_KERNELS_H */
