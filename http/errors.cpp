#include "http/errors.hpp"

#include <nlohmann/json.hpp>

namespace chronicle::http {

status_and_code classify(api_error error) {
  switch (error) {
    case api_error::malformed_json: return {400, "MALFORMED_JSON"};
    case api_error::missing_field: return {400, "MISSING_FIELD"};
    case api_error::invalid_field: return {400, "INVALID_FIELD"};
    case api_error::unknown_field: return {400, "UNKNOWN_FIELD"};
    case api_error::invalid_idempotency_key: return {400, "INVALID_IDEMPOTENCY_KEY"};
    case api_error::invalid_amount: return {400, "INVALID_AMOUNT"};
    case api_error::unknown_currency: return {400, "UNKNOWN_CURRENCY"};
    case api_error::route_not_found: return {404, "ROUTE_NOT_FOUND"};
    case api_error::account_not_found: return {404, "ACCOUNT_NOT_FOUND"};
    case api_error::version_not_found: return {404, "VERSION_NOT_FOUND"};
    case api_error::method_not_allowed: return {405, "METHOD_NOT_ALLOWED"};
    case api_error::account_exists: return {409, "ACCOUNT_EXISTS"};
    case api_error::body_too_large: return {413, "BODY_TOO_LARGE"};
    case api_error::unsupported_media_type: return {415, "UNSUPPORTED_MEDIA_TYPE"};
    case api_error::insufficient_funds: return {422, "INSUFFICIENT_FUNDS"};
    case api_error::balance_limit_exceeded: return {422, "BALANCE_LIMIT_EXCEEDED"};
    case api_error::account_closed: return {422, "ACCOUNT_CLOSED"};
    case api_error::balance_not_zero: return {422, "BALANCE_NOT_ZERO"};
    case api_error::same_account: return {422, "SAME_ACCOUNT"};
    case api_error::currency_mismatch: return {422, "CURRENCY_MISMATCH"};
    case api_error::idempotency_key_reused: return {422, "IDEMPOTENCY_KEY_REUSED"};
    case api_error::store_unavailable: return {503, "STORE_UNAVAILABLE"};
    case api_error::node_draining: return {503, "NODE_DRAINING"};
    case api_error::owner_lost: return {503, "OWNER_LOST"};
    case api_error::unauthorized: return {401, "UNAUTHORIZED"};
    case api_error::forbidden: return {403, "FORBIDDEN"};
    case api_error::too_many_requests: return {429, "TOO_MANY_REQUESTS"};
    case api_error::internal: return {500, "INTERNAL"};
  }
  return {500, "INTERNAL"};
}

api_error from_rejection(domain::rejection_code code) {
  switch (code) {
    case domain::rejection_code::account_exists: return api_error::account_exists;
    case domain::rejection_code::account_not_found: return api_error::account_not_found;
    case domain::rejection_code::invalid_amount: return api_error::invalid_amount;
    case domain::rejection_code::unknown_currency: return api_error::unknown_currency;
    case domain::rejection_code::insufficient_funds: return api_error::insufficient_funds;
    case domain::rejection_code::balance_limit_exceeded: return api_error::balance_limit_exceeded;
    case domain::rejection_code::account_closed: return api_error::account_closed;
    case domain::rejection_code::balance_not_zero: return api_error::balance_not_zero;
    case domain::rejection_code::same_account: return api_error::same_account;
    case domain::rejection_code::currency_mismatch: return api_error::currency_mismatch;
  }
  return api_error::internal;
}

// Messages may quote what a client sent (an id from the path or the query string), which
// need not be UTF-8: such bytes are replaced with U+FFFD instead of making dump() throw,
// so that every error still gets its body.
std::string problem_body(const problem& p) {
  return nlohmann::json{{"error", p.message}, {"code", classify(p.error).code}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

http_answer answer_problem(const problem& p) {
  return {classify(p.error).status, problem_body(p)};
}

namespace {

nlohmann::json transfer_body(const actors::command_reply& reply) {
  nlohmann::json events = nlohmann::json::array();
  for (const auto& e : reply.events) {
    events.push_back({{"event_id", e.event_id},
                      {"type", e.type},
                      {"account_id", e.account_id},
                      {"version", e.version}});
  }
  return {{"success", true},
          {"transfer_id", reply.transfer_id},
          {"events", std::move(events)},
          {"from_balance", reply.balance},
          {"to_balance", reply.other_balance},
          {"currency", reply.currency},
          {"replayed", reply.replayed}};
}

}  // namespace

http_answer answer_command(const actors::command_reply& reply, std::string_view account_id) {
  using actors::command_status;
  switch (reply.status) {
    case command_status::accepted: {
      if (!reply.transfer_id.empty()) return {201, transfer_body(reply).dump()};
      nlohmann::json body{
          {"success", true},           {"account_id", account_id}, {"event_id", reply.event_id},
          {"version", reply.version},  {"balance", reply.balance}, {"currency", reply.currency},
          {"replayed", reply.replayed}};
      return {201, body.dump()};
    }
    case command_status::rejected:
      return answer_problem({from_rejection(reply.code), reply.message});
    case command_status::idempotency_key_reused:
      return answer_problem({api_error::idempotency_key_reused,
                             "this Idempotency-Key was used for a different request"});
    case command_status::unavailable:
      return answer_problem({api_error::store_unavailable, reply.message});
    case command_status::failed: return answer_problem({api_error::internal, reply.message});
    case command_status::owner_lost: return answer_problem({api_error::owner_lost, reply.message});
    case command_status::node_draining:
      return answer_problem({api_error::node_draining, reply.message});
  }
  return answer_problem({api_error::internal, "unknown outcome"});
}

}  // namespace chronicle::http
