/* Scratch requests of the dense/pointwise convolutions. The wrapper's getter uses the wrapper's predicate, so
 * the host plans exactly what the dispatched kernel checks for. Sizes in bytes; 0 for invalid arguments. */
#include "tn/tn_kernels.h"
#include "tn_internal.h"

int32_t tn_conv_get_buffer_size_s8(const tn_conv_args* args) {
  if (args == NULL || !tn_conv_geometry_valid(args)) return 0;
  /* two im2col columns of kernel * kernel * in_c int8 values, each starting on a word boundary */
  return 2 * tn_round_up4(args->kernel * args->kernel * args->input.c);
}

int32_t tn_conv_1x1_get_buffer_size_s8(const tn_conv_args* args) {
  if (args == NULL || !tn_conv_geometry_valid(args)) return 0;
  /* two pixels' inputs widened to int16 pairs: 16 bytes per 4 input channels (tn_q15.h) */
  return 16 * (args->input.c / 4);
}

int32_t tn_conv_1ch_get_buffer_size_s8(const tn_conv_args* args) {
  if (args == NULL || !tn_conv_geometry_valid(args) || !tn_conv_1ch_applies(args)) return 0;
  /* 3x3, stride 1 or 2: every channel's packed weights and constants (tn_internal.h); otherwise one channel's
   * weights as int16 pairs (ceil(kernel / 2) words per kernel row). Then kernel input rows widened to int16. */
  if (tn_conv_1ch_3x3_applies(args))
    return TN_CONV_1CH_3X3_RECORD_BYTES * args->output.c + args->kernel * tn_conv_1ch_row_bytes(args);
  return 4 * args->kernel * ((args->kernel + 1) / 2) + args->kernel * tn_conv_1ch_row_bytes(args);
}

int32_t tn_conv_wrapper_get_buffer_size_s8(const tn_conv_args* args) {
  if (args == NULL) return 0;
  switch (tn_conv_kernel(args)) {
  case TN_KERNEL_CONV_1X1: return tn_conv_1x1_get_buffer_size_s8(args);
  case TN_KERNEL_CONV_1CH: return tn_conv_1ch_get_buffer_size_s8(args);
  case TN_KERNEL_CONV: return tn_conv_get_buffer_size_s8(args);
  default: return 0;
  }
}
