#pragma once

// Every error the HTTP API can answer, mapped to its status and machine code
// in exactly one place. Bodies are {"error": "<human message>", "code": "<CODE>"}.

#include <string>
#include <string_view>

#include "actors/messages.hpp"
#include "domain/account.hpp"

namespace chronicle::http {

enum class api_error {
  malformed_json,
  missing_field,
  invalid_field,
  unknown_field,
  invalid_idempotency_key,
  route_not_found,
  method_not_allowed,
  body_too_large,
  unsupported_media_type,
  account_not_found,
  version_not_found,
  account_exists,
  invalid_amount,
  unknown_currency,
  insufficient_funds,
  balance_limit_exceeded,
  account_closed,
  balance_not_zero,
  same_account,
  currency_mismatch,
  idempotency_key_reused,
  store_unavailable,
  node_draining,
  owner_lost,
  unauthorized,
  forbidden,
  too_many_requests,
  internal,  // the last: tests walk the enumerators up to it
};

struct status_and_code {
  int status;
  std::string_view code;
};

status_and_code classify(api_error error);
api_error from_rejection(domain::rejection_code code);

struct problem {
  api_error error;
  std::string message;
};

std::string problem_body(const problem& p);

// The status and body for an actor's answer to a command.
struct http_answer {
  int status;
  std::string body;
};
http_answer answer_command(const actors::command_reply& reply, std::string_view account_id);
http_answer answer_problem(const problem& p);

// Seconds a client should wait before retrying after a 503.
constexpr int retry_after_seconds = 1;

}  // namespace chronicle::http
