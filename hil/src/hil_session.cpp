#include "hil_session.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstring>

#include "tinynas/space/error.hpp"

namespace tinynas::detail {

static_assert(sizeof(tn_hil_mailbox) == TN_HIL_MAILBOX_BYTES, "mailbox ABI: 128 bytes");
static_assert(offsetof(tn_hil_mailbox, cmd) == 0x30 && offsetof(tn_hil_mailbox, seq) == 0x38 &&
                  offsetof(tn_hil_mailbox, done_seq) == 0x3C && offsetof(tn_hil_mailbox, core_clock_hz) == 0x78,
              "mailbox ABI offsets");

namespace {

std::string hex(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::vector<std::uint8_t> words(std::initializer_list<std::uint32_t> values) {
  std::vector<std::uint8_t> b;
  for (std::uint32_t v : values)
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  return b;
}

std::string command_name(std::uint32_t cmd) {
  switch (cmd) {
  case TN_HIL_CMD_PING: return "PING";
  case TN_HIL_CMD_LOAD: return "LOAD";
  case TN_HIL_CMD_RUN: return "RUN";
  default: return "command " + std::to_string(cmd);
  }
}

} // namespace

HilSession::HilSession(GdbRemote& gdb, const ElfImage& image, std::string where)
    : gdb_(gdb), image_(image), where_(std::move(where)) {
  mailbox_ = image.symbol("tn_hil_mb");
  ready_ = image.symbol("tn_hil_ready");
  done_ = image.symbol("tn_hil_done");
}

void HilSession::fail(const std::string& what) const { throw Error(ErrorCode::kDevice, where_ + ": " + what); }

tn_hil_mailbox HilSession::read_mailbox() {
  const std::vector<std::uint8_t> raw = gdb_.read_memory(mailbox_, sizeof(tn_hil_mailbox));
  tn_hil_mailbox mb;
  std::memcpy(&mb, raw.data(), sizeof mb);
  return mb;
}

std::optional<GdbStop> HilSession::wait_for_stop(Millis timeout, const std::string& doing) {
  if (!stall_) return gdb_.wait_for_stop(timeout);
  constexpr Millis kPoll(200);
  stall_->arm();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
    if (std::optional<GdbStop> stop = gdb_.wait_for_stop(std::clamp(left, Millis(0), kPoll))) return stop;
    if (left <= kPoll) return std::nullopt;
    if (std::optional<std::string> why = stall_->stalled()) fail(*why + " while " + doing);
  }
}

void HilSession::boot(Millis timeout) {
  gdb_.insert_breakpoint(ready_);
  gdb_.insert_breakpoint(done_);
  gdb_.resume();
  std::optional<GdbStop> stop = wait_for_stop(timeout, "booting");
  if (!stop) {
    const GdbStop s = gdb_.interrupt(Millis(2000));
    (void)s;
    fail("the firmware did not reach tn_hil_ready within " + std::to_string(timeout.count()) + " ms (pc at " +
         image_.describe(gdb_.read_register(15)) + ")");
  }
  if (stop->exited) fail("the target exited during boot");
  const std::uint32_t pc = gdb_.read_register(15);
  if (pc != ready_) fail("boot stopped at " + image_.describe(pc) + " instead of tn_hil_ready");
  identity_ = read_mailbox();
  if (identity_.magic != TN_HIL_MAGIC)
    fail("no profiling firmware answers (mailbox magic " + hex(identity_.magic) + ")");
  if (identity_.abi_version != TN_HIL_ABI_VERSION)
    fail("firmware mailbox ABI " + std::to_string(identity_.abi_version) + ", this host speaks " +
         std::to_string(TN_HIL_ABI_VERSION) + ": rebuild the firmware");
  seq_ = identity_.seq;
}

tn_hil_mailbox HilSession::command(std::uint32_t cmd, std::uint32_t arg, Millis timeout) {
  const std::uint32_t seq = ++seq_;
  gdb_.write_memory(mailbox_ + static_cast<std::uint32_t>(offsetof(tn_hil_mailbox, cmd)), words({cmd, arg, seq}));
  gdb_.resume(gdb_.read_register(14)); // return from the hook we are stopped in
  std::optional<GdbStop> stop = wait_for_stop(timeout, "running " + command_name(cmd));
  if (!stop) {
    // Find out where it is stuck before giving up: a hang in a kernel reads differently from a dead link.
    const GdbStop s = gdb_.interrupt(Millis(2000));
    (void)s;
    fail("the firmware did not answer " + command_name(cmd) + " within " + std::to_string(timeout.count()) +
         " ms (interrupted at " + image_.describe(gdb_.read_register(15)) + ")");
  }
  if (stop->exited) fail("the target exited while running " + command_name(cmd));
  const std::uint32_t pc = gdb_.read_register(15);
  const tn_hil_mailbox mb = read_mailbox();
  if (mb.state == TN_HIL_STATE_FAULT)
    fail("the firmware faulted (HardFault at " + image_.describe(mb.fault_pc) + ") running " + command_name(cmd));
  if (pc != done_) fail("the target stopped at " + image_.describe(pc) + " instead of tn_hil_done");
  if (mb.done_seq != seq)
    fail("the firmware answered sequence " + std::to_string(mb.done_seq) + ", expected " + std::to_string(seq));
  return mb;
}

RunMeasurement HilSession::run(const tn_hil_mailbox& loaded, const std::vector<std::int8_t>& input, std::uint8_t paint,
                               Millis timeout) {
  if (input.size() != loaded.input_bytes)
    throw Error(ErrorCode::kInternal, where_ + ": input of " + std::to_string(input.size()) +
                                          " bytes for a model that takes " + std::to_string(loaded.input_bytes));
  gdb_.write_memory(loaded.input_addr, std::vector<std::uint8_t>(input.begin(), input.end()));
  const tn_hil_mailbox mb = command(TN_HIL_CMD_RUN, paint, timeout);
  RunMeasurement m;
  m.status = mb.status;
  if (mb.status != 0) return m;
  m.ticks = std::uint64_t{mb.ticks_hi} << 32 | mb.ticks_lo;
  m.arena_used = mb.arena_used;
  m.stack_used = mb.stack_used;
  m.output_crc = mb.output_crc;
  const std::vector<std::uint8_t> out = gdb_.read_memory(loaded.output_addr, loaded.output_bytes);
  m.output.assign(out.begin(), out.end());
  const std::uint32_t ops = std::min(loaded.op_count, identity_.op_ticks_capacity);
  const std::vector<std::uint8_t> ticks = gdb_.read_memory(identity_.op_ticks_addr, std::size_t{ops} * 4);
  m.op_ticks.resize(ops);
  std::memcpy(m.op_ticks.data(), ticks.data(), ticks.size());
  return m;
}

} // namespace tinynas::detail
