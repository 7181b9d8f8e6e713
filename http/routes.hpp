#pragma once

// The HTTP API's route table, as data. The router (http/server.cpp) is built from it, and a
// test holds it against the OpenAPI document (http/openapi.json, served at
// GET /openapi.json): both must list the same operations. docs/LLD.md describes each route.
//
// Paths are in RESTinio's express form ("/accounts/:id"); openapi_path() gives the OpenAPI
// form ("/accounts/{id}").

#include <string>
#include <string_view>
#include <vector>

namespace chronicle::http {

enum class route_id {
  create_account,
  deposit,
  withdraw,
  close_account,
  transfer,
  list_accounts,
  accounts_snapshot,
  account,
  account_events,
  account_transactions,
  balance_at,
  history,
  verify,
  timeline,
  ws_events,
  session,
  health,
  metrics,
  cluster,
  openapi,
};

enum class http_verb { get, post };

// What a caller needs to use a route: nothing (health, the API document), a key that may
// read, or a key that may issue commands (http/api_keys.hpp has which roles may what).
enum class access { open, read, write };

struct route {
  http_verb verb;
  std::string_view path;
  route_id id;
  access needed;
};

// Every route, in matching order: a literal segment comes before a parameter in the same
// place (/accounts/snapshot before /accounts/:id), since the first match wins.
const std::vector<route>& routes();

// "open", "read" or "write": as the OpenAPI document's x-chronicle-access says.
std::string_view access_name(access needed);

// "GET" or "POST".
std::string_view verb_name(http_verb verb);

// "/accounts/:id/events" -> "/accounts/{id}/events".
std::string openapi_path(std::string_view express_path);

// The OpenAPI 3.1 document of the API (http/openapi.json, embedded at build time).
std::string_view openapi_document();

}  // namespace chronicle::http
