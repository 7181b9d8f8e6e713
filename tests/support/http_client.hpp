#pragma once

// The tests' HTTP calls: the project's loopback HTTP client (client/http_client.hpp), with
// every exchange held against the OpenAPI document (tests/support/openapi_check.hpp). A
// mismatch fails the running test, so every integration test's requests and responses are
// samples the document must describe.
//
// A call presents the test operator's API key (support/test_keys.hpp) unless its headers
// have an Authorization of their own; an empty Authorization sends none.

#include "client/http_client.hpp"
#include "tests/support/tls_client.hpp"

namespace chronicle::testing {

using client::http_response;

http_response http_request(std::uint16_t port, const std::string& method, const std::string& path,
                           const std::string& body = "",
                           const std::map<std::string, std::string>& headers = {},
                           int timeout_ms = 15'000);

http_response post_json(std::uint16_t port, const std::string& path, const nlohmann::json& body,
                        const std::map<std::string, std::string>& headers = {},
                        int timeout_ms = 15'000);

// The same over HTTPS (support/tls_client.hpp), checked and keyed the same way.
http_response https_request(std::uint16_t port, const tls_client_options& tls,
                            const std::string& method, const std::string& path,
                            const std::string& body = "",
                            const std::map<std::string, std::string>& headers = {},
                            int timeout_ms = 15'000);

}  // namespace chronicle::testing
