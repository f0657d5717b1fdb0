/*
 * The model blob: what the host (profiler/src/model_blob.cpp) writes and the interpreter runs. One
 * contiguous, little-endian, 4-byte-aligned byte string:
 *
 *   offset 0              tn_blob_header (64 bytes)
 *   header.ops_offset     header.op_count x tn_op_record (100 bytes each), in execution order
 *   after the records     data: int8 weights, int32 biases, int32 multipliers and shifts; every array starts
 * on a 4-byte boundary and op records refer to them by byte offset from the blob's start
 *
 * The memory plan is part of the blob (TF-Lite Micro's "offline memory plan"): every tensor and every kernel
 * scratch buffer has a fixed offset in one arena of header.arena_bytes, computed by the host's planner
 * (profiler, schedule inplace-dw). A depthwise conv whose output offset equals its input offset runs in
 * place.
 *
 * Integrity: magic, version, total size, then CRC-32 (IEEE 802.3, reflected, init and final xor 0xFFFFFFFF,
 * as zlib's crc32) over bytes [16, total_bytes): everything after the CRC field. The interpreter also checks
 * every record (types, shapes, offsets inside the blob and the arena, scratch at least what the kernel
 * requests) before it runs anything, so a corrupt or hostile blob gives a status, never a fault.
 *
 * Version history: 1 = this layout. Bump TN_BLOB_VERSION on any change of these structs or their meaning.
 */
#ifndef TN_MODEL_FORMAT_H
#define TN_MODEL_FORMAT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TN_BLOB_MAGIC 0x424D4E54u /* "TNMB" as little-endian bytes */
#define TN_BLOB_VERSION 1u
#define TN_BLOB_CRC_START 16u    /* the CRC covers [TN_BLOB_CRC_START, total_bytes) */
#define TN_NO_OFFSET 0xFFFFFFFFu /* an absent operand (no second input, no scratch, no bias) */

typedef enum {
  TN_OP_CONV = 1,      /* dense kxk conv (tn_conv_wrapper_s8) */
  TN_OP_DEPTHWISE = 2, /* depthwise conv (tn_dw_conv_wrapper_s8); in place when output == input offset */
  TN_OP_POINTWISE = 3, /* 1x1 conv (tn_conv_wrapper_s8) */
  TN_OP_ADD = 4,       /* residual add (tn_add_s8) */
  TN_OP_AVGPOOL = 5,   /* global average pool (tn_avgpool_s8) */
  TN_OP_FC = 6         /* fully connected (tn_fully_connected_s8) */
} tn_op_type;

typedef struct {
  uint32_t magic;        /* TN_BLOB_MAGIC */
  uint32_t version;      /* TN_BLOB_VERSION */
  uint32_t total_bytes;  /* the whole blob, header included; a multiple of 4 */
  uint32_t crc32;        /* CRC-32 of bytes [16, total_bytes) */
  uint32_t op_count;     /* >= 1 */
  uint32_t ops_offset;   /* byte offset of the first op record (64) */
  uint32_t arena_bytes;  /* size of the planned arena */
  uint32_t input_offset; /* arena offset of the network input [H, W, C] */
  uint32_t input_bytes;
  uint32_t output_offset; /* arena offset of the network output (the logits) */
  uint32_t output_bytes;
  int32_t input_zero_point;
  int32_t output_zero_point;
  uint32_t reserved[3]; /* 0 */
} tn_blob_header;

typedef struct {
  uint8_t type;   /* tn_op_type */
  uint8_t kernel; /* 1 for add, pool, fc */
  uint8_t stride;
  uint8_t pad;
  uint16_t in_h, in_w, in_c;
  uint16_t out_h, out_w, out_c;
  /* arena offsets (bytes) */
  uint32_t input;
  uint32_t input2; /* add only; TN_NO_OFFSET otherwise */
  uint32_t output;
  uint32_t scratch;       /* TN_NO_OFFSET when scratch_bytes == 0 */
  uint32_t scratch_bytes; /* planned scratch, >= the kernel's get_buffer_size */
  /* quantisation */
  int32_t input_offset;  /* -input zero point */
  int32_t input2_offset; /* add only */
  int32_t output_offset; /* output zero point */
  int32_t act_min;
  int32_t act_max;
  /* blob offsets (bytes) of the constant arrays; TN_NO_OFFSET when absent */
  uint32_t weights;    /* int8 */
  uint32_t bias;       /* int32 [out_c] */
  uint32_t multiplier; /* int32 [out_c] */
  uint32_t shift;      /* int32 [out_c] */
  /* add only: TF-Lite's int8 ADD rescaling */
  int32_t input1_multiplier, input1_shift;
  int32_t input2_multiplier, input2_shift;
  int32_t output_multiplier, output_shift;
  int32_t left_shift;
} tn_op_record;

#ifdef __cplusplus
}
#endif

#endif /* TN_MODEL_FORMAT_H */
