#include "tests/support/raw_http.hpp"

#include "client/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

namespace chronicle::testing {
namespace {

using clock = std::chrono::steady_clock;

// Waits for `events` until the deadline; the revents, or 0 on timeout.
short wait_for(int fd, short events, clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
  if (left <= 0) return 0;
  pollfd p{fd, events, 0};
  if (::poll(&p, 1, static_cast<int>(left)) != 1) return 0;
  return p.revents;
}

// False when the server stopped reading (closed or reset the connection) or time ran out.
bool send_all(int fd, const std::string& bytes, clock::time_point deadline) {
  for (std::size_t sent = 0; sent < bytes.size();) {
    if ((wait_for(fd, POLLOUT, deadline) & POLLOUT) == 0) return false;
    const auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

raw_outcome send_raw(std::uint16_t port, const std::string& bytes, bool half_close,
                     int timeout_ms) {
  raw_outcome out;
  const auto deadline = clock::now() + std::chrono::milliseconds{timeout_ms};
  const int fd = client::connect_loopback(port);
  if (fd < 0) return out;
  out.fully_sent = send_all(fd, bytes, deadline);
  if (out.fully_sent && half_close) ::shutdown(fd, SHUT_WR);
  // Read whatever the server answered, even after a failed send: it may have answered
  // before it stopped reading.
  std::string raw;
  char buffer[16384];
  while (wait_for(fd, POLLIN, deadline) != 0) {
    const auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      out.closed = true;
      break;
    }
    raw.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  out.response = client::parse_response(raw);
  return out;
}

}  // namespace chronicle::testing
