// files::read_file (tinynas/space/atomic_file.hpp), the one whole-file read: the bytes as they are,
// and errors that name the file and say why.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "../test_support.hpp"
#include "tinynas/space/atomic_file.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {
namespace {

Error read_error(const std::string& path) {
  try {
    files::read_file(path);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error reading " << path;
  return Error(ErrorCode::kInvalidFile, "");
}

TEST(ReadFile, ReturnsEveryByte) {
  test::ScratchDir dir;
  std::string bytes("TNSUPNET\0\x01\xff", 11);
  bytes += std::string(200000, 'x'); // more than one read(2) chunk
  EXPECT_EQ(files::read_file(dir.write("blob", bytes)), bytes);
  EXPECT_EQ(files::read_file(dir.write("empty", "")), "");
  files::write_file_atomic((dir.path() / "round").string(), bytes);
  EXPECT_EQ(files::read_file((dir.path() / "round").string()), bytes);
}

TEST(ReadFile, AMissingFileIsNamedWithTheReason) {
  test::ScratchDir dir;
  const std::string missing = (dir.path() / "missing.json").string();
  const Error e = read_error(missing);
  EXPECT_EQ(e.code(), ErrorCode::kInvalidFile);
  EXPECT_EQ(e.file(), missing);
  EXPECT_EQ(e.message(), "cannot open for reading: No such file or directory");
}

// open(2) accepts a directory; only read(2) refuses it, which a stream read turned into empty content.
TEST(ReadFile, ADirectoryIsRefusedAsADirectory) {
  test::ScratchDir dir;
  const Error e = read_error(dir.path().string());
  EXPECT_EQ(e.code(), ErrorCode::kInvalidFile);
  EXPECT_EQ(e.file(), dir.path().string());
  EXPECT_EQ(e.message(), "is a directory");
}

// `export --int8-blob DIR`, `train --out DIR`: refused as the user's mistake before a byte is
// written, and no DIR.tmp is left behind.
TEST(WriteFileAtomic, ADirectoryTargetIsRefusedAndNothingHalfWrittenStays) {
  test::ScratchDir dir;
  const std::string target = dir.path().string();
  try {
    files::write_file_atomic(target, "model bytes");
    FAIL() << "wrote over a directory";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(e.file(), target);
    EXPECT_NE(e.message().find("is a directory"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(target + ".tmp"));
}

} // namespace
} // namespace tinynas
