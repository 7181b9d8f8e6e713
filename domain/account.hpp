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
struct close_account {};
using command = std::variant<open_account, deposit, withdraw, close_account>;

// A transfer involves two accounts, so it has a decider of its own.
struct transfer {
  std::string transfer_id;
  std::string from_account_id;
  std::string to_account_id;
  std::string amount;
  std::string description;
};

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
// The two legs of one transfer, each in its own account's history; both are
// appended in one transaction. `counterparty` is the other account.
struct transfer_debited {
  std::string transfer_id;
  std::string counterparty;
  std::string currency;
  std::int64_t amount = 0;
  std::string description;
};
struct transfer_credited {
  std::string transfer_id;
  std::string counterparty;
  std::string currency;
  std::int64_t amount = 0;
  std::string description;
};
struct account_closed {};
using event_body = std::variant<account_created, money_deposited, money_withdrawn, transfer_debited,
                                transfer_credited, account_closed>;

// An event as stored: its payload plus the envelope that places it in the
// account's history and hash chain.
struct event {
  std::string event_id;
  std::string account_id;
  std::int64_t version = 0;
  micros occurred_at = 0;
  std::string command_id;
  // The API key that issued the command ("" before schema version 3, which added it).
  std::string issued_by;
  int schema_version = 1;
  event_body body;   // decoded, upcast to the current shape
  std::string data;  // the payload as stored, canonical JSON: what the hash covers
  std::string prev_hash;
  std::string hash;
};

enum class account_status { absent, open, closed };
// "absent", "open", "closed": as the read models and the API spell it.
std::string_view status_name(account_status status);

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
  account_closed,
  balance_not_zero,
  same_account,
  currency_mismatch,
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

// The debit and the credit of a transfer, decided against both accounts.
struct transfer_legs {
  event_body debit;   // for transfer.from_account_id
  event_body credit;  // for transfer.to_account_id
};
result<transfer_legs, rejection> decide_transfer(const account_state& from, const account_state& to,
                                                 const transfer& t);

account_state evolve(account_state state, const event& e);

}  // namespace chronicle::domain
