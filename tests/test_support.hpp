#pragma once
// Helpers shared by the test suites: where the fixtures are, reading them, and scratch files that
// are unique per test (ctest runs test cases in parallel processes).

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

namespace tinynas::test {

inline std::string source_path(const std::string& relative) { return std::string(TINYNAS_SOURCE_DIR) + "/" + relative; }

// The MCUNet net configs (verbatim copies, provenance in tests/data/mcunet_configs/README.md).
inline std::string mcunet_in3_path() { return source_path("tests/data/mcunet_configs/mcunet-320kb-1mb_imagenet.json"); }
inline std::string mcunet_in0_path() { return source_path("tests/data/mcunet_configs/mcunet-10fps_imagenet.json"); }

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh directory for the running test, removed when the object goes out of scope. Names are
// unique per process and object, so several can be alive at once.
class ScratchDir {
public:
  ScratchDir() {
    static int created = 0;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string("tinynas-") + info->test_suite_name() + "-" + info->name() + "-" +
                       std::to_string(::getpid()) + "-" + std::to_string(created++);
    std::replace(name.begin(), name.end(), '/', '-'); // parameterised tests: "Suite.Test/Case"
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes `text` to `name` inside the directory and returns the full path.
  std::string write(const std::string& name, const std::string& text) const {
    std::string file = (path_ / name).string();
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }

private:
  std::filesystem::path path_;
};

// The opening tag of the <body> of the page `html` as headless Chromium leaves it once its scripts
// ran (--dump-dom): pages report what their scripts did in body attributes. Chromium gets a profile
// of its own in `scratch` (tests run side by side); scripts/install-deps.sh installs it.
inline std::string body_tag_in_chromium(const std::string& html, const ScratchDir& scratch) {
  const std::string command = "timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run "
                              "--user-data-dir='" +
                              (scratch.path() / "chromium-profile").string() +
                              "' --virtual-time-budget=20000 --dump-dom 'file://" + html + "' 2>/dev/null";
  std::string dom;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return dom;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) dom.append(buf, n);
  const int status = ::pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "chromium failed: " << command;
  const std::size_t body = dom.find("<body");
  if (body == std::string::npos) return "no <body> in: " + dom.substr(0, 2000);
  return dom.substr(body, dom.find('>', body) - body + 1);
}

} // namespace tinynas::test
