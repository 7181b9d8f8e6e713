#pragma once

// CORS (cross-origin resource sharing) for browsers on other origins: off unless origins are
// listed, and then only for exactly those origins.
//
// Promises: with no origins, no response carries an Access-Control-* header and a preflight
// (OPTIONS) is answered as any other method on the path (405). With origins, every answer
// carries Vary: Origin; a request whose Origin header is one of them also gets
// Access-Control-Allow-Origin with that origin (never `*`) and Access-Control-Expose-Headers,
// and a preflight from it (OPTIONS with Access-Control-Request-Method) on a listed path gets
// 204 with the path's methods, the headers the API reads and a max age. Any other origin gets
// no Access-Control-* header at all.
// Credentials (cookies) are never allowed: the API authenticates with a bearer key, which a
// browser application sends itself. Pure: no I/O, no RESTinio.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/result.hpp"

namespace chronicle::http {

using header_list = std::vector<std::pair<std::string, std::string>>;

// Seconds a browser may cache a preflight's answer.
constexpr int cors_max_age_seconds = 600;
constexpr std::size_t cors_origins_max = 64;

class cors_policy {
 public:
  cors_policy() = default;  // off

  // A comma-separated list of origins, `scheme://host[:port]` with scheme http or https,
  // compared case-insensitively; empty: off. Fails on anything else ("*", a path, "null").
  static domain::result<cors_policy, std::string> parse(std::string_view origins);

  bool enabled() const { return !origins_.empty(); }
  bool allows(std::string_view origin) const;

  // The headers for an answer to a request that carries `origin` (empty when absent).
  header_list response_headers(std::string_view origin) const;

  // The headers of a 204 answer to a preflight on a path that serves `methods` ("GET",
  // "POST"), or nullopt when this is no preflight that may be answered.
  std::optional<header_list> preflight_headers(std::string_view origin,
                                               std::string_view requested_method,
                                               const std::vector<std::string>& methods) const;

 private:
  std::vector<std::string> origins_;  // lower-case
};

}  // namespace chronicle::http
