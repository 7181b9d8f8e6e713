#include "http/routes.hpp"

namespace chronicle::http {

const std::vector<route>& routes() {
  using v = http_verb;
  static const std::vector<route> all{
      {v::post, "/commands/create-account", route_id::create_account},
      {v::post, "/commands/deposit", route_id::deposit},
      {v::post, "/commands/withdraw", route_id::withdraw},
      {v::post, "/commands/close-account", route_id::close_account},
      {v::post, "/commands/transfer", route_id::transfer},
      {v::get, "/accounts", route_id::list_accounts},
      {v::get, "/accounts/snapshot", route_id::accounts_snapshot},
      {v::get, "/accounts/:id", route_id::account},
      {v::get, "/accounts/:id/events", route_id::account_events},
      {v::get, "/accounts/:id/transactions", route_id::account_transactions},
      {v::get, "/accounts/:id/balance-at", route_id::balance_at},
      {v::get, "/accounts/:id/history", route_id::history},
      {v::get, "/events", route_id::timeline},
      {v::get, "/health", route_id::health},
      {v::get, "/metrics", route_id::metrics},
      {v::get, "/openapi.json", route_id::openapi},
  };
  return all;
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
