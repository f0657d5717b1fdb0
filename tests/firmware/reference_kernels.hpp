#pragma once
// A straightforward int8 reference for the firmware kernels, written from TF-Lite's reference kernels and
// gemmlowp's fixed-point helpers (nudged rounding division, RoundingDivideByPOT) rather than from the
// firmware's code: plain loops, int64 arithmetic, bounds checks instead of padding buffers.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

namespace tinynas::reference {

inline std::int32_t saturating_rounding_doubling_high_mul(std::int32_t a, std::int32_t b) {
  if (a == b && a == std::numeric_limits<std::int32_t>::min()) return std::numeric_limits<std::int32_t>::max();
  const std::int64_t ab = std::int64_t{a} * b;
  const std::int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  return static_cast<std::int32_t>((ab + nudge) / (std::int64_t{1} << 31)); // division truncates toward zero
}

inline std::int32_t rounding_divide_by_pot(std::int32_t x, int exponent) {
  const std::int32_t mask = static_cast<std::int32_t>((std::int64_t{1} << exponent) - 1);
  const std::int32_t remainder = x & mask;
  const std::int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

inline std::int32_t multiply_by_quantized_multiplier(std::int32_t x, std::int32_t multiplier, int shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  const auto shifted = static_cast<std::int32_t>(static_cast<std::uint32_t>(x) << left);
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, multiplier), right);
}

inline std::int8_t clamp8(std::int32_t v, int lo, int hi) { return static_cast<std::int8_t>(std::clamp(v, lo, hi)); }

struct Sides {
  int top = 0, bottom = 0, left = 0, right = 0;
};

struct ConvCase {
  int h, w, cin, cout, k, stride, pad;
  bool depthwise;
  int input_offset, output_offset, act_min, act_max;
  bool per_side = false; // true: `sides` pads each side (a patch's call), else `pad` pads all four
  Sides sides{};
};

inline Sides sides_of(const ConvCase& c) { return c.per_side ? c.sides : Sides{c.pad, c.pad, c.pad, c.pad}; }

inline int out_size(int in, int k, int s, int p) { return (in + 2 * p - k) / s + 1; }
inline int out_size(int in, int k, int s, int before, int after) { return (before + in + after - k) / s + 1; }
inline int out_h(const ConvCase& c) { return out_size(c.h, c.k, c.stride, sides_of(c).top, sides_of(c).bottom); }
inline int out_w(const ConvCase& c) { return out_size(c.w, c.k, c.stride, sides_of(c).left, sides_of(c).right); }

// input [h][w][cin]; weights conv OHWI [cout][k][k][cin], depthwise [k][k][c]
inline std::vector<std::int8_t> conv(const ConvCase& c, const std::vector<std::int8_t>& in,
                                     const std::vector<std::int8_t>& wt, const std::vector<std::int32_t>& bias,
                                     const std::vector<std::int32_t>& mult, const std::vector<std::int32_t>& shift) {
  const int oh = out_h(c), ow = out_w(c);
  const Sides pad = sides_of(c);
  std::vector<std::int8_t> out(static_cast<std::size_t>(oh * ow * c.cout));
  for (int y = 0; y < oh; ++y)
    for (int x = 0; x < ow; ++x)
      for (int o = 0; o < c.cout; ++o) {
        std::int64_t acc = bias.empty() ? 0 : bias[static_cast<std::size_t>(o)];
        for (int ky = 0; ky < c.k; ++ky)
          for (int kx = 0; kx < c.k; ++kx) {
            const int iy = y * c.stride - pad.top + ky, ix = x * c.stride - pad.left + kx;
            if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue; // zero padding in real terms
            if (c.depthwise) {
              acc += (in[static_cast<std::size_t>((iy * c.w + ix) * c.cin + o)] + c.input_offset) *
                     wt[static_cast<std::size_t>((ky * c.k + kx) * c.cout + o)];
            } else {
              for (int i = 0; i < c.cin; ++i)
                acc += (in[static_cast<std::size_t>((iy * c.w + ix) * c.cin + i)] + c.input_offset) *
                       wt[static_cast<std::size_t>(((o * c.k + ky) * c.k + kx) * c.cin + i)];
            }
          }
        const std::int32_t v = multiply_by_quantized_multiplier(
            static_cast<std::int32_t>(acc), mult[static_cast<std::size_t>(o)], shift[static_cast<std::size_t>(o)]);
        out[static_cast<std::size_t>((y * ow + x) * c.cout + o)] = clamp8(v + c.output_offset, c.act_min, c.act_max);
      }
  return out;
}

inline std::vector<std::int8_t>
fully_connected(int n, int m, const std::vector<std::int8_t>& in, const std::vector<std::int8_t>& wt,
                const std::vector<std::int32_t>& bias, const std::vector<std::int32_t>& mult,
                const std::vector<std::int32_t>& shift, int in_off, int out_off, int lo, int hi) {
  std::vector<std::int8_t> out(static_cast<std::size_t>(m));
  for (int o = 0; o < m; ++o) {
    std::int64_t acc = bias.empty() ? 0 : bias[static_cast<std::size_t>(o)];
    for (int i = 0; i < n; ++i)
      acc += (in[static_cast<std::size_t>(i)] + in_off) * wt[static_cast<std::size_t>(o * n + i)];
    out[static_cast<std::size_t>(o)] =
        clamp8(multiply_by_quantized_multiplier(static_cast<std::int32_t>(acc), mult[static_cast<std::size_t>(o)],
                                                shift[static_cast<std::size_t>(o)]) +
                   out_off,
               lo, hi);
  }
  return out;
}

// TF-Lite reference_integer_ops::AddElementwise (int8).
inline std::int8_t add(std::int8_t a, std::int8_t b, int off1, int off2, int left_shift, std::int32_t m1, int s1,
                       std::int32_t m2, int s2, std::int32_t mo, int so, int out_off, int lo, int hi) {
  const std::int32_t x1 = (a + off1) * (1 << left_shift), x2 = (b + off2) * (1 << left_shift);
  const std::int32_t raw = multiply_by_quantized_multiplier(x1, m1, s1) + multiply_by_quantized_multiplier(x2, m2, s2);
  return clamp8(multiply_by_quantized_multiplier(raw, mo, so) + out_off, lo, hi);
}

// TF-Lite reference_integer_ops::AveragePool over the whole plane.
inline std::vector<std::int8_t> global_avgpool(int h, int w, int c, const std::vector<std::int8_t>& in, int lo,
                                               int hi) {
  std::vector<std::int8_t> out(static_cast<std::size_t>(c));
  const int count = h * w;
  for (int ch = 0; ch < c; ++ch) {
    std::int32_t acc = 0;
    for (int p = 0; p < count; ++p) acc += in[static_cast<std::size_t>(p * c + ch)];
    acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
    out[static_cast<std::size_t>(ch)] = clamp8(acc, lo, hi);
  }
  return out;
}

} // namespace tinynas::reference
