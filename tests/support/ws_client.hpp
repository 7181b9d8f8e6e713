#pragma once

// A minimal WebSocket client (RFC 6455) over one loopback TCP connection, for the tests of
// GET /ws/events: it sends the upgrade request with the headers given, and reads the answer
// and then the server's frames. Promises: never throws; every call ends by its timeout.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace chronicle::testing {

struct ws_frame {
  int opcode = 0;  // 1 text, 8 close, 9 ping, 10 pong
  std::string payload;
  // For a close frame: its status code (0 when it carries none).
  int close_code() const;
};

class ws_client {
 public:
  // Connects to 127.0.0.1:port and asks to upgrade `target` (path and query).
  // `receive_buffer_bytes` > 0 sets SO_RCVBUF before connecting: a small one makes a client
  // that does not read look slow to the server at once.
  ws_client(std::uint16_t port, const std::string& target,
            const std::map<std::string, std::string>& headers, int receive_buffer_bytes = 0,
            int timeout_ms = 10'000);
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  // The HTTP status of the answer to the upgrade (101 when it succeeded; 0: none).
  int status() const { return status_; }
  // The answer's header block and, when it was not upgraded, its body.
  const std::string& head() const { return head_; }
  const std::string& body() const { return body_; }

  // The next frame, or nullopt when none came within `timeout_ms` or the connection ended
  // (then closed() is true).
  std::optional<ws_frame> next(int timeout_ms);
  bool closed() const { return closed_; }

  // Sends a close frame with `code` (masked, as a client must).
  void send_close(int code);

 private:
  bool fill(int timeout_ms);  // reads what arrives into buffer_; false on timeout or close

  int fd_ = -1;
  int status_ = 0;
  bool closed_ = false;
  std::string head_;
  std::string body_;
  std::string buffer_;
};

// The value of a Sec-WebSocket-Protocol header offering the protocol and the key.
std::string ws_key_protocols(const std::string& token);

}  // namespace chronicle::testing
