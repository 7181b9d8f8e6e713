// Unit tests for the account decider, read as given / when / then: given these events (sealed
// as the actor seals them, so versions and hashes are real), when this command, then these
// events or this rejection. No actor and no store are involved.

#include "domain/account.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "domain/event_codec.hpp"
#include "domain/money.hpp"

namespace chronicle::domain {
namespace {

using decision = result<std::vector<event_body>, rejection>;

const std::string account_id = "acc-1";
constexpr micros opened_at = 1'764'154'117'123'456;  // 2025-11-26T10:48:37.123456Z
constexpr micros event_spacing = 1'000'000;

account_state absent() {
  account_state state;
  state.account_id = account_id;
  return state;
}

// Event bodies with the fields a test cares about; amounts in minor units.
event_body created(std::int64_t initial, const std::string& currency = "USD") {
  return account_created{"Ada Lovelace", currency, initial};
}
event_body deposited(std::int64_t amount, const std::string& currency = "USD") {
  return money_deposited{currency, amount, "salary"};
}
event_body withdrawn(std::int64_t amount, const std::string& currency = "USD") {
  return money_withdrawn{currency, amount, "rent"};
}

// The state after `bodies`, each sealed after the state before it (one event per command, one
// second apart) and applied with evolve, as the account actor does once the append committed.
template <class... Bodies>
account_state given(const Bodies&... bodies) {
  account_state state = absent();
  micros at = opened_at;
  int command = 0;
  const std::vector<event_body> history{event_body{bodies}...};
  for (const event_body& body : history) {
    for (const auto& e : seal(state, {body}, "cmd-" + std::to_string(++command), at)) {
      state = evolve(state, e);
    }
    at += event_spacing;
  }
  return state;
}

// A readable account of a decision for failure messages.
std::string show(const decision& d) {
  if (!d.ok()) {
    return "rejected " + std::string{rejection_name(d.error().code)} + ": " + d.error().message;
  }
  std::string out = "events:";
  for (const auto& body : d.value()) out += " " + std::string{event_type_name(body)};
  return out;
}

// The one event of type T that `d` holds, or nothing when it holds anything else.
template <class T>
std::optional<T> only_event(const decision& d) {
  if (!d.ok() || d.value().size() != 1) return std::nullopt;
  const T* body = std::get_if<T>(&d.value().front());
  if (body == nullptr) return std::nullopt;
  return *body;
}

std::optional<rejection> rejected(const decision& d) {
  if (d.ok()) return std::nullopt;
  return d.error();
}

open_account open(const std::string& currency, const std::string& initial_balance) {
  return open_account{"Ada Lovelace", currency, initial_balance};
}

// ---------------------------------------------------------------------------------------------
// open_account

TEST(decide_open, given_absent_account_when_open_with_100_usd_then_account_created_in_cents) {
  const auto d = decide(given(), open("USD", "100.00"));
  const auto e = only_event<account_created>(d);
  ASSERT_TRUE(e) << show(d);
  EXPECT_EQ(e->owner_name, "Ada Lovelace");
  EXPECT_EQ(e->currency, "USD");
  EXPECT_EQ(e->initial_balance, 10'000);
}

TEST(decide_open, given_absent_account_when_open_with_jpy_whole_amount_then_yen_units) {
  const auto d = decide(given(), open("JPY", "5000"));
  const auto e = only_event<account_created>(d);
  ASSERT_TRUE(e) << show(d);
  EXPECT_EQ(e->currency, "JPY");
  EXPECT_EQ(e->initial_balance, 5'000);
}

TEST(decide_open, given_absent_account_when_open_with_zero_balance_then_created_with_zero) {
  for (const std::string zero : {"0", "0.0", "0.00"}) {
    SCOPED_TRACE(zero);
    const auto d = decide(given(), open("EUR", zero));
    const auto e = only_event<account_created>(d);
    ASSERT_TRUE(e) << show(d);
    EXPECT_EQ(e->initial_balance, 0);
  }
}

// The HTTP layer turns a missing initial_balance into "0" (see errors_test); the decider itself
// wants decimal text and does not guess what an empty string means.
TEST(decide_open, given_absent_account_when_open_with_empty_balance_text_then_invalid_amount) {
  const auto r = rejected(decide(given(), open("USD", "")));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, rejection_code::invalid_amount);
}

TEST(decide_open, given_open_account_when_open_again_then_account_exists) {
  const auto d = decide(given(created(10'000)), open("USD", "5.00"));
  const auto r = rejected(d);
  ASSERT_TRUE(r) << show(d);
  EXPECT_EQ(r->code, rejection_code::account_exists);
  EXPECT_NE(r->message.find(account_id), std::string::npos) << r->message;
}

TEST(decide_open, given_absent_account_when_open_in_unknown_or_lower_case_currency_then_rejected) {
  for (const std::string currency : {"usd", "XXX", "BTC", "US", "", "USDD", "Usd"}) {
    SCOPED_TRACE(currency);
    const auto d = decide(given(), open(currency, "10"));
    const auto r = rejected(d);
    ASSERT_TRUE(r) << show(d);
    EXPECT_EQ(r->code, rejection_code::unknown_currency);
  }
}

TEST(decide_open, given_absent_account_when_open_with_bad_initial_balance_then_invalid_amount) {
  for (const std::string balance : {"-5", "-5.00", "abc", "1.001", "1e3", "NaN", "01", " 1", "1.",
                                    ".5", "1,000", "100000000000000000"}) {
    SCOPED_TRACE(balance);
    const auto d = decide(given(), open("USD", balance));
    const auto r = rejected(d);
    ASSERT_TRUE(r) << show(d);
    EXPECT_EQ(r->code, rejection_code::invalid_amount);
    EXPECT_FALSE(r->message.empty());
  }
}

TEST(decide_open, given_absent_account_when_open_jpy_with_decimals_then_invalid_amount) {
  const auto r = rejected(decide(given(), open("JPY", "10.5")));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, rejection_code::invalid_amount);
}

// ---------------------------------------------------------------------------------------------
// deposit

TEST(decide_deposit, given_absent_account_when_deposit_then_account_not_found) {
  const auto d = decide(given(), deposit{"10.00", "salary"});
  const auto r = rejected(d);
  ASSERT_TRUE(r) << show(d);
  EXPECT_EQ(r->code, rejection_code::account_not_found);
  EXPECT_NE(r->message.find(account_id), std::string::npos) << r->message;
}

TEST(decide_deposit, given_balance_100_when_deposit_25_50_then_money_deposited_in_cents) {
  const auto d = decide(given(created(10'000)), deposit{"25.50", "salary"});
  const auto e = only_event<money_deposited>(d);
  ASSERT_TRUE(e) << show(d);
  EXPECT_EQ(e->currency, "USD");
  EXPECT_EQ(e->amount, 2'550);
  EXPECT_EQ(e->description, "salary");
}

TEST(decide_deposit, given_balance_100_when_deposit_25_50_and_evolved_then_balance_125_50) {
  account_state state = given(created(10'000));
  const auto d = decide(state, deposit{"25.50", ""});
  ASSERT_TRUE(d.ok()) << show(d);
  for (const auto& e : seal(state, d.value(), "cmd-x", opened_at + 5 * event_spacing)) {
    state = evolve(state, e);
  }
  EXPECT_EQ(state.balance, 12'550);
  EXPECT_EQ(state.version, 2);
}

TEST(decide_deposit, given_open_account_when_deposit_zero_or_bad_amount_then_invalid_amount) {
  const account_state state = given(created(10'000));
  for (const std::string amount : {"0", "0.00", "-1", "", "ten", "1.001", "1e2"}) {
    SCOPED_TRACE(amount);
    const auto d = decide(state, deposit{amount, ""});
    const auto r = rejected(d);
    ASSERT_TRUE(r) << show(d);
    EXPECT_EQ(r->code, rejection_code::invalid_amount);
  }
}

TEST(decide_deposit, given_jpy_account_when_deposit_with_decimals_then_invalid_amount) {
  const account_state state = given(created(1'000, "JPY"));
  for (const std::string amount : {"10.5", "10.0", "0.1"}) {
    SCOPED_TRACE(amount);
    const auto r = rejected(decide(state, deposit{amount, ""}));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->code, rejection_code::invalid_amount);
  }
}

TEST(decide_deposit, given_jpy_account_when_deposit_whole_yen_then_deposited_in_yen) {
  const auto d = decide(given(created(1'000, "JPY")), deposit{"250", ""});
  const auto e = only_event<money_deposited>(d);
  ASSERT_TRUE(e) << show(d);
  EXPECT_EQ(e->currency, "JPY");
  EXPECT_EQ(e->amount, 250);
}

TEST(decide_deposit, given_balance_100_below_limit_when_deposit_1_00_then_balance_reaches_limit) {
  const auto d = decide(given(created(balance_minor_max - 100)), deposit{"1.00", ""});
  const auto e = only_event<money_deposited>(d);
  ASSERT_TRUE(e) << show(d);
  EXPECT_EQ(e->amount, 100);
}

TEST(decide_deposit, given_balance_100_below_limit_when_deposit_1_01_then_limit_exceeded) {
  const auto d = decide(given(created(balance_minor_max - 100)), deposit{"1.01", ""});
  const auto r = rejected(d);
  ASSERT_TRUE(r) << show(d);
  EXPECT_EQ(r->code, rejection_code::balance_limit_exceeded);
}

TEST(decide_deposit, given_balance_at_limit_when_deposit_largest_amount_then_limit_exceeded) {
  const auto d = decide(given(created(balance_minor_max)), deposit{"1000000000000.00", ""});
  const auto r = rejected(d);
  ASSERT_TRUE(r) << show(d);
  EXPECT_EQ(r->code, rejection_code::balance_limit_exceeded);
}

// ---------------------------------------------------------------------------------------------
// withdraw

TEST(decide_withdraw, given_absent_account_when_withdraw_then_account_not_found) {
  const auto r = rejected(decide(given(), withdraw{"10.00", ""}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, rejection_code::account_not_found);
}

TEST(decide_withdraw, given_balance_100_when_withdraw_30_then_money_withdrawn) {
  const auto d = decide(given(created(10'000)), withdraw{"30", "rent"});
  const auto e = only_event<money_withdrawn>(d);
  ASSERT_TRUE(e) << show(d);
  EXPECT_EQ(e->currency, "USD");
  EXPECT_EQ(e->amount, 3'000);
  EXPECT_EQ(e->description, "rent");
}

TEST(decide_withdraw, given_balance_100_when_withdraw_exactly_100_then_ok_and_balance_zero) {
  account_state state = given(created(10'000));
  const auto d = decide(state, withdraw{"100.00", ""});
  const auto e = only_event<money_withdrawn>(d);
  ASSERT_TRUE(e) << show(d);
  EXPECT_EQ(e->amount, 10'000);
  for (const auto& sealed : seal(state, d.value(), "cmd-x", opened_at + event_spacing)) {
    state = evolve(state, sealed);
  }
  EXPECT_EQ(state.balance, 0);
}

TEST(decide_withdraw, given_balance_100_when_withdraw_100_01_then_insufficient_funds_naming_both) {
  const auto d = decide(given(created(10'000)), withdraw{"100.01", ""});
  const auto r = rejected(d);
  ASSERT_TRUE(r) << show(d);
  EXPECT_EQ(r->code, rejection_code::insufficient_funds);
  EXPECT_NE(r->message.find("100.00"), std::string::npos) << r->message;
  EXPECT_NE(r->message.find("100.01"), std::string::npos) << r->message;
}

TEST(decide_withdraw, given_deposits_and_withdrawals_when_withdraw_more_than_left_then_rejected) {
  // 100.00 + 20.00 - 70.00 = 50.00 left.
  const account_state state = given(created(10'000), deposited(2'000), withdrawn(7'000));
  ASSERT_EQ(state.balance, 5'000);
  const auto r = rejected(decide(state, withdraw{"50.01", ""}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, rejection_code::insufficient_funds);
  EXPECT_EQ(r->message, "insufficient funds in acc-1: balance 50.00, requested 50.01");
  EXPECT_TRUE(only_event<money_withdrawn>(decide(state, withdraw{"50.00", ""})));
}

TEST(decide_withdraw, given_zero_balance_when_withdraw_smallest_amount_then_insufficient_funds) {
  const auto r = rejected(decide(given(created(0)), withdraw{"0.01", ""}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, rejection_code::insufficient_funds);
}

TEST(decide_withdraw, given_jpy_account_when_withdraw_with_decimals_then_invalid_amount) {
  const auto r = rejected(decide(given(created(1'000, "JPY")), withdraw{"1.5", ""}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, rejection_code::invalid_amount);
}

TEST(decide_withdraw, given_jpy_balance_when_withdraw_too_much_then_message_in_whole_yen) {
  const auto r = rejected(decide(given(created(1'000, "JPY")), withdraw{"1001", ""}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, rejection_code::insufficient_funds);
  EXPECT_EQ(r->message, "insufficient funds in acc-1: balance 1000, requested 1001");
}

// ---------------------------------------------------------------------------------------------
// evolve

TEST(evolve, given_absent_account_when_created_event_applied_then_open_with_envelope_fields) {
  const account_state before = absent();
  const auto events = seal(before, {created(10'000, "GBP")}, "cmd-1", opened_at);
  ASSERT_EQ(events.size(), 1u);
  const account_state after = evolve(before, events[0]);
  EXPECT_EQ(after.status, account_status::open);
  EXPECT_EQ(after.account_id, account_id);
  EXPECT_EQ(after.owner_name, "Ada Lovelace");
  EXPECT_EQ(after.currency, "GBP");
  EXPECT_EQ(after.balance, 10'000);
  EXPECT_EQ(after.version, 1);
  EXPECT_EQ(after.last_hash, events[0].hash);
  EXPECT_EQ(after.created_at, opened_at);
  EXPECT_EQ(after.updated_at, opened_at);
}

TEST(evolve, given_open_account_when_movements_applied_then_updated_at_moves_created_at_stays) {
  const account_state state = given(created(10'000), deposited(500), withdrawn(200));
  EXPECT_EQ(state.balance, 10'300);
  EXPECT_EQ(state.version, 3);
  EXPECT_EQ(state.created_at, opened_at);
  EXPECT_EQ(state.updated_at, opened_at + 2 * event_spacing);
}

TEST(evolve, given_history_when_folded_then_last_hash_is_hash_of_last_event_in_the_chain) {
  const account_state one = given(created(10'000));
  const auto next = seal(one, {deposited(1)}, "cmd-2", opened_at + event_spacing);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].prev_hash, one.last_hash);
  const account_state two = evolve(one, next[0]);
  EXPECT_EQ(two.last_hash, next[0].hash);
  EXPECT_NE(two.last_hash, one.last_hash);
  EXPECT_EQ(two.last_hash.size(), 64u);
}

TEST(evolve, given_state_when_evolved_then_input_state_is_not_modified) {
  const account_state before = given(created(10'000));
  const auto events = seal(before, {deposited(1)}, "cmd-2", opened_at + event_spacing);
  const account_state after = evolve(before, events[0]);
  EXPECT_EQ(before.balance, 10'000);
  EXPECT_EQ(before.version, 1);
  EXPECT_EQ(after.balance, 10'001);
}

TEST(evolve_death_test, given_state_at_version_1_when_event_version_3_applied_then_aborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const account_state state = given(created(10'000));
  account_state ahead = state;
  ahead.version = 2;
  const auto events = seal(ahead, {deposited(1)}, "cmd-3", opened_at);
  ASSERT_EQ(events[0].version, 3);
  EXPECT_DEATH(static_cast<void>(evolve(state, events[0])), "version 3 follows 1");
}

TEST(evolve_death_test, given_state_at_version_1_when_version_1_applied_again_then_aborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const account_state before = absent();
  const auto events = seal(before, {created(10'000)}, "cmd-1", opened_at);
  const account_state state = evolve(before, events[0]);
  EXPECT_DEATH(static_cast<void>(evolve(state, events[0])), "version 1 follows 1");
}

// ---------------------------------------------------------------------------------------------
// rejection names

const std::vector<std::pair<rejection_code, std::string>> every_rejection = {
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

TEST(rejection_name, given_every_code_when_named_then_api_spelling) {
  for (const auto& [code, name] : every_rejection) {
    EXPECT_EQ(rejection_name(code), name);
  }
}

TEST(rejection_name, given_every_code_when_named_and_parsed_back_then_same_code) {
  for (const auto& [code, name] : every_rejection) {
    SCOPED_TRACE(name);
    EXPECT_EQ(rejection_from_name(rejection_name(code)), std::optional<rejection_code>{code});
  }
}

TEST(rejection_from_name, given_unknown_or_differently_spelled_name_when_parsed_then_nullopt) {
  for (const std::string_view name :
       {"", "insufficient_funds", "Insufficient_Funds", "INSUFFICIENT_FUNDS ", "NOPE"}) {
    SCOPED_TRACE(std::string{name});
    EXPECT_EQ(rejection_from_name(name), std::nullopt);
  }
}

}  // namespace
}  // namespace chronicle::domain

// ---------------------------------------------------------------------------------------------
// transfers and closing

namespace chronicle::domain {
namespace {

account_state open_with(const std::string& id, const std::string& currency, std::int64_t balance) {
  account_state s;
  s.account_id = id;
  const auto created = seal(s, {account_created{"Owner", currency, balance}}, "c", 1);
  return evolve(s, created.front());
}

TEST(decide_transfer, given_funds_when_transferring_then_debit_and_credit_legs) {
  const auto from = open_with("a", "EUR", 1000);
  const auto to = open_with("b", "EUR", 0);
  const auto legs = decide_transfer(from, to, {"t-1", "a", "b", "3.00", "rent"});
  ASSERT_TRUE(legs.ok());
  const auto& debit = std::get<transfer_debited>(legs->debit);
  const auto& credit = std::get<transfer_credited>(legs->credit);
  EXPECT_EQ(debit.amount, 300);
  EXPECT_EQ(debit.counterparty, "b");
  EXPECT_EQ(credit.counterparty, "a");
  EXPECT_EQ(credit.transfer_id, "t-1");
}

TEST(decide_transfer, given_each_rule_broken_then_its_rejection) {
  const auto from = open_with("a", "EUR", 1000);
  const auto to = open_with("b", "EUR", 0);
  const auto usd = open_with("c", "USD", 0);
  account_state absent;
  absent.account_id = "nobody";
  auto closed = open_with("d", "EUR", 0);
  closed = evolve(closed, seal(closed, {account_closed{}}, "x", 2).front());
  const struct {
    account_state from, to;
    transfer t;
    rejection_code expected;
  } cases[] = {
      {from, from, {"t", "a", "a", "1", ""}, rejection_code::same_account},
      {from, usd, {"t", "a", "c", "1", ""}, rejection_code::currency_mismatch},
      {from, to, {"t", "a", "b", "10.01", ""}, rejection_code::insufficient_funds},
      {from, absent, {"t", "a", "nobody", "1", ""}, rejection_code::account_not_found},
      {absent, to, {"t", "nobody", "b", "1", ""}, rejection_code::account_not_found},
      {from, closed, {"t", "a", "d", "1", ""}, rejection_code::account_closed},
      {from, to, {"t", "a", "b", "-1", ""}, rejection_code::invalid_amount},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string{rejection_name(c.expected)});
    const auto legs = decide_transfer(c.from, c.to, c.t);
    ASSERT_FALSE(legs.ok());
    EXPECT_EQ(legs.error().code, c.expected);
  }
}

TEST(decide_close, given_empty_account_when_closed_then_account_closed_and_commands_refused) {
  auto state = open_with("e", "USD", 0);
  const auto events = decide(state, close_account{});
  ASSERT_TRUE(events.ok());
  state = evolve(state, seal(state, *events, "x", 2).front());
  EXPECT_EQ(state.status, account_status::closed);
  const auto deposit_after = decide(state, deposit{"1", ""});
  ASSERT_FALSE(deposit_after.ok());
  EXPECT_EQ(deposit_after.error().code, rejection_code::account_closed);
  EXPECT_EQ(decide(state, close_account{}).error().code, rejection_code::account_closed);
}

TEST(decide_close, given_money_left_when_closing_then_balance_not_zero) {
  const auto result = decide(open_with("f", "USD", 1), close_account{});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, rejection_code::balance_not_zero);
}

TEST(evolve, given_transfer_legs_then_balances_move_and_status_names_are_stable) {
  auto from = open_with("a", "EUR", 1000);
  const auto legs = decide_transfer(from, open_with("b", "EUR", 0), {"t", "a", "b", "2", ""});
  ASSERT_TRUE(legs.ok());
  from = evolve(from, seal(from, {legs->debit}, "t", 2).front());
  EXPECT_EQ(from.balance, 800);
  EXPECT_EQ(status_name(account_status::open), "open");
  EXPECT_EQ(status_name(account_status::closed), "closed");
}

}  // namespace
}  // namespace chronicle::domain
