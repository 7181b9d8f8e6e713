#pragma once

// The route handlers: each authenticates the caller (authorize), validates what the request
// carries with the pure parsers (requests.hpp, query_params.hpp, time_travel_params.hpp),
// answers a problem at once or hands the request to the bridge actor, and returns without
// blocking. Internal to http/; the router (router.hpp) calls them.

#include <caf/actor.hpp>
#include <memory>
#include <optional>
#include <restinio/request_handler.hpp>
#include <string>

#include "http/api_keys.hpp"
#include "http/errors.hpp"
#include "http/rate_limit.hpp"
#include "http/requests.hpp"
#include "http/responder.hpp"
#include "http/routes.hpp"
#include "http/websocket.hpp"

namespace chronicle::http {

using handling_status = restinio::request_handling_status_t;

class handlers {
 public:
  // Without keys, authentication (and so the per-key rate limit) is off (--insecure-dev).
  // `hub` serves the WebSockets that `upgrade` makes.
  handlers(caf::actor bridge, caf::actor hub, websocket_upgrade upgrade,
           std::shared_ptr<key_ring> keys, std::shared_ptr<const responder> out,
           rate_limit_settings rate);

  // Who calls, if they may use a route that needs `needed`: the key's id and role (an empty
  // id for an open route; an admin without authentication). Otherwise the request is
  // answered here with 401, 429 or 403. The rate limit counts a key's requests after
  // authentication, so nobody can spend another key's allowance without its secret. The key
  // comes from the Authorization header, or, for a WebSocket, from the subprotocols
  // (ws_protocol.hpp).
  std::optional<principal> authorize(access needed, const request& req);

  handling_status command(command_route route, const request& req, const std::string& issued_by);
  handling_status transfer(const request& req, const std::string& issued_by);
  handling_status account(const request& req, std::string id);
  handling_status snapshot(const request& req);
  handling_status accounts(const request& req);
  handling_status transactions(const request& req, std::string id);
  handling_status timeline(const request& req);
  handling_status events(const request& req, std::string id);
  handling_status balance_at(const request& req, std::string id);
  handling_status history(const request& req, std::string id);
  handling_status verify(const request& req, std::string id);
  // GET /session: who the key is, so that a client (the dashboard) shows what its role may do.
  handling_status session(const request& req, const principal& who);
  handling_status health(const request& req);
  // GET /cluster: the members as this node sees them (cluster/router.hpp).
  handling_status cluster(const request& req);
  handling_status metrics(const request& req);
  handling_status openapi(const request& req);
  // GET /ws/events: upgrades to a WebSocket and hands it to the hub.
  handling_status ws_events(const request& req, api_role role);

 private:
  template <class Parse>
  handling_status submit(const request& req, const std::string& issued_by, Parse parse);
  template <class Message>
  handling_status forward(const request& req, domain::result<Message, problem> parsed);
  handling_status invalid(const request& req, const std::string& why);
  handling_status unknown_account(const request& req, const std::string& id);

  caf::actor bridge_;
  caf::actor hub_;
  websocket_upgrade upgrade_;
  std::shared_ptr<key_ring> keys_;
  std::shared_ptr<const responder> out_;
  key_rate_limiter rate_;
};

// How many times a header field was sent: a repeated one is refused, not guessed at.
std::size_t header_count(const request& req, restinio::string_view_t name);

}  // namespace chronicle::http
