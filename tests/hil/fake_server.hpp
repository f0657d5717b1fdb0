#pragma once
// A scripted TCP server on 127.0.0.1 for the link tests: accepts one client and answers each request with
// what a handler returns, so the GDB-remote and Tcl-RPC clients can be tested without QEMU or a probe.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace tinynas::hil_test {

class FakeServer {
public:
  // `session` runs on the server thread with the connected socket; it returns when the test is done with it.
  explicit FakeServer(std::function<void(int fd, FakeServer&)> session) : session_(std::move(session)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(listen_fd_, 1);
    thread_ = std::thread([this] {
      pollfd p{listen_fd_, POLLIN, 0};
      int waited = 0;
      while (!stop && ::poll(&p, 1, 50) <= 0)
        if ((waited += 50) >= 5000) return;
      if (stop) return;
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      session_(fd, *this);
      ::close(fd);
    });
  }
  ~FakeServer() {
    stop = true;
    if (thread_.joinable()) thread_.join();
    ::close(listen_fd_);
  }
  int port() const { return port_; }

  // Reads bytes until `terminator` (inclusive); "" when the client closed or `stop` was set.
  std::string read_until(int fd, char terminator) {
    std::string got;
    while (!stop) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char c;
      if (::recv(fd, &c, 1, 0) != 1) return "";
      got.push_back(c);
      if (c == terminator) return got;
    }
    return "";
  }
  static void send_text(int fd, const std::string& s) { ::send(fd, s.data(), s.size(), MSG_NOSIGNAL); }

  std::atomic<bool> stop{false};

private:
  std::function<void(int, FakeServer&)> session_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

} // namespace tinynas::hil_test
