// The firmware's int8 kernels (host build: the pure-C path, the oracle the DSP builds are checked against
// under QEMU) against the plain reference of reference_kernels.hpp, over option grids in the style of ncnn's
// test_convolution.cpp. A failure prints every parameter of the case. Scratch and output buffers carry canary
// bytes, so a kernel that writes past what its getter requested is caught.
#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "reference_kernels.hpp"
#include "tn/tn_kernels.h"
#include "tn_internal.h" // the dispatch predicates
#include "tn_matmul.h"

namespace tinynas {
namespace {

constexpr std::int8_t kCanary = 0x5B;

struct Data {
  std::vector<std::int8_t> input, weights;
  std::vector<std::int32_t> bias, multiplier, shift;
};

// Shifts from -12 to 2: the single-rounding fast path (<= -2) and both general paths (right shift 1 or 0,
// left shift) all occur.
Data random_data(std::mt19937& rng, std::size_t in, std::size_t wt, int channels, bool with_bias = true) {
  std::uniform_int_distribution<int> byte(-128, 127), wbyte(-127, 127), biasv(-40000, 40000), sh(-12, 2);
  std::uniform_int_distribution<std::int32_t> mult(1 << 30, std::numeric_limits<std::int32_t>::max());
  Data d;
  for (std::size_t i = 0; i < in; ++i) d.input.push_back(static_cast<std::int8_t>(byte(rng)));
  for (std::size_t i = 0; i < wt; ++i) d.weights.push_back(static_cast<std::int8_t>(wbyte(rng)));
  for (int c = 0; c < channels; ++c) {
    if (with_bias) d.bias.push_back(biasv(rng));
    d.multiplier.push_back(mult(rng));
    d.shift.push_back(sh(rng));
  }
  return d;
}

tn_quant_io random_io(std::mt19937& rng) {
  std::uniform_int_distribution<int> in_off(-127, 128), out_off(-128, 127), lo(-128, -20), hi(20, 127);
  return {in_off(rng), out_off(rng), lo(rng), hi(rng)};
}

std::string describe(const reference::ConvCase& c) {
  std::ostringstream s;
  s << (c.depthwise ? "depthwise" : "conv") << " h=" << c.h << " w=" << c.w << " cin=" << c.cin << " cout=" << c.cout
    << " k=" << c.k << " stride=" << c.stride << " pad=" << c.pad;
  if (c.per_side)
    s << " sides(t,b,l,r)=" << c.sides.top << "," << c.sides.bottom << "," << c.sides.left << "," << c.sides.right;
  s << " input_offset=" << c.input_offset << " output_offset=" << c.output_offset << " act=[" << c.act_min << ","
    << c.act_max << "]";
  return s.str();
}

// A buffer of n bytes followed by canaries.
struct Guarded {
  explicit Guarded(std::size_t n) : bytes(n + 16, kCanary), size(n) {}
  std::int8_t* data() { return bytes.data(); }
  bool canaries_intact() const {
    for (std::size_t i = size; i < bytes.size(); ++i)
      if (bytes[i] != kCanary) return false;
    return true;
  }
  std::vector<std::int8_t> bytes;
  std::size_t size;
};

void run_conv_case(const reference::ConvCase& c, std::uint32_t seed) {
  SCOPED_TRACE(describe(c) + " seed=" + std::to_string(seed));
  std::mt19937 rng(seed);
  const std::size_t weights =
      c.depthwise ? static_cast<std::size_t>(c.k * c.k * c.cout) : static_cast<std::size_t>(c.cout * c.k * c.k * c.cin);
  const Data d = random_data(rng, static_cast<std::size_t>(c.h * c.w * c.cin), weights, c.cout);
  const std::vector<std::int8_t> expected = reference::conv(c, d.input, d.weights, d.bias, d.multiplier, d.shift);

  tn_conv_args a{};
  a.input = {c.h, c.w, c.cin};
  a.output = {reference::out_h(c), reference::out_w(c), c.cout};
  a.kernel = c.k;
  a.stride = c.stride;
  const reference::Sides pad = reference::sides_of(c);
  a.pad = {pad.top, pad.bottom, pad.left, pad.right};
  a.io = {c.input_offset, c.output_offset, c.act_min, c.act_max};
  const tn_per_channel_quant q{d.multiplier.data(), d.shift.data()};
  const std::int32_t scratch_bytes =
      c.depthwise ? tn_dw_conv_wrapper_get_buffer_size_s8(&a) : tn_conv_wrapper_get_buffer_size_s8(&a);
  Guarded scratch(static_cast<std::size_t>(scratch_bytes));
  const tn_context ctx{scratch_bytes > 0 ? scratch.data() : nullptr, scratch_bytes};
  Guarded out(expected.size());
  tn_status s = c.depthwise
                    ? tn_dw_conv_wrapper_s8(&ctx, &a, &q, d.input.data(), d.weights.data(), d.bias.data(), out.data())
                    : tn_conv_wrapper_s8(&ctx, &a, &q, d.input.data(), d.weights.data(), d.bias.data(), out.data());
  ASSERT_EQ(s, TN_OK) << tn_status_name(s);
  EXPECT_EQ(
      std::vector<std::int8_t>(out.bytes.begin(), out.bytes.begin() + static_cast<std::ptrdiff_t>(expected.size())),
      expected);
  EXPECT_TRUE(out.canaries_intact()) << "wrote past the output";
  EXPECT_TRUE(scratch.canaries_intact()) << "wrote past the requested scratch (" << scratch_bytes << " bytes)";

  if (c.depthwise) { // the same, in place: output over the input in one buffer of max(in, out) bytes
    Guarded buffer(std::max(d.input.size(), expected.size()));
    std::copy(d.input.begin(), d.input.end(), buffer.data());
    Guarded scratch2(static_cast<std::size_t>(scratch_bytes));
    const tn_context ctx2{scratch2.data(), scratch_bytes};
    s = tn_dw_conv_wrapper_s8(&ctx2, &a, &q, buffer.data(), d.weights.data(), d.bias.data(), buffer.data());
    ASSERT_EQ(s, TN_OK) << "in place: " << tn_status_name(s);
    EXPECT_EQ(std::vector<std::int8_t>(buffer.bytes.begin(),
                                       buffer.bytes.begin() + static_cast<std::ptrdiff_t>(expected.size())),
              expected)
        << "in place";
    EXPECT_TRUE(buffer.canaries_intact());
  }
}

TEST(Kernels, DenseConvGrid) {
  std::uint32_t seed = 1;
  for (int hw : {1, 4, 7, 12})
    for (int cin : {1, 3, 4, 5})
      for (int cout : {1, 2, 7, 16})
        for (int k : {3, 5})
          for (int stride : {1, 2})
            for (int pad : {0, k / 2}) {
              if (hw + 2 * pad < k) continue;
              std::mt19937 rng(seed);
              const tn_quant_io io = random_io(rng);
              run_conv_case({hw, hw + 1 <= 12 && hw > 1 ? hw - 1 : hw, cin, cout, k, stride, pad, false,
                             io.input_offset, io.output_offset, io.act_min, io.act_max},
                            seed++);
            }
}

TEST(Kernels, FirstLayerShapes) {
  // the 3-channel stem of every network: 3x3 stride 2 "same" padding, and the 1-channel Fashion-MNIST stem
  std::uint32_t seed = 100;
  for (int cin : {1, 3})
    for (int res : {16, 28, 33}) run_conv_case({res, res, cin, 16, 3, 2, 1, false, 128, -128, -128, 127}, seed++);
}

TEST(Kernels, OneChannelStemGrid) {
  // tn_conv_1ch_s8: odd and even kernels, stride 1 and 2 (and 3), odd sizes, output channels not a multiple of
  // 4 or 2, input offsets at both ends of the range
  std::uint32_t seed = 500;
  for (int hw : {3, 7, 13})
    for (int cout : {5, 8, 16, 19})
      for (int k : {2, 3, 5, 7})
        for (int stride : {1, 2, 3})
          for (int pad : {0, k / 2}) {
            if (hw + 2 * pad < k) continue;
            std::mt19937 rng(seed);
            tn_quant_io io = random_io(rng);
            if (seed % 3 == 0) io.input_offset = seed % 2 == 0 ? 128 : -127;
            run_conv_case(
                {hw, hw + 2, 1, cout, k, stride, pad, false, io.input_offset, io.output_offset, io.act_min, io.act_max},
                seed++);
          }
}

TEST(Kernels, PointwiseGrid) {
  std::uint32_t seed = 200;
  for (int pixels : {1, 2, 3, 9})
    for (int cin : {1, 3, 4, 7, 8, 16, 19, 48})
      for (int cout : {1, 2, 3, 5, 6, 7, 8, 24}) { // blocks of 4, 2 and 1 channels, and every mix of them
        std::mt19937 rng(seed);
        const tn_quant_io io = random_io(rng);
        run_conv_case({1, pixels, cin, cout, 1, 1, 0, false, io.input_offset, io.output_offset, io.act_min, io.act_max},
                      seed++);
      }
}

TEST(Kernels, DepthwiseGrid) {
  std::uint32_t seed = 300;
  for (int hw : {1, 2, 5, 8, 11})
    for (int c : {1, 3, 8, 17})
      for (int k : {3, 5, 7})
        for (int stride : {1, 2})
          for (int pad : {k / 2, 0}) {
            if (hw + 2 * pad < k) continue;
            std::mt19937 rng(seed);
            const tn_quant_io io = random_io(rng);
            run_conv_case(
                {hw, hw + 2, c, c, k, stride, pad, true, io.input_offset, io.output_offset, io.act_min, io.act_max},
                seed++);
          }
}

// Every conv-like kernel with a different padding on each side: what a patch of the patch-based schedule asks
// (it pads only where it touches the image border). Each case is checked against the reference, which pads
// the same sides.
TEST(Kernels, PerSidePaddingGrid) {
  std::uint32_t seed = 700;
  for (int kind = 0; kind < 3; ++kind) // dense conv (3 channels), one-channel stem, depthwise
    for (int k : {3, 5, 7})
      for (int stride : {1, 2})
        for (int top = 0; top <= k / 2; top += k / 2)
          for (int bottom : {0, 1, k / 2})
            for (int left = 0; left <= k / 2; left += k / 2)
              for (int right : {0, k / 2}) {
                const int h = 9, w = 8;
                if (top + h + bottom < k || left + w + right < k) continue;
                std::mt19937 rng(seed);
                const tn_quant_io io = random_io(rng);
                const int cin = kind == 0 ? 3 : kind == 1 ? 1 : 6, cout = kind == 2 ? 6 : 5;
                reference::ConvCase c{
                    h,          w,         cin, cout, k, stride, 0, kind == 2, io.input_offset, io.output_offset,
                    io.act_min, io.act_max};
                c.per_side = true;
                c.sides = {top, bottom, left, right};
                run_conv_case(c, seed++);
              }
}

// A layer computed patch by patch equals the layer computed whole: for every kernel and stride of the space,
// the output is cut into 3 x 3 tiles, each tile's input region (with its halo, clipped at the image) is copied
// out and run with the padding only its border sides have, and the tiles are compared with the whole output.
TEST(Kernels, TilesWithTheirHaloEqualTheWholeLayer) {
  std::uint32_t seed = 900;
  for (int kind = 0; kind < 3; ++kind)
    for (int k : {3, 5, 7})
      for (int stride : {1, 2}) {
        const int size = 14, cin = kind == 0 ? 3 : kind == 1 ? 1 : 8, cout = kind == 2 ? 8 : 6, pad = k / 2;
        std::mt19937 rng(seed++);
        const tn_quant_io io = random_io(rng);
        const reference::ConvCase whole{
            size,       size,      cin, cout, k, stride, pad, kind == 2, io.input_offset, io.output_offset,
            io.act_min, io.act_max};
        SCOPED_TRACE(describe(whole));
        const std::size_t weights =
            kind == 2 ? static_cast<std::size_t>(k * k * cout) : static_cast<std::size_t>(cout * k * k * cin);
        const Data d = random_data(rng, static_cast<std::size_t>(size * size * cin), weights, cout);
        const std::vector<std::int8_t> expected =
            reference::conv(whole, d.input, d.weights, d.bias, d.multiplier, d.shift);
        const int out = reference::out_h(whole), tile = (out + 2) / 3;
        const tn_per_channel_quant q{d.multiplier.data(), d.shift.data()};
        struct Span {
          int out_lo, out_hi, in_lo, in_hi, before, after;
        };
        auto span = [&](int i) {
          Span s{};
          s.out_lo = std::min(out, i * tile);
          s.out_hi = std::min(out, (i + 1) * tile);
          const int first = s.out_lo * stride - pad, end = (s.out_hi - 1) * stride - pad + k;
          s.in_lo = std::max(0, first);
          s.in_hi = std::min(size, end);
          s.before = s.in_lo - first;
          s.after = end - s.in_hi;
          return s;
        };
        for (int i = 0; i < 3; ++i)
          for (int j = 0; j < 3; ++j) {
            const Span r = span(i), col = span(j);
            if (r.out_hi <= r.out_lo || col.out_hi <= col.out_lo) continue;
            tn_conv_args a{};
            a.input = {r.in_hi - r.in_lo, col.in_hi - col.in_lo, cin};
            a.output = {r.out_hi - r.out_lo, col.out_hi - col.out_lo, cout};
            a.kernel = k;
            a.stride = stride;
            a.pad = {r.before, r.after, col.before, col.after};
            a.io = io;
            std::vector<std::int8_t> in(static_cast<std::size_t>(a.input.h * a.input.w * cin));
            for (int y = 0; y < a.input.h; ++y)
              std::copy_n(d.input.begin() + ((r.in_lo + y) * size + col.in_lo) * cin, a.input.w * cin,
                          in.begin() + y * a.input.w * cin);
            const std::int32_t bytes =
                kind == 2 ? tn_dw_conv_wrapper_get_buffer_size_s8(&a) : tn_conv_wrapper_get_buffer_size_s8(&a);
            ASSERT_GT(bytes, 0) << "tile " << i << "," << j;
            std::vector<std::int8_t> scratch(static_cast<std::size_t>(bytes));
            const tn_context ctx{scratch.data(), bytes};
            std::vector<std::int8_t> got(static_cast<std::size_t>(a.output.h * a.output.w * cout));
            const tn_status s =
                kind == 2 ? tn_dw_conv_wrapper_s8(&ctx, &a, &q, in.data(), d.weights.data(), d.bias.data(), got.data())
                          : tn_conv_wrapper_s8(&ctx, &a, &q, in.data(), d.weights.data(), d.bias.data(), got.data());
            ASSERT_EQ(s, TN_OK) << "tile " << i << "," << j << ": " << tn_status_name(s);
            for (int y = 0; y < a.output.h; ++y)
              for (int x = 0; x < a.output.w; ++x)
                for (int c = 0; c < cout; ++c)
                  ASSERT_EQ(got[static_cast<std::size_t>((y * a.output.w + x) * cout + c)],
                            expected[static_cast<std::size_t>(((r.out_lo + y) * out + col.out_lo + x) * cout + c)])
                      << "tile " << i << "," << j << " pixel " << y << "," << x << " channel " << c;
          }
      }
}

TEST(Kernels, FullyConnectedGrid) {
  std::uint32_t seed = 400;
  for (int n : {1, 3, 4, 9, 16, 64, 1280})
    for (int m : {1, 2, 3, 4, 5, 6, 7, 10}) {
      std::mt19937 rng(seed++);
      const Data d = random_data(rng, static_cast<std::size_t>(n), static_cast<std::size_t>(n * m), m);
      const tn_quant_io io = random_io(rng);
      SCOPED_TRACE("fc n=" + std::to_string(n) + " m=" + std::to_string(m) + " input_offset=" +
                   std::to_string(io.input_offset) + " output_offset=" + std::to_string(io.output_offset));
      const tn_fc_args a{n, m, io};
      const std::int32_t bytes = tn_fully_connected_get_buffer_size_s8(&a);
      Guarded scratch(static_cast<std::size_t>(bytes));
      const tn_context ctx{bytes > 0 ? scratch.data() : nullptr, bytes};
      const tn_per_channel_quant q{d.multiplier.data(), d.shift.data()};
      Guarded out(static_cast<std::size_t>(m));
      ASSERT_EQ(tn_fully_connected_s8(&ctx, &a, &q, d.input.data(), d.weights.data(), d.bias.data(), out.data()),
                TN_OK);
      EXPECT_EQ(std::vector<std::int8_t>(out.bytes.begin(), out.bytes.begin() + m),
                reference::fully_connected(n, m, d.input, d.weights, d.bias, d.multiplier, d.shift, io.input_offset,
                                           io.output_offset, io.act_min, io.act_max));
      EXPECT_TRUE(out.canaries_intact());
      EXPECT_TRUE(scratch.canaries_intact());
    }
}

TEST(Kernels, AddMatchesTfliteFormula) {
  std::mt19937 rng(500);
  std::uniform_int_distribution<int> byte(-128, 127), off(-127, 128), oo(-128, 127), sh(-8, 0), osh(-20, -5);
  std::uniform_int_distribution<std::int32_t> mult(1 << 30, std::numeric_limits<std::int32_t>::max());
  for (int trial = 0; trial < 50; ++trial) {
    tn_add_args a{};
    a.size = 1 + trial * 7;
    a.input1_offset = off(rng);
    a.input2_offset = off(rng);
    a.input1_multiplier = mult(rng);
    a.input1_shift = sh(rng);
    a.input2_multiplier = mult(rng);
    a.input2_shift = sh(rng);
    a.left_shift = 20;
    a.output_multiplier = mult(rng);
    a.output_shift = osh(rng);
    a.output_offset = oo(rng);
    a.act_min = -128;
    a.act_max = 127;
    std::vector<std::int8_t> x1, x2, out(static_cast<std::size_t>(a.size));
    for (int i = 0; i < a.size; ++i) {
      x1.push_back(static_cast<std::int8_t>(byte(rng)));
      x2.push_back(static_cast<std::int8_t>(byte(rng)));
    }
    ASSERT_EQ(tn_add_s8(&a, x1.data(), x2.data(), out.data()), TN_OK);
    for (int i = 0; i < a.size; ++i)
      ASSERT_EQ(out[static_cast<std::size_t>(i)],
                reference::add(x1[static_cast<std::size_t>(i)], x2[static_cast<std::size_t>(i)], a.input1_offset,
                               a.input2_offset, a.left_shift, a.input1_multiplier, a.input1_shift, a.input2_multiplier,
                               a.input2_shift, a.output_multiplier, a.output_shift, a.output_offset, -128, 127))
          << "trial " << trial << " element " << i;
    // in place over input 1, as elementwise ops may run
    std::vector<std::int8_t> inplace = x1;
    ASSERT_EQ(tn_add_s8(&a, inplace.data(), x2.data(), inplace.data()), TN_OK);
    EXPECT_EQ(inplace, out);
  }
}

TEST(Kernels, GlobalAveragePoolRoundsHalfAwayFromZero) {
  std::mt19937 rng(600);
  for (int h : {1, 2, 3, 7})
    for (int c : {1, 4, 9}) {
      std::uniform_int_distribution<int> byte(-128, 127);
      std::vector<std::int8_t> in;
      for (int i = 0; i < h * (h + 1) * c; ++i) in.push_back(static_cast<std::int8_t>(byte(rng)));
      const tn_avgpool_args a{{h, h + 1, c}, -100, 100};
      std::vector<std::int8_t> out(static_cast<std::size_t>(c));
      ASSERT_EQ(tn_avgpool_s8(&a, in.data(), out.data()), TN_OK);
      EXPECT_EQ(out, reference::global_avgpool(h, h + 1, c, in, -100, 100)) << "h=" << h << " c=" << c;
    }
  // by hand: (1 + 2) / 2 = 1.5 -> 2, (-1 - 2) / 2 = -1.5 -> -2
  const std::vector<std::int8_t> in = {1, -1, 2, -2};
  std::vector<std::int8_t> out(2);
  const tn_avgpool_args a{{1, 2, 2}, -128, 127};
  ASSERT_EQ(tn_avgpool_s8(&a, in.data(), out.data()), TN_OK);
  EXPECT_EQ(out, (std::vector<std::int8_t>{2, -2}));
}

TEST(Requantize, FastPathEqualsTfliteOnRandomAndExtremeValues) {
  std::mt19937 rng(700);
  std::uniform_int_distribution<std::int32_t> mult(1 << 30, std::numeric_limits<std::int32_t>::max());
  std::uniform_int_distribution<std::int32_t> any(std::numeric_limits<std::int32_t>::min(),
                                                  std::numeric_limits<std::int32_t>::max());
  std::uniform_int_distribution<int> small(-300000, 300000), right(2, 31);
  for (int i = 0; i < 2000000; ++i) {
    const std::int32_t m = mult(rng);
    const int r = right(rng);
    std::int32_t acc = (i % 3 == 0) ? any(rng) : small(rng);
    if (i % 101 == 0)
      acc = (i % 2) ? std::numeric_limits<std::int32_t>::min() : std::numeric_limits<std::int32_t>::max();
    const tn_requant_channel q = tn_requant_channel_make(m, -r);
    ASSERT_TRUE(q.fast);
    ASSERT_EQ(tn_requant_channel_apply(acc, &q), reference::multiply_by_quantized_multiplier(acc, m, -r))
        << "acc=" << acc << " multiplier=" << m << " shift=" << -r;
  }
}

TEST(Requantize, AccSignFastPathEqualsTflite) {
  // tn_requantize_fast_acc_sign (tn_conv_1ch_s8) tests the accumulator's sign instead of the product's: every
  // multiplier from 0 up, so acc < 0 with acc * M in [-2^30, 0) (where the two signs differ) is hit often
  std::mt19937 rng(710);
  std::uniform_int_distribution<std::int32_t> mult(0, std::numeric_limits<std::int32_t>::max()), low(0, 1 << 12);
  std::uniform_int_distribution<std::int32_t> any(std::numeric_limits<std::int32_t>::min(),
                                                  std::numeric_limits<std::int32_t>::max());
  std::uniform_int_distribution<int> small(-300000, 300000), right(2, 31);
  for (int i = 0; i < 2000000; ++i) {
    const std::int32_t m = (i % 4 == 0) ? low(rng) : mult(rng);
    const int r = right(rng);
    std::int32_t acc = (i % 3 == 0) ? any(rng) : small(rng);
    if (i % 101 == 0)
      acc = (i % 2) ? std::numeric_limits<std::int32_t>::min() : std::numeric_limits<std::int32_t>::max();
    if (i % 7 == 0 && m > 0) acc = -static_cast<std::int32_t>((std::int64_t{1} << 30) / m) - (i % 2); // at -2^30
    const tn_requant_channel q = tn_requant_channel_make(m, -r);
    ASSERT_EQ(tn_requantize_fast_acc_sign(acc, m, q.high, q.right),
              reference::multiply_by_quantized_multiplier(acc, m, -r))
        << "acc=" << acc << " multiplier=" << m << " shift=" << -r;
  }
}

TEST(Requantize, TiesRoundHalfAwayFromZero) {
  // multiplier 2^30 (0.5): acc * 0.5 = x exactly, then x / 2^r with remainders at exactly one half
  const std::int32_t m = 1 << 30;
  for (int r = 1; r <= 10; ++r)
    for (std::int32_t acc :
         {2 * ((1 << r) + (1 << (r - 1))), -2 * ((1 << r) + (1 << (r - 1))), 2 * (1 << (r - 1)), -2 * (1 << (r - 1))}) {
      const tn_requant_channel q = tn_requant_channel_make(m, -r);
      EXPECT_EQ(tn_requant_channel_apply(acc, &q), reference::multiply_by_quantized_multiplier(acc, m, -r))
          << "acc=" << acc << " r=" << r;
    }
  EXPECT_EQ(reference::multiply_by_quantized_multiplier(6, m, -1), 2);   // 3 / 2 = 1.5 -> 2
  EXPECT_EQ(reference::multiply_by_quantized_multiplier(-6, m, -1), -2); // -1.5 -> -2
}

TEST(Kernels, BadArgumentsAreRefusedNotFaulted) {
  std::vector<std::int8_t> in(64, 1), w(64, 1), out(64);
  std::vector<std::int32_t> mult(4, 1 << 30), shift(4, -3), bias(4, 0);
  const tn_per_channel_quant q{mult.data(), shift.data()};
  std::vector<std::int8_t> scratch(256);
  const tn_context ctx{scratch.data(), 256};
  tn_conv_args a{};
  a.input = {4, 4, 1};
  a.output = {2, 2, 4};
  a.kernel = 3;
  a.stride = 2;
  a.pad = tn_padding_uniform(1);
  a.io = {0, 0, -128, 127};
  EXPECT_EQ(tn_conv_wrapper_s8(&ctx, &a, &q, in.data(), w.data(), bias.data(), out.data()), TN_OK);
  tn_conv_args bad = a;
  bad.output.h = 3; // inconsistent with kernel/stride/pad
  EXPECT_EQ(tn_conv_wrapper_s8(&ctx, &bad, &q, in.data(), w.data(), bias.data(), out.data()), TN_ERR_ARGUMENT);
  bad = a;
  bad.stride = 0;
  EXPECT_EQ(tn_conv_wrapper_s8(&ctx, &bad, &q, in.data(), w.data(), bias.data(), out.data()), TN_ERR_ARGUMENT);
  bad = a;
  bad.io.act_min = 10;
  bad.io.act_max = 5;
  EXPECT_EQ(tn_conv_wrapper_s8(&ctx, &bad, &q, in.data(), w.data(), bias.data(), out.data()), TN_ERR_ARGUMENT);
  EXPECT_EQ(tn_conv_wrapper_s8(&ctx, &a, &q, nullptr, w.data(), bias.data(), out.data()), TN_ERR_ARGUMENT);
  const tn_context small{scratch.data(), tn_conv_wrapper_get_buffer_size_s8(&a) - 1};
  EXPECT_EQ(tn_conv_wrapper_s8(&small, &a, &q, in.data(), w.data(), bias.data(), out.data()), TN_ERR_ARGUMENT);
  std::vector<std::int32_t> bad_shift(4, 40);
  const tn_per_channel_quant bq{mult.data(), bad_shift.data()};
  EXPECT_EQ(tn_conv_wrapper_s8(&ctx, &a, &bq, in.data(), w.data(), bias.data(), out.data()), TN_ERR_ARGUMENT);
  // depthwise: partial overlap of input and output is refused (exact aliasing is in place, and allowed)
  tn_dw_conv_args d{};
  d.input = {4, 4, 2};
  d.output = {4, 4, 2};
  d.kernel = 3;
  d.stride = 1;
  d.pad = tn_padding_uniform(1);
  d.io = {0, 0, -128, 127};
  std::vector<std::int8_t> buf(80, 0);
  EXPECT_EQ(tn_dw_conv_wrapper_s8(&ctx, &d, &q, buf.data(), w.data(), bias.data(), buf.data() + 3), TN_ERR_ARGUMENT);
  EXPECT_EQ(tn_dw_conv_wrapper_s8(&ctx, &d, &q, buf.data(), w.data(), bias.data(), buf.data()), TN_OK);
}

TEST(Kernels, GettersFollowTheDispatchPredicates) {
  tn_conv_args a{};
  a.input = {10, 10, 24};
  a.output = {10, 10, 40};
  a.kernel = 1;
  a.stride = 1;
  a.pad = tn_padding_uniform(0);
  a.io = {0, 0, -128, 127};
  ASSERT_TRUE(tn_conv_1x1_applies(&a));
  EXPECT_EQ(tn_conv_wrapper_get_buffer_size_s8(&a), tn_conv_1x1_get_buffer_size_s8(&a));
  EXPECT_EQ(tn_conv_1x1_get_buffer_size_s8(&a), 16 * 24 / 4);
  a.kernel = 3;
  a.pad = tn_padding_uniform(1);
  ASSERT_FALSE(tn_conv_1x1_applies(&a));
  EXPECT_EQ(tn_conv_wrapper_get_buffer_size_s8(&a), tn_conv_get_buffer_size_s8(&a));
  EXPECT_EQ(tn_conv_get_buffer_size_s8(&a), 2 * (9 * 24)); // two columns, 216 already a multiple of 4
  a.input.c = 1;                                           // the grey stem
  ASSERT_TRUE(tn_conv_1ch_applies(&a));
  EXPECT_EQ(tn_conv_wrapper_get_buffer_size_s8(&a), tn_conv_1ch_get_buffer_size_s8(&a));
  // 3x3: every channel's record (6 weight words, bias, multiplier, 2 shift words), 3 rows of 10 + 2 + 1 int16
  EXPECT_EQ(tn_conv_1ch_get_buffer_size_s8(&a), 40 * 40 + 3 * 28);
  a.kernel = 5; // other kernels: one channel's weights, 5 * 3 words, then 5 rows of 10 + 4 + 1 int16
  a.pad = tn_padding_uniform(2);
  EXPECT_EQ(tn_conv_1ch_get_buffer_size_s8(&a), 4 * 5 * 3 + 5 * 32);
  a.kernel = 9;
  a.pad = tn_padding_uniform(4);
  ASSERT_FALSE(tn_conv_1ch_applies(&a));
  EXPECT_EQ(tn_conv_wrapper_get_buffer_size_s8(&a), tn_conv_get_buffer_size_s8(&a));
  a.kernel = 3;
  a.pad = tn_padding_uniform(1);
  a.input.c = 24;
  tn_dw_conv_args d = a;
  d.output.c = 24;
  ASSERT_TRUE(tn_dw_conv_3x3_applies(&d));
  EXPECT_EQ(tn_dw_conv_wrapper_get_buffer_size_s8(&d), 12 * 12); // one padded plane
  d.kernel = 5;
  d.pad = tn_padding_uniform(2);
  ASSERT_FALSE(tn_dw_conv_3x3_applies(&d));
  EXPECT_EQ(tn_dw_conv_wrapper_get_buffer_size_s8(&d), 14 * 14);
}

} // namespace
} // namespace tinynas
