#include "tn/tn_kernels.h"
#include "tn_internal.h"

int tn_conv_shape_is_consistent(const tn_conv_args* args) { return args != NULL && tn_conv_geometry_valid(args); }

tn_kernel tn_conv_kernel(const tn_conv_args* args) {
#if TN_WITH_CONV_1X1
  if (tn_conv_1x1_applies(args)) return TN_KERNEL_CONV_1X1;
#endif
#if TN_WITH_CONV_1CH
  if (tn_conv_1ch_applies(args)) return TN_KERNEL_CONV_1CH;
#endif
  (void)args;
  return TN_WITH_CONV ? TN_KERNEL_CONV : TN_KERNEL_OMITTED;
}

const char* tn_kernel_macro(tn_kernel kernel) {
  switch (kernel) {
  case TN_KERNEL_CONV: return "CONV";
  case TN_KERNEL_CONV_1X1: return "CONV_1X1";
  case TN_KERNEL_CONV_1CH: return "CONV_1CH";
  case TN_KERNEL_DW: return "DW";
  case TN_KERNEL_DW_3X3: return "DW_3X3";
  case TN_KERNEL_ADD: return "ADD";
  default: return "";
  }
}

/* Only the calls of compiled kernels are here, so the linker keeps no other. */
tn_status tn_conv_wrapper_s8(const tn_context* ctx, const tn_conv_args* args, const tn_per_channel_quant* quant,
                             const int8_t* input, const int8_t* weights, const int32_t* bias, int8_t* output) {
  if (args == NULL) return TN_ERR_ARGUMENT;
  switch (tn_conv_kernel(args)) {
#if TN_WITH_CONV_1X1
  case TN_KERNEL_CONV_1X1: return tn_conv_1x1_s8(ctx, args, quant, input, weights, bias, output);
#endif
#if TN_WITH_CONV_1CH
  case TN_KERNEL_CONV_1CH: return tn_conv_1ch_s8(ctx, args, quant, input, weights, bias, output);
#endif
#if TN_WITH_CONV
  case TN_KERNEL_CONV: return tn_conv_s8(ctx, args, quant, input, weights, bias, output);
#endif
  default: return TN_ERR_KERNEL_OMITTED;
  }
}
