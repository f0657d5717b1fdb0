/* Scratch requests of the depthwise convolutions: one zero-point-padded channel plane (tn_dw_plane.h),
 * whether the kernel runs in place or not. The wrapper's getter uses the wrapper's predicate. */
#include "tn/tn_kernels.h"
#include "tn_dw_plane.h"

int32_t tn_dw_conv_3x3_get_buffer_size_s8(const tn_dw_conv_args* args) {
  if (args == NULL || !tn_conv_geometry_valid(args)) return 0;
  return tn_dw_plane_bytes(args);
}

int32_t tn_dw_conv_get_buffer_size_s8(const tn_dw_conv_args* args) {
  if (args == NULL || !tn_conv_geometry_valid(args)) return 0;
  return tn_dw_plane_bytes(args);
}

int32_t tn_dw_conv_wrapper_get_buffer_size_s8(const tn_dw_conv_args* args) {
  if (args == NULL) return 0;
  switch (tn_dw_conv_kernel(args)) {
  case TN_KERNEL_DW_3X3: return tn_dw_conv_3x3_get_buffer_size_s8(args);
  case TN_KERNEL_DW: return tn_dw_conv_get_buffer_size_s8(args);
  default: return 0;
  }
}
