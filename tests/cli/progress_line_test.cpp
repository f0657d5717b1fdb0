// The status line of the long commands (cli/progress_line.hpp): redrawn in place on a terminal,
// plain throttled lines elsewhere, and lines that stay.

#include <gtest/gtest.h>

#include "progress_line.hpp"

namespace tinynas::cli {
namespace {

TEST(ProgressLine, OnAPipeStatesArePlainLinesAtMostEveryFewSeconds) {
  testing::internal::CaptureStderr();
  {
    ProgressLine line(false);
    line.update("batch 1/3");
    line.update("batch 2/3"); // within the interval: left out
    line.update("batch 3/3", true);
    line.print("epoch 1 done");
    line.finish();
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "batch 1/3\nbatch 3/3\nepoch 1 done\n");
}

TEST(ProgressLine, OnATerminalTheStateIsRedrawnInPlaceAndPrintedLinesReplaceIt) {
  testing::internal::CaptureStderr();
  {
    ProgressLine line(true);
    line.update("generation 1/2");
    line.update("generation 2/2", true);
    line.print("a note");
    line.update("epoch 2", true);
  } // the destructor ends the open line
  EXPECT_EQ(testing::internal::GetCapturedStderr(),
            "\r\033[Kgeneration 1/2\r\033[Kgeneration 2/2\r\033[Ka note\n\r\033[Kepoch 2\n");
}

} // namespace
} // namespace tinynas::cli
