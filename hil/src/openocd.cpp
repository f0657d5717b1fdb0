#include "tinynas/hil/openocd.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <thread>

#include "child_process.hpp"
#include "tcp_stream.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas {

namespace {

constexpr char kTerminator = '\x1a';

// Braces quote a Tcl word verbatim; paths with braces or newlines are refused rather than mis-quoted.
std::string tcl_word(const std::string& s) {
  if (s.find_first_of("{}\n\r") != std::string::npos)
    throw Error(ErrorCode::kInvalidArgument, "path cannot be passed to OpenOCD: " + s);
  return "{" + s + "}";
}

std::string hex(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

} // namespace

struct TclRpcClient::Impl {
  detail::TcpStream stream;
  std::string peer = "OpenOCD Tcl (not connected)";
  std::string pending;
};

TclRpcClient::TclRpcClient() : impl_(std::make_unique<Impl>()) {}
TclRpcClient::~TclRpcClient() = default;

void TclRpcClient::connect(const std::string& host, int port, Millis timeout) {
  impl_->peer = "OpenOCD Tcl " + host + ":" + std::to_string(port);
  impl_->pending.clear();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!impl_->stream.try_connect(host, port, Millis(200))) {
    if (std::chrono::steady_clock::now() >= deadline)
      throw Error(ErrorCode::kIo,
                  impl_->peer + ": nothing accepts connections after " + std::to_string(timeout.count()) + " ms");
    std::this_thread::sleep_for(Millis(20));
  }
}

void TclRpcClient::close() { impl_->stream.close(); }

std::string TclRpcClient::command(const std::string& tcl, Millis timeout) {
  Impl& s = *impl_;
  // "<rc> <result>": catch turns an error into rc 1 instead of a reply that looks like a result.
  s.stream.send_all("set _tn_rc [catch {" + tcl + "} _tn_res]; set _tn_out \"$_tn_rc $_tn_res\"" + kTerminator, timeout,
                    s.peer);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string::size_type end;
  while ((end = s.pending.find(kTerminator)) == std::string::npos) {
    const auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
    bool timed_out = false;
    std::string got = s.stream.receive_some(std::max(left, Millis(0)), s.peer, &timed_out);
    if (timed_out)
      throw Error(ErrorCode::kIo, s.peer + ": no reply within " + std::to_string(timeout.count()) + " ms to '" +
                                      tcl.substr(0, 40) + "'");
    s.pending += got;
  }
  std::string reply = s.pending.substr(0, end);
  s.pending.erase(0, end + 1);
  if (reply.rfind("type ", 0) == 0) return command(tcl, timeout); // a stray notification; never expected here
  const std::string rc = reply.substr(0, reply.find(' '));
  std::string result = reply.size() > rc.size() ? reply.substr(rc.size() + 1) : std::string();
  while (!result.empty() && (result.back() == '\n' || result.back() == ' ')) result.pop_back();
  if (rc != "0")
    throw Error(ErrorCode::kIo,
                s.peer + ": '" + tcl.substr(0, 60) + "' failed: " + (result.empty() ? "(no message)" : result));
  return result;
}

void TclRpcClient::program(const std::string& elf_path, Millis timeout) {
  command("program " + tcl_word(elf_path) + " verify", timeout);
}

void TclRpcClient::write_flash(const std::string& bin_path, std::uint32_t address, Millis timeout) {
  command("reset halt", timeout);
  command("flash write_image erase " + tcl_word(bin_path) + " " + hex(address) + " bin", timeout);
  command("verify_image " + tcl_word(bin_path) + " " + hex(address) + " bin", timeout);
}

void TclRpcClient::write_flash(const std::vector<std::uint8_t>& bytes, std::uint32_t address, Millis timeout) {
  const detail::TempDir dir("tinynas-blob");
  const std::string path = dir.path() + "/blob.bin";
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw Error(ErrorCode::kIo, "cannot write " + path);
  }
  write_flash(path, address, timeout);
}

void TclRpcClient::reset_halt(Millis timeout) { command("reset halt", timeout); }
void TclRpcClient::reset_run(Millis timeout) { command("reset run", timeout); }

namespace {

// The lines of an OpenOCD log that say what went wrong ("Error: ..."), without its banner; the last
// line when there is none.
std::string openocd_errors(const std::string& log) {
  std::string errors, last;
  std::size_t start = 0;
  while (start < log.size()) {
    std::size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    const std::string line = log.substr(start, end - start);
    if (!line.empty()) last = line;
    if (line.rfind("Error", 0) == 0) errors += (errors.empty() ? "" : " / ") + line;
    start = end + 1;
  }
  return errors.empty() ? last : errors;
}

} // namespace

std::string explain_openocd_failure(const std::string& board, const std::string& log) {
  const std::string said = "OpenOCD said: " + openocd_errors(log);
  const bool no_probe = log.find("open failed") != std::string::npos ||
                        log.find("No device found") != std::string::npos ||
                        log.find("unable to find a matching") != std::string::npos ||
                        log.find("Can't find a ST-Link") != std::string::npos;
  if (no_probe)
    return "board " + board +
           ": OpenOCD found no debug probe. Is the board connected by USB, and may this user "
           "access the ST-Link (udev rules from OpenOCD's contrib/60-openocd.rules)? " +
           said;
  if (log.find("LIBUSB_ERROR_ACCESS") != std::string::npos)
    return "board " + board + ": no permission to open the debug probe (install OpenOCD's udev rules). " + said;
  if (log.find("Can't find") != std::string::npos || log.find("couldn't open") != std::string::npos)
    return "board " + board + ": OpenOCD cannot find its board script. " + said;
  return "board " + board + ": OpenOCD failed to start. " + said;
}

struct OpenOcdServer::Impl {
  detail::ChildProcess process;
  TclRpcClient tcl;
  int gdb_port = 0, tcl_port = 0;
  std::optional<detail::TempDir> log_dir; // when the caller gave no log file
  ~Impl() {
    tcl.close();
    process.kill(); // before the log directory goes
  }
};

OpenOcdServer::OpenOcdServer(const OpenOcdLaunch& launch, Millis timeout) : impl_(std::make_unique<Impl>()) {
  std::string log = launch.log_file;
  if (log.empty()) {
    impl_->log_dir.emplace("tinynas-openocd");
    log = impl_->log_dir->path() + "/openocd.log";
  }
  impl_->gdb_port = detail::free_local_port();
  impl_->tcl_port = detail::free_local_port();
  std::vector<std::string> argv = {launch.program};
  for (const std::string& script : launch.scripts) argv.insert(argv.end(), {"-f", script});
  // After the scripts (they select the adapter driver), before init (which opens the probe).
  if (!launch.probe_serial.empty()) argv.insert(argv.end(), {"-c", "adapter serial " + launch.probe_serial});
  argv.insert(argv.end(), {"-c", "bindto 127.0.0.1", "-c", "gdb_port " + std::to_string(impl_->gdb_port), "-c",
                           "tcl_port " + std::to_string(impl_->tcl_port), "-c", "telnet_port disabled", "-c", "init"});
  impl_->process = detail::ChildProcess::spawn(argv, log);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!impl_->process.running())
      throw Error(ErrorCode::kDevice, explain_openocd_failure(launch.board, impl_->process.log_tail()));
    try {
      impl_->tcl.connect("127.0.0.1", impl_->tcl_port, Millis(200));
      return;
    } catch (const Error&) {
    }
  }
  impl_->process.kill();
  throw Error(ErrorCode::kDevice, "board " + launch.board + ": OpenOCD did not open its Tcl port within " +
                                      std::to_string(timeout.count()) + " ms: " + impl_->process.log_tail());
}

OpenOcdServer::~OpenOcdServer() = default;
int OpenOcdServer::gdb_port() const { return impl_->gdb_port; }
int OpenOcdServer::tcl_port() const { return impl_->tcl_port; }
TclRpcClient& OpenOcdServer::tcl() { return impl_->tcl; }
bool OpenOcdServer::alive() { return impl_->process.running(); }
int OpenOcdServer::process_id() const { return impl_->process.pid(); }
std::string OpenOcdServer::log_tail() const { return impl_->process.log_tail(); }

} // namespace tinynas
