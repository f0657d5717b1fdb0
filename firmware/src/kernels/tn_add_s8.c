#include "tn/tn_kernels.h"
#include "tn_internal.h"

tn_status tn_add_s8(const tn_add_args* a, const int8_t* input1, const int8_t* input2, int8_t* output) {
  int32_t i;
  if (a == NULL || input1 == NULL || input2 == NULL || output == NULL || a->size <= 0) return TN_ERR_ARGUMENT;
  if (a->input1_offset < -127 || a->input1_offset > 128 || a->input2_offset < -127 || a->input2_offset > 128 ||
      a->output_offset < -128 || a->output_offset > 127 || a->act_min < -128 || a->act_min > a->act_max ||
      a->act_max > 127 || a->left_shift < 0 || a->left_shift > 20)
    return TN_ERR_ARGUMENT;
  if (!tn_multiplier_valid(a->input1_multiplier, a->input1_shift) || a->input1_shift > 0 ||
      !tn_multiplier_valid(a->input2_multiplier, a->input2_shift) || a->input2_shift > 0 ||
      !tn_multiplier_valid(a->output_multiplier, a->output_shift))
    return TN_ERR_ARGUMENT;
  {
    const int32_t r1 = -a->input1_shift, r2 = -a->input2_shift;
    const int32_t out_left = a->output_shift > 0 ? a->output_shift : 0;
    const int32_t out_right = a->output_shift > 0 ? 0 : -a->output_shift;
    for (i = 0; i < a->size; ++i) {
      /* (x + offset) * 2^left_shift stays below 2^29: no wrap for left_shift <= 20 */
      const int32_t x1 = (input1[i] + a->input1_offset) * (1 << a->left_shift);
      const int32_t x2 = (input2[i] + a->input2_offset) * (1 << a->left_shift);
      const int32_t sum =
          tn_requantize_split(x1, a->input1_multiplier, 0, r1) + tn_requantize_split(x2, a->input2_multiplier, 0, r2);
      output[i] = tn_clamp_s8(tn_requantize_split(sum, a->output_multiplier, out_left, out_right) + a->output_offset,
                              a->act_min, a->act_max);
    }
  }
  return TN_OK;
}
