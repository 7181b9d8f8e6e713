#pragma once

// The transport under the router: RESTinio over plain HTTP, or HTTPS only (TLS 1.2 and 1.3,
// forward-secret AEAD suites) when a certificate and key are given; the limits of limits.hpp;
// open connections counted per client address (client_connections.hpp). Internal to http/.

#include <memory>
#include <string>

#include "domain/result.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "http/websocket.hpp"

namespace chronicle::http {

// The upgrade for the kind of server `config` asks for (plain or TLS).
websocket_upgrade websocket_upgrade_for(const server_config& config);

// A running RESTinio server of either kind.
class running_http {
 public:
  virtual ~running_http() = default;
  virtual void stop() = 0;
};

// Listens as `config` says, with `router` as the request handler.
domain::result<std::unique_ptr<running_http>, std::string> run_http(
    const server_config& config, std::unique_ptr<path_checked_router> router);

}  // namespace chronicle::http
