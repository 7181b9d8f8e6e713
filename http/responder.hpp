#pragma once

// Answers HTTP requests: the status line, the body, and the headers every answer of its kind
// carries (Retry-After on 429 and 503, the Bearer challenge on 401, CORS for allowed
// origins). Internal to http/: only the files that speak RESTinio include it.
// Thread-safe: it holds only the CORS policy, read-only.

#include <restinio/request_handler.hpp>
#include <string>
#include <vector>

#include "actors/query_worker.hpp"
#include "http/cors.hpp"
#include "http/errors.hpp"

namespace chronicle::http {

using request = restinio::request_handle_t;
struct static_file;

class responder {
 public:
  explicit responder(cors_policy cors);

  const cors_policy& cors() const { return cors_; }

  void respond(const request& req, int status, std::string body,
               const char* content_type = "application/json",
               std::int64_t retry_after = retry_after_seconds) const;
  void respond(const request& req, const http_answer& answer) const;
  void problem(const request& req, api_error error, std::string message,
               std::int64_t retry_after = retry_after_seconds) const;

  // A failed read: 404 for an unknown account, 503 when `source` ("the event store" or "the
  // read models") is unavailable, else 500.
  void query_failure(const request& req, actors::query_status status, const std::string& account_id,
                     const std::string& source) const;

  // A file of the dashboard: 200 with its type, caching and a Content-Security-Policy that
  // lets the page load only its own scripts and talk only to this node.
  void file(const request& req, const static_file& f) const;

  // A CORS preflight on a path serving `methods`: 204 with the CORS headers, or 405 when CORS
  // is off or this origin may not.
  void preflight(const request& req, const std::vector<std::string>& methods) const;

 private:
  cors_policy cors_;
};

}  // namespace chronicle::http
