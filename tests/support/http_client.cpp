#include "tests/support/http_client.hpp"

#include <gtest/gtest.h>

#include "tests/support/openapi_check.hpp"
#include "tests/support/test_keys.hpp"

namespace chronicle::testing {
namespace {

std::map<std::string, std::string> with_key(std::map<std::string, std::string> headers) {
  const auto given = headers.find("Authorization");
  if (given == headers.end()) {
    headers["Authorization"] = bearer(keys().operator_token);
  } else if (given->second.empty()) {
    headers.erase(given);
  }
  return headers;
}

http_response checked(const std::string& method, const std::string& path, const std::string& body,
                      http_response response) {
  for (const auto& problem : check_exchange(method, path, body, response)) {
    ADD_FAILURE() << "not as documented in http/openapi.json: " << problem;
  }
  return response;
}

}  // namespace

http_response http_request(std::uint16_t port, const std::string& method, const std::string& path,
                           const std::string& body,
                           const std::map<std::string, std::string>& headers, int timeout_ms) {
  return checked(method, path, body,
                 client::http_request(port, method, path, body, with_key(headers), timeout_ms));
}

http_response post_json(std::uint16_t port, const std::string& path, const nlohmann::json& body,
                        const std::map<std::string, std::string>& headers, int timeout_ms) {
  return checked("POST", path, body.dump(),
                 client::post_json(port, path, body, with_key(headers), timeout_ms));
}

http_response https_request(std::uint16_t port, const tls_client_options& tls,
                            const std::string& method, const std::string& path,
                            const std::string& body,
                            const std::map<std::string, std::string>& headers, int timeout_ms) {
  return checked(method, path, body,
                 raw_https_request(port, tls, method, path, body, with_key(headers), timeout_ms));
}

}  // namespace chronicle::testing
