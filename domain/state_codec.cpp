#include "domain/state_codec.hpp"

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "domain/money.hpp"

namespace chronicle::domain {
namespace {

using nlohmann::json;

constexpr std::size_t state_fields = 10;

// The balance back from its decimal text: only the exact text format_amount() writes for
// the currency, at most balance_minor_max.
result<std::int64_t, std::string> read_balance(const std::string& text, const currency& cur) {
  std::int64_t minor = 0;
  for (char c : text) {
    if (c == '.') continue;
    if (c < '0' || c > '9') return failure("balance '" + text + "' is not a decimal amount");
    const int digit = c - '0';
    if (minor > (balance_minor_max - digit) / 10) {
      return failure("balance '" + text + "' is above the largest balance");
    }
    minor = minor * 10 + digit;
  }
  if (text.empty() || format_amount(minor, cur) != text) {
    return failure("balance '" + text + "' is not in " + std::string{cur.code} + "'s exact form");
  }
  return minor;
}

result<std::string, std::string> text_field(const json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return failure(std::string{name} + " missing");
  return it->get<std::string>();
}

result<std::int64_t, std::string> integer_field(const json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end() || !it->is_number_integer()) return failure(std::string{name} + " missing");
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > std::uint64_t{INT64_MAX}) {
    return failure(std::string{name} + " out of range");
  }
  return it->get<std::int64_t>();
}

result<micros, std::string> instant_field(const json& j, const char* name) {
  const auto text = text_field(j, name);
  if (!text) return failure(text.error());
  const auto at = parse_instant(*text);
  if (!at) return failure(std::string{name} + " '" + *text + "' is not an instant");
  return *at;
}

bool is_hash(const std::string& text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Every field as a string, checked for presence and type; the rest is checked by the caller.
struct state_texts {
  std::string account_id, balance, currency, last_hash, owner_name, status;
};

result<state_texts, std::string> read_texts(const json& j) {
  state_texts out;
  for (auto [name, target] :
       {std::pair{"account_id", &out.account_id}, std::pair{"balance", &out.balance},
        std::pair{"currency", &out.currency}, std::pair{"last_hash", &out.last_hash},
        std::pair{"owner_name", &out.owner_name}, std::pair{"status", &out.status}}) {
    auto text = text_field(j, name);
    if (!text) return failure(text.error());
    *target = std::move(*text);
  }
  return out;
}

result<account_state, std::string> decode_object(const json& j) {
  if (!j.is_object()) return failure(std::string{"state is not an object"});
  if (j.size() != state_fields) {
    return failure("state has " + std::to_string(j.size()) + " fields, not " +
                   std::to_string(state_fields));
  }
  const auto schema = integer_field(j, "schema_version");
  if (!schema) return failure(schema.error());
  if (*schema != state_schema_version) {
    return failure("unsupported state schema version " + std::to_string(*schema));
  }
  const auto texts = read_texts(j);
  if (!texts) return failure(texts.error());
  account_state s;
  s.account_id = texts->account_id;
  if (!valid_account_id(s.account_id)) return failure(std::string{"account_id is no account id"});
  if (texts->status == "open") {
    s.status = account_status::open;
  } else if (texts->status == "closed") {
    s.status = account_status::closed;
  } else {
    return failure("status '" + texts->status + "' is neither open nor closed");
  }
  const auto cur = find_currency(texts->currency);
  if (!cur) return failure("unknown currency '" + texts->currency + "'");
  s.currency = texts->currency;
  const auto balance = read_balance(texts->balance, *cur);
  if (!balance) return failure(balance.error());
  s.balance = *balance;
  s.owner_name = texts->owner_name;
  if (!is_hash(texts->last_hash)) return failure(std::string{"last_hash is not a hash"});
  s.last_hash = texts->last_hash;
  const auto version = integer_field(j, "version");
  if (!version) return failure(version.error());
  if (*version < 1) return failure("version " + std::to_string(*version) + " is below 1");
  s.version = *version;
  const auto created = instant_field(j, "created_at");
  if (!created) return failure(created.error());
  const auto updated = instant_field(j, "updated_at");
  if (!updated) return failure(updated.error());
  s.created_at = *created;
  s.updated_at = *updated;
  return s;
}

}  // namespace

std::string encode_state(const account_state& state) {
  const auto cur = find_currency(state.currency);
  // Only a state with events is ever encoded, and its currency was validated on the way in.
  if (state.status == account_status::absent || state.version < 1 || !cur) std::abort();
  return json{{"schema_version", state_schema_version},
              {"account_id", state.account_id},
              {"status", status_name(state.status)},
              {"owner_name", state.owner_name},
              {"currency", state.currency},
              {"balance", format_amount(state.balance, *cur)},
              {"version", state.version},
              {"last_hash", state.last_hash},
              {"created_at", format_instant(state.created_at)},
              {"updated_at", format_instant(state.updated_at)}}
      .dump();
}

result<account_state, std::string> decode_state(std::string_view json_text) {
  // The parser is iterative, so deep nesting cannot overflow the stack here; decode_object
  // refuses anything but a flat object of ten fields.
  const auto j = json::parse(json_text, nullptr, false);
  if (j.is_discarded()) return failure(std::string{"state is not JSON"});
  return decode_object(j);
}

bool snapshot_due(std::int64_t version, std::int64_t every) {
  return every > 0 && version > 0 && version % every == 0;
}

state_snapshot take_snapshot(const account_state& state) {
  return state_snapshot{state.account_id, state.version, state.last_hash, state.updated_at,
                        encode_state(state)};
}

result<account_state, std::string> restore_snapshot(const state_snapshot& snapshot) {
  auto state = decode_state(snapshot.state);
  if (!state) return failure("snapshot state: " + state.error());
  if (state->account_id != snapshot.account_id || state->version != snapshot.version ||
      state->last_hash != snapshot.hash || state->updated_at != snapshot.occurred_at) {
    return failure(std::string{"snapshot columns disagree with its state"});
  }
  return state;
}

}  // namespace chronicle::domain
