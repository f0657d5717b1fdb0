/*
 * TinyNAS int8 runtime: the one status enum and the argument structs of every kernel.
 *
 * Conventions (TF-Lite Micro's int8 scheme, as CMSIS-NN's arm_nn_types.h):
 *   - activations are int8 in [H, W, C] layout (batch 1), asymmetric per tensor: real = scale * (q -
 * zero_point);
 *   - weights are int8, symmetric per output channel (zero point 0); biases are int32 in the accumulator's
 *     scale (input_scale * weight_scale[c]);
 *   - requantisation of an int32 accumulator to int8 is TF-Lite's fixed-point MultiplyByQuantizedMultiplier
 *     (Q31 multiplier in [2^30, 2^31), power-of-two shift; shift > 0 is a left shift), then + output zero
 * point, then clamped to [act_min, act_max] (ReLU6 is a clamp, folded into these bounds by the host).
 *   - "input_offset" is the negated input zero point (added to every input value), "output_offset" the output
 *     zero point, exactly as TF-Lite's kernels name them.
 */
#ifndef TN_TYPES_H
#define TN_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Every runtime entry point returns one of these. Values are part of the board protocol (the profiling
 * firmware reports them in its mailbox), so never renumber; add at the end. */
typedef enum {
  TN_OK = 0,
  TN_ERR_ARGUMENT = 1,           /* a kernel argument is out of range (size, stride, quantisation parameter) */
  TN_ERR_BLOB_MAGIC = 2,         /* the model blob does not start with TN_BLOB_MAGIC */
  TN_ERR_BLOB_VERSION = 3,       /* blob format version this runtime does not read */
  TN_ERR_BLOB_SIZE = 4,          /* total size too small, larger than the blob area, or not a multiple of 4 */
  TN_ERR_BLOB_CRC = 5,           /* CRC-32 of the blob does not match its header */
  TN_ERR_BLOB_OP = 6,            /* unknown op type or an op record with impossible fields */
  TN_ERR_BLOB_SHAPE = 7,         /* tensor shapes of an op do not agree with its kernel, stride and padding */
  TN_ERR_BLOB_BOUNDS = 8,        /* an offset points outside the blob or outside the planned arena */
  TN_ERR_ARENA_TOO_SMALL = 9,    /* the plan needs a larger arena than the target has */
  TN_ERR_SCRATCH_TOO_SMALL = 10, /* the plan gives an op less scratch than its kernel requests */
  TN_ERR_NO_MODEL = 11,          /* run requested before a blob was loaded successfully */
  TN_ERR_COMMAND = 12,           /* unknown mailbox command */
  TN_ERR_OVERLAP = 13,           /* an op's operands overlap in the arena where the kernel does not allow it */
  TN_ERR_PATCH_PLAN = 14,        /* the blob's patch plan does not describe its ops (spans, split, tiles) */
  TN_ERR_KERNEL_OMITTED = 15     /* an op needs a kernel this build left out (TN_WITH_* in tn_config.h) */
} tn_status;

/* Short stable name of a status ("blob-crc"), for logs and host messages. */
const char* tn_status_name(tn_status status);

/* A tensor's shape, [H, W, C]. */
typedef struct {
  int32_t h;
  int32_t w;
  int32_t c;
} tn_dims;

/* Quantisation of an op's input and output and the fused activation. */
typedef struct {
  int32_t input_offset;  /* -input zero point, in [-127, 128] */
  int32_t output_offset; /* output zero point, in [-128, 127] */
  int32_t act_min;       /* clamp bounds in the output's int8 domain, -128 <= act_min <= act_max <= 127 */
  int32_t act_max;
} tn_quant_io;

/* Per-output-channel requantisation: multiplier[c] is Q31 in [2^30, 2^31) (or 0 for an all-zero channel),
 * shift[c] in [-31, 30]. */
typedef struct {
  const int32_t* multiplier;
  const int32_t* shift;
} tn_per_channel_quant;

/* Scratch memory handed to a kernel (TF-Lite's "context" buffer): at least the size the matching
 * _get_buffer_size function returned for the same arguments. buf may be NULL when that size is 0. */
typedef struct {
  void* buf;
  int32_t size;
} tn_context;

/* Zero padding (in the input's real terms: the zero point) on each side of a conv's input, 0..kernel-1 each.
 * A layer run whole pads every side alike (tn_padding_uniform); a patch of a patch-based schedule pads only
 * the sides where it touches the image border, so its four sides differ. */
typedef struct {
  int32_t top;
  int32_t bottom;
  int32_t left;
  int32_t right;
} tn_padding;

static inline tn_padding tn_padding_uniform(int32_t pad) {
  tn_padding p;
  p.top = p.bottom = p.left = p.right = pad;
  return p;
}

/* Dense convolution and pointwise (1x1) convolution.
 * Weights [out_c][kernel][kernel][in_c] (OHWI); bias [out_c] (may be NULL: zero). Output
 * h = (pad.top + in.h + pad.bottom - kernel) / stride + 1, w = (pad.left + in.w + pad.right - kernel) / stride + 1.
 */
typedef struct {
  tn_dims input;
  tn_dims output;
  int32_t kernel; /* square, 1..15 */
  int32_t stride; /* 1..4 */
  tn_padding pad;
  tn_quant_io io;
} tn_conv_args;

/* Depthwise convolution, channel multiplier 1. Weights [kernel][kernel][c] (1HWC, TF-Lite's layout); bias
 * [c]. The output may be the input buffer itself (in place, as TinyEngine's depthwise kernels): see
 * tn_kernels.h. */
typedef tn_conv_args tn_dw_conv_args;

/* Fully connected: input [in_c] (any H, W with H * W * C = in_c), weights [out_c][in_c], bias [out_c]. */
typedef struct {
  int32_t in_features;
  int32_t out_features;
  tn_quant_io io;
} tn_fc_args;

/* Residual add of two int8 tensors of `size` elements (TF-Lite's int8 ADD): each input is offset, shifted
 * left by left_shift, rescaled by its own multiplier, summed, and the sum requantised with the output
 * multiplier. */
typedef struct {
  int32_t size;
  int32_t input1_offset;
  int32_t input2_offset;
  int32_t input1_multiplier;
  int32_t input1_shift; /* <= 0 */
  int32_t input2_multiplier;
  int32_t input2_shift; /* <= 0 */
  int32_t left_shift;   /* 0..20; TF-Lite uses 20 for int8 */
  int32_t output_multiplier;
  int32_t output_shift;
  int32_t output_offset;
  int32_t act_min;
  int32_t act_max;
} tn_add_args;

/* Global average pooling [H, W, C] -> [1, 1, C]; the output has the input's scale and zero point (TF-Lite's
 * int8 AVERAGE_POOL_2D), rounded half away from zero, then clamped. */
typedef struct {
  tn_dims input;
  int32_t act_min;
  int32_t act_max;
} tn_avgpool_args;

#ifdef __cplusplus
}
#endif

#endif /* TN_TYPES_H */
