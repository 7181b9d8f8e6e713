#pragma once

// A small blocking HTTP/1.1 client: one connection per request
// ("Connection: close"), to 127.0.0.1 only, every call bounded by a timeout.
//
// Used by the operator tool (chronicle bank-test), the load generator and the
// tests. Promises: never throws on network trouble and never blocks past the
// timeout; a failed connection, a timeout or an unreadable reply is status 0.
// Thread-safe: calls share no state.

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

// Parses a complete response as read from the socket up to the server's close; status 0
// when it does not start with a status line and headers.
http_response parse_response(const std::string& raw);

// POST a JSON body with Content-Type: application/json.
http_response post_json(std::uint16_t port, const std::string& path, const nlohmann::json& body,
                        const std::map<std::string, std::string>& headers = {},
                        int timeout_ms = 15'000);

}  // namespace chronicle::client
