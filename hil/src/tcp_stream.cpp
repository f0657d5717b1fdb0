#include "tcp_stream.hpp"

#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tinynas/space/error.hpp"

namespace tinynas::detail {

namespace {

int wait_for(int fd, short events, Millis timeout) {
  pollfd p{fd, events, 0};
  int r;
  do {
    r = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (r < 0 && errno == EINTR);
  return r;
}

} // namespace

TcpStream::TcpStream(TcpStream&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

TcpStream& TcpStream::operator=(TcpStream&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

TcpStream::~TcpStream() { close(); }

void TcpStream::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool TcpStream::try_connect(const std::string& host, int port, Millis timeout) {
  close();
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || found == nullptr) return false;
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    ::freeaddrinfo(found);
    return false;
  }
  int r = ::connect(fd, found->ai_addr, found->ai_addrlen);
  ::freeaddrinfo(found);
  if (r != 0 && errno == EINPROGRESS) {
    if (wait_for(fd, POLLOUT, timeout) <= 0) {
      ::close(fd);
      return false;
    }
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    r = err == 0 ? 0 : -1;
  }
  if (r != 0) {
    ::close(fd);
    return false;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); // small request/response packets
  fd_ = fd;
  return true;
}

void TcpStream::send_all(const std::string& data, Millis timeout, const std::string& peer) {
  if (fd_ < 0) throw Error(ErrorCode::kIo, peer + ": not connected");
  std::size_t sent = 0;
  while (sent < data.size()) {
    if (wait_for(fd_, POLLOUT, timeout) <= 0)
      throw Error(ErrorCode::kIo, peer + ": timed out after " + std::to_string(timeout.count()) + " ms sending");
    const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      throw Error(ErrorCode::kIo, peer + ": connection lost (" + std::strerror(errno) + ")");
    }
    sent += static_cast<std::size_t>(n);
  }
}

std::string TcpStream::receive_some(Millis timeout, const std::string& peer, bool* timed_out) {
  if (fd_ < 0) throw Error(ErrorCode::kIo, peer + ": not connected");
  *timed_out = false;
  for (;;) {
    const int r = wait_for(fd_, POLLIN, timeout);
    if (r == 0) {
      *timed_out = true;
      return {};
    }
    if (r < 0) throw Error(ErrorCode::kIo, peer + ": poll failed (" + std::strerror(errno) + ")");
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) return std::string(buf, static_cast<std::size_t>(n));
    if (n == 0) throw Error(ErrorCode::kIo, peer + ": connection closed by the other end");
    if (errno != EAGAIN && errno != EINTR)
      throw Error(ErrorCode::kIo, peer + ": connection lost (" + std::strerror(errno) + ")");
  }
}

int free_local_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw Error(ErrorCode::kIo, std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw Error(ErrorCode::kIo, std::string("cannot find a free TCP port: ") + std::strerror(errno));
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

} // namespace tinynas::detail
