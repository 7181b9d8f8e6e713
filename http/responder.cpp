#include "http/responder.hpp"

#include <restinio/all.hpp>

#include "http/static_site.hpp"

namespace chronicle::http {
namespace {

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
  }
}

std::string origin_of(const request& req) {
  return req->header().get_field_or("Origin", std::string{});
}

}  // namespace

responder::responder(cors_policy cors) : cors_{std::move(cors)} {}

void responder::respond(const request& req, int status, std::string body, const char* content_type,
                        std::int64_t retry_after) const {
  auto response = req->create_response(restinio::http_status_line_t{
      restinio::http_status_code_t{static_cast<std::uint16_t>(status)}, reason_phrase(status)});
  response.append_header(restinio::http_field::content_type, content_type);
  if (status == 503 || status == 429) {
    response.append_header(restinio::http_field::retry_after, std::to_string(retry_after));
  }
  if (status == 401) {
    response.append_header(restinio::http_field::www_authenticate, "Bearer realm=\"chronicle\"");
  }
  for (auto& [name, value] : cors_.response_headers(origin_of(req))) {
    response.append_header(std::move(name), std::move(value));
  }
  response.set_body(std::move(body));
  response.done();
}

void responder::respond(const request& req, const http_answer& answer) const {
  respond(req, answer.status, answer.body);
}

void responder::problem(const request& req, api_error error, std::string message,
                        std::int64_t retry_after) const {
  const auto answer = answer_problem({error, std::move(message)});
  respond(req, answer.status, answer.body, "application/json", retry_after);
}

void responder::query_failure(const request& req, actors::query_status status,
                              const std::string& account_id, const std::string& source) const {
  switch (status) {
    case actors::query_status::not_found:
      problem(req, api_error::account_not_found, "account " + account_id + " does not exist");
      return;
    case actors::query_status::unavailable:
      problem(req, api_error::store_unavailable, source + " are unavailable");
      return;
    default: problem(req, api_error::internal, source + " failed");
  }
}

void responder::file(const request& req, const static_file& f) const {
  auto response = req->create_response();
  response.append_header(restinio::http_field::content_type, f.content_type);
  response.append_header(restinio::http_field::cache_control,
                         f.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  response.append_header("X-Content-Type-Options", "nosniff");
  response.append_header("Content-Security-Policy",
                         "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
                         "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
  response.set_body(f.content);
  response.done();
}

void responder::preflight(const request& req, const std::vector<std::string>& methods) const {
  const auto requested = req->header().get_field_or("Access-Control-Request-Method", std::string{});
  const auto headers = cors_.preflight_headers(origin_of(req), requested, methods);
  if (!headers) {
    problem(req, api_error::method_not_allowed, "method not allowed on this path");
    return;
  }
  auto response = req->create_response(
      restinio::http_status_line_t{restinio::http_status_code_t{204}, reason_phrase(204)});
  for (const auto& [name, value] : *headers) response.append_header(name, value);
  response.done();
}

}  // namespace chronicle::http
