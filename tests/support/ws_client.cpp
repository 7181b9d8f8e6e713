#include "tests/support/ws_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

namespace chronicle::testing {
namespace {

// Any 16 bytes, base64: the server only hashes it.
constexpr const char* client_key = "dGhlIHNhbXBsZSBub25jZQ==";

void send_all(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

}  // namespace

int ws_frame::close_code() const {
  if (opcode != 8 || payload.size() < 2) return 0;
  return (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
}

std::string ws_key_protocols(const std::string& token) {
  return "chronicle.v1, bearer." + token;
}

ws_client::ws_client(std::uint16_t port, const std::string& target,
                     const std::map<std::string, std::string>& headers, int receive_buffer_bytes,
                     int timeout_ms)
    : fd_{::socket(AF_INET, SOCK_STREAM, 0)} {
  if (receive_buffer_bytes > 0) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof receive_buffer_bytes);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    closed_ = true;
    return;
  }
  std::string request = "GET " + target +
                        " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                        "Sec-WebSocket-Key: " +
                        client_key + "\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  send_all(fd_, request + "\r\n");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds{timeout_ms};
  auto left = [&] {
    return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                deadline - std::chrono::steady_clock::now())
                                .count());
  };
  std::size_t end = std::string::npos;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos && left() > 0 && fill(left())) {
  }
  if (end == std::string::npos) return;
  head_ = buffer_.substr(0, end + 2);
  buffer_.erase(0, end + 4);
  if (head_.rfind("HTTP/1.1 ", 0) == 0) status_ = std::stoi(head_.substr(9, 3));
  if (status_ == 101) return;
  const auto length_at = head_.find("Content-Length: ");
  const std::size_t length =
      length_at == std::string::npos ? 0 : std::stoul(head_.substr(length_at + 16));
  while (buffer_.size() < length && left() > 0 && fill(left())) {
  }
  body_ = buffer_.substr(0, length);
}

ws_client::~ws_client() {
  if (fd_ >= 0) ::close(fd_);
}

bool ws_client::fill(int timeout_ms) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) != 1) return false;
  char chunk[16384];
  const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n <= 0) {
    closed_ = true;
    return false;
  }
  buffer_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

std::optional<ws_frame> ws_client::next(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds{timeout_ms};
  while (true) {
    if (buffer_.size() >= 2) {
      const auto b = [&](std::size_t i) { return static_cast<unsigned char>(buffer_[i]); };
      std::size_t header = 2;
      std::uint64_t length = b(1) & 0x7F;
      if (length == 126 && buffer_.size() >= 4) {
        header = 4;
        length = (b(2) << 8) | b(3);
      } else if (length == 127 && buffer_.size() >= 10) {
        header = 10;
        length = 0;
        for (std::size_t i = 2; i < 10; ++i) length = (length << 8) | b(i);
      }
      const bool header_complete = (b(1) & 0x7F) < 126 || header > 2;
      if (header_complete && buffer_.size() >= header + length) {
        ws_frame frame{b(0) & 0x0F, buffer_.substr(header, length)};
        buffer_.erase(0, header + length);
        return frame;
      }
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0 || !fill(static_cast<int>(left))) return std::nullopt;
  }
}

void ws_client::send_close(int code) {
  // FIN + close, masked, 2 bytes of payload; a zero mask keeps the payload as it is.
  std::string frame{"\x88\x82\x00\x00\x00\x00", 6};
  frame += static_cast<char>((code >> 8) & 0xFF);
  frame += static_cast<char>(code & 0xFF);
  send_all(fd_, frame);
}

}  // namespace chronicle::testing
