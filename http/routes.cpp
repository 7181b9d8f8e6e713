#include "http/routes.hpp"

namespace chronicle::http {

const std::vector<route>& routes() {
  using v = http_verb;
  using a = access;
  static const std::vector<route> all{
      {v::post, "/commands/create-account", route_id::create_account, a::write},
      {v::post, "/commands/deposit", route_id::deposit, a::write},
      {v::post, "/commands/withdraw", route_id::withdraw, a::write},
      {v::post, "/commands/close-account", route_id::close_account, a::write},
      {v::post, "/commands/transfer", route_id::transfer, a::write},
      {v::get, "/accounts", route_id::list_accounts, a::read},
      {v::get, "/accounts/snapshot", route_id::accounts_snapshot, a::read},
      {v::get, "/accounts/:id", route_id::account, a::read},
      {v::get, "/accounts/:id/events", route_id::account_events, a::read},
      {v::get, "/accounts/:id/transactions", route_id::account_transactions, a::read},
      {v::get, "/accounts/:id/balance-at", route_id::balance_at, a::read},
      {v::get, "/accounts/:id/history", route_id::history, a::read},
      {v::get, "/accounts/:id/verify", route_id::verify, a::read},
      {v::get, "/events", route_id::timeline, a::read},
      {v::get, "/ws/events", route_id::ws_events, a::read},
      {v::get, "/session", route_id::session, a::read},
      {v::get, "/health", route_id::health, a::open},
      {v::get, "/metrics", route_id::metrics, a::read},
      {v::get, "/cluster", route_id::cluster, a::read},
      {v::get, "/openapi.json", route_id::openapi, a::open},
  };
  return all;
}

std::string_view access_name(access needed) {
  switch (needed) {
    case access::open: return "open";
    case access::read: return "read";
    case access::write: return "write";
  }
  return "";
}

std::string_view verb_name(http_verb verb) {
  return verb == http_verb::get ? "GET" : "POST";
}

std::string openapi_path(std::string_view express_path) {
  std::string out;
  bool in_param = false;
  for (char c : express_path) {
    if (c == ':') {
      out += '{';
      in_param = true;
    } else if (c == '/' && in_param) {
      out += "}/";
      in_param = false;
    } else {
      out += c;
    }
  }
  if (in_param) out += '}';
  return out;
}

}  // namespace chronicle::http
