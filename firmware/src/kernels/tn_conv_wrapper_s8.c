#include "tn/tn_kernels.h"
#include "tn_internal.h"

int tn_conv_shape_is_consistent(const tn_conv_args* args) { return args != NULL && tn_conv_geometry_valid(args); }

tn_status tn_conv_wrapper_s8(const tn_context* ctx, const tn_conv_args* args, const tn_per_channel_quant* quant,
                             const int8_t* input, const int8_t* weights, const int32_t* bias, int8_t* output) {
  if (args == NULL) return TN_ERR_ARGUMENT;
  if (tn_conv_1x1_applies(args)) return tn_conv_1x1_s8(ctx, args, quant, input, weights, bias, output);
  if (tn_conv_1ch_applies(args)) return tn_conv_1ch_s8(ctx, args, quant, input, weights, bias, output);
  return tn_conv_s8(ctx, args, quant, input, weights, bias, output);
}
