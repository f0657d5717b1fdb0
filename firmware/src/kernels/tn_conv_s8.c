#include "tn/tn_kernels.h"
#include "tn_matmul.h"

/* Copies n bytes; word-wise while it can (the rows are a few dozen bytes, too short for a libc call to pay).
 */
static void tn_copy_s8(int8_t* dst, const int8_t* src, int32_t n) {
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint32_t v = tn_read_s8x4(src + i);
    memcpy(dst + i, &v, sizeof v);
  }
  for (; i < n; ++i) dst[i] = src[i];
}

static void tn_fill_s8(int8_t* dst, int8_t value, int32_t n) {
  int32_t i;
  for (i = 0; i < n; ++i) dst[i] = value;
}

/* The kernel x kernel x in_c receptive field of output pixel (oy, ox) as one column, [ky][kx][c] like the
 * weights; taps in the padding get the input zero point, which the offset arithmetic turns into 0. */
static void tn_im2col_pixel(const tn_conv_args* a, const int8_t* input, int32_t oy, int32_t ox, int8_t pad_value,
                            int8_t* col) {
  const int32_t k = a->kernel, in_c = a->input.c, row_bytes = k * in_c;
  const int32_t y0 = oy * a->stride - a->pad.top, x0 = ox * a->stride - a->pad.left;
  int32_t ky;
  for (ky = 0; ky < k; ++ky) {
    const int32_t iy = y0 + ky;
    int8_t* dst = col + ky * row_bytes;
    if (iy < 0 || iy >= a->input.h) {
      tn_fill_s8(dst, pad_value, row_bytes);
    } else if (x0 >= 0 && x0 + k <= a->input.w) {
      tn_copy_s8(dst, input + (iy * a->input.w + x0) * in_c, row_bytes); /* the whole row is inside */
    } else {
      int32_t kx;
      for (kx = 0; kx < k; ++kx) {
        const int32_t ix = x0 + kx;
        if (ix < 0 || ix >= a->input.w) tn_fill_s8(dst + kx * in_c, pad_value, in_c);
        else tn_copy_s8(dst + kx * in_c, input + (iy * a->input.w + ix) * in_c, in_c);
      }
    }
  }
}

tn_status tn_conv_s8(const tn_context* ctx, const tn_conv_args* args, const tn_per_channel_quant* quant,
                     const int8_t* input, const int8_t* weights, const int32_t* bias, int8_t* output) {
  int32_t n, column, pixels, out_c, p;
  int8_t *col0, *col1, pad_value;
  if (args == NULL || input == NULL || weights == NULL || output == NULL || ctx == NULL) return TN_ERR_ARGUMENT;
  if (!tn_conv_geometry_valid(args) || !tn_quant_io_valid(&args->io)) return TN_ERR_ARGUMENT;
  if (!tn_per_channel_valid(quant, args->output.c)) return TN_ERR_ARGUMENT;
  if (ctx->buf == NULL || ctx->size < tn_conv_get_buffer_size_s8(args)) return TN_ERR_ARGUMENT;
  n = args->kernel * args->kernel * args->input.c;
  column = tn_round_up4(n);
  col0 = (int8_t*)ctx->buf;
  col1 = col0 + column;
  pad_value = (int8_t)(-args->io.input_offset);
  pixels = args->output.h * args->output.w;
  out_c = args->output.c;
  for (p = 0; p + 2 <= pixels; p += 2) {
    tn_im2col_pixel(args, input, p / args->output.w, p % args->output.w, pad_value, col0);
    tn_im2col_pixel(args, input, (p + 1) / args->output.w, (p + 1) % args->output.w, pad_value, col1);
    tn_matmul_pixels_s8(col0, col1, n, weights, out_c, bias, quant, &args->io, output + p * out_c,
                        output + (p + 1) * out_c);
  }
  if (p < pixels) {
    tn_im2col_pixel(args, input, p / args->output.w, p % args->output.w, pad_value, col0);
    tn_matmul_pixels_s8(col0, NULL, n, weights, out_c, bias, quant, &args->io, output + p * out_c, NULL);
  }
  return TN_OK;
}
