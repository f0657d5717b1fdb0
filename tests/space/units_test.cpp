#include <gtest/gtest.h>

#include "tinynas/space/error.hpp"
#include "tinynas/space/units.hpp"

namespace tinynas {
namespace {

TEST(ParseSize, AcceptsEverySpellingOfKibiAndMebi) {
  EXPECT_EQ(parse_size("320K"), 320u * 1024);
  EXPECT_EQ(parse_size("320KB"), 320u * 1024);
  EXPECT_EQ(parse_size("320KiB"), 320u * 1024);
  EXPECT_EQ(parse_size("320kb"), 320u * 1024);
  EXPECT_EQ(parse_size("1M"), 1024u * 1024);
  EXPECT_EQ(parse_size("1MB"), 1024u * 1024);
  EXPECT_EQ(parse_size("1MiB"), 1024u * 1024);
  EXPECT_EQ(parse_size("1.5M"), 1536u * 1024);
  EXPECT_EQ(parse_size("4096"), 4096u);
  EXPECT_EQ(parse_size("4096B"), 4096u);
}

TEST(ParseSize, RejectsMalformedSizesNamingTheOption) {
  for (const char* bad : {"", "K", "12Q", "-5K", "0", "1.3", "320 KX", "abc"}) {
    try {
      parse_size(bad, "sram");
      FAIL() << "accepted \"" << bad << "\"";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      // The option in field(), the bare reason in message(): a loader can re-point it at its field.
      EXPECT_EQ(e.field(), "sram");
      EXPECT_EQ(e.message().find("sram"), std::string::npos) << e.message();
      EXPECT_EQ(std::string(e.what()), "sram: " + e.message());
    }
  }
}

TEST(ParseDuration, UnitsToMilliseconds) {
  EXPECT_DOUBLE_EQ(parse_duration_ms("500ms"), 500);
  EXPECT_DOUBLE_EQ(parse_duration_ms("1.2s"), 1200);
  EXPECT_DOUBLE_EQ(parse_duration_ms("800us"), 0.8);
  EXPECT_DOUBLE_EQ(parse_duration_ms("250"), 250);
  EXPECT_THROW(parse_duration_ms("5min"), Error);
}

TEST(ParseRunTime, UnitsToSecondsWithMinutesByDefault) {
  EXPECT_DOUBLE_EQ(parse_run_time_s("45min"), 2700);
  EXPECT_DOUBLE_EQ(parse_run_time_s("45M"), 2700);
  EXPECT_DOUBLE_EQ(parse_run_time_s("45"), 2700);
  EXPECT_DOUBLE_EQ(parse_run_time_s("1.5h"), 5400);
  EXPECT_DOUBLE_EQ(parse_run_time_s("90s"), 90);
  EXPECT_DOUBLE_EQ(parse_run_time_s("0"), 0);
  for (const char* bad : {"", "-1h", "1e9h", "5ms", "2 hours", "."}) {
    try {
      parse_run_time_s(bad, "deadline");
      FAIL() << "accepted \"" << bad << "\"";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_EQ(e.field(), "deadline");
    }
  }
  try {
    parse_run_time_s("2 hours", "deadline", {"deadline", "1h or 30min"});
    FAIL();
  } catch (const Error& e) { // the caller's wording, the parser's reason
    EXPECT_EQ(std::string(e.what()),
              "deadline: \"2 hours\" is not a deadline (unknown unit \"hours\"; use e.g. 1h or 30min)");
  }
}

TEST(FormatSize, HumanUnits) {
  EXPECT_EQ(format_size(812), "812 B");
  EXPECT_EQ(format_size(340736), "332.8 KiB");
  EXPECT_EQ(format_size(3u * 1024 * 1024), "3.00 MiB");
}

// What a report's "reproduce" command writes for a budget: short, and exactly the bytes when read back.
TEST(SizeFlag, IsTheShortestExactSpellingAndReadsBack) {
  EXPECT_EQ(size_flag(98304), "96K");
  EXPECT_EQ(size_flag(1048576), "1M");
  EXPECT_EQ(size_flag(3ull << 30), "3G");
  EXPECT_EQ(size_flag(1536ull * 1024), "1536K");
  EXPECT_EQ(size_flag(98305), "98305B");
  EXPECT_EQ(size_flag(0), "0B");
  for (std::uint64_t bytes : {1ull, 1023ull, 1024ull, 98304ull, 98305ull, 262144ull, 1536ull * 1024, 1ull << 30})
    EXPECT_EQ(parse_size(size_flag(bytes)), bytes) << size_flag(bytes);
}

TEST(ExitCode, BadInputIsTwo) {
  EXPECT_EQ(exit_code(ErrorCode::kInvalidFile), 2);
  EXPECT_EQ(exit_code(ErrorCode::kOutOfSpace), 2);
  EXPECT_EQ(exit_code(ErrorCode::kInfeasible), 2);
  EXPECT_EQ(exit_code(ErrorCode::kInterrupted), 130);
  EXPECT_EQ(exit_code(ErrorCode::kDevice), 3);
}

} // namespace
} // namespace tinynas
