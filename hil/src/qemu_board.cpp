#include "tinynas/hil/qemu_board.hpp"

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <thread>

#include "child_process.hpp"
#include "tcp_stream.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

struct QemuMachine::Impl {
  detail::ChildProcess process;
  GdbRemote gdb;
  int port = 0;
  std::vector<std::string> argv;
  std::optional<detail::TempDir> log_dir; // when the caller gave no log file

  ~Impl() { process.kill(); } // before the log directory goes
};

namespace {

std::vector<std::string> qemu_argv(const QemuLaunch& l, int port) {
  std::vector<std::string> a = {l.program,
                                "-M",
                                l.machine,
                                "-nographic",
                                "-monitor",
                                "none",
                                "-serial",
                                "null",
                                "-S",
                                "-gdb",
                                "tcp:127.0.0.1:" + std::to_string(port)};
  if (!l.kernel.empty()) {
    a.push_back("-kernel");
    a.push_back(l.kernel);
  }
  if (l.icount_shift >= 0) {
    a.push_back("-icount");
    a.push_back("shift=" + std::to_string(l.icount_shift) + ",sleep=off");
  }
  if (!l.plugin.empty()) {
    std::string p = l.plugin;
    for (const std::string& arg : l.plugin_args) p += "," + arg;
    a.push_back("-plugin");
    a.push_back(p);
  }
  return a;
}

} // namespace

QemuMachine::QemuMachine(const QemuLaunch& launch, std::chrono::milliseconds connect_timeout)
    : impl_(std::make_unique<Impl>()) {
  if (!launch.kernel.empty() && !std::filesystem::exists(launch.kernel))
    throw Error(ErrorCode::kInvalidFile, "firmware image not found (build the firmware first)", launch.kernel);
  std::string log = launch.log_file;
  if (log.empty()) {
    impl_->log_dir.emplace("tinynas-qemu");
    log = impl_->log_dir->path() + "/qemu.log";
  }
  // The port is free when chosen but another process may take it before QEMU binds it: try a few.
  std::string last_error;
  for (int attempt = 0; attempt < 3; ++attempt) {
    impl_->port = detail::free_local_port();
    impl_->argv = qemu_argv(launch, impl_->port);
    impl_->process = detail::ChildProcess::spawn(impl_->argv, log);
    const auto deadline = std::chrono::steady_clock::now() + connect_timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!impl_->process.running()) break;
      try {
        impl_->gdb.connect("127.0.0.1", impl_->port, std::chrono::milliseconds(300));
        return;
      } catch (const Error& e) {
        last_error = e.message();
      }
    }
    if (impl_->process.running()) {
      impl_->process.kill();
      throw Error(ErrorCode::kDevice, "QEMU (" + launch.machine + ") started but its gdbstub did not answer within " +
                                          std::to_string(connect_timeout.count()) + " ms: " + last_error);
    }
    last_error = impl_->process.log_tail();
    if (last_error.find("ddress already in use") == std::string::npos) break;
  }
  if (last_error.empty()) { // nothing in its log: say how it ended and what was run
    const int code = impl_->process.exit_code();
    std::string command;
    for (const std::string& a : impl_->argv) command += (command.empty() ? "" : " ") + a;
    last_error =
        (code > 128 ? "killed by signal " + std::to_string(code - 128) : "exited with status " + std::to_string(code)) +
        " and printed nothing; the command was: " + command;
  }
  throw Error(ErrorCode::kDevice, "QEMU (" + launch.machine + ") failed to start: " + last_error);
}

QemuMachine::~QemuMachine() = default;

GdbRemote& QemuMachine::gdb() { return impl_->gdb; }
bool QemuMachine::alive() { return impl_->process.running(); }
void QemuMachine::kill() {
  impl_->gdb.close();
  impl_->process.kill();
}
int QemuMachine::gdb_port() const { return impl_->port; }
int QemuMachine::process_id() const { return impl_->process.pid(); }
std::string QemuMachine::log_tail() const { return impl_->process.log_tail(); }
const std::vector<std::string>& QemuMachine::command_line() const { return impl_->argv; }

} // namespace tinynas
