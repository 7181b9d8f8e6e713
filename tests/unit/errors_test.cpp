// Unit tests for the HTTP edge without a server: the one table that maps errors to statuses and
// codes, the answers built from actor replies, the stored idempotency outcomes, and the parsing
// of command bodies and headers into actor messages.

#include "http/errors.hpp"

#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "domain/account.hpp"
#include "domain/ids.hpp"
#include "http/requests.hpp"

namespace chronicle::http {
namespace {

using actors::command_reply;
using actors::command_status;
using domain::rejection_code;
using nlohmann::json;

struct classified {
  api_error error;
  int status;
  std::string code;
};

// Every enumerator of api_error with its documented status and code.
const std::vector<classified> every_api_error = {
    {api_error::malformed_json, 400, "MALFORMED_JSON"},
    {api_error::missing_field, 400, "MISSING_FIELD"},
    {api_error::invalid_field, 400, "INVALID_FIELD"},
    {api_error::unknown_field, 400, "UNKNOWN_FIELD"},
    {api_error::invalid_idempotency_key, 400, "INVALID_IDEMPOTENCY_KEY"},
    {api_error::route_not_found, 404, "ROUTE_NOT_FOUND"},
    {api_error::method_not_allowed, 405, "METHOD_NOT_ALLOWED"},
    {api_error::body_too_large, 413, "BODY_TOO_LARGE"},
    {api_error::unsupported_media_type, 415, "UNSUPPORTED_MEDIA_TYPE"},
    {api_error::account_not_found, 404, "ACCOUNT_NOT_FOUND"},
    {api_error::version_not_found, 404, "VERSION_NOT_FOUND"},
    {api_error::account_exists, 409, "ACCOUNT_EXISTS"},
    {api_error::invalid_amount, 400, "INVALID_AMOUNT"},
    {api_error::unknown_currency, 400, "UNKNOWN_CURRENCY"},
    {api_error::insufficient_funds, 422, "INSUFFICIENT_FUNDS"},
    {api_error::balance_limit_exceeded, 422, "BALANCE_LIMIT_EXCEEDED"},
    {api_error::account_closed, 422, "ACCOUNT_CLOSED"},
    {api_error::balance_not_zero, 422, "BALANCE_NOT_ZERO"},
    {api_error::same_account, 422, "SAME_ACCOUNT"},
    {api_error::currency_mismatch, 422, "CURRENCY_MISMATCH"},
    {api_error::idempotency_key_reused, 422, "IDEMPOTENCY_KEY_REUSED"},
    {api_error::store_unavailable, 503, "STORE_UNAVAILABLE"},
    {api_error::node_draining, 503, "NODE_DRAINING"},
    {api_error::owner_lost, 503, "OWNER_LOST"},
    {api_error::unauthorized, 401, "UNAUTHORIZED"},
    {api_error::forbidden, 403, "FORBIDDEN"},
    {api_error::too_many_requests, 429, "TOO_MANY_REQUESTS"},
    {api_error::internal, 500, "INTERNAL"},
};

const std::vector<std::pair<rejection_code, api_error>> every_rejection = {
    {rejection_code::account_exists, api_error::account_exists},
    {rejection_code::account_not_found, api_error::account_not_found},
    {rejection_code::invalid_amount, api_error::invalid_amount},
    {rejection_code::unknown_currency, api_error::unknown_currency},
    {rejection_code::insufficient_funds, api_error::insufficient_funds},
    {rejection_code::balance_limit_exceeded, api_error::balance_limit_exceeded},
    {rejection_code::account_closed, api_error::account_closed},
    {rejection_code::balance_not_zero, api_error::balance_not_zero},
    {rejection_code::same_account, api_error::same_account},
    {rejection_code::currency_mismatch, api_error::currency_mismatch},
};

command_reply accepted_reply() {
  command_reply reply;
  reply.status = command_status::accepted;
  reply.event_id = "7f0e4c2a-2d6b-4b47-9a51-0c8f1f3b7e21";
  reply.version = 3;
  reply.balance = "125.50";
  reply.currency = "USD";
  return reply;
}

command_reply rejected_reply(rejection_code code, std::string message) {
  command_reply reply;
  reply.status = command_status::rejected;
  reply.code = code;
  reply.message = std::move(message);
  return reply;
}

// ---------------------------------------------------------------------------------------------
// classify / from_rejection

TEST(classify, given_every_api_error_when_classified_then_documented_status_and_code) {
  for (const auto& [error, status, code] : every_api_error) {
    SCOPED_TRACE(code);
    const auto got = classify(error);
    EXPECT_EQ(got.status, status);
    EXPECT_EQ(got.code, code);
  }
}

TEST(classify, given_every_api_error_when_classified_then_codes_are_distinct) {
  std::set<std::string_view> codes;
  for (const auto& c : every_api_error) codes.insert(classify(c.error).code);
  EXPECT_EQ(codes.size(), every_api_error.size());
  EXPECT_EQ(every_api_error.size(), static_cast<std::size_t>(api_error::internal) + 1);
}

TEST(from_rejection, given_every_rejection_code_when_mapped_then_matching_api_error) {
  for (const auto& [code, error] : every_rejection) {
    SCOPED_TRACE(std::string{domain::rejection_name(code)});
    EXPECT_EQ(from_rejection(code), error);
    // The API spells a rejection exactly as stored outcomes do.
    EXPECT_EQ(classify(from_rejection(code)).code, domain::rejection_name(code));
  }
}

// ---------------------------------------------------------------------------------------------
// answer_command / answer_problem

TEST(answer_command, given_accepted_reply_when_answered_then_201_with_event_and_balance) {
  const auto answer = answer_command(accepted_reply(), "acc-1");
  EXPECT_EQ(answer.status, 201);
  const json body = json::parse(answer.body);
  EXPECT_EQ(body, json::parse(R"({"success":true,"account_id":"acc-1",
      "event_id":"7f0e4c2a-2d6b-4b47-9a51-0c8f1f3b7e21","version":3,"balance":"125.50",
      "currency":"USD","replayed":false})"));
}

TEST(answer_command, given_replayed_accepted_reply_when_answered_then_201_marked_replayed) {
  command_reply reply = accepted_reply();
  reply.replayed = true;
  const auto answer = answer_command(reply, "acc-1");
  EXPECT_EQ(answer.status, 201);
  EXPECT_EQ(json::parse(answer.body).at("replayed"), true);
}

TEST(answer_command, given_insufficient_funds_when_answered_then_422_with_error_and_code) {
  const std::string message = "insufficient funds: balance 50.00, requested 50.01";
  const auto answer =
      answer_command(rejected_reply(rejection_code::insufficient_funds, message), "acc-1");
  EXPECT_EQ(answer.status, 422);
  EXPECT_EQ(json::parse(answer.body), (json{{"error", message}, {"code", "INSUFFICIENT_FUNDS"}}));
}

TEST(answer_command, given_every_rejection_when_answered_then_status_from_the_one_table) {
  for (const auto& [code, error] : every_rejection) {
    SCOPED_TRACE(std::string{domain::rejection_name(code)});
    const auto answer = answer_command(rejected_reply(code, "no"), "acc-1");
    EXPECT_EQ(answer.status, classify(error).status);
    EXPECT_EQ(json::parse(answer.body).at("code").get<std::string>(), domain::rejection_name(code));
  }
}

TEST(answer_command, given_unavailable_reply_when_answered_then_503_store_unavailable) {
  command_reply reply;
  reply.status = command_status::unavailable;
  reply.message = "the event store is unreachable";
  const auto answer = answer_command(reply, "acc-1");
  EXPECT_EQ(answer.status, 503);
  EXPECT_EQ(json::parse(answer.body),
            (json{{"error", "the event store is unreachable"}, {"code", "STORE_UNAVAILABLE"}}));
}

// The owner of a forwarded command was leaving and did not take it, and no other owner took it
// within the router's tries: the client is told to send it elsewhere, as by a draining node.
TEST(answer_command, given_node_draining_reply_when_answered_then_503_node_draining) {
  command_reply reply;
  reply.status = command_status::node_draining;
  reply.message = "the account's owner is leaving the cluster";
  const auto answer = answer_command(reply, "acc-1");
  EXPECT_EQ(answer.status, 503);
  EXPECT_EQ(json::parse(answer.body).at("code"), "NODE_DRAINING");
}

TEST(answer_command, given_key_reused_reply_when_answered_then_422_idempotency_key_reused) {
  command_reply reply;
  reply.status = command_status::idempotency_key_reused;
  const auto answer = answer_command(reply, "acc-1");
  EXPECT_EQ(answer.status, 422);
  const json body = json::parse(answer.body);
  EXPECT_EQ(body.at("code"), "IDEMPOTENCY_KEY_REUSED");
  EXPECT_FALSE(body.at("error").get<std::string>().empty());
}

TEST(answer_command, given_failed_reply_when_answered_then_500_internal) {
  command_reply reply;
  reply.status = command_status::failed;
  reply.message = "hash chain broken at version 4";
  const auto answer = answer_command(reply, "acc-1");
  EXPECT_EQ(answer.status, 500);
  EXPECT_EQ(json::parse(answer.body).at("code"), "INTERNAL");
}

TEST(answer_problem, given_message_with_quotes_and_unicode_when_answered_then_valid_json_body) {
  const std::string message = "field \"x\" \xE2\x82\xAC\n";
  const auto answer = answer_problem({api_error::invalid_field, message});
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(json::parse(answer.body), (json{{"error", message}, {"code", "INVALID_FIELD"}}));
}

// ---------------------------------------------------------------------------------------------
// encode_stored_reply / decode_stored_reply

TEST(stored_reply, given_accepted_reply_when_encoded_and_decoded_then_same_outcome) {
  const command_reply decoded =
      actors::decode_stored_reply(actors::encode_stored_reply(accepted_reply()));
  EXPECT_EQ(decoded.status, command_status::accepted) << decoded.message;
  EXPECT_EQ(decoded.event_id, "7f0e4c2a-2d6b-4b47-9a51-0c8f1f3b7e21");
  EXPECT_EQ(decoded.version, 3);
  EXPECT_EQ(decoded.balance, "125.50");
  EXPECT_EQ(decoded.currency, "USD");
}

TEST(stored_reply, given_every_rejection_when_encoded_and_decoded_then_same_code_and_message) {
  for (const auto& [code, error] : every_rejection) {
    SCOPED_TRACE(std::string{domain::rejection_name(code)});
    const std::string message = "why \xE2\x80\x94 \"quoted\"";
    const command_reply decoded =
        actors::decode_stored_reply(actors::encode_stored_reply(rejected_reply(code, message)));
    EXPECT_EQ(decoded.status, command_status::rejected);
    EXPECT_EQ(decoded.code, code);
    EXPECT_EQ(decoded.message, message);
  }
}

TEST(stored_reply, given_garbage_when_decoded_then_failed_with_message) {
  const std::vector<std::string> garbage = {
      "",
      "not json",
      "[]",
      "\"accepted\"",
      "{}",
      R"({"status":"rejected","code":"NOPE","message":"x"})",
      R"({"status":"rejected"})",
  };
  for (const auto& text : garbage) {
    SCOPED_TRACE(text);
    const command_reply decoded = actors::decode_stored_reply(text);
    EXPECT_EQ(decoded.status, command_status::failed);
    EXPECT_FALSE(decoded.message.empty());
  }
}

TEST(stored_reply, given_fields_of_the_wrong_type_when_decoded_then_failed_not_thrown) {
  const std::vector<std::string> garbage = {
      R"({"status":1})",
      R"({"status":"accepted","version":"three"})",
      R"({"status":"accepted","balance":12.5})",
      R"({"status":"rejected","code":7})",
      R"({"status":"rejected","code":"INVALID_AMOUNT","message":["x"]})",
  };
  for (const auto& text : garbage) {
    SCOPED_TRACE(text);
    command_reply decoded;
    EXPECT_NO_THROW(decoded = actors::decode_stored_reply(text));
    EXPECT_EQ(decoded.status, command_status::failed);
    EXPECT_FALSE(decoded.message.empty());
  }
}

// ---------------------------------------------------------------------------------------------
// parse_command

using parse_result = domain::result<actors::command_request, problem>;

parse_result parse(command_route route, const std::string& body, const std::string& key = "") {
  return parse_command(route, body, key);
}

std::string show(const parse_result& r) {
  if (r.ok()) return "parsed";
  return std::string{classify(r.error().error).code} + ": " + r.error().message;
}

// The api_error of a failed parse, or internal when it did not fail (never expected below).
api_error error_of(const parse_result& r) {
  return r.ok() ? api_error::internal : r.error().error;
}

const std::string create_body =
    R"({"account_id":"acc-1","owner_name":"Ada Lovelace","currency":"USD",)"
    R"("initial_balance":"100.00"})";
const std::string deposit_body = R"({"account_id":"acc-1","amount":"25.50","description":"pay"})";

TEST(parse_command, given_valid_create_when_parsed_then_open_account_command) {
  const auto r = parse(command_route::create_account, create_body, "key-1");
  ASSERT_TRUE(r.ok()) << show(r);
  EXPECT_EQ(r->account_id, "acc-1");
  EXPECT_EQ(r->idempotency_key, "key-1");
  EXPECT_EQ(r->fingerprint.size(), 64u);
  const auto* open = std::get_if<domain::open_account>(&r->command);
  ASSERT_NE(open, nullptr);
  EXPECT_EQ(open->owner_name, "Ada Lovelace");
  EXPECT_EQ(open->currency, "USD");
  EXPECT_EQ(open->initial_balance, "100.00");
}

TEST(parse_command, given_create_without_initial_balance_when_parsed_and_decided_then_zero) {
  for (const std::string body :
       {R"({"account_id":"acc-1","owner_name":"Ada","currency":"EUR"})",
        R"({"account_id":"acc-1","owner_name":"Ada","currency":"EUR","initial_balance":null})"}) {
    SCOPED_TRACE(body);
    const auto r = parse(command_route::create_account, body);
    ASSERT_TRUE(r.ok()) << show(r);
    const auto* open = std::get_if<domain::open_account>(&r->command);
    ASSERT_NE(open, nullptr);
    EXPECT_EQ(open->initial_balance, "0");
    domain::account_state absent;
    absent.account_id = r->account_id;
    const auto decided = domain::decide(absent, r->command);
    ASSERT_TRUE(decided.ok()) << decided.error().message;
    ASSERT_EQ(decided->size(), 1u);
    EXPECT_EQ(std::get<domain::account_created>(decided->front()).initial_balance, 0);
  }
}

TEST(parse_command, given_valid_deposit_when_parsed_then_deposit_command) {
  const auto r = parse(command_route::deposit, deposit_body);
  ASSERT_TRUE(r.ok()) << show(r);
  EXPECT_EQ(r->account_id, "acc-1");
  EXPECT_EQ(r->idempotency_key, "");
  const auto* d = std::get_if<domain::deposit>(&r->command);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->amount, "25.50");
  EXPECT_EQ(d->description, "pay");
}

TEST(parse_command, given_valid_withdraw_without_description_when_parsed_then_empty_description) {
  const auto r = parse(command_route::withdraw, R"({"account_id":"acc-1","amount":"30"})");
  ASSERT_TRUE(r.ok()) << show(r);
  const auto* w = std::get_if<domain::withdraw>(&r->command);
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->amount, "30");
  EXPECT_EQ(w->description, "");
}

TEST(parse_command, given_amount_as_string_integer_or_float_when_parsed_then_decimal_text) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"("10.5")", "10.5"}, {"10", "10"}, {"10.5", "10.5"}, {"10.50", "10.5"}, {"0.01", "0.01"},
  };
  for (const auto& [amount, text] : cases) {
    SCOPED_TRACE(amount);
    const auto r = parse(command_route::deposit, R"({"account_id":"a","amount":)" + amount + "}");
    ASSERT_TRUE(r.ok()) << show(r);
    EXPECT_EQ(std::get<domain::deposit>(r->command).amount, text);
  }
}

TEST(parse_command, given_initial_balance_as_integer_when_parsed_then_decimal_text) {
  const auto r =
      parse(command_route::create_account,
            R"({"account_id":"a","owner_name":"A","currency":"JPY","initial_balance":500})");
  ASSERT_TRUE(r.ok()) << show(r);
  EXPECT_EQ(std::get<domain::open_account>(r->command).initial_balance, "500");
}

TEST(parse_command, given_required_field_missing_or_null_when_parsed_then_missing_field) {
  const std::vector<std::pair<command_route, std::string>> cases = {
      {command_route::create_account, R"({"owner_name":"Ada","currency":"USD"})"},
      {command_route::create_account, R"({"account_id":null,"owner_name":"Ada","currency":"USD"})"},
      {command_route::create_account, R"({"account_id":"a","currency":"USD"})"},
      {command_route::create_account, R"({"account_id":"a","owner_name":null,"currency":"USD"})"},
      {command_route::create_account, R"({"account_id":"a","owner_name":"Ada"})"},
      {command_route::deposit, R"({"amount":"1"})"},
      {command_route::deposit, R"({"account_id":"a"})"},
      {command_route::deposit, R"({"account_id":"a","amount":null})"},
      {command_route::withdraw, R"({"account_id":"a","description":"x"})"},
      {command_route::withdraw, R"({})"},
  };
  for (const auto& [route, body] : cases) {
    SCOPED_TRACE(body);
    const auto r = parse(route, body);
    EXPECT_EQ(error_of(r), api_error::missing_field) << show(r);
  }
}

TEST(parse_command, given_field_the_route_does_not_know_when_parsed_then_unknown_field) {
  const std::vector<std::pair<command_route, std::string>> cases = {
      {command_route::deposit, R"({"account_id":"a","amount":"1","memo":"x"})"},
      {command_route::deposit, R"({"account_id":"a","amount":"1","initial_balance":"1"})"},
      {command_route::withdraw, R"({"account_id":"a","amount":"1","currency":"USD"})"},
      {command_route::create_account,
       R"({"account_id":"a","owner_name":"A","currency":"USD","amount":"1"})"},
      {command_route::create_account,
       R"({"account_id":"a","owner_name":"A","currency":"USD","Account_Id":"b"})"},
  };
  for (const auto& [route, body] : cases) {
    SCOPED_TRACE(body);
    const auto r = parse(route, body);
    ASSERT_EQ(error_of(r), api_error::unknown_field) << show(r);
    EXPECT_NE(r.error().message.find('\''), std::string::npos) << r.error().message;
  }
}

TEST(parse_command, given_body_that_is_not_a_json_object_when_parsed_then_malformed_json) {
  for (const std::string body : {"", " ", "{", "}", "{'account_id':'a'}", R"({"a":1,})", "[]",
                                 R"(["account_id"])", R"("text")", "42", "null", "true",
                                 R"({"account_id":"a"} {})", "{\"account_id\":\"a\xFF\"}"}) {
    SCOPED_TRACE(body);
    const auto r = parse(command_route::deposit, body);
    EXPECT_EQ(error_of(r), api_error::malformed_json) << show(r);
  }
}

TEST(parse_command, given_text_fields_of_wrong_type_when_parsed_then_invalid_field) {
  const std::vector<std::pair<command_route, std::string>> cases = {
      {command_route::deposit, R"({"account_id":42,"amount":"1"})"},
      {command_route::deposit, R"({"account_id":["a"],"amount":"1"})"},
      {command_route::deposit, R"({"account_id":"a","amount":"1","description":7})"},
      {command_route::create_account, R"({"account_id":"a","owner_name":{},"currency":"USD"})"},
      {command_route::create_account, R"({"account_id":"a","owner_name":"A","currency":true})"},
  };
  for (const auto& [route, body] : cases) {
    SCOPED_TRACE(body);
    const auto r = parse(route, body);
    EXPECT_EQ(error_of(r), api_error::invalid_field) << show(r);
  }
}

TEST(parse_command, given_amount_of_wrong_json_type_when_parsed_then_invalid_amount) {
  for (const std::string amount : {"true", "[]", "{}", R"(["1"])"}) {
    SCOPED_TRACE(amount);
    const auto r = parse(command_route::withdraw, R"({"account_id":"a","amount":)" + amount + "}");
    EXPECT_EQ(error_of(r), api_error::invalid_amount) << show(r);
  }
  const auto r =
      parse(command_route::create_account,
            R"({"account_id":"a","owner_name":"A","currency":"USD","initial_balance":false})");
  EXPECT_EQ(error_of(r), api_error::invalid_amount) << show(r);
}

TEST(parse_command, given_bad_account_id_when_parsed_then_invalid_field) {
  for (const std::string& id :
       std::vector<std::string>{"a/b", "a b", "", "caf\xC3\xA9", std::string(65, 'a')}) {
    SCOPED_TRACE(id);
    const auto r = parse(command_route::deposit, json{{"account_id", id}, {"amount", "1"}}.dump());
    EXPECT_EQ(error_of(r), api_error::invalid_field) << show(r);
  }
  const auto longest = parse(command_route::deposit,
                             json{{"account_id", std::string(64, 'a')}, {"amount", "1"}}.dump());
  EXPECT_TRUE(longest.ok()) << show(longest);
}

TEST(parse_command, given_description_of_501_bytes_when_parsed_then_invalid_field) {
  const auto body = [](const std::string& description) {
    return json{{"account_id", "a"}, {"amount", "1"}, {"description", description}}.dump();
  };
  const auto too_long =
      parse(command_route::deposit, body(std::string(domain::description_bytes_max + 1, 'x')));
  EXPECT_EQ(error_of(too_long), api_error::invalid_field) << show(too_long);
  const auto longest =
      parse(command_route::deposit, body(std::string(domain::description_bytes_max, 'x')));
  EXPECT_TRUE(longest.ok()) << show(longest);
}

TEST(parse_command, given_text_with_control_characters_when_parsed_then_invalid_field) {
  const auto description =
      parse(command_route::deposit, R"({"account_id":"a","amount":"1","description":"a\u0000b"})");
  EXPECT_EQ(error_of(description), api_error::invalid_field) << show(description);
  const auto owner = parse(command_route::create_account,
                           R"({"account_id":"a","owner_name":"Ada\nL","currency":"USD"})");
  EXPECT_EQ(error_of(owner), api_error::invalid_field) << show(owner);
  const auto tab = parse(command_route::create_account,
                         R"({"account_id":"a","owner_name":"Ada\tL","currency":"USD"})");
  EXPECT_EQ(error_of(tab), api_error::invalid_field) << show(tab);
}

TEST(parse_command, given_unescaped_control_character_in_json_string_when_parsed_then_malformed) {
  const auto r =
      parse(command_route::create_account, "{\"account_id\":\"a\",\"owner_name\":\"Ada\nL\"}");
  EXPECT_EQ(error_of(r), api_error::malformed_json) << show(r);
}

TEST(parse_command, given_empty_owner_name_or_currency_when_parsed_then_invalid_field) {
  for (const std::string body : {R"({"account_id":"a","owner_name":"","currency":"USD"})",
                                 R"({"account_id":"a","owner_name":"A","currency":""})",
                                 R"({"account_id":"a","owner_name":"A","currency":"USDX"})"}) {
    SCOPED_TRACE(body);
    const auto r = parse(command_route::create_account, body);
    EXPECT_EQ(error_of(r), api_error::invalid_field) << show(r);
  }
}

TEST(parse_command, given_bad_idempotency_key_when_parsed_then_invalid_idempotency_key) {
  for (const std::string& key :
       {std::string{"a b"}, std::string(domain::idempotency_key_bytes_max + 1, 'k'),
        std::string{"k\x7F"}, std::string{"k\t"}}) {
    SCOPED_TRACE(key);
    const auto r = parse(command_route::deposit, deposit_body, key);
    EXPECT_EQ(error_of(r), api_error::invalid_idempotency_key) << show(r);
  }
}

TEST(parse_command, given_bad_idempotency_key_and_bad_body_when_parsed_then_key_reported_first) {
  const auto r = parse(command_route::deposit, "{", "a b");
  EXPECT_EQ(error_of(r), api_error::invalid_idempotency_key) << show(r);
}

TEST(parse_command, given_128_character_key_when_parsed_then_kept_verbatim) {
  const std::string key(domain::idempotency_key_bytes_max, 'k');
  const auto r = parse(command_route::deposit, deposit_body, key);
  ASSERT_TRUE(r.ok()) << show(r);
  EXPECT_EQ(r->idempotency_key, key);
}

TEST(parse_command, given_same_body_reordered_and_respaced_when_parsed_then_same_fingerprint) {
  const auto a = parse(command_route::deposit, deposit_body, "k1");
  const auto b = parse(
      command_route::deposit,
      "{ \"description\" : \"pay\",\n  \"amount\":\"25.50\",\t\"account_id\":\"acc-1\" }", "k2");
  ASSERT_TRUE(a.ok()) << show(a);
  ASSERT_TRUE(b.ok()) << show(b);
  EXPECT_EQ(a->fingerprint, b->fingerprint);
}

TEST(parse_command, given_different_amount_when_parsed_then_different_fingerprint) {
  const auto a = parse(command_route::deposit, deposit_body);
  const auto b = parse(command_route::deposit,
                       R"({"account_id":"acc-1","amount":"25.51","description":"pay"})");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->fingerprint, b->fingerprint);
}

TEST(parse_command, given_same_body_on_another_route_when_parsed_then_different_fingerprint) {
  const auto deposit = parse(command_route::deposit, deposit_body);
  const auto withdraw = parse(command_route::withdraw, deposit_body);
  ASSERT_TRUE(deposit.ok() && withdraw.ok());
  EXPECT_NE(deposit->fingerprint, withdraw->fingerprint);
}

TEST(parse_command, given_different_account_when_parsed_then_different_fingerprint) {
  const auto a = parse(command_route::deposit, deposit_body);
  const auto b = parse(command_route::deposit,
                       R"({"account_id":"acc-2","amount":"25.50","description":"pay"})");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->fingerprint, b->fingerprint);
}

TEST(parse_command, given_nesting_past_json_depth_max_when_parsed_then_malformed_naming_field) {
  ASSERT_EQ(json_depth_max, 2u);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"account_id":"a","amount":"1","description":[[1]]})", "description"},
      {R"({"account_id":{"x":{}},"amount":"1"})", "account_id"},
      {R"({"account_id":"a","amount":"1","memo":[{"a":1}]})", "memo"},
      {R"({"account_id":"a","amount":)" + std::string(100'000, '[') + std::string(100'000, ']') +
           "}",
       "amount"},
  };
  for (const auto& [body, field] : cases) {
    SCOPED_TRACE(body.substr(0, 60));
    const auto r = parse(command_route::deposit, body);
    ASSERT_EQ(error_of(r), api_error::malformed_json) << show(r);
    EXPECT_NE(r.error().message.find("'" + field + "'"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("deeper than 2 levels"), std::string::npos);
  }
}

TEST(parse_command, given_top_level_nesting_of_100000_arrays_when_parsed_then_not_an_object) {
  const auto r =
      parse(command_route::deposit, std::string(100'000, '[') + std::string(100'000, ']'));
  ASSERT_EQ(error_of(r), api_error::malformed_json) << show(r);
  EXPECT_EQ(r.error().message, "the body must be a JSON object");
}

TEST(parse_command, given_a_name_twice_in_one_object_when_parsed_then_malformed_naming_it) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"account_id":"a","amount":"1","amount":"2"})", "amount"},
      {R"({"account_id":"a","account_id":"a","amount":"1"})", "account_id"},
      {R"({"account_id":"a","amount":"1","am\u006funt":"1"})", "amount"},
      {R"({"account_id":"a","amount":"1","description":{"k":1,"k":2}})", "k"},
  };
  for (const auto& [body, field] : cases) {
    SCOPED_TRACE(body);
    const auto r = parse(command_route::deposit, body);
    ASSERT_EQ(error_of(r), api_error::malformed_json) << show(r);
    EXPECT_EQ(r.error().message, "field '" + field + "' appears more than once");
  }
}

TEST(parse_command, given_the_same_name_in_sibling_objects_when_parsed_then_not_a_duplicate) {
  const auto r = parse(command_route::deposit,
                       R"({"account_id":"a","amount":"1","x":{"k":1},"y":{"k":1}})");
  EXPECT_EQ(error_of(r), api_error::unknown_field) << show(r);
}

TEST(parse_command, given_a_nul_byte_anywhere_when_parsed_then_malformed) {
  for (const std::string& body :
       {R"({"account_id":"a","amount":"1"})" + std::string(1, '\0'),
        R"({"account_id":"a","amount":"1"})" + std::string(1, '\0') + "garbage",
        std::string(1, '\0') + R"({"account_id":"a","amount":"1"})"}) {
    const auto r = parse(command_route::deposit, body);
    EXPECT_EQ(error_of(r), api_error::malformed_json) << show(r);
  }
}

TEST(parse_command, given_syntax_error_when_parsed_then_message_gives_its_byte) {
  const auto r = parse(command_route::deposit, R"({"account_id":"a","amount":01})");
  ASSERT_EQ(error_of(r), api_error::malformed_json) << show(r);
  EXPECT_NE(r.error().message.find("at byte"), std::string::npos) << r.error().message;
}

TEST(parse_command, given_flat_body_when_parsed_by_the_bounded_parser_then_same_fields) {
  const auto r = parse(command_route::deposit,
                       R"({"account_id":"acc-1","amount":12.5,"description":"caf\u00e9"})");
  ASSERT_TRUE(r.ok()) << show(r);
  const auto& d = std::get<domain::deposit>(r->command);
  EXPECT_EQ(d.amount, "12.5");
  EXPECT_EQ(d.description, "caf\xC3\xA9");
}

// An account that exists, in USD, with 100.00 on it.
domain::account_state open_usd_account(const std::string& id) {
  domain::account_state state;
  state.account_id = id;
  state.status = domain::account_status::open;
  state.currency = "USD";
  state.balance = 10'000;
  state.version = 1;
  return state;
}

TEST(parse_command, given_amount_number_in_exponent_form_when_decided_then_invalid_amount) {
  for (const std::string amount : {"1e3", "1E3", "1e+3", "1e-2", "2.5E1", "1.5e2", "0e0"}) {
    SCOPED_TRACE(amount);
    const auto r = parse(command_route::deposit, R"({"account_id":"a","amount":)" + amount + "}");
    ASSERT_TRUE(r.ok()) << show(r);
    EXPECT_EQ(std::get<domain::deposit>(r->command).amount, amount) << "kept as written";
    const auto decided = domain::decide(open_usd_account("a"), r->command);
    ASSERT_FALSE(decided.ok()) << "an exponent form must never pass for its value";
    EXPECT_EQ(decided.error().code, domain::rejection_code::invalid_amount);
    EXPECT_EQ(from_rejection(decided.error().code), api_error::invalid_amount);
  }
}

TEST(parse_command, given_initial_balance_or_transfer_amount_in_exponent_form_then_refused) {
  const auto create = parse(
      command_route::create_account,
      R"({"account_id":"a","owner_name":"A","currency":"USD","initial_balance":1e2})");
  ASSERT_TRUE(create.ok()) << show(create);
  domain::account_state absent;
  absent.account_id = "a";
  const auto opened = domain::decide(absent, create->command);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, domain::rejection_code::invalid_amount);

  const auto transfer =
      parse_transfer(R"({"from_account_id":"a","to_account_id":"b","amount":1e1})", "");
  ASSERT_TRUE(transfer.ok());
  auto to = open_usd_account("b");
  const auto legs = domain::decide_transfer(open_usd_account("a"), to, transfer->transfer);
  ASSERT_FALSE(legs.ok());
  EXPECT_EQ(legs.error().code, domain::rejection_code::invalid_amount);
}

TEST(parse_command, given_exponent_number_outside_an_amount_field_then_still_a_number) {
  const auto r =
      parse(command_route::deposit, R"({"account_id":"a","amount":"1","description":1e3})");
  ASSERT_EQ(error_of(r), api_error::invalid_field) << show(r);
}

TEST(parse_transfer, given_empty_transfer_id_when_parsed_then_invalid_field) {
  const auto r = parse_transfer(
      R"({"from_account_id":"a","to_account_id":"b","amount":"1","transfer_id":""})", "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().error, api_error::invalid_field);
  const auto absent =
      parse_transfer(R"({"from_account_id":"a","to_account_id":"b","amount":"1"})", "");
  EXPECT_TRUE(absent.ok());
}

// ---------------------------------------------------------------------------------------------
// is_json_content_type

TEST(is_json_content_type, given_application_json_in_any_case_or_with_parameters_then_true) {
  for (const std::string_view value :
       {"application/json", "Application/JSON; charset=utf-8", "APPLICATION/JSON",
        "application/json;charset=UTF-8", "application/json ; charset=utf-8"}) {
    SCOPED_TRACE(std::string{value});
    EXPECT_TRUE(is_json_content_type(value));
  }
}

TEST(is_json_content_type, given_other_media_types_or_empty_then_false) {
  for (const std::string_view value :
       {"text/plain", "application/jsonx", "", "application/json-patch+json", "application/",
        "json", "application/xml; charset=utf-8", "text/json"}) {
    SCOPED_TRACE(std::string{value});
    EXPECT_FALSE(is_json_content_type(value));
  }
}

}  // namespace
}  // namespace chronicle::http
