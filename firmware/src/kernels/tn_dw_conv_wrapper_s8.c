#include "tn/tn_kernels.h"
#include "tn_internal.h"

tn_status tn_dw_conv_wrapper_s8(const tn_context* ctx, const tn_dw_conv_args* args, const tn_per_channel_quant* quant,
                                const int8_t* input, const int8_t* weights, const int32_t* bias, int8_t* output) {
  if (args == NULL) return TN_ERR_ARGUMENT;
  if (tn_dw_conv_3x3_applies(args)) return tn_dw_conv_3x3_s8(ctx, args, quant, input, weights, bias, output);
  return tn_dw_conv_s8(ctx, args, quant, input, weights, bias, output);
}
