// QemuMachine's start-up failures say what happened, even when the emulator printed nothing.

#include <gtest/gtest.h>

#include <string>

#include "../test_support.hpp"
#include "tinynas/hil/qemu_board.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {
namespace {

TEST(QemuMachine, AnEmulatorThatDiesSilentlyAtStartIsReportedWithHowItEndedAndTheCommand) {
  test::ScratchDir dir;
  QemuLaunch launch;
  launch.machine = "mps2-an500";
  launch.kernel = dir.write("firmware.elf", "not really an ELF"); // never read: the program dies first
  launch.program = "/bin/false";                                  // exits 1 without a word
  try {
    QemuMachine machine(launch, std::chrono::milliseconds(2000));
    FAIL() << "started";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kDevice);
    EXPECT_NE(e.message().find("QEMU (mps2-an500) failed to start: exited with status 1 and printed nothing; the "
                               "command was: /bin/false -M mps2-an500"),
              std::string::npos)
        << e.what();
  }
}

} // namespace
} // namespace tinynas
