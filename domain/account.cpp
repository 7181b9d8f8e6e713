#include "domain/account.hpp"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "domain/money.hpp"
#include "domain/overloaded.hpp"

namespace chronicle::domain {
namespace {

rejection amount_rejection(money_error error) {
  return {rejection_code::invalid_amount, std::string{describe(error)}};
}

result<std::vector<event_body>, rejection> decide_open(const account_state& state,
                                                       const open_account& cmd) {
  if (state.status != account_status::absent) {
    return failure(rejection{rejection_code::account_exists,
                             "account " + state.account_id + " already exists"});
  }
  const auto cur = find_currency(cmd.currency);
  if (!cur) {
    return failure(
        rejection{rejection_code::unknown_currency, "unsupported currency '" + cmd.currency + "'"});
  }
  std::int64_t initial = 0;
  const auto parsed = parse_amount(cmd.initial_balance, *cur);
  if (parsed) {
    initial = *parsed;
  } else if (parsed.error() != money_error::zero) {
    return failure(amount_rejection(parsed.error()));
  }
  return std::vector<event_body>{account_created{cmd.owner_name, cmd.currency, initial}};
}

// An account that commands may change: it exists and is not closed.
std::optional<rejection> not_usable(const account_state& state) {
  if (state.status == account_status::absent) {
    return rejection{rejection_code::account_not_found,
                     "account " + state.account_id + " does not exist"};
  }
  if (state.status == account_status::closed) {
    return rejection{rejection_code::account_closed, "account " + state.account_id + " is closed"};
  }
  return std::nullopt;
}

rejection insufficient(const account_state& state, std::int64_t amount) {
  const auto cur = find_currency(state.currency);
  return rejection{rejection_code::insufficient_funds,
                   "insufficient funds in " + state.account_id + ": balance " +
                       format_amount(state.balance, *cur) + ", requested " +
                       format_amount(amount, *cur)};
}

// Parses an amount in the account's own currency; the account must be usable.
result<std::int64_t, rejection> movement_amount(const account_state& state,
                                                const std::string& text) {
  if (auto why = not_usable(state)) return failure(std::move(*why));
  const auto cur = find_currency(state.currency);
  // An open account's currency was validated when it was created.
  if (!cur) std::abort();
  const auto parsed = parse_amount(text, *cur);
  if (!parsed) return failure(amount_rejection(parsed.error()));
  return *parsed;
}

result<std::vector<event_body>, rejection> decide_deposit(const account_state& state,
                                                          const deposit& cmd) {
  const auto amount = movement_amount(state, cmd.amount);
  if (!amount) return failure(amount.error());
  if (state.balance > balance_minor_max - *amount) {
    return failure(rejection{rejection_code::balance_limit_exceeded,
                             "the deposit would take the balance past its maximum"});
  }
  return std::vector<event_body>{money_deposited{state.currency, *amount, cmd.description}};
}

result<std::vector<event_body>, rejection> decide_withdraw(const account_state& state,
                                                           const withdraw& cmd) {
  const auto amount = movement_amount(state, cmd.amount);
  if (!amount) return failure(amount.error());
  if (*amount > state.balance) return failure(insufficient(state, *amount));
  return std::vector<event_body>{money_withdrawn{state.currency, *amount, cmd.description}};
}

result<std::vector<event_body>, rejection> decide_close(const account_state& state) {
  if (auto why = not_usable(state)) return failure(std::move(*why));
  if (state.balance != 0) {
    const auto cur = find_currency(state.currency);
    return failure(rejection{rejection_code::balance_not_zero,
                             "account " + state.account_id + " still holds " +
                                 format_amount(state.balance, *cur) +
                                 "; only an empty account "
                                 "can be closed"});
  }
  return std::vector<event_body>{account_closed{}};
}

constexpr std::pair<rejection_code, std::string_view> rejection_names[] = {
    {rejection_code::account_exists, "ACCOUNT_EXISTS"},
    {rejection_code::account_not_found, "ACCOUNT_NOT_FOUND"},
    {rejection_code::invalid_amount, "INVALID_AMOUNT"},
    {rejection_code::unknown_currency, "UNKNOWN_CURRENCY"},
    {rejection_code::insufficient_funds, "INSUFFICIENT_FUNDS"},
    {rejection_code::balance_limit_exceeded, "BALANCE_LIMIT_EXCEEDED"},
    {rejection_code::account_closed, "ACCOUNT_CLOSED"},
    {rejection_code::balance_not_zero, "BALANCE_NOT_ZERO"},
    {rejection_code::same_account, "SAME_ACCOUNT"},
    {rejection_code::currency_mismatch, "CURRENCY_MISMATCH"},
};

}  // namespace

std::string_view status_name(account_status status) {
  switch (status) {
    case account_status::absent: return "absent";
    case account_status::open: return "open";
    case account_status::closed: return "closed";
  }
  std::abort();  // every enumerator is named above
}

std::string_view rejection_name(rejection_code code) {
  for (const auto& [c, name] : rejection_names) {
    if (c == code) return name;
  }
  std::abort();  // every enumerator has a name above
}

std::optional<rejection_code> rejection_from_name(std::string_view name) {
  for (const auto& [c, n] : rejection_names) {
    if (n == name) return c;
  }
  return std::nullopt;
}

result<std::vector<event_body>, rejection> decide(const account_state& state, const command& cmd) {
  return std::visit(overloaded{
                        [&](const open_account& c) { return decide_open(state, c); },
                        [&](const deposit& c) { return decide_deposit(state, c); },
                        [&](const withdraw& c) { return decide_withdraw(state, c); },
                        [&](const close_account&) { return decide_close(state); },
                    },
                    cmd);
}

result<transfer_legs, rejection> decide_transfer(const account_state& from, const account_state& to,
                                                 const transfer& t) {
  if (t.from_account_id == t.to_account_id) {
    return failure(
        rejection{rejection_code::same_account, "a transfer needs two different accounts"});
  }
  const auto amount = movement_amount(from, t.amount);
  if (!amount) return failure(amount.error());
  if (auto why = not_usable(to)) return failure(std::move(*why));
  if (from.currency != to.currency) {
    return failure(rejection{rejection_code::currency_mismatch,
                             "account " + from.account_id + " holds " + from.currency +
                                 " but account " + to.account_id + " holds " + to.currency});
  }
  if (*amount > from.balance) return failure(insufficient(from, *amount));
  if (to.balance > balance_minor_max - *amount) {
    return failure(
        rejection{rejection_code::balance_limit_exceeded,
                  "the transfer would take " + to.account_id + "'s balance past its maximum"});
  }
  return transfer_legs{
      transfer_debited{t.transfer_id, to.account_id, from.currency, *amount, t.description},
      transfer_credited{t.transfer_id, from.account_id, to.currency, *amount, t.description}};
}

account_state evolve(account_state state, const event& e) {
  if (e.version != state.version + 1) {
    std::fprintf(stderr, "evolve: account %s version %lld follows %lld\n", e.account_id.c_str(),
                 static_cast<long long>(e.version), static_cast<long long>(state.version));
    std::abort();
  }
  std::visit(overloaded{
                 [&](const account_created& b) {
                   state.status = account_status::open;
                   state.owner_name = b.owner_name;
                   state.currency = b.currency;
                   state.balance = b.initial_balance;
                   state.created_at = e.occurred_at;
                 },
                 [&](const money_deposited& b) { state.balance += b.amount; },
                 [&](const money_withdrawn& b) { state.balance -= b.amount; },
                 [&](const transfer_debited& b) { state.balance -= b.amount; },
                 [&](const transfer_credited& b) { state.balance += b.amount; },
                 [&](const account_closed&) { state.status = account_status::closed; },
             },
             e.body);
  state.account_id = e.account_id;
  state.version = e.version;
  state.last_hash = e.hash;
  state.updated_at = e.occurred_at;
  return state;
}

}  // namespace chronicle::domain
