// Fuzzes the command decoders (http/requests.hpp) and, for every command they accept, the path
// the command takes next: the account's decider (or the transfer decider), sealing into
// hash-chained events, and their JSON form on the bus.
//
// The input is the request body, sent to every command route and to the transfer route with
// three Idempotency-Key values: none, a fixed valid key, and a key derived from the input
// (valid or not). Besides the absence of crashes, leaks and undefined behaviour, these
// properties are checked:
// - decoding is deterministic: the same input gives the same answer and the same fingerprint;
// - the fingerprint does not depend on the key, nor on the body's spacing and key order, but
//   does depend on the route (a deposit never replays a withdrawal's key);
// - an accepted command has a valid account id, the key as sent, a 64-hex fingerprint and
//   the command of its route; a key that is not valid is refused whatever the body;
// - a command accepted here never crashes the decider, and the events it decides seal into a
//   chain that check_link accepts and that survives event_to_json -> event_from_json;
// - a transfer accepted here names two valid accounts and keeps the transfer_id it was sent;
//   when decided, both legs chain onto their accounts and no money is made or lost.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/account.hpp"
#include "domain/event_codec.hpp"
#include "domain/ids.hpp"
#include "domain/money.hpp"
#include "fuzz/property.hpp"
#include "http/requests.hpp"

namespace {

namespace domain = chronicle::domain;
using chronicle::actors::command_request;
using chronicle::fuzz::require;
using chronicle::http::api_error;
using chronicle::http::command_route;
using chronicle::http::parse_command;
using chronicle::http::parse_transfer;
using nlohmann::json;

constexpr std::array<command_route, 4> routes{command_route::create_account,
                                              command_route::deposit, command_route::withdraw,
                                              command_route::close_account};
constexpr std::string_view fixed_key = "fuzz-key-2026-11-26";
constexpr std::size_t sha256_hex_chars = 64;
constexpr domain::micros sealed_at = 1'764'154'117'123'456;  // 2025-11-26T10:48:37.123456Z
constexpr std::int64_t opening_balance_minor = 5'000;

// The first bytes of the input, as many as its length modulo 130: empty, valid, one byte too
// long, or with spaces and control bytes, as the input decides.
std::string_view derived_key(std::string_view input) {
  return input.substr(0, input.size() % (domain::idempotency_key_bytes_max + 2));
}

bool is_lower_hex(std::string_view text) {
  for (const char ch : text) {
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return false;
  }
  return true;
}

// Written with ifs rather than a switch so that a new route does not break this build before
// this target learns about it.
bool has_route_command(command_route route, const domain::command& cmd) {
  if (route == command_route::create_account) {
    return std::holds_alternative<domain::open_account>(cmd);
  }
  if (route == command_route::deposit) return std::holds_alternative<domain::deposit>(cmd);
  if (route == command_route::withdraw) return std::holds_alternative<domain::withdraw>(cmd);
  return route == command_route::close_account &&
         std::holds_alternative<domain::close_account>(cmd);
}

// The amount a command carries, as the request decoding kept it ("" when none).
std::string_view amount_of(const domain::command& cmd) {
  if (const auto* d = std::get_if<domain::deposit>(&cmd)) return d->amount;
  if (const auto* w = std::get_if<domain::withdraw>(&cmd)) return w->amount;
  if (const auto* o = std::get_if<domain::open_account>(&cmd)) return o->initial_balance;
  return {};
}

// Whether an amount may be a number written in exponent form. The decoding keeps such a
// number as the text it was written as (so that it is refused), while rewritten() below,
// going through the JSON library, turns it into its value, and writes a large value in
// exponent form: either way another request, whose fingerprint rightly differs. The spacing
// and key-order properties skip a body when its amount, or its rewritten one, is such.
bool maybe_exponent_form(std::string_view amount) {
  return amount.find_first_of("eE") != std::string_view::npos;
}

// The body with its top-level keys in reverse order and indented: the same request, written
// differently (but see maybe_exponent_form).
std::string rewritten(std::string_view body) {
  const json parsed = json::parse(body);
  std::vector<std::string> keys;
  for (const auto& item : parsed.items()) keys.push_back(item.key());
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) {
    out[*it] = nlohmann::ordered_json::parse(parsed.at(*it).dump());
  }
  return out.dump(1);
}

// An open account in `currency` holding `balance_minor`, built the way the actor builds it:
// from a sealed AccountCreated event.
domain::account_state open_account(const std::string& account_id, const std::string& currency,
                                   std::int64_t balance_minor = opening_balance_minor) {
  domain::account_state state;
  state.account_id = account_id;
  const auto events = domain::seal(
      state, {domain::account_created{"Fuzz", currency, balance_minor}}, "c", sealed_at);
  return domain::evolve(state, events.front());
}

// USD or JPY, as the input's length decides, so that both fraction rules are exercised.
std::string currency_for(std::size_t input_size) {
  return input_size % 2 == 0 ? "USD" : "JPY";
}

// The state a command meets: absent for create-account, an empty open account for
// close-account (so that closing can succeed), else an open account with money in it.
domain::account_state state_for(const command_request& request, std::size_t input_size) {
  if (std::holds_alternative<domain::open_account>(request.command)) {
    domain::account_state absent;
    absent.account_id = request.account_id;
    return absent;
  }
  const bool closing = std::holds_alternative<domain::close_account>(request.command);
  return open_account(request.account_id, currency_for(input_size),
                      closing ? 0 : opening_balance_minor);
}

void check_bus_round_trip(const domain::event& e) {
  const auto decoded = domain::event_from_json(domain::event_to_json(e));
  require(decoded.ok(), "a sealed event decodes from its JSON", decoded ? "" : decoded.error());
  require(domain::canonical_encoding(*decoded) == domain::canonical_encoding(e),
          "a sealed event keeps its canonical encoding through JSON", e.data);
  require(decoded->hash == domain::chain_hash(decoded->prev_hash, *decoded),
          "a sealed event keeps its hash through JSON", e.data);
}

// Decides the command against the state it meets, seals the events, and checks the chain.
void check_decided(const command_request& request, std::size_t input_size) {
  domain::account_state state = state_for(request, input_size);
  const auto bodies = domain::decide(state, request.command);
  if (!bodies) return;
  const std::int64_t balance_before = state.balance;
  for (const auto& e : domain::seal(state, *bodies, "fuzz-command", sealed_at)) {
    require(!domain::check_link(state, e), "sealed events link to the state they follow", e.data);
    state = domain::evolve(state, e);
    check_bus_round_trip(e);
  }
  require(state.balance >= 0 && state.balance <= domain::balance_minor_max,
          "a decided command keeps the balance in range", std::to_string(state.balance));
  if (std::holds_alternative<domain::withdraw>(request.command)) {
    require(state.balance < balance_before, "a withdrawal lowers the balance");
  } else if (std::holds_alternative<domain::deposit>(request.command)) {
    require(state.balance > balance_before, "a deposit raises the balance");
  } else if (std::holds_alternative<domain::close_account>(request.command)) {
    require(state.status == domain::account_status::closed && state.balance == 0,
            "closing leaves a closed, empty account");
  }
}

// Seals one leg of a transfer onto its account and checks the link and the bus round trip.
domain::account_state apply_leg(domain::account_state state, const domain::event_body& leg) {
  for (const auto& e : domain::seal(state, {leg}, "fuzz-transfer", sealed_at)) {
    require(!domain::check_link(state, e), "a transfer leg links to its account", e.data);
    state = domain::evolve(state, e);
    check_bus_round_trip(e);
  }
  return state;
}

// Decides the transfer between two open accounts in one currency, and applies both legs.
void check_transfer_decided(const domain::transfer& t, std::size_t input_size) {
  const std::string currency = currency_for(input_size);
  const auto from = open_account(t.from_account_id, currency);
  const auto to = open_account(t.to_account_id, currency);
  const auto legs = domain::decide_transfer(from, to, t);
  if (!legs) return;
  const auto from_after = apply_leg(from, legs->debit);
  const auto to_after = apply_leg(to, legs->credit);
  require(from_after.balance + to_after.balance == from.balance + to.balance,
          "a transfer neither makes nor loses money");
  require(from_after.balance >= 0 && from_after.balance < from.balance,
          "a transfer lowers the source balance, never below zero");
}

void check_transfer(std::string_view body, std::string_view key, std::size_t input_size) {
  const auto first = parse_transfer(body, key);
  const auto second = parse_transfer(body, key);
  require(first.ok() == second.ok(), "transfer decoding is deterministic");
  if (!key.empty() && !domain::valid_idempotency_key(key)) {
    require(!first.ok() && first.error().error == api_error::invalid_idempotency_key,
            "an invalid key is refused whatever the transfer", key);
    return;
  }
  if (!first) {
    require(first.error().error == second.error().error &&
                first.error().message == second.error().message,
            "a transfer refusal is deterministic", first.error().message);
    return;
  }
  const domain::transfer& t = first->transfer;
  require(first->fingerprint == second->fingerprint, "the transfer fingerprint is stable");
  require(first->idempotency_key == key, "the key is kept as sent", first->idempotency_key);
  require(domain::valid_account_id(t.from_account_id) && domain::valid_account_id(t.to_account_id),
          "a transfer names two valid account ids");
  require(domain::valid_idempotency_key(t.transfer_id), "a transfer has a valid transfer_id",
          t.transfer_id);
  const json sent = json::parse(body);
  const auto named = sent.find("transfer_id");
  if (named != sent.end() && named->is_string() && !named->get_ref<const std::string&>().empty()) {
    require(t.transfer_id == named->get_ref<const std::string&>(),
            "a transfer keeps the transfer_id it was sent", t.transfer_id);
  }
  const std::string other_body = rewritten(body);
  const auto respaced = parse_transfer(other_body, key);
  require(respaced.ok(), "a rewritten transfer is accepted too", other_body);
  if (!maybe_exponent_form(t.amount) && !maybe_exponent_form(respaced->transfer.amount)) {
    require(respaced->fingerprint == first->fingerprint,
            "the transfer fingerprint does not depend on spacing or key order", other_body);
  }
  check_transfer_decided(t, input_size);
}

void check_accepted(command_route route, std::string_view body, std::string_view key,
                    const command_request& request, std::size_t input_size) {
  require(domain::valid_account_id(request.account_id), "an accepted account id is valid",
          request.account_id);
  require(request.idempotency_key == key, "the key is kept as sent", request.idempotency_key);
  require(request.fingerprint.size() == sha256_hex_chars && is_lower_hex(request.fingerprint),
          "the fingerprint is 64 lower-case hex characters", request.fingerprint);
  require(has_route_command(route, request.command), "the command is the route's");
  const auto keyless = parse_command(route, body, "");
  require(keyless.ok() && keyless->fingerprint == request.fingerprint,
          "the fingerprint does not depend on the key");
  const std::string other_body = rewritten(body);
  const auto respaced = parse_command(route, other_body, key);
  require(respaced.ok(), "a rewritten command is accepted too", other_body);
  if (!maybe_exponent_form(amount_of(request.command)) &&
      !maybe_exponent_form(amount_of(respaced->command))) {
    require(respaced->fingerprint == request.fingerprint,
            "the fingerprint does not depend on spacing or key order", other_body);
  }
  check_decided(request, input_size);
}

void check_route(command_route route, std::string_view body, std::string_view key,
                 std::size_t input_size) {
  const auto first = parse_command(route, body, key);
  const auto second = parse_command(route, body, key);
  require(first.ok() == second.ok(), "decoding is deterministic");
  if (!key.empty() && !domain::valid_idempotency_key(key)) {
    require(!first.ok() && first.error().error == api_error::invalid_idempotency_key,
            "an invalid key is refused whatever the body", key);
    return;
  }
  if (!first) {
    require(first.error().error == second.error().error &&
                first.error().message == second.error().message,
            "a refusal is deterministic", first.error().message);
    return;
  }
  require(first->fingerprint == second->fingerprint, "the fingerprint is stable");
  check_accepted(route, body, key, *first, input_size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  for (const std::string_view key : {std::string_view{}, fixed_key, derived_key(body)}) {
    for (const command_route route : routes) check_route(route, body, key, size);
    check_transfer(body, key, size);
  }
  const auto deposit = parse_command(command_route::deposit, body, fixed_key);
  const auto withdrawal = parse_command(command_route::withdraw, body, fixed_key);
  if (deposit && withdrawal) {
    require(deposit->fingerprint != withdrawal->fingerprint,
            "the fingerprint depends on the route");
  }
  return 0;
}
