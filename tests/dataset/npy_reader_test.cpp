// The NumPy readers: hand-built .npy bytes for every dtype and format version, the header dict
// parser's edge cases, every malformed file rejected with an Error naming it, and .npz archives
// written by Debian's numpy (/usr/bin/python3; skipped when numpy is missing) read back equal.

#include <gtest/gtest.h>

#include <limits>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "dataset/dataset_test_support.hpp"
#include "test_support.hpp"
#include "tinynas/dataset/npy.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {
namespace {

using test::expect_bad;
using test::ScratchDir;

// An .npy file: magic, version, header length (2 bytes for version 1, else 4), the dict padded
// with spaces and a newline so the data starts at a multiple of 64, then `data`.
std::string npy_bytes(const std::string& dict, const std::string& data, int version = 1) {
  const std::size_t prefix = version == 1 ? 10 : 12;
  std::string header = dict;
  while ((prefix + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(version);
  out += '\0';
  for (std::size_t i = 0; i < prefix - 8; ++i) out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header + data;
}

std::string dict(const std::string& descr, const std::string& shape, const std::string& fortran = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
}

// Little-endian bytes of `values` as `bytes`-wide integers.
std::string le(const std::vector<std::int64_t>& values, std::size_t bytes) {
  std::string out;
  for (std::int64_t v : values)
    for (std::size_t i = 0; i < bytes; ++i) out += static_cast<char>((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xff);
  return out;
}

std::string le_floats(const std::vector<float>& values) {
  std::string out;
  for (float f : values) {
    std::uint32_t bits = 0;
    std::memcpy(&bits, &f, 4);
    out += le({static_cast<std::int64_t>(bits)}, 4);
  }
  return out;
}

bool have_numpy() { return std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0; }
bool have_python() { return std::system("/usr/bin/python3 -c 'import zipfile' >/dev/null 2>&1") == 0; }

// Runs a Python script with Debian's interpreter in `dir`.
void run_python(const ScratchDir& dir, const std::string& script) {
  const std::string file = dir.write("make.py", script);
  const std::string command = "cd '" + dir.path().string() + "' && /usr/bin/python3 '" + file + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << script;
}

TEST(NpyHeader, ParsesKeysInAnyOrderAndQuoting) {
  NpyHeader h = parse_npy_header("{'shape': (60000, 28, 28), 'fortran_order': False, 'descr': '|u1'}", "f");
  EXPECT_EQ(h.descr, "|u1");
  EXPECT_FALSE(h.fortran_order);
  EXPECT_EQ(h.shape, (std::vector<std::uint64_t>{60000, 28, 28}));
  h = parse_npy_header("  {\"descr\":\"<f4\",\"fortran_order\":True,\"shape\":(10,),}   \n", "f");
  EXPECT_EQ(h.descr, "<f4");
  EXPECT_TRUE(h.fortran_order);
  EXPECT_EQ(h.shape, (std::vector<std::uint64_t>{10}));
  h = parse_npy_header("{'descr': '<i8', 'fortran_order': False, 'shape': (), }", "f");
  EXPECT_TRUE(h.shape.empty());
  h = parse_npy_header("{'descr': '<i8', 'fortran_order': False, 'shape': ( 2 , 3 ) }", "f");
  EXPECT_EQ(h.shape, (std::vector<std::uint64_t>{2, 3}));
}

TEST(NpyHeader, RejectsMalformedDicts) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "expected '{'"},
      {"{'descr': '<f4', 'fortran_order': False}", "missing key 'shape'"},
      {"{'descr': '<f4', 'shape': (1,)}", "missing key 'fortran_order'"},
      {"{'fortran_order': False, 'shape': (1,)}", "missing key 'descr'"},
      {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", "appears twice"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", "unexpected key 'extra'"},
      {"{'descr': '<f4', 'fortran_order': false, 'shape': (1,)}", "True or False"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, -2)}", "non-negative integer"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3, 4, 5, 6)}", "more than 5 dimensions"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", "too large"},
      {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", "structured dtypes"},
      {"{'descr' '<f4', 'fortran_order': False, 'shape': (1,)}", "expected ':'"},
      {"{'descr': '<f4' 'fortran_order': False, 'shape': (1,)}", "expected ',' or '}'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x", "after the header dict"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1 2)}", "expected ',' or ')'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,", "expected a non-negative integer"},
      {"{'descr': 'abc", "unterminated string"},
  };
  for (const auto& [text, fragment] : cases) expect_bad([&] { parse_npy_header(text, "h.npy"); }, "h.npy", fragment);
}

TEST(NpyReader, RoundTripsEveryDtypeAndVersion) {
  ScratchDir dir;
  struct Case {
    std::string descr;
    NpyDtype type;
    std::size_t bytes;
    std::vector<std::int64_t> values;
  };
  const std::vector<Case> cases = {
      {"|u1", NpyDtype::kUint8, 1, {0, 7, 255}},         {"<u1", NpyDtype::kUint8, 1, {1, 2, 200}},
      {"|i1", NpyDtype::kInt8, 1, {-128, 0, 127}},       {"<i2", NpyDtype::kInt16, 2, {-32768, 5, 32767}},
      {"<u2", NpyDtype::kUint16, 2, {0, 300, 65535}},    {"<i4", NpyDtype::kInt32, 4, {-70000, 9, 2147483647}},
      {"<i8", NpyDtype::kInt64, 8, {-5000000000, 3, 9}},
  };
  for (int version = 1; version <= 3; ++version) {
    for (const Case& c : cases) {
      const std::string path = dir.write("a" + std::to_string(version) + c.descr.substr(1) + ".npy",
                                         npy_bytes(dict(c.descr, "(3,)"), le(c.values, c.bytes), version));
      const NpyArray a = read_npy(path);
      EXPECT_EQ(a.dtype, c.type) << c.descr;
      EXPECT_EQ(a.shape, (std::vector<std::uint64_t>{3}));
      ASSERT_EQ(a.count(), 3u);
      for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(a.integer(i), c.values[i]) << c.descr << " v" << version;
    }
    const std::vector<float> f = {0.0f, 0.5f, -1.25f, 1e30f, 3.0f, 1.0f};
    const NpyArray a = read_npy(dir.write("f.npy", npy_bytes(dict("<f4", "(2, 3)"), le_floats(f), version)));
    EXPECT_EQ(a.dtype, NpyDtype::kFloat32);
    EXPECT_EQ(a.shape, (std::vector<std::uint64_t>{2, 3}));
    for (std::size_t i = 0; i < f.size(); ++i) EXPECT_EQ(a.real(i), f[i]);
  }
  // A scalar and an empty array.
  EXPECT_EQ(read_npy(dir.write("s.npy", npy_bytes(dict("<i4", "()"), le({42}, 4)))).integer(0), 42);
  EXPECT_EQ(read_npy(dir.write("e.npy", npy_bytes(dict("<i4", "(0, 5)"), ""))).count(), 0u);
}

// integer() of a float32 element: truncated toward zero, saturated to int64 (1e30 was undefined behaviour: UBSan
// found it through the npy fuzz target), NaN 0.
TEST(NpyReader, FloatsAsIntegersAreTruncatedAndSaturated) {
  const std::vector<float> f = {
      2.9f, -2.9f, 1e30f, -1e30f, std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()};
  const NpyArray a = parse_npy(npy_bytes(dict("<f4", "(6,)"), le_floats(f)), "f.npy");
  EXPECT_EQ(a.integer(0), 2);
  EXPECT_EQ(a.integer(1), -2);
  EXPECT_EQ(a.integer(2), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(a.integer(3), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(a.integer(4), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(a.integer(5), 0);
}

TEST(NpyReader, RejectsMalformedFiles) {
  ScratchDir dir;
  const std::string good = npy_bytes(dict("|u1", "(2, 2)"), "abcd");
  struct Case {
    std::string name, bytes, fragment;
  };
  std::string long_header = "\x93NUMPY\x02";
  long_header += '\0';
  long_header += le({65 * 1024}, 4) + std::string(65 * 1024, ' ');
  std::string bad_version = good;
  bad_version[6] = 4;
  std::string bad_minor = good;
  bad_minor[7] = 1;
  const std::vector<Case> cases = {
      {"empty.npy", "", "not an .npy file"},
      {"short.npy", "\x93NUM", "truncated"},
      {"magic.npy", "PK\x03\x04 this is a zip file", "not an .npy file"},
      {"version.npy", bad_version, "unsupported .npy version 4.0"},
      {"minor.npy", bad_minor, "unsupported .npy version 1.1"},
      {"longheader.npy", long_header, "exceeds the limit of 65536"},
      {"cutheader.npy", good.substr(0, 40), "truncated inside the .npy header"},
      {"cutdata.npy", good.substr(0, good.size() - 1),
       "truncated: the header announces 4 bytes of data, the file holds 3"},
      {"extra.npy", good + "xy", "2 unexpected bytes after the array data"},
      {"bigendian.npy", npy_bytes(dict(">i4", "(1,)"), "abcd"), "big-endian"},
      {"native.npy", npy_bytes(dict("=i4", "(1,)"), "abcd"), "native byte order"},
      {"pipe4.npy", npy_bytes(dict("|i4", "(1,)"), "abcd"), "unsupported dtype '|i4'"},
      {"f8.npy", npy_bytes(dict("<f8", "(1,)"), "abcdefgh"), "unsupported dtype '<f8'"},
      {"fortran.npy", npy_bytes(dict("|u1", "(2, 2)", "True"), "abcd"), "fortran_order is True"},
      {"dims.npy", npy_bytes(dict("|u1", "(1, 1, 1, 1, 1, 1)"), "a"), "more than 5 dimensions"},
      {"overflow.npy", npy_bytes(dict("<i8", "(4294967296, 4294967296)"), ""), "overflows"},
      {"huge.npy", npy_bytes(dict("|u1", "(100000, 100000)"), "abc"), "truncated: the header announces 10000000000"},
      {"dict.npy", npy_bytes("{'descr': '|u1'}", ""), "missing key"},
  };
  for (const Case& c : cases) {
    const std::string path = dir.write(c.name, c.bytes);
    expect_bad([&] { read_npy(path); }, path, c.fragment);
  }
  const std::string missing = (dir.path() / "missing.npy").string();
  expect_bad([&] { read_npy(missing); }, missing, "");
}

NpyArray array(NpyDtype type, std::vector<std::uint64_t> shape, std::vector<std::uint8_t> data) {
  NpyArray a;
  a.dtype = type;
  a.shape = std::move(shape);
  a.data = std::move(data);
  return a;
}

TEST(NpyImages, ConvertsUint8AndFloatImages) {
  const NpyArray labels = array(NpyDtype::kUint8, {2}, {3, 9});
  const std::vector<std::uint8_t> px = {0, 1, 2, 3, 250, 251, 252, 255};
  ImageSet s = image_set_from_arrays(array(NpyDtype::kUint8, {2, 2, 2}, px), labels, 10, "d.npz");
  EXPECT_EQ(s.rows, 2);
  EXPECT_EQ(s.cols, 2);
  EXPECT_EQ(s.pixels, px);
  EXPECT_EQ(s.labels, (std::vector<std::uint8_t>{3, 9}));
  s = image_set_from_arrays(array(NpyDtype::kUint8, {2, 1, 4, 1}, px), labels, 10, "d.npz");
  EXPECT_EQ(s.rows, 1);
  EXPECT_EQ(s.cols, 4);
  EXPECT_EQ(s.channels, 1);
  EXPECT_EQ(s.pixels, px);
  // RGB, interleaved as NumPy stores N x H x W x 3: the pixels keep their order.
  const std::vector<std::uint8_t> rgb = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120};
  s = image_set_from_arrays(array(NpyDtype::kUint8, {2, 1, 2, 3}, rgb), labels, 10, "d.npz");
  EXPECT_EQ(s.rows, 1);
  EXPECT_EQ(s.cols, 2);
  EXPECT_EQ(s.channels, 3);
  EXPECT_EQ(s.pixels, rgb);
  EXPECT_EQ(s.image(1)[0], 70);

  auto floats = [](const std::vector<float>& f, std::vector<std::uint64_t> shape) {
    const std::string b = le_floats(f);
    return array(NpyDtype::kFloat32, std::move(shape), std::vector<std::uint8_t>(b.begin(), b.end()));
  };
  // Within [0, 1]: scaled by 255 and rounded.
  s = image_set_from_arrays(floats({0.0f, 0.5f, 1.0f, 0.1f}, {1, 2, 2}),
                            array(NpyDtype::kInt64, {1}, std::vector<std::uint8_t>(8)), 10, "d");
  EXPECT_EQ(s.pixels, (std::vector<std::uint8_t>{0, 128, 255, 26}));
  // Within [0, 255]: rounded as is.
  s = image_set_from_arrays(floats({0.0f, 1.4f, 254.6f, 17.0f}, {1, 2, 2}),
                            array(NpyDtype::kInt64, {1, 1}, std::vector<std::uint8_t>(8)), 10, "d");
  EXPECT_EQ(s.pixels, (std::vector<std::uint8_t>{0, 1, 255, 17}));
  // Neither.
  expect_bad(
      [&] {
        image_set_from_arrays(floats({-0.5f, 1, 1, 1}, {1, 2, 2}), array(NpyDtype::kUint8, {1}, {0}), 10, "d");
      },
      "d", "neither within [0, 1] nor within [0, 255]");
  expect_bad(
      [&] {
        image_set_from_arrays(floats({0, 1, 256, 1}, {1, 2, 2}), array(NpyDtype::kUint8, {1}, {0}), 10, "d");
      },
      "d", "neither within");
}

TEST(NpyImages, RejectsBadShapesAndLabels) {
  const NpyArray labels = array(NpyDtype::kUint8, {1}, {0});
  const NpyArray img = array(NpyDtype::kUint8, {1, 2, 2}, {1, 2, 3, 4});
  expect_bad(
      [&] {
        image_set_from_arrays(array(NpyDtype::kUint8, {1, 3, 8, 8}, std::vector<std::uint8_t>(192)), labels, 10, "d",
                              "member x.npy");
      },
      "d", "member x.npy: shape (1, 3, 8, 8) looks channels-first (N x C x H x W, PyTorch's layout)");
  expect_bad(
      [&] {
        image_set_from_arrays(array(NpyDtype::kUint8, {4}, {1, 2, 3, 4}), labels, 10, "d");
      },
      "d", "is not N x H x W");
  expect_bad(
      [&] {
        image_set_from_arrays(array(NpyDtype::kUint8, {1, 2, 2, 2}, std::vector<std::uint8_t>(8)), labels, 10, "d");
      },
      "d", "is not N x H x W");
  expect_bad(
      [&] {
        image_set_from_arrays(array(NpyDtype::kInt16, {1, 2, 2}, std::vector<std::uint8_t>(8)), labels, 10, "d");
      },
      "d", "dtype int16 is not uint8 or float32");
  expect_bad(
      [&] {
        image_set_from_arrays(img, array(NpyDtype::kUint8, {2}, {0, 1}), 10, "d", "x", "y");
      },
      "d", "y: 2 labels for 1 images in x");
  expect_bad([&] { image_set_from_arrays(img, array(NpyDtype::kUint8, {1}, {10}), 10, "d"); }, "d",
             "label 10 of image 0 is not in [0, 10)");
  expect_bad([&] { image_set_from_arrays(img, array(NpyDtype::kInt8, {1}, {0xff}), 10, "d"); }, "d", "label -1");
  expect_bad(
      [&] {
        image_set_from_arrays(img, array(NpyDtype::kUint8, {1, 2}, {0, 0}), 10, "d");
      },
      "d", "is not N or N x 1");
  expect_bad(
      [&] {
        image_set_from_arrays(img, array(NpyDtype::kFloat32, {1}, {0, 0, 0, 0}), 10, "d");
      },
      "d", "labels must be integers");
}

// Values the Python scripts write: image i pixel j = (i * 31 + j) % 256, label i = i % 10.
constexpr const char* kArrays = R"(
import numpy as np
def images(n, h=4, w=3):
    return ((np.arange(n)[:, None] * 31 + np.arange(h * w)[None, :]) % 256).astype(np.uint8).reshape(n, h, w)
def labels(n, dtype=np.int64):
    return (np.arange(n) % 10).astype(dtype)
)";

void expect_values(const ImageSet& s, int first, int count) {
  ASSERT_EQ(s.size(), count);
  ASSERT_EQ(s.rows, 4);
  ASSERT_EQ(s.cols, 3);
  for (int i = 0; i < count; ++i) {
    EXPECT_EQ(s.labels[static_cast<std::size_t>(i)], (first + i) % 10);
    for (int j = 0; j < 12; ++j) ASSERT_EQ(s.image(i)[j], ((first + i) * 31 + j) % 256) << "image " << first + i;
  }
}

TEST(NpyNpz, ReadsKerasLayoutWrittenByNumpy) {
  if (!have_numpy()) GTEST_SKIP() << "Debian's python3-numpy is not installed";
  ScratchDir dir;
  run_python(dir, std::string(kArrays) + R"(
np.savez('keras.npz', x_train=images(20), y_train=labels(20, np.uint8), x_test=images(6)[..., None],
         y_test=labels(6, np.int32))
np.savez_compressed('keras_z.npz', x_train=(images(20) / 255.0).astype(np.float32), y_train=labels(20),
                    x_test=images(6).astype(np.float32), y_test=labels(6, np.int16))
)");
  for (const char* name : {"keras.npz", "keras_z.npz"}) {
    const std::string path = (dir.path() / name).string();
    DatasetOptions options;
    options.val_size = 5;
    DatasetSplits s = load_npz_dataset(path, options);
    expect_values(s.train, 0, 15);
    expect_values(s.val, 15, 5);
    expect_values(s.test, 0, 6);
    options.train_limit = 4;
    options.load_test = false;
    s = load_npz_dataset(path, options);
    expect_values(s.train, 0, 4);
    expect_values(s.val, 15, 5);
    EXPECT_EQ(s.test.size(), 0);
    // load_dataset, which every command's --data goes through, takes the archive for a directory
    options.dir = path;
    const DatasetSplits via_load_dataset = load_dataset(options);
    EXPECT_EQ(via_load_dataset.train.pixels, s.train.pixels);
    EXPECT_EQ(via_load_dataset.train.labels, s.train.labels);
    EXPECT_EQ(via_load_dataset.val.pixels, s.val.pixels);
  }
  // Member arrays read back as numpy wrote them.
  const std::string path = (dir.path() / "keras_z.npz").string();
  EXPECT_EQ(npz_members(path), (std::vector<std::string>{"x_train.npy", "y_train.npy", "x_test.npy", "y_test.npy"}));
  const NpyArray y = read_npz_member(path, "y_test.npy");
  EXPECT_EQ(y.dtype, NpyDtype::kInt16);
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(y.integer(i), static_cast<std::int64_t>(i % 10));
  expect_bad([&] { read_npz_member(path, "nope.npy"); }, path, "member nope.npy: no such member");
}

TEST(NpyNpz, ReadsSingleSplitLayouts) {
  if (!have_numpy()) GTEST_SKIP() << "Debian's python3-numpy is not installed";
  ScratchDir dir;
  run_python(dir, std::string(kArrays) + R"(
np.savez('xy.npz', x=images(30), y=labels(30))
np.savez_compressed('il.npz', images=images(30), labels=labels(30, np.uint16))
np.savez('none.npz', a=images(2))
np.savez('chw.npz', x=np.zeros((30, 3, 8, 8), np.uint8), y=labels(30))
np.savez('fortran.npz', x=np.asfortranarray(images(3)), y=labels(3))
np.savez('big.npz', x=images(3).astype('>f4'), y=labels(3))
)");
  for (const char* name : {"xy.npz", "il.npz"}) {
    DatasetOptions options;
    options.val_size = 4;
    const DatasetSplits s = load_npz_dataset((dir.path() / name).string(), options);
    expect_values(s.train, 0, 22);
    expect_values(s.val, 22, 4);
    expect_values(s.test, 26, 4);
  }
  DatasetOptions options;
  options.val_size = 15;
  const std::string xy = (dir.path() / "xy.npz").string();
  EXPECT_THROW(load_npz_dataset(xy, options), Error);
  options.val_size = 1;
  auto p = [&](const char* n) { return (dir.path() / n).string(); };
  expect_bad([&] { load_npz_dataset(p("none.npz"), options); }, p("none.npz"), "(members: a.npy)");
  expect_bad([&] { load_npz_dataset(p("chw.npz"), options); }, p("chw.npz"),
             "member x.npy: shape (30, 3, 8, 8) looks channels-first");
  expect_bad([&] { load_npz_dataset(p("fortran.npz"), options); }, p("fortran.npz"),
             "member x.npy: fortran_order is True");
  expect_bad([&] { load_npz_dataset(p("big.npz"), options); }, p("big.npz"), "member x.npy: dtype '>f4' is big-endian");
}

TEST(NpyFolder, APairOfNpyFilesIsADataset) {
  if (!have_numpy()) GTEST_SKIP() << "Debian's python3-numpy is not installed";
  ScratchDir dir;
  run_python(dir, std::string(kArrays) + R"(
import os
os.makedirs('pair')
np.save('pair/x.npy', images(30))
np.save('pair/y.npy', labels(30))
os.makedirs('keras')
np.save('keras/x_train.npy', images(20))
np.save('keras/y_train.npy', labels(20))
np.save('keras/x_test.npy', images(6))
np.save('keras/y_test.npy', labels(6))
os.makedirs('bad')
np.save('bad/x.npy', images(4))
np.save('bad/y.npy', labels(3))
)");
  DatasetOptions options;
  options.val_size = 4;
  const std::string pair = (dir.path() / "pair").string();
  EXPECT_TRUE(is_npy_folder(pair));
  options.dir = pair;
  DatasetSplits s = load_dataset(options); // dispatched like an .npz with x and y
  expect_values(s.train, 0, 22);
  expect_values(s.val, 22, 4);
  expect_values(s.test, 26, 4);
  options.dir = (dir.path() / "keras").string();
  s = load_dataset(options);
  expect_values(s.train, 0, 16);
  expect_values(s.val, 16, 4);
  expect_values(s.test, 0, 6);
  options.val_size = 1;
  options.dir = (dir.path() / "bad").string();
  expect_bad([&] { load_dataset(options); }, options.dir, "file y.npy: 3 labels for 4 images in file x.npy");
  EXPECT_FALSE(is_npy_folder(dir.path().string()));
}

TEST(NpyNpz, RejectsDamagedArchives) {
  if (!have_python()) GTEST_SKIP() << "/usr/bin/python3 is not installed";
  ScratchDir dir;
  // Members built by hand (no numpy needed): a truncated array, stored and deflated.
  const std::string cut = npy_bytes(dict("|u1", "(2, 2, 2)"), "abcdefg");
  const std::string ok_labels = npy_bytes(dict("|u1", "(2,)"), std::string(2, '\0'));
  dir.write("cut.npy", cut);
  dir.write("y.npy", ok_labels);
  run_python(dir, R"(
import zipfile
for name, mode in (('stored.npz', zipfile.ZIP_STORED), ('deflated.npz', zipfile.ZIP_DEFLATED)):
    with zipfile.ZipFile(name, 'w', mode) as z:
        z.write('cut.npy', 'x.npy')
        z.write('y.npy', 'y.npy')
)");
  DatasetOptions options;
  options.val_size = 0;
  for (const char* name : {"stored.npz", "deflated.npz"}) {
    const std::string path = (dir.path() / name).string();
    expect_bad([&] { load_npz_dataset(path, options); }, path, "member x.npy: truncated");
  }
  // A deflated member whose data was damaged after writing: libzip's inflate or CRC check fails.
  dir.write("good.npy", npy_bytes(dict("|u1", "(2, 64, 64)"), std::string(2 * 64 * 64, '\x05')));
  run_python(dir, R"(
import zipfile
with zipfile.ZipFile('crc.npz', 'w', zipfile.ZIP_DEFLATED) as z:
    z.write('good.npy', 'x.npy')
    z.write('y.npy', 'y.npy')
data = bytearray(open('crc.npz', 'rb').read())
for i in range(45, 60):
    data[i] ^= 0x5a
open('crc.npz', 'wb').write(bytes(data))
)");
  const std::string crc = (dir.path() / "crc.npz").string();
  expect_bad([&] { load_npz_dataset(crc, options); }, crc, "member x.npy: ");
  const std::string not_zip = dir.write("plain.npz", "this is not a zip archive at all");
  expect_bad([&] { load_npz_dataset(not_zip, options); }, not_zip, "cannot open as an .npz");
  const std::string missing = (dir.path() / "missing.npz").string();
  expect_bad([&] { load_npz_dataset(missing, options); }, missing, "cannot open as an .npz");
}

} // namespace
} // namespace tinynas
