// Unit tests for domain/event_codec: payloads survive encoding and decoding, decoding refuses
// what it cannot trust, the canonical encoding survives a JSONB round trip, and the hash chain
// detects any edit of a sealed event.

#include "domain/event_codec.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>

#include "domain/money.hpp"

namespace chronicle::domain {
namespace {

using nlohmann::json;

constexpr micros sealed_at = 1'764'154'117'123'456;  // 2025-11-26T10:48:37.123456Z

account_state absent() {
  account_state state;
  state.account_id = "acc-1";
  return state;
}

// Decodes what encode_payload made of `body`, as the store would after reading it back.
result<event_body, std::string> round_trip(const event_body& body) {
  return decode_payload(event_type_name(body), event_schema_version, encode_payload(body));
}

// The same JSON with the keys of every object in reverse order.
nlohmann::ordered_json reversed_keys(const json& value) {
  if (!value.is_object()) return nlohmann::ordered_json::parse(value.dump());
  std::vector<std::string> keys;
  for (const auto& item : value.items()) keys.push_back(item.key());
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) out[*it] = reversed_keys(value.at(*it));
  return out;
}

// Stored JSON text as a store might hand it back: PostgreSQL's JSONB keeps objects in its own
// key order (by length, then bytes) and prints with spaces, so the text read back differs from
// the text written. Here every object is reversed and indented.
std::string as_read_back(const std::string& stored_text) {
  return reversed_keys(json::parse(stored_text)).dump(2);
}

// One sealed event of each type, chained: created, deposited, withdrawn.
std::vector<event> sealed_history() {
  const std::vector<event_body> bodies = {
      account_created{"Zoë Ångström", "EUR", 10'000},
      money_deposited{"EUR", 2'550, "salary \xE2\x82\xAC"},
      money_withdrawn{"EUR", 1'000, "rent"},
  };
  account_state state = absent();
  std::vector<event> out;
  for (const auto& body : bodies) {
    for (auto& e : seal(state, {body}, "cmd-" + std::to_string(out.size()), sealed_at)) {
      state = evolve(state, e);
      out.push_back(std::move(e));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// encode_payload / decode_payload

TEST(encode_payload, given_account_created_when_encoded_then_amount_is_decimal_text) {
  const json data = encode_payload(account_created{"Ada", "USD", 10'050});
  EXPECT_EQ(data,
            json::parse(R"({"owner_name":"Ada","currency":"USD","initial_balance":"100.50"})"));
}

TEST(encode_payload, given_jpy_deposit_when_encoded_then_amount_has_no_fraction) {
  const json data = encode_payload(money_deposited{"JPY", 500, "gift"});
  EXPECT_EQ(data, json::parse(R"({"currency":"JPY","amount":"500","description":"gift"})"));
}

TEST(decode_payload, given_account_created_when_round_tripped_then_same_fields) {
  const auto decoded = round_trip(account_created{"Ada Lovelace", "GBP", 123'456});
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  const auto* b = std::get_if<account_created>(&decoded.value());
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->owner_name, "Ada Lovelace");
  EXPECT_EQ(b->currency, "GBP");
  EXPECT_EQ(b->initial_balance, 123'456);
}

TEST(decode_payload, given_account_created_with_zero_balance_when_round_tripped_then_zero) {
  for (const std::string currency : {"USD", "JPY"}) {
    SCOPED_TRACE(currency);
    const auto decoded = round_trip(account_created{"Ada", currency, 0});
    ASSERT_TRUE(decoded.ok()) << decoded.error();
    const auto* b = std::get_if<account_created>(&decoded.value());
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->initial_balance, 0);
  }
}

TEST(decode_payload, given_money_deposited_with_unicode_description_when_round_tripped_then_same) {
  const std::string description =
      "caf\xC3\xA9 \xE2\x82\xAC \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x92\xB0";
  const auto decoded = round_trip(money_deposited{"EUR", 1, description});
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  const auto* b = std::get_if<money_deposited>(&decoded.value());
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->currency, "EUR");
  EXPECT_EQ(b->amount, 1);
  EXPECT_EQ(b->description, description);
}

TEST(decode_payload, given_money_withdrawn_with_largest_amount_when_round_tripped_then_same) {
  const auto decoded = round_trip(money_withdrawn{"USD", amount_minor_max, ""});
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  const auto* b = std::get_if<money_withdrawn>(&decoded.value());
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->amount, amount_minor_max);
  EXPECT_EQ(b->description, "");
}

TEST(decode_payload, given_deposit_payload_under_withdrawn_type_when_decoded_then_withdrawal) {
  // The type column, not the payload's shape, says what an event is.
  const json data = encode_payload(money_deposited{"USD", 100, "x"});
  const auto decoded = decode_payload("MoneyWithdrawn", event_schema_version, data);
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_TRUE(std::holds_alternative<money_withdrawn>(decoded.value()));
}

TEST(decode_payload, given_unknown_type_when_decoded_then_error_names_it) {
  const json data = encode_payload(money_deposited{"USD", 100, "x"});
  for (const std::string type : {"MoneyStolen", "", "moneydeposited", "AccountReopened"}) {
    SCOPED_TRACE(type);
    const auto decoded = decode_payload(type, event_schema_version, data);
    ASSERT_FALSE(decoded.ok());
    EXPECT_NE(decoded.error().find("unknown event type"), std::string::npos) << decoded.error();
  }
}

TEST(decode_payload, given_other_schema_version_when_decoded_then_error) {
  const json data = encode_payload(money_deposited{"USD", 100, "x"});
  for (const int version : {0, event_schema_version + 1, -1}) {
    SCOPED_TRACE(version);
    const auto decoded = decode_payload("MoneyDeposited", version, data);
    ASSERT_FALSE(decoded.ok());
    EXPECT_NE(decoded.error().find("schema version"), std::string::npos) << decoded.error();
  }
}

TEST(decode_payload, given_data_that_is_not_an_object_when_decoded_then_error) {
  for (const json& data : {json(nullptr), json::array(), json("x"), json(1)}) {
    SCOPED_TRACE(data.dump());
    EXPECT_FALSE(decode_payload("MoneyDeposited", event_schema_version, data).ok());
  }
}

TEST(decode_payload, given_each_field_missing_when_decoded_then_error_names_the_field) {
  const std::vector<std::pair<std::string, json>> payloads = {
      {"AccountCreated", encode_payload(account_created{"Ada", "USD", 100})},
      {"MoneyDeposited", encode_payload(money_deposited{"USD", 100, "x"})},
      {"MoneyWithdrawn", encode_payload(money_withdrawn{"USD", 100, "x"})},
  };
  for (const auto& [type, full] : payloads) {
    for (const auto& item : full.items()) {
      SCOPED_TRACE(type + " without " + item.key());
      json data = full;
      data.erase(item.key());
      const auto decoded = decode_payload(type, event_schema_version, data);
      ASSERT_FALSE(decoded.ok());
      // A missing currency is reported as such; every other field by its own name.
      EXPECT_NE(decoded.error().find(item.key()), std::string::npos) << decoded.error();
    }
  }
}

TEST(decode_payload, given_amounts_as_json_numbers_when_decoded_then_error) {
  for (const json& amount : {json(100), json(1.5), json(nullptr), json(true)}) {
    SCOPED_TRACE(amount.dump());
    json data = encode_payload(money_deposited{"USD", 100, "x"});
    data["amount"] = amount;
    EXPECT_FALSE(decode_payload("MoneyDeposited", event_schema_version, data).ok());
    json created = encode_payload(account_created{"Ada", "USD", 100});
    created["initial_balance"] = amount;
    EXPECT_FALSE(decode_payload("AccountCreated", event_schema_version, created).ok());
  }
}

TEST(decode_payload, given_bad_amount_text_when_decoded_then_error) {
  for (const std::string amount : {"0", "0.00", "-1.00", "1.001", "abc", "1e2", ""}) {
    SCOPED_TRACE(amount);
    json data = encode_payload(money_withdrawn{"USD", 100, "x"});
    data["amount"] = amount;
    const auto decoded = decode_payload("MoneyWithdrawn", event_schema_version, data);
    ASSERT_FALSE(decoded.ok());
    EXPECT_NE(decoded.error().find("amount"), std::string::npos) << decoded.error();
  }
}

TEST(decode_payload, given_bad_initial_balance_text_when_decoded_then_error) {
  for (const std::string balance : {"-1.00", "1.001", "abc", ""}) {
    SCOPED_TRACE(balance);
    json data = encode_payload(account_created{"Ada", "USD", 100});
    data["initial_balance"] = balance;
    EXPECT_FALSE(decode_payload("AccountCreated", event_schema_version, data).ok());
  }
}

TEST(decode_payload, given_unknown_or_non_string_currency_when_decoded_then_error) {
  for (const json& currency : {json("XXX"), json("usd"), json(840), json(nullptr)}) {
    SCOPED_TRACE(currency.dump());
    json data = encode_payload(money_deposited{"USD", 100, "x"});
    data["currency"] = currency;
    EXPECT_FALSE(decode_payload("MoneyDeposited", event_schema_version, data).ok());
  }
}

TEST(decode_payload, given_non_string_text_fields_when_decoded_then_error) {
  json deposit = encode_payload(money_deposited{"USD", 100, "x"});
  deposit["description"] = 7;
  EXPECT_FALSE(decode_payload("MoneyDeposited", event_schema_version, deposit).ok());
  json created = encode_payload(account_created{"Ada", "USD", 100});
  created["owner_name"] = json::array();
  EXPECT_FALSE(decode_payload("AccountCreated", event_schema_version, created).ok());
}

// ---------------------------------------------------------------------------------------------
// event_type_name, genesis_hash, sha256_hex

TEST(event_type_name, given_each_body_when_named_then_stored_type_names) {
  EXPECT_EQ(event_type_name(account_created{}), "AccountCreated");
  EXPECT_EQ(event_type_name(money_deposited{}), "MoneyDeposited");
  EXPECT_EQ(event_type_name(money_withdrawn{}), "MoneyWithdrawn");
}

TEST(genesis_hash, given_nothing_when_read_then_64_zeros) {
  EXPECT_EQ(genesis_hash(), std::string(64, '0'));
}

TEST(sha256_hex, given_known_vectors_when_hashed_then_fips_180_digests) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

// Exits 0 when OpenSSL has not been cleaned up (OPENSSL_init_crypto answers 0 once
// OPENSSL_cleanup has run), 1 when it has.
void exit_telling_whether_openssl_was_cleaned_up() {
  std::_Exit(OPENSSL_init_crypto(0, nullptr) == 1 ? 0 : 1);
}

// Found by the ASan+UBSan run of the suite: a node stopped by signal reported a double free of
// OpenSSL's per-thread state. OpenSSL's own atexit handler (OPENSSL_cleanup) frees the state of
// every thread, also of a CAF thread that is still ending after the actor system let main
// return, and that thread then frees it again. The codec therefore initialises OpenSSL without
// that handler before anything else can. In a fresh process (threadsafe style re-executes the
// test binary), this handler is registered before the first hash; had hashing installed
// OPENSSL_cleanup, it would run before this handler and leave OpenSSL stopped.
TEST(sha256_hex_DeathTest, given_hashing_when_the_process_exits_then_openssl_is_not_cleaned_up) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        std::atexit(exit_telling_whether_openssl_was_cleaned_up);
        EXPECT_EQ(sha256_hex("").size(), 64u);
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

// ---------------------------------------------------------------------------------------------
// canonical_encoding

TEST(canonical_encoding, given_sealed_event_when_encoded_then_exact_sorted_compact_json) {
  const auto events =
      seal(absent(), {money_deposited{"USD", 2'550, "salary"}}, "cmd-1", sealed_at, "ops-1");
  ASSERT_EQ(events.size(), 1u);
  const event& e = events[0];
  const std::string expected =
      R"({"account_id":"acc-1","command_id":"cmd-1",)"
      R"("data":{"amount":"25.50","currency":"USD","description":"salary"},)"
      R"("event_id":")" +
      e.event_id +
      R"(","issued_by":"ops-1","occurred_at":"2025-11-26T10:48:37.123456Z","schema_version":3,)"
      R"("type":"MoneyDeposited","version":1})";
  EXPECT_EQ(canonical_encoding(e), expected);
}

// Schema 3 added issued_by to the envelope: what an event of an earlier schema hashes must
// not change, so its encoding has no issued_by.
TEST(canonical_encoding, given_schema_2_event_then_no_issued_by_in_the_hashed_bytes) {
  auto e = seal(absent(), {money_deposited{"USD", 2'550, "salary"}}, "cmd-1", sealed_at).front();
  e.schema_version = 2;
  EXPECT_EQ(canonical_encoding(e).find("issued_by"), std::string::npos);
  const auto back = event_from_json(json::parse(event_to_json(e).dump()));
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->issued_by, "");
  EXPECT_EQ(canonical_encoding(*back), canonical_encoding(e));
}

TEST(canonical_encoding, given_sealed_events_when_encoded_then_no_hashes_and_no_whitespace) {
  for (const auto& e : sealed_history()) {
    const std::string text = canonical_encoding(e);
    SCOPED_TRACE(text);
    EXPECT_EQ(text.find("prev_hash"), std::string::npos);
    EXPECT_EQ(text.find("\"hash\""), std::string::npos);
    EXPECT_EQ(text.find('\n'), std::string::npos);
    EXPECT_EQ(text.find(": "), std::string::npos);
    EXPECT_EQ(text.find(", "), std::string::npos);
  }
}

TEST(canonical_encoding, given_sealed_events_when_encoded_then_keys_sorted_at_every_level) {
  for (const auto& e : sealed_history()) {
    const auto parsed = nlohmann::ordered_json::parse(canonical_encoding(e));
    std::vector<std::string> keys;
    for (const auto& item : parsed.items()) keys.push_back(item.key());
    EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
    std::vector<std::string> data_keys;
    for (const auto& item : parsed.at("data").items()) data_keys.push_back(item.key());
    EXPECT_TRUE(std::is_sorted(data_keys.begin(), data_keys.end()));
    EXPECT_GE(data_keys.size(), 3u);
  }
}

TEST(canonical_encoding, given_payload_reordered_like_jsonb_when_decoded_then_same_hash) {
  for (const auto& e : sealed_history()) {
    SCOPED_TRACE(std::string{event_type_name(e.body)});
    const std::string stored = encode_payload(e.body).dump();  // as written to the data column
    const std::string read_back_text = as_read_back(stored);
    ASSERT_NE(read_back_text, stored);
    ASSERT_NE(read_back_text.find('\n'), std::string::npos);
    const json read_back = json::parse(read_back_text);
    const auto body = decode_payload(event_type_name(e.body), e.schema_version, read_back);
    ASSERT_TRUE(body.ok()) << body.error();
    event reloaded = e;
    reloaded.body = body.value();
    EXPECT_EQ(canonical_encoding(reloaded), canonical_encoding(e));
    EXPECT_EQ(chain_hash(e.prev_hash, reloaded), e.hash);
  }
}

TEST(canonical_encoding, given_event_json_reordered_and_reparsed_when_dumped_then_canonical) {
  for (const auto& e : sealed_history()) {
    const std::string stored = event_to_json(e).dump();
    const std::string read_back_text = as_read_back(stored);
    ASSERT_NE(read_back_text, stored);
    json whole = json::parse(read_back_text);
    whole.erase("prev_hash");
    whole.erase("hash");
    EXPECT_EQ(whole.dump(), canonical_encoding(e));
  }
}

// ---------------------------------------------------------------------------------------------
// chain_hash

TEST(chain_hash, given_sealed_event_when_hashed_then_sha256_of_prev_hash_then_canonical) {
  for (const auto& e : sealed_history()) {
    EXPECT_EQ(e.hash, sha256_hex(e.prev_hash + canonical_encoding(e)));
    EXPECT_EQ(chain_hash(e.prev_hash, e), e.hash);
  }
}

TEST(chain_hash, given_different_prev_hash_when_hashed_then_different_hash) {
  const auto events = sealed_history();
  EXPECT_NE(chain_hash(genesis_hash(), events[1]), events[1].hash);
}

// ---------------------------------------------------------------------------------------------
// seal

TEST(seal, given_absent_account_when_sealing_three_bodies_then_versions_1_to_3_from_genesis) {
  const std::vector<event_body> bodies = {account_created{"Ada", "USD", 0},
                                          money_deposited{"USD", 100, ""},
                                          money_withdrawn{"USD", 50, ""}};
  const auto events = seal(absent(), bodies, "cmd-7", sealed_at);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].prev_hash, genesis_hash());
  std::set<std::string> ids;
  for (std::size_t i = 0; i < events.size(); ++i) {
    SCOPED_TRACE(i);
    const event& e = events[i];
    EXPECT_EQ(e.version, static_cast<std::int64_t>(i) + 1);
    EXPECT_EQ(e.account_id, "acc-1");
    EXPECT_EQ(e.command_id, "cmd-7");
    EXPECT_EQ(e.occurred_at, sealed_at);
    EXPECT_EQ(e.schema_version, event_schema_version);
    EXPECT_EQ(e.event_id.size(), 36u);
    EXPECT_EQ(e.body.index(), bodies[i].index());
    EXPECT_EQ(e.hash, chain_hash(e.prev_hash, e));
    if (i > 0) {
      EXPECT_EQ(e.prev_hash, events[i - 1].hash);
    }
    ids.insert(e.event_id);
  }
  EXPECT_EQ(ids.size(), 3u);
}

TEST(seal, given_account_at_version_5_when_sealing_then_version_6_chained_from_last_hash) {
  account_state state = absent();
  state.status = account_status::open;
  state.currency = "USD";
  state.version = 5;
  state.last_hash = sha256_hex("the fifth event");
  const auto events = seal(state, {money_deposited{"USD", 1, ""}}, "cmd-8", sealed_at);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].version, 6);
  EXPECT_EQ(events[0].prev_hash, state.last_hash);
  EXPECT_EQ(events[0].hash, sha256_hex(state.last_hash + canonical_encoding(events[0])));
}

TEST(seal, given_no_bodies_when_sealing_then_no_events) {
  EXPECT_TRUE(seal(absent(), {}, "cmd-9", sealed_at).empty());
}

TEST(seal, given_same_body_sealed_twice_when_compared_then_event_ids_and_hashes_differ) {
  const event_body body = account_created{"Ada", "USD", 0};
  const auto first = seal(absent(), {body}, "cmd-1", sealed_at);
  const auto second = seal(absent(), {body}, "cmd-1", sealed_at);
  EXPECT_NE(first[0].event_id, second[0].event_id);
  EXPECT_NE(first[0].hash, second[0].hash);
}

// ---------------------------------------------------------------------------------------------
// tamper detection: any edit of a sealed event no longer matches its hash.

class tampered_event : public ::testing::Test {
 protected:
  void expect_detected(const event& edited) const {
    EXPECT_NE(chain_hash(original_.prev_hash, edited), original_.hash);
  }
  // The original as read back after someone edited one field of its stored data.
  event with_stored(const char* field, const json& value) const {
    json data = json::parse(original_.data);
    data[field] = value;
    auto decoded = decode_event(original_, event_type_name(original_.body), data);
    EXPECT_TRUE(decoded.ok());
    return *decoded;
  }
  event original_ =
      seal(absent(), {money_deposited{"USD", 2'550, "salary"}}, "cmd-1", sealed_at).front();
};

TEST_F(tampered_event, given_sealed_event_when_unchanged_then_hash_verifies) {
  EXPECT_EQ(chain_hash(original_.prev_hash, original_), original_.hash);
}

TEST_F(tampered_event, given_sealed_event_when_amount_edited_by_one_cent_then_detected) {
  expect_detected(with_stored("amount", "25.51"));
}

TEST_F(tampered_event, given_sealed_event_when_description_edited_then_detected) {
  expect_detected(with_stored("description", "salary "));
}

TEST_F(tampered_event, given_sealed_event_when_currency_edited_then_detected) {
  expect_detected(with_stored("currency", "EUR"));
}

TEST_F(tampered_event, given_sealed_event_when_occurred_at_edited_by_one_micro_then_detected) {
  event e = original_;
  e.occurred_at += 1;
  expect_detected(e);
}

TEST_F(tampered_event, given_sealed_event_when_version_edited_then_detected) {
  event e = original_;
  e.version = 2;
  expect_detected(e);
}

TEST_F(tampered_event, given_sealed_event_when_type_edited_then_detected) {
  event e = original_;
  const auto& d = std::get<money_deposited>(original_.body);
  e.body = money_withdrawn{d.currency, d.amount, d.description};
  expect_detected(e);
}

TEST_F(tampered_event, given_sealed_event_when_envelope_ids_edited_then_detected) {
  event account = original_;
  account.account_id = "acc-2";
  expect_detected(account);
  event command = original_;
  command.command_id = "cmd-2";
  expect_detected(command);
  event id = original_;
  id.event_id = new_uuid();
  expect_detected(id);
  event schema = original_;
  schema.schema_version = 1;
  expect_detected(schema);
  event issuer = original_;
  issuer.issued_by = "someone-else";
  expect_detected(issuer);
}

// ---------------------------------------------------------------------------------------------
// schema evolution: schema 1 movements had no description.

TEST(schema_evolution, given_schema_1_deposit_when_decoded_then_upcast_and_hash_over_stored_bytes) {
  event stored;
  stored.event_id = new_uuid();
  stored.account_id = "acc-1";
  stored.version = 2;
  stored.occurred_at = sealed_at;
  stored.command_id = "cmd-old";
  stored.schema_version = 1;
  stored.prev_hash = std::string(64, 'a');
  const json v1_data = {{"amount", "7.00"}, {"currency", "USD"}};
  auto decoded = decode_event(stored, "MoneyDeposited", v1_data);
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  const auto& body = std::get<money_deposited>(decoded->body);
  EXPECT_EQ(body.amount, 700);
  EXPECT_EQ(body.description, "");
  // The hash input carries the stored schema-1 data, not the upcast shape.
  EXPECT_EQ(decoded->data, R"({"amount":"7.00","currency":"USD"})");
  EXPECT_NE(canonical_encoding(*decoded).find(R"("data":{"amount":"7.00","currency":"USD"})"),
            std::string::npos);
  EXPECT_NE(canonical_encoding(*decoded).find(R"("schema_version":1)"), std::string::npos);
}

TEST(schema_evolution, given_schema_2_deposit_without_description_when_decoded_then_error) {
  EXPECT_FALSE(
      decode_payload("MoneyDeposited", 2, json{{"amount", "7.00"}, {"currency", "USD"}}).ok());
}

TEST(event_from_json, given_event_json_when_read_back_then_identical_event_and_hash) {
  for (const auto& e : sealed_history()) {
    const auto back = event_from_json(json::parse(event_to_json(e).dump()));
    ASSERT_TRUE(back.ok()) << back.error();
    EXPECT_EQ(canonical_encoding(*back), canonical_encoding(e));
    EXPECT_EQ(back->hash, e.hash);
    EXPECT_EQ(back->prev_hash, e.prev_hash);
    EXPECT_EQ(chain_hash(back->prev_hash, *back), e.hash);
  }
}

TEST(event_from_json, given_incomplete_or_malformed_event_json_when_read_then_error) {
  const json good = event_to_json(sealed_history().front());
  for (const char* field : {"event_id", "account_id", "version", "type", "schema_version",
                            "occurred_at", "command_id", "issued_by", "data", "prev_hash",
                            "hash"}) {
    SCOPED_TRACE(field);
    json missing = good;
    missing.erase(field);
    EXPECT_FALSE(event_from_json(missing).ok());
  }
  json bad_time = good;
  bad_time["occurred_at"] = "yesterday";
  EXPECT_FALSE(event_from_json(bad_time).ok());
  EXPECT_FALSE(event_from_json(json::array()).ok());
}

// The event JSON of a sealed deposit with an extra field in its data: `levels` arrays, one
// inside the other.
json deposit_with_nested_field(std::size_t levels) {
  const std::string text = event_to_json(sealed_history()[1]).dump();
  const std::string data = R"("data":{)";
  std::string nested = text;
  nested.insert(nested.find(data) + data.size(),
                R"("deep":)" + std::string(levels, '[') + std::string(levels, ']') + ",");
  return json::parse(nested);
}

// Found by a deep input beyond the fuzzers' -max_len: the JSON library prints recursively, and
// printing a payload nested 100,000 levels deep (200 kB, well under NATS's 1 MB message limit)
// overflowed the stack in event_from_json, so one such message on the bus crashed the node.
TEST(event_from_json, given_payload_nested_100000_levels_when_read_then_error) {
  const auto decoded = event_from_json(deposit_with_nested_field(100'000));
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.error().find("nested deeper"), std::string::npos) << decoded.error();
}

TEST(decode_payload, given_payload_at_and_past_the_depth_limit_when_decoded_then_kept_or_refused) {
  // The data object is one level; the field inside it holds the rest.
  const auto levels_inside = static_cast<std::size_t>(payload_depth_max - 1);
  const auto at_limit = event_from_json(deposit_with_nested_field(levels_inside));
  ASSERT_TRUE(at_limit.ok()) << at_limit.error();
  EXPECT_NE(at_limit->data.find(R"("deep":[[)"), std::string::npos);
  EXPECT_FALSE(event_from_json(deposit_with_nested_field(levels_inside + 1)).ok());
}

// Found by fuzz/fuzz_event_codec: the schema version was narrowed to int before its range was
// checked, so 2^32 + 2 was read as schema 2 and 2^32 + 1 as schema 1 (and upcast).
TEST(event_from_json, given_schema_version_beyond_int_when_read_then_error) {
  json wide = event_to_json(sealed_history().front());
  for (const std::int64_t schema : {(std::int64_t{1} << 32) + 1, (std::int64_t{1} << 32) + 2,
                                    std::int64_t{INT64_MIN}}) {
    SCOPED_TRACE(schema);
    wide["schema_version"] = schema;
    const auto decoded = event_from_json(json::parse(wide.dump()));
    ASSERT_FALSE(decoded.ok());
    EXPECT_NE(decoded.error().find("schema version"), std::string::npos) << decoded.error();
  }
}

// Found by fuzz/fuzz_event_codec: an unsigned version past INT64_MAX was wrapped, so
// 18446744073709551615 was read as version -1.
TEST(event_from_json, given_version_beyond_int64_when_read_then_error) {
  const std::string text = event_to_json(sealed_history().front()).dump();
  const std::string version = R"("version":1)";
  ASSERT_NE(text.find(version), std::string::npos);
  for (const char* huge : {"9223372036854775808", "18446744073709551615"}) {
    SCOPED_TRACE(huge);
    std::string wide = text;
    wide.replace(wide.find(version), version.size(), std::string{R"("version":)"} + huge);
    EXPECT_FALSE(event_from_json(json::parse(wide)).ok());
  }
  json largest = json::parse(text);
  largest["version"] = INT64_MAX;
  const auto decoded = event_from_json(json::parse(largest.dump()));
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_EQ(decoded->version, INT64_MAX);
}

}  // namespace
}  // namespace chronicle::domain
