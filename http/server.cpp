#include "http/server.hpp"

#include <openssl/ssl.h>
#include <algorithm>
#include <caf/all.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <restinio/all.hpp>
#include <restinio/tls.hpp>

#include "domain/event_codec.hpp"
#include "domain/money.hpp"
#include "http/client_connections.hpp"
#include "http/cors.hpp"
#include "http/rate_limit.hpp"
#include "http/requests.hpp"
#include "http/routes.hpp"
#include "http/time_travel_params.hpp"
#include "http/views.hpp"

// Request handles only ever travel inside this process, to the bridge actor.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(restinio::request_handle_t)

namespace chronicle::http {
namespace {

using router_t = restinio::router::express_router_t<>;

// RESTinio's IP blocker and connection state listener in one: each new connection is counted
// against its client address before anything is read from it, and given back when it closes
// (or is upgraded to a WebSocket, which RESTinio stops reporting on).
class connection_gate {
 public:
  explicit connection_gate(std::size_t per_client_max) : counts_{per_client_max} {}

  restinio::ip_blocker::inspection_result_t inspect(
      const restinio::ip_blocker::incoming_info_t& info) noexcept {
    try {
      return counts_.try_open(info.remote_endpoint().address().to_string())
                 ? restinio::ip_blocker::allow()
                 : restinio::ip_blocker::deny();
    } catch (...) {
      return restinio::ip_blocker::deny();
    }
  }

  // A TLS connection whose handshake fails is closed without having been accepted: it is
  // given back all the same.
  void state_changed(const restinio::connection_state::notice_t& notice) noexcept {
    const auto cause = notice.cause();
    if (restinio::get_if<restinio::connection_state::accepted_t>(&cause) != nullptr) return;
    try {
      counts_.close(notice.remote_endpoint().address().to_string());
    } catch (...) {
      // An address that cannot be printed was never counted either.
    }
  }

 private:
  client_connections counts_;
};

class path_checked_router;

// The same router and handlers behind plain HTTP or TLS: only the socket type differs.
template <class Base>
struct node_traits : Base {
  using request_handler_t = path_checked_router;
  using ip_blocker_t = connection_gate;
  using connection_state_listener_t = connection_gate;
  static constexpr bool use_connection_count_limiter = true;
};
using plain_traits = node_traits<restinio::default_traits_t>;
using tls_traits =
    node_traits<restinio::tls_traits_t<restinio::asio_timer_manager_t, restinio::null_logger_t>>;

using request = restinio::request_handle_t;
using nlohmann::json;

constexpr std::int64_t page_default = 100;
constexpr std::int64_t page_max = 1000;
constexpr auto read_timelimit = std::chrono::seconds{30};
constexpr auto write_timelimit = std::chrono::seconds{10};
// Transport limits, enforced by RESTinio's parser while it reads a request. RESTinio
// 0.6.16 has no hook to answer a request that breaks one of them: it closes the
// connection without a response. So they sit far above anything a valid request needs,
// and below them the route's own checks answer with a JSON error (a body larger than
// request_body_bytes_max gets 413, a bad Idempotency-Key 400). A declared Content-Length
// above transport_body_bytes_max is refused when the headers end, before any of the body
// is read or allocated. See docs/SECURITY.md, "Limits and input handling".
constexpr std::uint64_t transport_body_bytes_max = 1024 * 1024;
constexpr std::size_t url_bytes_max = 8 * 1024;
constexpr std::size_t header_name_bytes_max = 256;
// RESTinio refuses a value of this size or more.
constexpr std::size_t header_value_bytes_max = 8 * 1024;
constexpr std::size_t header_fields_max = 100;
// TLS 1.2 suites: ECDHE key exchange and AEAD ciphers only (Mozilla's "intermediate" list
// without the DHE ones, which would need Diffie-Hellman parameters).
constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

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

// Answers requests: the status line, the body, and the headers every answer of its kind
// carries (Retry-After, the Bearer challenge, CORS).
class responder {
 public:
  explicit responder(cors_policy cors) : cors_{std::move(cors)} {}

  const cors_policy& cors() const { return cors_; }

  void respond(const request& req, int status, std::string body,
               const char* content_type = "application/json",
               std::int64_t retry_after = retry_after_seconds) const {
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

  void respond(const request& req, const http_answer& answer) const {
    respond(req, answer.status, answer.body);
  }

  void problem(const request& req, api_error error, std::string message,
               std::int64_t retry_after = retry_after_seconds) const {
    const auto answer = answer_problem({error, std::move(message)});
    respond(req, answer.status, answer.body, "application/json", retry_after);
  }

  // `source` names what failed: "the event store" or "the read models".
  void query_failure(const request& req, actors::query_status status, const std::string& account_id,
                     const std::string& source) const {
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

  // A CORS preflight on a path serving `methods`: 204 with the CORS headers, or 405 when CORS
  // is off or this origin may not.
  void preflight(const request& req, const std::vector<std::string>& methods) const {
    const auto requested =
        req->header().get_field_or("Access-Control-Request-Method", std::string{});
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

 private:
  static std::string origin_of(const request& req) {
    return req->header().get_field_or("Origin", std::string{});
  }

  cors_policy cors_;
};

using metrics_atom = caf::atom_constant<caf::atom("metrics")>;

// The bridge between RESTinio's threads and the actors: it sends each request
// on and answers when the reply, or the timeout, comes back.
struct bridge_state {
  std::size_t next_worker = 0;  // round robin over the query workers

  static inline const char* name = "http_bridge";
};

caf::behavior bridge(caf::stateful_actor<bridge_state>* self, actors::account_registry registry,
                     std::vector<actors::query_worker> queries, std::chrono::milliseconds timeout,
                     std::string node_id, std::shared_ptr<const responder> out) {
  auto on_error = [out](request req) {
    return [req, out](caf::error&) {
      out->problem(req, api_error::store_unavailable, "the ledger did not answer in time");
    };
  };
  auto worker = [=] { return queries[self->state.next_worker++ % queries.size()]; };
  const std::string events_source = "the event store";
  const std::string views_source = "the read models";
  return {
      [=](request req, actors::transfer_request& t) {
        self->request(registry, timeout, std::move(t))
            .then(
                [req, out](actors::command_reply& r) { out->respond(req, answer_command(r, "")); },
                on_error(req));
      },
      [=](request req, actors::command_request& cmd) {
        auto id = cmd.account_id;
        self->request(registry, timeout, std::move(cmd))
            .then([req, id,
                   out](actors::command_reply& r) { out->respond(req, answer_command(r, id)); },
                  on_error(req));
      },
      [=](request req, actors::account_query& q) {
        auto id = q.account_id;
        self->request(registry, timeout, std::move(q))
            .then(
                [=](actors::account_view& v) {
                  if (v.status != actors::query_status::ok)
                    return out->query_failure(req, v.status, id, events_source);
                  out->respond(req, 200, account_json(v.state, "strong").dump());
                },
                on_error(req));
      },
      [=](request req, actors::read_account& q) {
        auto id = q.account_id;
        self->request(worker(), timeout, std::move(q))
            .then(
                [=](actors::account_view& v) {
                  if (v.status != actors::query_status::ok)
                    return out->query_failure(req, v.status, id, views_source);
                  out->respond(req, 200, account_json(v.state, "eventual").dump());
                },
                on_error(req));
      },
      [=](request req, persistence::account_filter& f) {
        self->request(worker(), timeout, std::move(f))
            .then(
                [=](actors::accounts_page& p) {
                  if (p.status != actors::query_status::ok)
                    return out->query_failure(req, p.status, "", views_source);
                  json accounts = json::array();
                  for (const auto& a : p.accounts) accounts.push_back(account_json(a, "eventual"));
                  json body{{"accounts", std::move(accounts)}, {"next_after", nullptr}};
                  if (!p.accounts.empty()) body["next_after"] = p.accounts.back().account_id;
                  out->respond(req, 200, body.dump());
                },
                on_error(req));
      },
      [=](request req, actors::transactions_query& q) {
        auto id = q.account_id;
        self->request(worker(), timeout, std::move(q))
            .then(
                [=](actors::transactions_page& p) {
                  if (p.status != actors::query_status::ok)
                    return out->query_failure(req, p.status, id, views_source);
                  json rows = json::array();
                  for (const auto& r : p.rows) rows.push_back(transaction_json(r));
                  json body{{"account_id", id},
                            {"transactions", std::move(rows)},
                            {"next_before", nullptr}};
                  if (!p.rows.empty()) body["next_before"] = p.rows.back().version;
                  out->respond(req, 200, body.dump());
                },
                on_error(req));
      },
      [=](request req, persistence::timeline_query& q) {
        self->request(worker(), timeout, std::move(q))
            .then(
                [=](actors::timeline_page& p) {
                  if (p.status != actors::query_status::ok)
                    return out->query_failure(req, p.status, "", views_source);
                  json rows = json::array();
                  for (const auto& r : p.rows) rows.push_back(timeline_json(r));
                  json body{{"events", std::move(rows)}, {"next", nullptr}};
                  if (!p.rows.empty()) body["next"] = encode_cursor(p.rows.back());
                  out->respond(req, 200, body.dump());
                },
                on_error(req));
      },
      [=](request req, actors::events_query& q) {
        auto id = q.account_id;
        self->request(registry, timeout, std::move(q))
            .then(
                [=](actors::events_page& p) {
                  if (p.status != actors::query_status::ok)
                    return out->query_failure(req, p.status, id, events_source);
                  json events = json::array();
                  for (const auto& e : p.events) events.push_back(domain::event_to_json(e));
                  json body{{"account_id", id}, {"events", std::move(events)}};
                  if (!p.events.empty()) body["next_from_version"] = p.events.back().version + 1;
                  out->respond(req, 200, body.dump());
                },
                on_error(req));
      },
      [=](request req, actors::snapshot_query& q) {
        self->request(registry, timeout, std::move(q))
            .then(
                [=](actors::snapshot_view& v) {
                  if (v.status != actors::query_status::ok)
                    return out->query_failure(req, v.status, "", events_source);
                  out->respond(req, 200, snapshot_json(v.accounts).dump());
                },
                on_error(req));
      },
      [=](request req, actors::balance_at_query& q) {
        auto asked = q;
        self->request(registry, timeout, std::move(q))
            .then(
                [=](actors::balance_at_view& v) {
                  if (v.status != actors::query_status::ok)
                    return out->query_failure(req, v.status, asked.account_id, events_source);
                  out->respond(req, balance_at_answer(asked, v.past));
                },
                on_error(req));
      },
      [=](request req, actors::history_query& q) {
        auto asked = q;
        self->request(registry, timeout, std::move(q))
            .then(
                [=](actors::history_view& v) {
                  if (v.status != actors::query_status::ok)
                    return out->query_failure(req, v.status, asked.range.account_id, events_source);
                  out->respond(req, history_answer(asked, v.page));
                },
                on_error(req));
      },
      [=](request req, actors::progress_atom) {
        self->request(worker(), timeout, actors::progress_atom::value)
            .then([=](actors::progress_report& r) { out->respond(req, health_answer(r, node_id)); },
                  on_error(req));
      },
      [=](request req, metrics_atom) {
        self->request(worker(), timeout, actors::progress_atom::value)
            .then(
                [=](actors::progress_report& r) {
                  out->respond(req, 200, metrics_text(r), "text/plain; version=0.0.4");
                },
                on_error(req));
      },
  };
}

// Parses a non-negative integer query parameter, or answers why not.
domain::result<std::int64_t, std::string> integer_param(const restinio::query_string_params_t& qp,
                                                        const char* name, std::int64_t fallback,
                                                        std::int64_t low, std::int64_t high) {
  const auto value = qp.get_param(name);
  if (!value) return fallback;
  std::int64_t n = 0;
  if (value->empty() || value->size() > 18)
    return domain::failure(std::string{name} + " must be an integer");
  for (char c : *value) {
    if (c < '0' || c > '9') return domain::failure(std::string{name} + " must be an integer");
    n = n * 10 + (c - '0');
  }
  if (n < low || n > high) {
    return domain::failure(std::string{name} + " must be between " + std::to_string(low) + " and " +
                           std::to_string(high));
  }
  return n;
}

class handlers {
 public:
  // Without keys, authentication (and so the per-key rate limit) is off (--insecure-dev).
  handlers(caf::actor bridge, std::shared_ptr<key_ring> keys, std::shared_ptr<const responder> out,
           rate_limit_settings rate)
      : bridge_{std::move(bridge)}, keys_{std::move(keys)}, out_{std::move(out)}, rate_{rate} {}

  // Who calls, if they may use a route that needs `needed`: the key id (empty for an open
  // route). Otherwise the request is answered here with 401, 429 or 403. The rate limit
  // counts a key's requests after authentication, so nobody can spend another key's
  // allowance without its secret.
  std::optional<std::string> authorize(access needed, const request& req) {
    if (needed == access::open) return std::string{};
    if (!keys_) return std::string{insecure_principal};
    // Two Authorization headers are refused: which one a proxy or the server reads is
    // exactly the ambiguity an attacker wants.
    const auto header = header_count(req, "Authorization") > 1
                            ? std::string{"(sent twice)"}
                            : req->header().get_field_or(restinio::http_field::authorization, "");
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
    return who->key_id;
  }

  restinio::request_handling_status_t command(command_route route, const request& req,
                                              const std::string& issued_by) {
    return submit(req, issued_by, [route](std::string_view body, std::string_view key) {
      return parse_command(route, body, key);
    });
  }

  restinio::request_handling_status_t transfer(const request& req, const std::string& issued_by) {
    return submit(req, issued_by, parse_transfer);
  }

  restinio::request_handling_status_t account(const request& req, std::string id) {
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

  // ?ids=a,b,c: 1 to snapshot_accounts_max valid ids; a repeated id counts once.
  restinio::request_handling_status_t snapshot(const request& req) {
    // Relaxed: the commas between ids need no percent-encoding.
    const auto parsed =
        restinio::try_parse_query<restinio::parse_query_traits::relaxed>(req->header().query());
    if (!parsed) return invalid(req, "the query string is malformed");
    const auto ids = parsed->get_param("ids");
    if (!ids || ids->empty()) {
      out_->problem(req, api_error::missing_field, "ids is required: ?ids=a,b,c");
      return restinio::request_accepted();
    }
    actors::snapshot_query q;
    const std::string text = restinio::cast_to<std::string>(*ids);
    for (std::size_t start = 0; start <= text.size();) {
      const auto comma = std::min(text.find(',', start), text.size());
      auto id = text.substr(start, comma - start);
      if (!domain::valid_account_id(id)) return invalid(req, "ids: '" + id + "' is no account id");
      if (std::find(q.account_ids.begin(), q.account_ids.end(), id) == q.account_ids.end()) {
        q.account_ids.push_back(std::move(id));
      }
      if (q.account_ids.size() > persistence::snapshot_accounts_max) {
        return invalid(req, "ids: at most " + std::to_string(persistence::snapshot_accounts_max) +
                                " accounts");
      }
      start = comma + 1;
    }
    caf::anon_send(bridge_, req, std::move(q));
    return restinio::request_accepted();
  }

  restinio::request_handling_status_t accounts(const request& req) {
    const auto qp = strict_query(req);
    if (!qp) return invalid(req, "the query string is malformed");
    const auto limit = integer_param(*qp, "limit", page_default, 1, page_max);
    if (!limit) return invalid(req, limit.error());
    persistence::account_filter filter;
    filter.limit = static_cast<std::size_t>(*limit);
    filter.owner_name = restinio::cast_to<std::string>(qp->get_param("owner").value_or(""));
    filter.status = restinio::cast_to<std::string>(qp->get_param("status").value_or(""));
    filter.after_account_id = restinio::cast_to<std::string>(qp->get_param("after").value_or(""));
    if (!filter.status.empty() && filter.status != "open" && filter.status != "closed") {
      return invalid(req, "status must be open or closed");
    }
    if (!domain::valid_text(filter.owner_name, domain::owner_name_bytes_max)) {
      return invalid(req, "owner must be UTF-8 text without control characters, at most " +
                              std::to_string(domain::owner_name_bytes_max) + " bytes");
    }
    // `after` is the cursor returned as next_after: an account id.
    if (!filter.after_account_id.empty() && !domain::valid_account_id(filter.after_account_id)) {
      return invalid(req, "after must be an account id returned as 'next_after'");
    }
    caf::anon_send(bridge_, req, std::move(filter));
    return restinio::request_accepted();
  }

  restinio::request_handling_status_t transactions(const request& req, std::string id) {
    if (!domain::valid_account_id(id)) return unknown_account(req, id);
    const auto qp = strict_query(req);
    if (!qp) return invalid(req, "the query string is malformed");
    const auto limit = integer_param(*qp, "limit", page_default, 1, page_max);
    const auto before = integer_param(*qp, "before", 0, 0, INT64_MAX / 2);
    if (!limit || !before) return invalid(req, !limit ? limit.error() : before.error());
    caf::anon_send(
        bridge_, req,
        actors::transactions_query{std::move(id), *before, static_cast<std::size_t>(*limit)});
    return restinio::request_accepted();
  }

  restinio::request_handling_status_t timeline(const request& req) {
    const auto qp = strict_query(req);
    if (!qp) return invalid(req, "the query string is malformed");
    const auto limit = integer_param(*qp, "limit", page_default, 1, page_max);
    if (!limit) return invalid(req, limit.error());
    persistence::timeline_query q;
    q.limit = static_cast<std::size_t>(*limit);
    const auto order = qp->get_param("order");
    if (order && *order != "desc" && *order != "asc") {
      return invalid(req, "order must be desc or asc");
    }
    q.newest_first = !order || *order == "desc";
    if (const auto after = qp->get_param("after")) {
      q.after = parse_cursor(*after);
      if (!q.after) return invalid(req, "after must be a cursor returned as 'next'");
    }
    caf::anon_send(bridge_, req, std::move(q));
    return restinio::request_accepted();
  }

  restinio::request_handling_status_t events(const request& req, std::string id) {
    if (!domain::valid_account_id(id)) return unknown_account(req, id);
    const auto qp = strict_query(req);
    if (!qp) return invalid(req, "the query string is malformed");
    const auto from = integer_param(*qp, "from_version", 1, 1, INT64_MAX / 2);
    const auto limit = integer_param(*qp, "limit", page_default, 1, page_max);
    if (!from || !limit) return invalid(req, !from ? from.error() : limit.error());
    caf::anon_send(bridge_, req,
                   actors::events_query{std::move(id), *from, static_cast<std::size_t>(*limit)});
    return restinio::request_accepted();
  }

  // ?timestamp=<ISO 8601> or ?version=N: the account's state at that point (strong).
  restinio::request_handling_status_t balance_at(const request& req, std::string id) {
    if (!domain::valid_account_id(id)) return unknown_account(req, id);
    const auto qp = relaxed_query(req);
    if (!qp) return invalid(req, "the query string is malformed");
    auto q = parse_balance_at(std::move(id), param(*qp, "timestamp"), param(*qp, "version"),
                              domain::now_micros());
    return forward(req, std::move(q));
  }

  // ?from=&to=&after=&limit=: the account's state after each event in [from, to] (strong).
  restinio::request_handling_status_t history(const request& req, std::string id) {
    if (!domain::valid_account_id(id)) return unknown_account(req, id);
    const auto qp = relaxed_query(req);
    if (!qp) return invalid(req, "the query string is malformed");
    auto q = parse_history(std::move(id), param(*qp, "from"), param(*qp, "to"), param(*qp, "after"),
                           param(*qp, "limit"));
    return forward(req, std::move(q));
  }

  restinio::request_handling_status_t health(const request& req) {
    caf::anon_send(bridge_, req, actors::progress_atom::value);
    return restinio::request_accepted();
  }

  restinio::request_handling_status_t metrics(const request& req) {
    caf::anon_send(bridge_, req, metrics_atom::value);
    return restinio::request_accepted();
  }

  restinio::request_handling_status_t openapi(const request& req) {
    out_->respond(req, 200, std::string{openapi_document()});
    return restinio::request_accepted();
  }

 private:
  // The checks every command passes (content type, size), then `parse`, then
  // on to the bridge.
  template <class Parse>
  restinio::request_handling_status_t submit(const request& req, const std::string& issued_by,
                                             Parse parse) {
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

  // Strict (RESTinio's defaults), but a malformed query string is answered with a 400
  // instead of an exception, which would make RESTinio close the connection unanswered.
  static std::optional<restinio::query_string_params_t> strict_query(const request& req) {
    auto parsed = restinio::try_parse_query<restinio::parse_query_traits::restinio_defaults>(
        req->header().query());
    if (!parsed) return std::nullopt;
    return std::move(*parsed);
  }

  // How many times a header field was sent: a repeated one is refused, not guessed at.
  static std::size_t header_count(const request& req, restinio::string_view_t name) {
    std::size_t count = 0;
    req->header().for_each_value_of(name, [&count](restinio::string_view_t) {
      ++count;
      return restinio::http_header_fields_t::continue_enumeration();
    });
    return count;
  }

  // Relaxed: instants carry ':' that clients rarely percent-encode.
  static std::optional<restinio::query_string_params_t> relaxed_query(const request& req) {
    auto parsed =
        restinio::try_parse_query<restinio::parse_query_traits::relaxed>(req->header().query());
    if (!parsed) return std::nullopt;
    return std::move(*parsed);
  }

  static query_param param(const restinio::query_string_params_t& qp, const char* name) {
    const auto value = qp.get_param(name);
    if (!value) return std::nullopt;
    return restinio::cast_to<std::string>(*value);
  }

  // A parsed message goes on to the bridge; a problem is answered here.
  template <class Message>
  restinio::request_handling_status_t forward(const request& req,
                                              domain::result<Message, problem> parsed) {
    if (!parsed) {
      out_->respond(req, answer_problem(parsed.error()));
    } else {
      caf::anon_send(bridge_, req, std::move(*parsed));
    }
    return restinio::request_accepted();
  }

  restinio::request_handling_status_t invalid(const request& req, const std::string& why) {
    out_->problem(req, api_error::invalid_field, why);
    return restinio::request_accepted();
  }

  restinio::request_handling_status_t unknown_account(const request& req, const std::string& id) {
    out_->problem(req, api_error::account_not_found, "account " + id + " does not exist");
    return restinio::request_accepted();
  }

  caf::actor bridge_;
  std::shared_ptr<key_ring> keys_;
  std::shared_ptr<const responder> out_;
  key_rate_limiter rate_;
};

restinio::http_method_id_t restinio_method(http_verb verb) {
  return verb == http_verb::get ? restinio::http_method_get() : restinio::http_method_post();
}

// Which handler serves a route of the table (http/routes.hpp), once the caller may use it.
restinio::request_handling_status_t dispatch(handlers& h, const route& r, const request& req,
                                             const restinio::router::route_params_t& params) {
  const auto who = h.authorize(r.needed, req);
  if (!who) return restinio::request_accepted();
  const auto account_id = [&] { return restinio::cast_to<std::string>(params["id"]); };
  switch (r.id) {
    case route_id::create_account: return h.command(command_route::create_account, req, *who);
    case route_id::deposit: return h.command(command_route::deposit, req, *who);
    case route_id::withdraw: return h.command(command_route::withdraw, req, *who);
    case route_id::close_account: return h.command(command_route::close_account, req, *who);
    case route_id::transfer: return h.transfer(req, *who);
    case route_id::list_accounts: return h.accounts(req);
    case route_id::accounts_snapshot: return h.snapshot(req);
    case route_id::account: return h.account(req, account_id());
    case route_id::account_events: return h.events(req, account_id());
    case route_id::account_transactions: return h.transactions(req, account_id());
    case route_id::balance_at: return h.balance_at(req, account_id());
    case route_id::history: return h.history(req, account_id());
    case route_id::timeline: return h.timeline(req);
    case route_id::health: return h.health(req);
    case route_id::metrics: return h.metrics(req);
    case route_id::openapi: return h.openapi(req);
  }
  return restinio::request_rejected();
}

// The router serves the route table (http/routes.hpp) in its order; any other method on a
// listed path gets 405, any other path 404. With CORS on, OPTIONS on a listed path is a
// preflight: answered 204 for an allowed origin, else 405 as before.
std::unique_ptr<router_t> make_routes(std::shared_ptr<handlers> h,
                                      std::shared_ptr<const responder> out) {
  auto router = std::make_unique<router_t>();
  struct path_methods {
    std::string_view path;
    restinio::router::dynamic_none_of_methods_matcher_t others;
    std::vector<std::string> names;
  };
  std::vector<path_methods> paths;
  for (const auto& r : routes()) {
    router->add_handler(restinio_method(r.verb), r.path,
                        [h, &r](auto req, auto params) { return dispatch(*h, r, req, params); });
    auto same_path = std::find_if(paths.begin(), paths.end(),
                                  [&](const auto& entry) { return entry.path == r.path; });
    if (same_path == paths.end()) same_path = paths.insert(paths.end(), {r.path, {}, {}});
    same_path->others.add(restinio_method(r.verb));
    same_path->names.emplace_back(verb_name(r.verb));
  }
  for (auto& p : paths) {
    if (out->cors().enabled()) {
      router->add_handler(restinio::http_method_options(), p.path,
                          [out, names = p.names](auto req, auto) {
                            out->preflight(req, names);
                            return restinio::request_accepted();
                          });
    }
    router->add_handler(std::move(p.others), p.path, [out](auto req, auto) {
      out->problem(req, api_error::method_not_allowed, "method not allowed on this path");
      return restinio::request_accepted();
    });
  }
  router->non_matched_request_handler([out](auto req) {
    out->problem(req, api_error::route_not_found, "no such route");
    return restinio::request_accepted();
  });
  return router;
}

// RESTinio's express router normalises the path before matching and throws when it is
// not valid percent-encoding of UTF-8 ("%zz", "%FF"); RESTinio answers a handler that
// throws by closing the connection unanswered. The same normalisation is tried here
// first, so such a path gets a 404 like any other path that names nothing.
class path_checked_router {
 public:
  path_checked_router(std::unique_ptr<router_t> routes, std::shared_ptr<const responder> out)
      : routes_{std::move(routes)}, out_{std::move(out)} {}

  restinio::request_handling_status_t operator()(request req) const {
    try {
      (void)restinio::utils::uri_normalization::unreserved_chars::estimate_required_capacity(
          req->header().path());
    } catch (const restinio::exception_t&) {
      out_->problem(req, api_error::route_not_found,
                    "no such route: the path is not valid percent-encoded UTF-8");
      return restinio::request_accepted();
    }
    return (*routes_)(std::move(req));
  }

 private:
  std::unique_ptr<router_t> routes_;
  std::shared_ptr<const responder> out_;
};

// TLS 1.2 and 1.3 only, forward-secret AEAD cipher suites for 1.2 (1.3's are all of that
// kind), no compression (CRIME), no renegotiation; the certificate chain and key from PEM
// files, checked to match.
domain::result<restinio::asio_ns::ssl::context, std::string> make_tls_context(
    const std::string& cert_file, const std::string& key_file) {
  for (const auto& [what, path] : {std::pair{"certificate", cert_file}, {"key", key_file}}) {
    std::ifstream readable{path};
    if (!readable) {
      return domain::failure(std::string{"cannot read the TLS "} + what + " file '" + path +
                             "': " + std::strerror(errno));
    }
  }
  namespace ssl = restinio::asio_ns::ssl;
  ssl::context context{ssl::context::tls_server};
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                      ssl::context::no_compression | ssl::context::single_dh_use);
  SSL_CTX* native = context.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_cipher_list(native, tls12_ciphers) != 1) {
    return domain::failure("the TLS 1.2 cipher list was refused by OpenSSL");
  }
  try {
    context.use_certificate_chain_file(cert_file);
  } catch (const std::exception& e) {
    return domain::failure("the TLS certificate file '" + cert_file +
                           "' holds no usable PEM certificate chain: " + e.what());
  }
  try {
    context.use_private_key_file(key_file, ssl::context::pem);
  } catch (const std::exception& e) {
    return domain::failure("the TLS key file '" + key_file +
                           "' holds no usable PEM private key for the certificate: " + e.what());
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return domain::failure("the TLS key '" + key_file + "' does not match the certificate '" +
                           cert_file + "'");
  }
  return context;
}

// The settings both kinds of server share.
template <class Traits>
restinio::server_settings_t<Traits> settings_for(const server_config& config,
                                                 std::unique_ptr<path_checked_router> router,
                                                 std::shared_ptr<connection_gate> gate) {
  restinio::server_settings_t<Traits> settings;
  settings.address(config.address)
      .port(config.port)
      .max_parallel_connections(config.connections_max)
      .read_next_http_message_timelimit(read_timelimit)
      .write_http_response_timelimit(write_timelimit)
      .handle_request_timeout(config.command_timeout + std::chrono::seconds{5})
      .incoming_http_msg_limits(restinio::incoming_http_msg_limits_t{}
                                    .max_body_size(transport_body_bytes_max)
                                    .max_url_size(url_bytes_max)
                                    .max_field_name_size(header_name_bytes_max)
                                    .max_field_value_size(header_value_bytes_max)
                                    .max_field_count(header_fields_max))
      .request_handler(std::move(router))
      .ip_blocker(gate)
      .connection_state_listener(gate);
  return settings;
}

// A running RESTinio server of either traits.
class running_http {
 public:
  virtual ~running_http() = default;
  virtual void stop() = 0;
};

template <class Traits>
class running_http_of final : public running_http {
 public:
  explicit running_http_of(restinio::running_server_handle_t<Traits> handle)
      : handle_{std::move(handle)} {}
  void stop() override {
    handle_->stop();
    handle_->wait();
  }

 private:
  restinio::running_server_handle_t<Traits> handle_;
};

domain::result<std::unique_ptr<running_http>, std::string> run_http(
    const server_config& config, std::unique_ptr<path_checked_router> router) {
  auto gate = std::make_shared<connection_gate>(config.connections_per_client_max);
  if (config.tls_cert_file.empty()) {
    return std::unique_ptr<running_http>{
        new running_http_of<plain_traits>{restinio::run_async<plain_traits>(
            restinio::own_io_context(),
            settings_for<plain_traits>(config, std::move(router), std::move(gate)),
            config.io_threads)}};
  }
  auto context = make_tls_context(config.tls_cert_file, config.tls_key_file);
  if (!context) return domain::failure(context.error());
  auto settings = settings_for<tls_traits>(config, std::move(router), std::move(gate));
  settings.tls_context(std::move(*context));
  return std::unique_ptr<running_http>{
      new running_http_of<tls_traits>{restinio::run_async<tls_traits>(
          restinio::own_io_context(), std::move(settings), config.io_threads)}};
}

}  // namespace

struct server::impl {
  caf::actor bridge;
  std::unique_ptr<running_http> running;
};

server::server(std::unique_ptr<impl> state) : impl_{std::move(state)} {}

server::~server() {
  if (impl_->running) impl_->running->stop();
  caf::anon_send_exit(impl_->bridge, caf::exit_reason::user_shutdown);
}

domain::result<std::unique_ptr<server>, std::string> server::start(
    caf::actor_system& system, actors::account_registry registry,
    std::vector<actors::query_worker> queries, server_config config) {
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    return domain::failure(std::string{"TLS needs both a certificate and a key file"});
  }
  auto out = std::make_shared<const responder>(config.cors);
  auto state = std::make_unique<impl>();
  state->bridge = system.spawn(bridge, std::move(registry), std::move(queries),
                               config.command_timeout, config.node_id, out);
  if (!config.keys) {
    std::fprintf(stderr,
                 "chronicled: WARNING: AUTHENTICATION IS OFF (--insecure-dev): anyone who can "
                 "reach %s:%u may read and move money. Never run a ledger like this outside "
                 "development.\n",
                 config.address.c_str(), static_cast<unsigned>(config.port));
  }
  auto h = std::make_shared<handlers>(state->bridge, config.keys, out, config.rate);
  try {
    auto running =
        run_http(config, std::make_unique<path_checked_router>(make_routes(h, out), out));
    if (!running) {
      caf::anon_send_exit(state->bridge, caf::exit_reason::user_shutdown);
      return domain::failure(running.error());
    }
    state->running = std::move(*running);
  } catch (const std::exception& e) {
    caf::anon_send_exit(state->bridge, caf::exit_reason::user_shutdown);
    return domain::failure(std::string{"cannot listen on "} + config.address + ":" +
                           std::to_string(config.port) + ": " + e.what());
  }
  return std::unique_ptr<server>{new server{std::move(state)}};
}

}  // namespace chronicle::http
