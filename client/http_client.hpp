#pragma once

// A small blocking HTTP/1.1 client to 127.0.0.1 only, every call bounded by a
// timeout: one connection per request ("Connection: close"), or a keep-alive
// `connection` that sends one request at a time.
//
// Used by the operator tool (chronicle bank-test, chronicle simulate), the load
// generator and the tests. Promises: never throws on network trouble and never
// blocks past the timeout; a failed connection, a timeout or an unreadable reply
// is status 0. Thread-safe: the functions share no state; a `connection` belongs
// to one thread at a time.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace chronicle::client {

struct http_response {
  int status = 0;  // 0 when the connection failed or the reply was unreadable
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  nlohmann::json json() const;
};

http_response http_request(std::uint16_t port, const std::string& method, const std::string& path,
                           const std::string& body = "",
                           const std::map<std::string, std::string>& headers = {},
                           int timeout_ms = 15'000);

// A connected TCP socket to 127.0.0.1:port, or -1.
int connect_loopback(std::uint16_t port);

// Parses a complete response as read from the socket up to the server's close; status 0
// when it does not start with a status line and headers.
http_response parse_response(const std::string& raw);

// POST a JSON body with Content-Type: application/json.
http_response post_json(std::uint16_t port, const std::string& path, const nlohmann::json& body,
                        const std::map<std::string, std::string>& headers = {},
                        int timeout_ms = 15'000);

// A keep-alive connection to a node on 127.0.0.1, for a client that sends one
// request at a time and waits for its answer. It connects on first use and again
// after the server closed it or a request failed. A reply must carry
// Content-Length (as the node's do); any other is unreadable (status 0). A node closes an idle
// keep-alive connection after a while: a request sent on a reused connection that ends before a
// byte of its answer arrives is sent once more on a fresh one, so send a command that must not be
// applied twice with an Idempotency-Key.
class connection {
 public:
  explicit connection(std::uint16_t port) : port_{port} {}
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  http_response request(const std::string& method, const std::string& path,
                        const std::string& body = "",
                        const std::map<std::string, std::string>& headers = {},
                        int timeout_ms = 15'000);

  // Connections opened so far (a figure for the load generator's report).
  std::size_t connects() const { return connects_; }

 private:
  enum class attempt_end { answered, closed_before_answer, failed };
  attempt_end attempt(const std::string& request, std::chrono::steady_clock::time_point deadline,
                      http_response& out);
  void close();

  std::uint16_t port_;
  int fd_ = -1;
  std::size_t connects_ = 0;
};

}  // namespace chronicle::client
