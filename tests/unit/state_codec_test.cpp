// The state codec of snapshots: a folded state survives encode, a JSONB-style
// re-serialisation and decode unchanged; the encoding is canonical; anything else is
// refused with a message; and the snapshot cadence.

#include "domain/state_codec.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "domain/event_codec.hpp"
#include "domain/money.hpp"

namespace chronicle::domain {
namespace {

using nlohmann::json;

constexpr micros t0 = 1'795'690'117'123'456;  // 2026-11-26T10:48:37.123456Z

// The state after opening `id` and then `bodies`, one second apart.
account_state fold(const std::string& id, std::vector<event_body> bodies) {
  account_state state;
  state.account_id = id;
  micros at = t0;
  for (const auto& body : bodies) {
    const auto sealed = seal(state, {body}, new_uuid(), at);
    state = evolve(std::move(state), sealed.front());
    at += 1'000'000;
  }
  return state;
}

void expect_same(const account_state& a, const account_state& b) {
  EXPECT_EQ(a.account_id, b.account_id);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.owner_name, b.owner_name);
  EXPECT_EQ(a.currency, b.currency);
  EXPECT_EQ(a.balance, b.balance);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.last_hash, b.last_hash);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.updated_at, b.updated_at);
}

// What JSONB does to a stored object: keys in its own order, spaces after separators.
std::string as_jsonb_prints(const std::string& canonical) {
  const auto j = json::parse(canonical);
  std::string out = "{";
  std::vector<std::string> keys;
  for (const auto& item : j.items()) keys.push_back(item.key());
  std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  for (const auto& k : keys) {
    if (out.size() > 1) out += ", ";
    out += json(k).dump() + ": " + j[k].dump();
  }
  return out + "}";
}

TEST(state_codec, given_folded_states_when_encoded_and_decoded_then_identical) {
  const std::vector<account_state> states = {
      fold("alice", {account_created{"Alice \u00e9\u4e2d", "EUR", 10'000},
                     money_deposited{"EUR", 2'550, "salary"}}),
      fold("yen-1", {account_created{"Kenji", "JPY", 0}, money_deposited{"JPY", 500, ""},
                     money_withdrawn{"JPY", 500, ""}, account_closed{}}),
      fold("rich_1", {account_created{"Max", "USD", amount_minor_max},
                      money_deposited{"USD", amount_minor_max, ""}}),
      fold("zero", {account_created{"Z", "GBP", 0}}),
  };
  for (const auto& state : states) {
    SCOPED_TRACE(state.account_id);
    const auto text = encode_state(state);
    const auto decoded = decode_state(text);
    ASSERT_TRUE(decoded.ok()) << decoded.error();
    expect_same(*decoded, state);
    const auto from_jsonb = decode_state(as_jsonb_prints(text));
    ASSERT_TRUE(from_jsonb.ok()) << from_jsonb.error();
    expect_same(*from_jsonb, state);
    EXPECT_EQ(encode_state(*from_jsonb), text);
  }
}

TEST(state_codec, given_state_when_encoded_then_sorted_keys_decimal_balance_canonical_instants) {
  auto state = fold(
      "alice", {account_created{"Alice", "EUR", 10'000}, money_withdrawn{"EUR", 2'550, "rent"}});
  EXPECT_EQ(encode_state(state),
            R"({"account_id":"alice","balance":"74.50","created_at":"2026-11-26T10:48:37.123456Z",)"
            R"("currency":"EUR","last_hash":")" +
                state.last_hash +
                R"(","owner_name":"Alice","schema_version":1,"status":"open",)"
                R"("updated_at":"2026-11-26T10:48:38.123456Z","version":2})");
}

TEST(state_codec, given_anything_but_a_well_formed_state_when_decoded_then_message_not_throw) {
  const auto good = json::parse(encode_state(fold("acc", {account_created{"A", "USD", 1'050}})));
  auto with = [&](const char* key, json value) {
    auto j = good;
    j[key] = std::move(value);
    return j.dump();
  };
  auto without = [&](const char* key) {
    auto j = good;
    j.erase(key);
    return j.dump();
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "{"},
      {"not an object", "[1,2]"},
      {"missing balance", without("balance")},
      {"missing version", without("version")},
      {"extra field", with("extra", 1)},
      {"unknown schema", with("schema_version", 2)},
      {"balance with too few digits", with("balance", "10.5")},
      {"balance with a leading zero", with("balance", "010.50")},
      {"negative balance", with("balance", "-10.50")},
      {"balance in exponent form", with("balance", "1e3")},
      {"balance as a number", with("balance", 1050)},
      {"balance above the largest", with("balance", "99999999999999999999.00")},
      {"absent status", with("status", "absent")},
      {"unknown currency", with("currency", "XYZ")},
      {"version 0", with("version", 0)},
      {"version past INT64_MAX", with("version", std::uint64_t{1} << 63)},
      {"short hash", with("last_hash", "abc")},
      {"upper-case hash", with("last_hash", std::string(64, 'A'))},
      {"bad instant", with("updated_at", "yesterday")},
      {"bad account id", with("account_id", "a.b")},
      {"nested value", with("owner_name", json::array({json::array({1})}))},
  };
  for (const auto& [what, text] : cases) {
    SCOPED_TRACE(what);
    const auto decoded = decode_state(text);
    ASSERT_FALSE(decoded.ok());
    EXPECT_FALSE(decoded.error().empty());
  }
}

TEST(state_codec, given_state_when_snapshot_taken_then_columns_match_and_restore_round_trips) {
  const auto state = fold("acc", {account_created{"A", "USD", 1'050}, money_deposited{"USD", 1, ""},
                                  money_deposited{"USD", 2, ""}});
  const auto snap = take_snapshot(state);
  EXPECT_EQ(snap.account_id, "acc");
  EXPECT_EQ(snap.version, 3);
  EXPECT_EQ(snap.hash, state.last_hash);
  EXPECT_EQ(snap.occurred_at, state.updated_at);
  const auto restored = restore_snapshot(snap);
  ASSERT_TRUE(restored.ok()) << restored.error();
  expect_same(*restored, state);
}

TEST(state_codec, given_snapshot_columns_disagreeing_with_its_state_when_restored_then_refused) {
  const auto state = fold("acc", {account_created{"A", "USD", 1'050}});
  for (int field = 0; field < 4; ++field) {
    SCOPED_TRACE(field);
    auto snap = take_snapshot(state);
    if (field == 0) snap.account_id = "other";
    if (field == 1) snap.version = 2;
    if (field == 2) snap.hash = std::string(64, '0');
    if (field == 3) snap.occurred_at += 1;
    EXPECT_FALSE(restore_snapshot(snap).ok());
  }
}

TEST(snapshot_due, given_interval_then_due_exactly_at_its_multiples) {
  EXPECT_TRUE(snapshot_due(5, 5));
  EXPECT_TRUE(snapshot_due(10, 5));
  EXPECT_TRUE(snapshot_due(100, 100));
  EXPECT_TRUE(snapshot_due(1, 1));
  EXPECT_FALSE(snapshot_due(4, 5));
  EXPECT_FALSE(snapshot_due(6, 5));
  EXPECT_FALSE(snapshot_due(0, 5));
  EXPECT_FALSE(snapshot_due(5, 0));  // 0 turns snapshots off
  EXPECT_FALSE(snapshot_due(5, -5));
}

}  // namespace
}  // namespace chronicle::domain
