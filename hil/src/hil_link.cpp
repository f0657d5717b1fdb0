#include "hil_link.hpp"

#include <algorithm>

#include "gdb_loader.hpp"
#include "tinynas/hil/openocd.hpp"
#include "tinynas/hil/qemu_board.hpp"
#include "tinynas/space/error.hpp"

namespace tinynas::detail {

namespace {

class QemuLink final : public TargetLink {
public:
  QemuLink(std::string board, BoardLink link, const ElfImage& image, const LinkOptions& options)
      : board_(std::move(board)), link_(std::move(link)), image_(image), options_(options) {}

  void start() override {
    stop();
    QemuLaunch launch;
    launch.machine = link_.qemu_machine;
    launch.kernel = options_.firmware;
    launch.icount_shift = link_.icount_shift;
    launch.plugin = options_.plugin;
    launch.plugin_args = options_.plugin_args;
    // QEMU's gdbstub answers within milliseconds of the launch: a shorter boot timeout bounds that wait too.
    qemu_ = std::make_unique<QemuMachine>(launch, std::min(options_.boot_timeout, std::chrono::milliseconds(5000)));
    session_ = std::make_unique<HilSession>(qemu_->gdb(), image_, "board " + board_ + " (QEMU " + launch.machine + ")");
    // A running guest keeps QEMU on a host core: two seconds without CPU time is a hang, not a slow model.
    watchdog_ = std::make_unique<ProcessWatchdog>(qemu_->process_id(), "QEMU", std::chrono::milliseconds(2000));
    session_->set_stall_detector(watchdog_.get());
    session_->boot(options_.boot_timeout);
  }

  void stop() override {
    session_.reset();
    watchdog_.reset();
    qemu_.reset();
  }
  bool started() const override { return session_ != nullptr; }
  HilSession& session() override { return *session_; }

  // QEMU lets the debugger write flash (debug accesses go to ROM too), so the blob goes straight through the gdbstub.
  void write_blob(const std::vector<std::uint8_t>& blob) override {
    session_->gdb().write_memory(session_->identity().blob_addr, blob);
  }
  int process_id() const override { return qemu_ ? qemu_pid() : -1; }

private:
  int qemu_pid() const;

  std::string board_;
  BoardLink link_;
  const ElfImage& image_;
  LinkOptions options_;
  std::unique_ptr<QemuMachine> qemu_;
  std::unique_ptr<ProcessWatchdog> watchdog_;
  std::unique_ptr<HilSession> session_;
};

int QemuLink::qemu_pid() const { return qemu_->process_id(); }

class OpenOcdLink final : public TargetLink {
public:
  OpenOcdLink(std::string board, BoardLink link, const ElfImage& image, const LinkOptions& options)
      : board_(std::move(board)), link_(std::move(link)), image_(image), options_(options) {}

  void start() override {
    stop();
    OpenOcdLaunch launch;
    launch.board = board_;
    launch.scripts = link_.openocd_scripts;
    launch.probe_serial = link_.probe_serial;
    server_ = std::make_unique<OpenOcdServer>(launch);
    if (!programmed_) {
      server_->tcl().program(options_.firmware);
      programmed_ = true;
    }
    attach_and_boot();
  }

  void stop() override {
    session_.reset();
    watchdog_.reset();
    if (gdb_) gdb_->close();
    gdb_.reset();
    server_.reset();
  }
  bool started() const override { return session_ != nullptr; }
  HilSession& session() override { return *session_; }

  // Flash is written by OpenOCD's flash driver, which needs the core halted and reset afterwards: detach GDB,
  // program over Tcl, then reset and boot to the ready hook again.
  void write_blob(const std::vector<std::uint8_t>& blob) override {
    const std::uint32_t address = session_->identity().blob_addr;
    session_.reset();
    gdb_->close();
    gdb_.reset();
    server_->tcl().write_flash(blob, address);
    attach_and_boot();
  }

private:
  void attach_and_boot() {
    server_->tcl().reset_halt();
    gdb_ = std::make_unique<GdbRemote>();
    gdb_->connect("127.0.0.1", server_->gdb_port(), std::chrono::milliseconds(5000));
    session_ = std::make_unique<HilSession>(*gdb_, image_, "board " + board_);
    // OpenOCD sleeps while the board runs, so only a stopped or dead OpenOCD is a stall; a hung board is the
    // run timeout's to find (it then reports where the core spins).
    watchdog_ = std::make_unique<ProcessWatchdog>(server_->process_id(), "OpenOCD", std::chrono::milliseconds(0));
    session_->set_stall_detector(watchdog_.get());
    session_->boot(options_.boot_timeout);
  }

  std::string board_;
  BoardLink link_;
  const ElfImage& image_;
  LinkOptions options_;
  bool programmed_ = false;
  std::unique_ptr<OpenOcdServer> server_;
  std::unique_ptr<GdbRemote> gdb_;
  std::unique_ptr<ProcessWatchdog> watchdog_;
  std::unique_ptr<HilSession> session_;
};

// A board whose GDB server runs on another host, started there by whoever owns it: OpenOCD on the host its probe is
// plugged into (or any server with a memory map and flash packets), or a QEMU. Nothing is launched here: the firmware
// and the blobs go through the GDB port (gdb_loader), the board is reset by a monitor command, and a hung board is the
// run timeout's to find, as with a local OpenOCD.
class RemoteGdbLink final : public TargetLink {
public:
  RemoteGdbLink(std::string board, BoardLink link, const ElfImage& image, const LinkOptions& options)
      : board_(std::move(board)), link_(std::move(link)), image_(image), options_(options) {
    const std::size_t colon = link_.remote.rfind(':');
    host_ = link_.remote.substr(0, colon);
    port_ = std::stoi(link_.remote.substr(colon + 1));
    if (link_.reset_command.empty()) link_.reset_command = default_reset_command(link_.kind);
  }

  void start() override {
    stop();
    gdb_ = std::make_unique<GdbRemote>();
    try {
      // A server that was already running answers at once; the wait covers one that is restarting.
      gdb_->connect(host_, port_, std::chrono::milliseconds(2000));
    } catch (const Error& e) {
      throw Error(ErrorCode::kDevice,
                  "board " + board_ + ": nothing answers at " + link_.remote +
                      " (is OpenOCD running on that host, with `bindto 0.0.0.0` and this gdb_port?): " + e.message());
    }
    gdb_->monitor(link_.reset_command);
    if (!loaded_) { // once per link: later starts are recoveries of a board that holds the firmware already
      load_over_gdb(*gdb_, image_.segments());
      loaded_ = true;
      gdb_->monitor(link_.reset_command);
    }
    boot();
  }

  void stop() override {
    session_.reset();
    if (gdb_) gdb_->close();
    gdb_.reset();
  }
  bool started() const override { return session_ != nullptr; }
  HilSession& session() override { return *session_; }

  // Flash is programmed with the core halted at a hook; the board is reset afterwards, as a local OpenOCD does.
  // Memory written with M (a server without a memory map) needs no reset.
  void write_blob(const std::vector<std::uint8_t>& blob) override {
    const ElfSegment segment{session_->identity().blob_addr, blob};
    if (load_over_gdb(*gdb_, {segment}).flash_bytes == 0) return;
    session_.reset();
    gdb_->monitor(link_.reset_command);
    boot();
  }

private:
  void boot() {
    session_ = std::make_unique<HilSession>(*gdb_, image_, "board " + board_ + " (GDB server " + link_.remote + ")");
    session_->boot(options_.boot_timeout);
  }

  std::string board_;
  BoardLink link_;
  const ElfImage& image_;
  LinkOptions options_;
  std::string host_;
  int port_ = 0;
  bool loaded_ = false;
  std::unique_ptr<GdbRemote> gdb_;
  std::unique_ptr<HilSession> session_;
};

} // namespace

std::unique_ptr<TargetLink> make_target_link(const std::string& board, const BoardLink& link, const ElfImage& image,
                                             const LinkOptions& options) {
  // Either kind behind a server on another host is reached the same way: through its GDB port.
  if (link.kind != BoardLink::Kind::kNone && !link.remote.empty())
    return std::make_unique<RemoteGdbLink>(board, link, image, options);
  switch (link.kind) {
  case BoardLink::Kind::kQemu: return std::make_unique<QemuLink>(board, link, image, options);
  case BoardLink::Kind::kOpenOcd: return std::make_unique<OpenOcdLink>(board, link, image, options);
  case BoardLink::Kind::kNone: break;
  }
  throw Error(ErrorCode::kInvalidArgument, "board '" + board + "' has no link: it cannot be profiled");
}

} // namespace tinynas::detail
