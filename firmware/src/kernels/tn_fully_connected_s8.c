#include "tn/tn_kernels.h"
#include "tn_matmul.h"
#include "tn_q15.h"

int32_t tn_fully_connected_get_buffer_size_s8(const tn_fc_args* args) {
  if (args == NULL || args->in_features <= 0) return 0;
  return 8 * (args->in_features / 4); /* the input widened once: two int16 pairs per 4 values */
}

tn_status tn_fully_connected_s8(const tn_context* ctx, const tn_fc_args* args, const tn_per_channel_quant* quant,
                                const int8_t* input, const int8_t* weights, const int32_t* bias, int8_t* output) {
  if (args == NULL || input == NULL || weights == NULL || output == NULL || ctx == NULL) return TN_ERR_ARGUMENT;
  if (args->in_features <= 0 || args->out_features <= 0 || !tn_quant_io_valid(&args->io)) return TN_ERR_ARGUMENT;
  if (!tn_per_channel_valid(quant, args->out_features)) return TN_ERR_ARGUMENT;
  if (ctx->size < tn_fully_connected_get_buffer_size_s8(args) || (ctx->size > 0 && ctx->buf == NULL))
    return TN_ERR_ARGUMENT;
  tn_widen_s8(input, NULL, args->in_features, args->io.input_offset, (uint8_t*)ctx->buf);
  tn_matmul_widened_1px_s8((const uint8_t*)ctx->buf, input, args->in_features, weights, args->out_features, bias, quant,
                           &args->io, output);
  return TN_OK;
}
