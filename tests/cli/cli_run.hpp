#pragma once
// Running the built `tinynas` as a user would, for the CLI tests (cli_test.cpp, bad_input_test.cpp):
// its exit code, stdout and stderr; optionally under a 2 GiB address-space limit. And the IDX files
// their small datasets are made of.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <sys/wait.h>

#include "../test_support.hpp"

namespace tinynas::test {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// `text` as one shell word: single-quoted, a quote inside as '\''.
inline std::string shell_quoted(const std::string& text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs `PROGRAM ARGS` through the shell from the source tree, so relative paths such as
// configs/models/... work as in the README.
inline RunResult run_program(const std::string& program, const std::vector<std::string>& args) {
  ScratchDir dir;
  const std::string err_path = dir.write("stderr.txt", "");
  std::string command = "cd " + shell_quoted(TINYNAS_SOURCE_DIR) + " && " + shell_quoted(program);
  for (const auto& a : args) command += " " + shell_quoted(a);
  command += " 2>" + shell_quoted(err_path);
  RunResult r;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) {
    ADD_FAILURE() << "popen failed: " << command;
    return r;
  }
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) r.out.append(buf, n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = read_text(err_path);
  return r;
}

// `tinynas ARGS`.
inline RunResult run(const std::vector<std::string>& args) { return run_program(TINYNAS_CLI, args); }

// run() under a 2 GiB address-space limit (prlimit --as): a regression that allocates gigabytes
// fails (std::bad_alloc, or killed) instead of swapping the machine. AddressSanitizer reserves terabytes
// of shadow address space and cannot start under such a limit: a sanitized build (make test-asan) bounds
// the process with ASan's own limits instead (resident memory and single allocation, 2 GiB, a report and
// abort beyond them).
inline RunResult run_limited(std::vector<std::string> args) {
#ifdef TINYNAS_SANITIZED
  args.insert(args.begin(),
              {"ASAN_OPTIONS=hard_rss_limit_mb=2048:max_allocation_size_mb=2048", std::string(TINYNAS_CLI)});
  return run_program("/usr/bin/env", args);
#else
  args.insert(args.begin(), {"--as=2147483648", std::string(TINYNAS_CLI)});
  return run_program("/usr/bin/prlimit", args);
#endif
}

inline std::string describe(const RunResult& r) { return "exit " + std::to_string(r.exit_code) + "\nstderr: " + r.err; }

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// An IDX file of unsigned bytes: magic 0 0 8 ndims, big-endian dims, data.
inline std::string idx_file(const std::vector<std::uint32_t>& dims, const std::vector<std::uint8_t>& data) {
  std::string out = {0, 0, 8, static_cast<char>(dims.size())};
  for (std::uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((d >> shift) & 0xFF);
  out.append(data.begin(), data.end());
  return out;
}

// An IDX dataset of 3 classes (a bright band whose row is the class) in `dir`: 240 training images
// of 12x12 pixels and 60 test images of `test_side` x `test_side`.
inline void write_band_dataset(const std::filesystem::path& dir, int test_side = 12) {
  auto images = [](int n, int side) {
    std::vector<std::uint8_t> px, labels;
    for (int i = 0; i < n; ++i) {
      labels.push_back(static_cast<std::uint8_t>(i % 3));
      for (int p = 0; p < side * side; ++p)
        px.push_back(static_cast<std::uint8_t>(p / side / 4 == i % 3 ? 220 : 10 + p % 7));
    }
    return std::pair{px, labels};
  };
  const auto [train, train_labels] = images(240, 12);
  const auto [test_px, test_labels] = images(60, test_side);
  const auto side = static_cast<std::uint32_t>(test_side);
  auto write = [&](const char* name, const std::string& bytes) {
    std::ofstream((dir / name).string(), std::ios::binary) << bytes;
  };
  write("train-images-idx3-ubyte", idx_file({240, 12, 12}, train));
  write("train-labels-idx1-ubyte", idx_file({240}, train_labels));
  write("t10k-images-idx3-ubyte", idx_file({60, side, side}, test_px));
  write("t10k-labels-idx1-ubyte", idx_file({60}, test_labels));
}

} // namespace tinynas::test
