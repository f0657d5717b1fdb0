/*
 * Which instruction-set path the kernels compile, derived once from the compiler's feature macros (as
 * CMSIS-NN's arm_nn_math_types.h does).
 *
 *   TN_HAS_DSP  1 when the target has the Armv7E-M DSP extension (Cortex-M4/M7/M33 with DSP): the kernels use
 * the SIMD multiply-accumulate intrinsics of GCC's <arm_acle.h> (__smlad, __sxtb16, __sxtab16, ...). 0 on the
 * host and on cores without it: the pure-C path.
 *
 * The pure-C path is always compiled and is the oracle: the host build (which the profiler links as the
 * bit-exact reference) runs it, and the tests require every DSP path to produce the same bytes. Define
 * TN_FORCE_PURE_C to compile the pure-C path on a DSP core too (the firmware's "-purec" images, for
 * comparisons).
 */
#ifndef TN_CONFIG_H
#define TN_CONFIG_H

#if defined(__ARM_FEATURE_DSP) && (__ARM_FEATURE_DSP == 1) && !defined(TN_FORCE_PURE_C)
#define TN_HAS_DSP 1
#else
#define TN_HAS_DSP 0
#endif

/* Name of the compiled path, reported by the firmware and in benchmark output. */
#if TN_HAS_DSP
#define TN_ISA_PATH "dsp"
#else
#define TN_ISA_PATH "pure-c"
#endif

/* Kernels compiled in (1, the default) or left out (0), so an application links only what its model runs
 * (`tinynas deploy` defines the unused ones to 0). An op whose kernel is left out falls back to the general
 * kernel of its kind when that is compiled (at that kernel's scratch, which the blob's plan may not give:
 * TN_ERR_SCRATCH_TOO_SMALL), else tn_model_load refuses it with TN_ERR_KERNEL_OMITTED. */
#ifndef TN_WITH_CONV
#define TN_WITH_CONV 1 /* tn_conv_s8: any dense conv (im2col) */
#endif
#ifndef TN_WITH_CONV_1X1
#define TN_WITH_CONV_1X1 1 /* tn_conv_1x1_s8: pointwise */
#endif
#ifndef TN_WITH_CONV_1CH
#define TN_WITH_CONV_1CH 1 /* tn_conv_1ch_s8: a one-channel image's stem */
#endif
#ifndef TN_WITH_DW
#define TN_WITH_DW 1 /* tn_dw_conv_s8: any depthwise kernel */
#endif
#ifndef TN_WITH_DW_3X3
#define TN_WITH_DW_3X3 1 /* tn_dw_conv_3x3_s8 */
#endif
#ifndef TN_WITH_ADD
#define TN_WITH_ADD 1 /* tn_add_s8: residual adds */
#endif

#endif /* TN_CONFIG_H */
