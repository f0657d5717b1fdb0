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

#endif /* TN_CONFIG_H */
