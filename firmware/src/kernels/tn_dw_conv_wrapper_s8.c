#include "tn/tn_kernels.h"
#include "tn_internal.h"

tn_kernel tn_dw_conv_kernel(const tn_dw_conv_args* args) {
#if TN_WITH_DW_3X3
  if (tn_dw_conv_3x3_applies(args)) return TN_KERNEL_DW_3X3;
#endif
  (void)args;
  return TN_WITH_DW ? TN_KERNEL_DW : TN_KERNEL_OMITTED;
}

tn_status tn_dw_conv_wrapper_s8(const tn_context* ctx, const tn_dw_conv_args* args, const tn_per_channel_quant* quant,
                                const int8_t* input, const int8_t* weights, const int32_t* bias, int8_t* output) {
  if (args == NULL) return TN_ERR_ARGUMENT;
  switch (tn_dw_conv_kernel(args)) {
#if TN_WITH_DW_3X3
  case TN_KERNEL_DW_3X3: return tn_dw_conv_3x3_s8(ctx, args, quant, input, weights, bias, output);
#endif
#if TN_WITH_DW
  case TN_KERNEL_DW: return tn_dw_conv_s8(ctx, args, quant, input, weights, bias, output);
#endif
  default: return TN_ERR_KERNEL_OMITTED;
  }
}
