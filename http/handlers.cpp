#include "http/handlers.hpp"

#include <caf/all.hpp>
#include <restinio/all.hpp>

#include "domain/ids.hpp"
#include "http/bridge.hpp"
#include "http/query_params.hpp"
#include "http/time_travel_params.hpp"
#include "http/ws_hub.hpp"

namespace chronicle::http {
namespace {

using parsed_query = std::optional<restinio::query_string_params_t>;

// Strict (RESTinio's defaults), but a malformed query string is answered with a 400
// instead of an exception, which would make RESTinio close the connection unanswered.
parsed_query strict_query(const request& req) {
  auto parsed = restinio::try_parse_query<restinio::parse_query_traits::restinio_defaults>(
      req->header().query());
  if (!parsed) return std::nullopt;
  return std::move(*parsed);
}

// Relaxed: instants carry ':' and id lists ',' that clients rarely percent-encode.
parsed_query relaxed_query(const request& req) {
  auto parsed =
      restinio::try_parse_query<restinio::parse_query_traits::relaxed>(req->header().query());
  if (!parsed) return std::nullopt;
  return std::move(*parsed);
}

query_param param(const restinio::query_string_params_t& qp, const char* name) {
  const auto value = qp.get_param(name);
  if (!value) return std::nullopt;
  return restinio::cast_to<std::string>(*value);
}

}  // namespace

std::size_t header_count(const request& req, restinio::string_view_t name) {
  std::size_t count = 0;
  req->header().for_each_value_of(name, [&count](restinio::string_view_t) {
    ++count;
    return restinio::http_header_fields_t::continue_enumeration();
  });
  return count;
}

handlers::handlers(caf::actor bridge, caf::actor hub, websocket_upgrade upgrade,
                   std::shared_ptr<key_ring> keys, std::shared_ptr<const responder> out,
                   rate_limit_settings rate)
    : bridge_{std::move(bridge)},
      hub_{std::move(hub)},
      upgrade_{upgrade},
      keys_{std::move(keys)},
      out_{std::move(out)},
      rate_{rate} {}

std::optional<principal> handlers::authorize(access needed, const request& req) {
  if (needed == access::open) return principal{};
  if (!keys_) return principal{std::string{insecure_principal}, api_role::admin};
  // Two Authorization headers are refused: which one a proxy or the server reads is
  // exactly the ambiguity an attacker wants. So is a key in both places.
  const auto protocols = header_count(req, "Sec-WebSocket-Protocol") == 1
                             ? ws_credentials(req->header().get_field_or(
                                   restinio::http_field::sec_websocket_protocol, ""))
                             : std::string{};
  const auto authorizations = header_count(req, "Authorization");
  const auto header =
      authorizations > 1 || (authorizations == 1 && !protocols.empty())
          ? std::string{"(sent twice)"}
          : req->header().get_field_or(restinio::http_field::authorization, protocols);
  const auto who = keys_->authenticate(header);
  if (!who) {
    out_->problem(req, api_error::unauthorized,
                  who.error() == auth_failure::missing
                      ? "an API key is required: Authorization: Bearer <key>"
                      : "the API key is not valid");
    return std::nullopt;
  }
  const auto rate = rate_.admit(who->key_id, key_rate_limiter::clock::now());
  if (!rate.admitted) {
    out_->problem(req, api_error::too_many_requests,
                  "the API key " + who->key_id + " exceeded its rate limit; retry after " +
                      std::to_string(rate.retry_after_seconds) + " s",
                  rate.retry_after_seconds);
    return std::nullopt;
  }
  if (!role_allows(who->role, needed)) {
    out_->problem(req, api_error::forbidden,
                  "the role " + std::string{role_name(who->role)} + " may not " +
                      (needed == access::write ? "issue commands" : "read"));
    return std::nullopt;
  }
  return *who;
}

handling_status handlers::command(command_route route, const request& req,
                                  const std::string& issued_by) {
  return submit(req, issued_by, [route](std::string_view body, std::string_view key) {
    return parse_command(route, body, key);
  });
}

handling_status handlers::transfer(const request& req, const std::string& issued_by) {
  return submit(req, issued_by, parse_transfer);
}

handling_status handlers::account(const request& req, std::string id) {
  if (!domain::valid_account_id(id)) return unknown_account(req, id);
  const auto qp = strict_query(req);
  if (!qp) return invalid(req, "the query string is malformed");
  const auto consistency = qp->get_param("consistency");
  if (consistency && *consistency == "strong") {
    caf::anon_send(bridge_, req, actors::account_query{std::move(id)});
  } else if (!consistency || *consistency == "eventual") {
    caf::anon_send(bridge_, req, actors::read_account{std::move(id)});
  } else {
    out_->problem(req, api_error::invalid_field, "consistency must be strong or eventual");
  }
  return restinio::request_accepted();
}

handling_status handlers::snapshot(const request& req) {
  const auto qp = relaxed_query(req);
  if (!qp) return invalid(req, "the query string is malformed");
  return forward(req, parse_snapshot_ids(param(*qp, "ids")));
}

handling_status handlers::accounts(const request& req) {
  const auto qp = strict_query(req);
  if (!qp) return invalid(req, "the query string is malformed");
  return forward(req, parse_account_list(param(*qp, "owner"), param(*qp, "status"),
                                         param(*qp, "after"), param(*qp, "limit")));
}

handling_status handlers::transactions(const request& req, std::string id) {
  if (!domain::valid_account_id(id)) return unknown_account(req, id);
  const auto qp = strict_query(req);
  if (!qp) return invalid(req, "the query string is malformed");
  return forward(req, parse_transactions(std::move(id), param(*qp, "before"), param(*qp, "limit")));
}

handling_status handlers::timeline(const request& req) {
  const auto qp = strict_query(req);
  if (!qp) return invalid(req, "the query string is malformed");
  return forward(req,
                 parse_timeline(param(*qp, "order"), param(*qp, "after"), param(*qp, "limit")));
}

handling_status handlers::events(const request& req, std::string id) {
  if (!domain::valid_account_id(id)) return unknown_account(req, id);
  const auto qp = strict_query(req);
  if (!qp) return invalid(req, "the query string is malformed");
  return forward(req, parse_events(std::move(id), param(*qp, "from_version"), param(*qp, "limit")));
}

// ?timestamp=<ISO 8601> or ?version=N: the account's state at that point (strong).
handling_status handlers::balance_at(const request& req, std::string id) {
  if (!domain::valid_account_id(id)) return unknown_account(req, id);
  const auto qp = relaxed_query(req);
  if (!qp) return invalid(req, "the query string is malformed");
  return forward(req, parse_balance_at(std::move(id), param(*qp, "timestamp"),
                                       param(*qp, "version"), domain::now_micros()));
}

// ?from=&to=&after=&limit=: the account's state after each event in [from, to] (strong).
handling_status handlers::history(const request& req, std::string id) {
  if (!domain::valid_account_id(id)) return unknown_account(req, id);
  const auto qp = relaxed_query(req);
  if (!qp) return invalid(req, "the query string is malformed");
  return forward(req, parse_history(std::move(id), param(*qp, "from"), param(*qp, "to"),
                                    param(*qp, "after"), param(*qp, "limit")));
}

// The account's hash chain, versions, snapshots and read models, checked now (strong).
handling_status handlers::verify(const request& req, std::string id) {
  if (!domain::valid_account_id(id)) return unknown_account(req, id);
  caf::anon_send(bridge_, req, projections::verify_request{std::move(id)});
  return restinio::request_accepted();
}

handling_status handlers::session(const request& req, const principal& who) {
  out_->respond(
      req, 200,
      "{\"key_id\":\"" + who.key_id + "\",\"role\":\"" + std::string{role_name(who.role)} +
          "\",\"may_write\":" + (role_allows(who.role, access::write) ? "true" : "false") + "}");
  return restinio::request_accepted();
}

handling_status handlers::health(const request& req) {
  caf::anon_send(bridge_, req, actors::progress_atom::value);
  return restinio::request_accepted();
}

handling_status handlers::cluster(const request& req) {
  caf::anon_send(bridge_, req, actors::cluster_atom::value);
  return restinio::request_accepted();
}

handling_status handlers::metrics(const request& req) {
  caf::anon_send(bridge_, req, metrics_atom::value);
  return restinio::request_accepted();
}

handling_status handlers::openapi(const request& req) {
  out_->respond(req, 200, std::string{openapi_document()});
  return restinio::request_accepted();
}

handling_status handlers::ws_events(const request& req, api_role role) {
  const auto upgrade = req->header().get_field_or(restinio::http_field::upgrade, "");
  if (!restinio::impl::is_equal_caseless(upgrade, "websocket") ||
      !req->header().has_field(restinio::http_field::sec_websocket_key) ||
      req->header().get_field_or(restinio::http_field::sec_websocket_version, "") != "13") {
    return invalid(req,
                   "GET /ws/events is a WebSocket: send Upgrade: websocket, "
                   "Sec-WebSocket-Key and Sec-WebSocket-Version: 13");
  }
  const auto qp = strict_query(req);
  if (!qp) return invalid(req, "the query string is malformed");
  auto subscription = parse_ws_subscription(param(*qp, "after_sequence"), param(*qp, "account_id"));
  if (!subscription) {
    out_->respond(req, answer_problem(subscription.error()));
    return restinio::request_accepted();
  }
  // A client that offered subprotocols must be answered with one of them, or browsers
  // drop the connection.
  const auto offered = req->header().get_field_or(restinio::http_field::sec_websocket_protocol, "");
  const bool speaks_ours = offered.find(ws_protocol) != std::string::npos;
  auto hub = hub_;
  auto socket = upgrade_(req, speaks_ours ? std::string{ws_protocol} : std::string{},
                         [hub](ws::ws_handle_t handle, ws::message_handle_t message) {
                           caf::anon_send(hub, std::move(handle), std::move(message));
                         });
  caf::anon_send(hub_, ws_open{socket, role, std::move(*subscription)});
  // Reading starts after the hub has the socket, so that its messages come after it.
  activate(*socket);
  return restinio::request_accepted();
}

// The checks every command passes (content type, size), then `parse`, then on to the bridge.
template <class Parse>
handling_status handlers::submit(const request& req, const std::string& issued_by, Parse parse) {
  const auto content_type = req->header().get_field_or(restinio::http_field::content_type, "");
  if (!is_json_content_type(content_type) || header_count(req, "Content-Type") > 1) {
    out_->problem(req, api_error::unsupported_media_type,
                  "Content-Type must be application/json, sent once");
    return restinio::request_accepted();
  }
  if (req->body().size() > request_body_bytes_max) {
    out_->problem(req, api_error::body_too_large,
                  "the body exceeds " + std::to_string(request_body_bytes_max) + " bytes");
    return restinio::request_accepted();
  }
  // A key sent twice, or sent empty, is refused: the command must not run as if it
  // had one key, or none, when the client meant something else.
  const auto keys = header_count(req, "Idempotency-Key");
  const auto key = req->header().get_field_or("Idempotency-Key", "");
  if (keys > 1 || (keys == 1 && key.empty())) {
    out_->problem(req, api_error::invalid_idempotency_key,
                  keys > 1 ? "Idempotency-Key must be sent at most once"
                           : "Idempotency-Key must not be empty");
    return restinio::request_accepted();
  }
  auto parsed = parse(req->body(), key);
  if (!parsed) {
    out_->respond(req, answer_problem(parsed.error()));
    return restinio::request_accepted();
  }
  parsed->issued_by = issued_by;
  caf::anon_send(bridge_, req, std::move(*parsed));
  return restinio::request_accepted();
}

// A parsed message goes on to the bridge; a problem is answered here.
template <class Message>
handling_status handlers::forward(const request& req, domain::result<Message, problem> parsed) {
  if (!parsed) {
    out_->respond(req, answer_problem(parsed.error()));
  } else {
    caf::anon_send(bridge_, req, std::move(*parsed));
  }
  return restinio::request_accepted();
}

handling_status handlers::invalid(const request& req, const std::string& why) {
  out_->problem(req, api_error::invalid_field, why);
  return restinio::request_accepted();
}

handling_status handlers::unknown_account(const request& req, const std::string& id) {
  out_->problem(req, api_error::account_not_found, "account " + id + " does not exist");
  return restinio::request_accepted();
}

}  // namespace chronicle::http
