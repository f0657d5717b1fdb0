#include "tn/tn_kernels.h"
#include "tn_internal.h"

tn_status tn_avgpool_s8(const tn_avgpool_args* a, const int8_t* input, int8_t* output) {
  int32_t ch, count;
  if (a == NULL || input == NULL || output == NULL || !tn_dims_valid(&a->input)) return TN_ERR_ARGUMENT;
  if (a->act_min < -128 || a->act_min > a->act_max || a->act_max > 127) return TN_ERR_ARGUMENT;
  count = a->input.h * a->input.w;
  for (ch = 0; ch < a->input.c; ++ch) {
    const int8_t* p = input + ch;
    int32_t i, sum = 0;
    for (i = 0; i < count; ++i) {
      sum += *p;
      p += a->input.c;
    }
    /* TF-Lite's int8 average: round half away from zero */
    sum = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
    output[ch] = tn_clamp_s8(sum, a->act_min, a->act_max);
  }
  return TN_OK;
}
