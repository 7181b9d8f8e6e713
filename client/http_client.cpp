#include "client/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>

namespace chronicle::client {
namespace {

class socket_guard {
 public:
  explicit socket_guard(int fd) : fd_{fd} {}
  ~socket_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

bool wait_for(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, static_cast<int>(left.count())) == 1;
}

}  // namespace

http_response parse_response(const std::string& raw) {
  http_response out;
  const auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || raw.compare(0, 5, "HTTP/") != 0) return out;
  const auto space = raw.find(' ');
  out.status = std::atoi(raw.c_str() + space + 1);
  std::size_t line = raw.find("\r\n") + 2;
  while (line < head_end) {
    const auto end = raw.find("\r\n", line);
    const auto colon = raw.find(':', line);
    if (colon != std::string::npos && colon < end) {
      std::string name = raw.substr(line, colon - line);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::string value = raw.substr(colon + 1, end - colon - 1);
      value.erase(0, value.find_first_not_of(' '));
      out.headers[name] = value;
    }
    line = end + 2;
  }
  out.body = raw.substr(head_end + 4);
  return out;
}

nlohmann::json http_response::json() const {
  return nlohmann::json::parse(body, nullptr, false);
}

http_response http_request(std::uint16_t port, const std::string& method, const std::string& path,
                           const std::string& body,
                           const std::map<std::string, std::string>& headers, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds{timeout_ms};
  socket_guard sock{::socket(AF_INET, SOCK_STREAM, 0)};
  if (sock.get() < 0) return {};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return {};
  std::string request = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  request += "Connection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  request += "\r\n" + body;
  for (std::size_t sent = 0; sent < request.size();) {
    if (!wait_for(sock.get(), POLLOUT, deadline)) return {};
    const auto n = ::send(sock.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return {};
    sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  char buffer[16384];
  for (;;) {
    if (!wait_for(sock.get(), POLLIN, deadline)) return {};
    const auto n = ::recv(sock.get(), buffer, sizeof buffer, 0);
    if (n < 0) return {};
    if (n == 0) break;
    raw.append(buffer, static_cast<std::size_t>(n));
  }
  return parse_response(raw);
}

http_response post_json(std::uint16_t port, const std::string& path, const nlohmann::json& body,
                        const std::map<std::string, std::string>& headers, int timeout_ms) {
  auto all = headers;
  all.emplace("Content-Type", "application/json");
  return http_request(port, "POST", path, body.dump(), all, timeout_ms);
}

}  // namespace chronicle::client
