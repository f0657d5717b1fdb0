#include "tn/tn_kernels.h"
#include "tn_matmul.h"
#include "tn_q15.h"

tn_status tn_conv_1x1_s8(const tn_context* ctx, const tn_conv_args* args, const tn_per_channel_quant* quant,
                         const int8_t* input, const int8_t* weights, const int32_t* bias, int8_t* output) {
  int32_t pixels, in_c, out_c, p;
  uint8_t* widened;
  if (args == NULL || input == NULL || weights == NULL || output == NULL || ctx == NULL) return TN_ERR_ARGUMENT;
  if (!tn_conv_1x1_applies(args) || !tn_conv_geometry_valid(args) || !tn_quant_io_valid(&args->io))
    return TN_ERR_ARGUMENT;
  if (!tn_per_channel_valid(quant, args->output.c)) return TN_ERR_ARGUMENT;
  if (ctx->size < tn_conv_1x1_get_buffer_size_s8(args) || (ctx->size > 0 && ctx->buf == NULL)) return TN_ERR_ARGUMENT;
  widened = (uint8_t*)ctx->buf;
  pixels = args->input.h * args->input.w;
  in_c = args->input.c;
  out_c = args->output.c;
  /* two pixels per pass: their inputs are widened once and reused by every output channel */
  for (p = 0; p + 2 <= pixels; p += 2) {
    const int8_t* x0 = input + p * in_c;
    tn_widen_s8(x0, x0 + in_c, in_c, args->io.input_offset, widened);
    tn_matmul_widened_2px_s8(widened, x0, x0 + in_c, in_c, weights, out_c, bias, quant, &args->io, output + p * out_c,
                             output + (p + 1) * out_c);
  }
  if (p < pixels) {
    const int8_t* x0 = input + p * in_c;
    tn_widen_s8(x0, NULL, in_c, args->io.input_offset, widened);
    tn_matmul_widened_1px_s8(widened, x0, in_c, weights, out_c, bias, quant, &args->io, output + p * out_c);
  }
  return TN_OK;
}
