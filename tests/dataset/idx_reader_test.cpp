// The IDX reader on crafted files, raw and gzip-compressed: good files round-trip; every kind of
// damage is an Error(kInvalidFile) whose message names the file and says what is wrong.

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include <zlib.h>

#include "dataset/dataset_test_support.hpp"
#include "tinynas/dataset/dataset.hpp"
#include "tinynas/dataset/idx.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {
namespace {

using test::expect_bad;
using test::idx_bytes;
using test::ScratchDir;

std::string gzip(const std::string& raw) {
  // gzip framing via deflateInit2 with windowBits 15 + 16.
  z_stream z{};
  deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, static_cast<uLong>(raw.size())) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

class IdxReaderTest : public ::testing::Test {
protected:
  ScratchDir dir;
  std::vector<std::uint8_t> pixels = [] {
    std::vector<std::uint8_t> p(3 * 4 * 5);
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::uint8_t>(i * 7);
    return p;
  }();
  std::string images = idx_bytes({3, 4, 5}, pixels);
  std::string labels = idx_bytes({3}, {2, 0, 9});
};

TEST_F(IdxReaderTest, RawAndGzipFilesRoundTrip) {
  for (bool compressed : {false, true}) {
    const std::string ip = dir.write(compressed ? "i.gz" : "i", compressed ? gzip(images) : images);
    const std::string lp = dir.write(compressed ? "l.gz" : "l", compressed ? gzip(labels) : labels);
    const ImageSet set = read_idx_pair(ip, lp, 10);
    EXPECT_EQ(set.size(), 3);
    EXPECT_EQ(set.rows, 4);
    EXPECT_EQ(set.cols, 5);
    EXPECT_EQ(set.pixels, pixels);
    EXPECT_EQ(set.labels, (std::vector<std::uint8_t>{2, 0, 9}));
    EXPECT_EQ(set.image(1)[0], pixels[20]);
  }
}

TEST_F(IdxReaderTest, DamagedFilesAreRejectedNamingTheFile) {
  auto images_of = [&](const std::string& name, const std::string& bytes) {
    const std::string p = dir.write(name, bytes);
    return std::make_pair(p, [p] { read_idx_images(p); });
  };
  {
    auto [p, read] = images_of("magic", std::string("\x01\x02\x08\x03", 4) + images.substr(4));
    expect_bad(read, p, "not an IDX file");
  }
  {
    std::string b = images;
    b[2] = 0x0D; // float data
    auto [p, read] = images_of("type", b);
    expect_bad(read, p, "not unsigned byte");
  }
  {
    auto [p, read] = images_of("dims", labels);
    expect_bad(read, p, "1 dimensions; images need 3");
  }
  {
    auto [p, read] = images_of("short_header", images.substr(0, 9));
    expect_bad(read, p, "truncated inside the IDX header");
  }
  {
    auto [p, read] = images_of("short_body", images.substr(0, images.size() - 7));
    expect_bad(read, p, "truncated: the header announces 60 bytes of images, the file holds 53");
  }
  {
    auto [p, read] = images_of("tiny", std::string("\0\0", 2));
    expect_bad(read, p, "not even an IDX magic number");
  }
  {
    auto [p, read] = images_of("trailing", images + "xyz");
    expect_bad(read, p, "unexpected bytes after the 60 bytes of images its header announces");
    expect_bad([&] { parse_idx_images(images + "xyz", "trailing.idx"); }, "trailing.idx",
               "3 unexpected bytes after the images");
  }
  {
    const std::string gz = gzip(images);
    auto [p, read] = images_of("cut.gz", gz.substr(0, gz.size() / 2));
    expect_bad(read, p, "damaged gzip data");
  }
  {
    std::string gz = gzip(images);
    gz[gz.size() - 6] ^= 0x5A; // inside the CRC-32 of the gzip trailer
    auto [p, read] = images_of("crc.gz", gz);
    expect_bad(read, p, "damaged gzip data");
  }
  expect_bad([&] { read_idx_images(dir.write("x", "") + "-missing"); }, dir.write("x", "") + "-missing", "cannot open");
}

// Dimensions whose product overflows 64 bits or exceeds 1 GiB are refused before anything is read; a gzip file that
// expands without end (concatenated gzip members of zeros, 1 GiB from 1 MB, after a header announcing 10 labels)
// is read no further than its header announces.
TEST_F(IdxReaderTest, HugeDimensionsAndGzipBombsAreRefusedWithoutReadingThem) {
  const std::string huge("\0\0\x08\x03\xff\xff\xff\xff\x00\x01\x00\x00\x00\x01\x00\x00", 16);
  expect_bad([&] { parse_idx_images(huge, "huge.idx"); }, "huge.idx", "announce more than 1024 MiB of images");
  const std::string p_huge = dir.write("huge.gz", gzip(huge));
  expect_bad([&] { read_idx_images(p_huge); }, p_huge, "announce more than 1024 MiB of images");

  const std::string member = gzip(std::string(std::size_t{64} << 20, '\0'));
  std::string bomb = gzip(idx_bytes({10}, std::vector<std::uint8_t>(10, 1)));
  for (int i = 0; i < 16; ++i) bomb += member;
  const std::string p = dir.write("bomb.gz", bomb);
  expect_bad([&] { read_idx_labels(p); }, p, "unexpected bytes after the 10 bytes of labels its header announces");
}

TEST_F(IdxReaderTest, LabelsMustMatchTheImagesAndTheClasses) {
  const std::string ip = dir.write("i", images);
  const std::string two = dir.write("two", idx_bytes({2}, {1, 1}));
  expect_bad([&] { read_idx_pair(ip, two, 10); }, two, "2 labels for 3 images");
  const std::string big = dir.write("big", idx_bytes({3}, {1, 12, 1}));
  expect_bad([&] { read_idx_pair(ip, big, 10); }, big, "label 12 of image 1 is not below the 10 classes");
}

TEST_F(IdxReaderTest, DatasetSplitsHoldOutValidationFromTheEnd) {
  // 10 training images whose first pixel is their index, 4 test images.
  std::vector<std::uint8_t> train(10 * 2 * 2, 0), test(4 * 2 * 2, 0);
  for (int i = 0; i < 10; ++i) train[static_cast<std::size_t>(i * 4)] = static_cast<std::uint8_t>(i);
  dir.write("train-images-idx3-ubyte.gz", gzip(idx_bytes({10, 2, 2}, train)));
  dir.write("train-labels-idx1-ubyte", idx_bytes({10}, std::vector<std::uint8_t>(10, 1)));
  dir.write("t10k-images-idx3-ubyte", idx_bytes({4, 2, 2}, test));
  const std::string tl = dir.write("t10k-labels-idx1-ubyte", idx_bytes({4}, std::vector<std::uint8_t>(4, 3)));
  DatasetOptions o;
  o.dir = tl.substr(0, tl.rfind('/'));
  o.val_size = 3;
  o.train_limit = 5;
  const DatasetSplits s = load_dataset(o);
  EXPECT_EQ(s.train.size(), 5);
  EXPECT_EQ(s.val.size(), 3);
  EXPECT_EQ(s.val.image(0)[0], 7); // images 7, 8, 9 are held out
  EXPECT_EQ(s.train.image(4)[0], 4);
  EXPECT_EQ(s.test.size(), 4);
  o.val_size = 10;
  EXPECT_THROW(load_dataset(o), Error);
  o.dir += "/nowhere";
  try {
    load_dataset(o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("train-images-idx3-ubyte"), std::string::npos) << e.what();
  }
}

} // namespace
} // namespace tinynas
