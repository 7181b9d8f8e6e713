#pragma once

// The tests use the project's loopback HTTP client (client/http_client.hpp)
// under their own namespace.

#include "client/http_client.hpp"

namespace chronicle::testing {

using client::http_request;
using client::http_response;
using client::post_json;

}  // namespace chronicle::testing
