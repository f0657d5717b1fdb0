#pragma once
// A blocking-with-deadline TCP client socket for the debugger links (GDB remote protocol, OpenOCD Tcl RPC):
// every operation takes a timeout, so a silent peer never hangs the profiler.

#include <chrono>
#include <cstddef>
#include <string>

namespace tinynas::detail {

using Millis = std::chrono::milliseconds;

class TcpStream {
public:
  TcpStream() = default;
  TcpStream(TcpStream&& other) noexcept;
  TcpStream& operator=(TcpStream&& other) noexcept;
  TcpStream(const TcpStream&) = delete;
  TcpStream& operator=(const TcpStream&) = delete;
  ~TcpStream();

  // One connection attempt; false if refused or not answered within `timeout`.
  bool try_connect(const std::string& host, int port, Millis timeout);
  bool is_open() const { return fd_ >= 0; }
  void close();

  // Throw Error(kIo) naming `peer` on a timeout, a closed connection or a socket error.
  void send_all(const std::string& data, Millis timeout, const std::string& peer);
  // Reads what is available (at least one byte); returns "" only on timeout (then sets *timed_out).
  std::string receive_some(Millis timeout, const std::string& peer, bool* timed_out);

private:
  int fd_ = -1;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it back, close).
int free_local_port();

} // namespace tinynas::detail
