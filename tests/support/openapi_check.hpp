#pragma once

// Holds HTTP exchanges against the OpenAPI document the node serves (http/openapi.json).
//
// For an exchange with a listed operation: its status must be documented for that
// operation, the body must conform to the documented schema of that status and media type,
// and documented response headers must be present. A request that succeeded (2xx) must
// itself conform: its body to the request schema, its query parameters to the documented
// ones. A path that matches no operation must get 404 ROUTE_NOT_FOUND, a listed path with
// another method 405 METHOD_NOT_ALLOWED, both with an Error body; OPTIONS on a listed path
// may instead be a CORS preflight, an empty 204 with Access-Control-Allow-Origin and
// Access-Control-Allow-Methods.

#include <string>
#include <vector>

#include "client/http_client.hpp"

namespace chronicle::testing {

// The OpenAPI document of this build (http/openapi.json), parsed.
const nlohmann::json& openapi_document_json();

// `target` is the request's path with its query string. Problems, empty when it conforms;
// an exchange that failed to happen (status 0) has none.
std::vector<std::string> check_exchange(const std::string& method, const std::string& target,
                                        const std::string& request_body,
                                        const client::http_response& response);

}  // namespace chronicle::testing
