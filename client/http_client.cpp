#include "client/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>

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


bool send_all(int fd, const std::string& data, std::chrono::steady_clock::time_point deadline) {
  for (std::size_t sent = 0; sent < data.size();) {
    if (!wait_for(fd, POLLOUT, deadline)) return false;
    const auto n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

std::string request_text(const std::string& method, const std::string& path,
                         const std::string& body, const std::map<std::string, std::string>& headers,
                         bool keep_alive) {
  std::string request = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  request += std::string{"Connection: "} + (keep_alive ? "keep-alive" : "close") +
             "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  return request + "\r\n" + body;
}

// The most a reply's body may hold on a keep-alive connection.
constexpr std::size_t reply_body_bytes_max = 64 * 1024 * 1024;

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
  socket_guard sock{connect_loopback(port)};
  if (sock.get() < 0) return {};
  if (!send_all(sock.get(), request_text(method, path, body, headers, false), deadline)) return {};
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

connection::~connection() {
  close();
}

void connection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

http_response connection::request(const std::string& method, const std::string& path,
                                  const std::string& body,
                                  const std::map<std::string, std::string>& headers,
                                  int timeout_ms) {
  const auto text = request_text(method, path, body, headers, true);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds{timeout_ms};
  const bool reused = fd_ >= 0;
  http_response out;
  auto end = attempt(text, deadline, out);
  if (end == attempt_end::closed_before_answer && reused) {
    close();
    end = attempt(text, deadline, out);
  }
  if (end != attempt_end::answered) {
    close();
    return {};
  }
  const auto said = out.headers.find("connection");
  if (said != out.headers.end() && said->second == "close") close();
  return out;
}

connection::attempt_end connection::attempt(const std::string& request,
                                            std::chrono::steady_clock::time_point deadline,
                                            http_response& out) {
  if (fd_ < 0) {
    fd_ = connect_loopback(port_);
    if (fd_ < 0) return attempt_end::failed;
    ++connects_;
  }
  if (!send_all(fd_, request, deadline)) return attempt_end::closed_before_answer;
  std::string raw;
  std::size_t head_end = std::string::npos;
  std::size_t whole = std::string::npos;  // the reply's length, once its head is read
  char buffer[16384];
  while (whole == std::string::npos || raw.size() < whole) {
    if (!wait_for(fd_, POLLIN, deadline)) return attempt_end::failed;
    const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) {
      const bool reset = n == 0 || errno == ECONNRESET;
      return raw.empty() && reset ? attempt_end::closed_before_answer : attempt_end::failed;
    }
    raw.append(buffer, static_cast<std::size_t>(n));
    if (head_end != std::string::npos) continue;
    head_end = raw.find("\r\n\r\n");
    if (head_end == std::string::npos) continue;
    const auto head = parse_response(raw.substr(0, head_end + 4));
    const auto length = head.headers.find("content-length");
    if (head.status == 0 || length == head.headers.end()) return attempt_end::failed;
    const auto bytes = std::strtoull(length->second.c_str(), nullptr, 10);
    if (bytes > reply_body_bytes_max) return attempt_end::failed;
    whole = head_end + 4 + static_cast<std::size_t>(bytes);
  }
  out = parse_response(raw.substr(0, whole));
  return attempt_end::answered;
}

int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace chronicle::client
