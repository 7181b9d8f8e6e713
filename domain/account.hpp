#pragma once

// The account aggregate as a decider: commands, events, state, decide, evolve.
//
// Promises: decide() and evolve() are pure. decide() validates a command against
// the current state and answers either the events to append or a rejection; it
// never throws on user input. evolve() never validates: it applies an event that
// was already decided, and asserts (in release builds too) that versions rise by
// exactly one, because anything else is a programmer error or a corrupt store.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "domain/ids.hpp"
#include "domain/result.hpp"

namespace chronicle::domain {

// Commands carry amounts as decimal text: how many fraction digits are allowed
// depends on the account's currency, which only the decider knows.
struct open_account {
  std::string owner_name;
  std::string currency;
  std::string initial_balance;
};
struct deposit {
  std::string amount;
  std::string description;
};
struct withdraw {
  std::string amount;
  std::string description;
};
using command = std::variant<open_account, deposit, withdraw>;

// Event payloads. Amounts are int64 minor units of `currency`.
struct account_created {
  std::string owner_name;
  std::string currency;
  std::int64_t initial_balance = 0;
};
struct money_deposited {
  std::string currency;
  std::int64_t amount = 0;
  std::string description;
};
struct money_withdrawn {
  std::string currency;
  std::int64_t amount = 0;
  std::string description;
};
using event_body = std::variant<account_created, money_deposited, money_withdrawn>;

// An event as stored: its payload plus the envelope that places it in the
// account's history and hash chain.
struct event {
  std::string event_id;
  std::string account_id;
  std::int64_t version = 0;
  micros occurred_at = 0;
  std::string command_id;
  int schema_version = 1;
  event_body body;   // decoded, upcast to the current shape
  std::string data;  // the payload as stored, canonical JSON: what the hash covers
  std::string prev_hash;
  std::string hash;
};

enum class account_status { absent, open };

struct account_state {
  std::string account_id;
  account_status status = account_status::absent;
  std::string owner_name;
  std::string currency;
  std::int64_t balance = 0;
  std::int64_t version = 0;
  std::string last_hash;  // hash of the event at `version`; empty before the first
  micros created_at = 0;
  micros updated_at = 0;
};

enum class rejection_code {
  account_exists,
  account_not_found,
  invalid_amount,
  unknown_currency,
  insufficient_funds,
  balance_limit_exceeded,
};

// The machine name of a code, as the API and stored outcomes spell it:
// "INSUFFICIENT_FUNDS", and back.
std::string_view rejection_name(rejection_code code);
std::optional<rejection_code> rejection_from_name(std::string_view name);

struct rejection {
  rejection_code code;
  std::string message;
};

// The events a command produces, in order.
result<std::vector<event_body>, rejection> decide(const account_state& state, const command& cmd);

account_state evolve(account_state state, const event& e);

}  // namespace chronicle::domain
