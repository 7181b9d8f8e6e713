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

// Parses an amount in the account's own currency; the account must exist.
result<std::int64_t, rejection> movement_amount(const account_state& state,
                                                const std::string& text) {
  if (state.status != account_status::open) {
    return failure(rejection{rejection_code::account_not_found,
                             "account " + state.account_id + " does not exist"});
  }
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
  if (*amount > state.balance) {
    const auto cur = find_currency(state.currency);
    return failure(rejection{rejection_code::insufficient_funds,
                             "insufficient funds: balance " + format_amount(state.balance, *cur) +
                                 ", requested " + format_amount(*amount, *cur)});
  }
  return std::vector<event_body>{money_withdrawn{state.currency, *amount, cmd.description}};
}

constexpr std::pair<rejection_code, std::string_view> rejection_names[] = {
    {rejection_code::account_exists, "ACCOUNT_EXISTS"},
    {rejection_code::account_not_found, "ACCOUNT_NOT_FOUND"},
    {rejection_code::invalid_amount, "INVALID_AMOUNT"},
    {rejection_code::unknown_currency, "UNKNOWN_CURRENCY"},
    {rejection_code::insufficient_funds, "INSUFFICIENT_FUNDS"},
    {rejection_code::balance_limit_exceeded, "BALANCE_LIMIT_EXCEEDED"},
};

}  // namespace

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
                    },
                    cmd);
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
             },
             e.body);
  state.account_id = e.account_id;
  state.version = e.version;
  state.last_hash = e.hash;
  state.updated_at = e.occurred_at;
  return state;
}

}  // namespace chronicle::domain
