// The time-travel routes' parameters and answers, pure: which queries become which
// messages, which are refused with which problem, and how each outcome is answered.

#include "http/time_travel_params.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "domain/event_codec.hpp"
#include "http/views.hpp"

namespace chronicle::http {
namespace {

using domain::micros;
using nlohmann::json;

constexpr micros now = 1'795'690'117'000'000;  // 2026-11-26T10:48:37Z

TEST(parse_query_instant, given_offset_sign_decoded_as_a_space_then_read_as_plus) {
  const auto utc = domain::parse_instant("2026-11-26T10:48:37.5Z");
  EXPECT_EQ(parse_query_instant("2026-11-26T10:48:37.5Z"), utc);
  EXPECT_EQ(parse_query_instant("2026-11-26T10:48:37.5+00:00"), utc);
  EXPECT_EQ(parse_query_instant("2026-11-26T10:48:37.5 00:00"), utc);
  EXPECT_EQ(parse_query_instant("2026-11-26T12:48:37.5 02:00"), utc);
  EXPECT_EQ(parse_query_instant("2026-11-26 10:48:37.5+00"), utc);  // PostgreSQL's form
  EXPECT_EQ(parse_query_instant("2026-11-26T10:48:37"), std::nullopt);
  EXPECT_EQ(parse_query_instant("2026-11-26T10:48:37.5Z "), std::nullopt);
}

TEST(parse_balance_at, given_version_or_timestamp_then_query_with_exactly_that_one) {
  const auto by_version = parse_balance_at("acc", std::nullopt, "12", now);
  ASSERT_TRUE(by_version.ok());
  EXPECT_EQ(by_version->account_id, "acc");
  EXPECT_EQ(by_version->version, std::optional<std::int64_t>{12});
  EXPECT_FALSE(by_version->at.has_value());
  const auto by_time = parse_balance_at("acc", "2026-11-26T10:48:36.25Z", std::nullopt, now);
  ASSERT_TRUE(by_time.ok());
  EXPECT_EQ(by_time->at, std::optional<micros>{now - 750'000});
  EXPECT_FALSE(by_time->version.has_value());
  EXPECT_TRUE(parse_balance_at("acc", "2026-11-26T10:48:37Z", std::nullopt, now).ok());  // now
}

TEST(parse_balance_at, given_both_neither_or_malformed_then_400_problem) {
  struct bad {
    query_param timestamp, version;
    api_error error;
  };
  const std::vector<bad> cases = {
      {"2026-11-26T10:48:37Z", "3", api_error::invalid_field},
      {std::nullopt, std::nullopt, api_error::missing_field},
      {"yesterday", std::nullopt, api_error::invalid_field},
      {"", std::nullopt, api_error::invalid_field},
      {"2026-11-26T10:48:37", std::nullopt, api_error::invalid_field},          // no zone
      {"2026-11-26T10:48:37.000001Z", std::nullopt, api_error::invalid_field},  // future
      {std::nullopt, "0", api_error::invalid_field},
      {std::nullopt, "-1", api_error::invalid_field},
      {std::nullopt, "1.5", api_error::invalid_field},
      {std::nullopt, "", api_error::invalid_field},
      {std::nullopt, "99999999999999999999", api_error::invalid_field},
      {std::nullopt, std::string{"\xff"}, api_error::invalid_field},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.timestamp.value_or("-") + " / " + c.version.value_or("-"));
    const auto q = parse_balance_at("acc", c.timestamp, c.version, now);
    ASSERT_FALSE(q.ok());
    EXPECT_EQ(q.error().error, c.error);
    EXPECT_EQ(classify(q.error().error).status, 400);
    EXPECT_NO_THROW(problem_body(q.error()));  // the message is valid UTF-8 whatever came in
  }
}

TEST(parse_history, given_optional_bounds_cursor_and_limit_then_range) {
  const auto all = parse_history("acc", std::nullopt, std::nullopt, std::nullopt, std::nullopt);
  ASSERT_TRUE(all.ok());
  EXPECT_FALSE(all->range.from.has_value());
  EXPECT_FALSE(all->range.to.has_value());
  EXPECT_EQ(all->range.after_version, 0);
  EXPECT_EQ(all->range.limit, 100u);
  const auto some =
      parse_history("acc", "2026-11-26T10:00:00Z", "2026-11-26T11:00:00+00:00", "7", "1000");
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(some->range.from, domain::parse_instant("2026-11-26T10:00:00Z"));
  EXPECT_EQ(some->range.to, domain::parse_instant("2026-11-26T11:00:00Z"));
  EXPECT_EQ(some->range.after_version, 7);
  EXPECT_EQ(some->range.limit, 1000u);
}

TEST(parse_history, given_bad_bounds_cursor_or_limit_then_400_invalid_field) {
  const std::vector<std::vector<query_param>> cases = {
      {"2026-11-26T11:00:00Z", "2026-11-26T10:00:00Z", std::nullopt, std::nullopt},
      {"noon", std::nullopt, std::nullopt, std::nullopt},
      {std::nullopt, "2026-13-01T00:00:00Z", std::nullopt, std::nullopt},
      {std::nullopt, std::nullopt, "x", std::nullopt},
      {std::nullopt, std::nullopt, std::nullopt, "0"},
      {std::nullopt, std::nullopt, std::nullopt, "1001"},
  };
  for (const auto& c : cases) {
    const auto q = parse_history("acc", c[0], c[1], c[2], c[3]);
    ASSERT_FALSE(q.ok());
    EXPECT_EQ(q.error().error, api_error::invalid_field) << q.error().message;
  }
}

domain::account_state state_at(std::int64_t version, std::int64_t balance) {
  domain::account_state s;
  s.account_id = "acc";
  s.status = domain::account_status::open;
  s.currency = "EUR";
  s.balance = balance;
  s.version = version;
  s.updated_at = now - 1;
  s.last_hash = std::string(64, 'a');
  return s;
}

TEST(balance_at_answer, given_state_then_200_with_balance_at_and_version) {
  actors::balance_at_query by_time{"acc", std::nullopt, now};
  const auto a = balance_at_answer(by_time, persistence::past_state{9, state_at(4, 100'050)});
  ASSERT_EQ(a.status, 200);
  const auto body = json::parse(a.body);
  EXPECT_EQ(body["account_id"], "acc");
  EXPECT_EQ(body["balance"], "1000.50");
  EXPECT_EQ(body["currency"], "EUR");
  EXPECT_EQ(body["at"], "2026-11-26T10:48:37.000000Z");
  EXPECT_EQ(body["version"], 4);
  EXPECT_EQ(body["consistency"], "strong");
  actors::balance_at_query by_version{"acc", 4, std::nullopt};
  const auto b = json::parse(
      balance_at_answer(by_version, persistence::past_state{9, state_at(4, 100'050)}).body);
  EXPECT_EQ(b["at"], "2026-11-26T10:48:36.999999Z");  // when version 4 was written
}

TEST(balance_at_answer, given_point_before_the_account_or_past_its_end_then_404_saying_so) {
  domain::account_state absent;
  absent.account_id = "acc";
  actors::balance_at_query by_time{"acc", std::nullopt, now};
  const auto before = balance_at_answer(by_time, persistence::past_state{3, absent});
  EXPECT_EQ(before.status, 404);
  EXPECT_EQ(json::parse(before.body)["code"], "ACCOUNT_NOT_FOUND");
  EXPECT_EQ(json::parse(before.body)["error"],
            "account acc did not exist at 2026-11-26T10:48:37.000000Z");
  actors::balance_at_query by_version{"acc", 4, std::nullopt};
  const auto beyond = balance_at_answer(by_version, persistence::past_state{3, absent});
  EXPECT_EQ(beyond.status, 404);
  EXPECT_EQ(json::parse(beyond.body)["code"], "VERSION_NOT_FOUND");
  EXPECT_EQ(json::parse(beyond.body)["error"], "account acc has no version 4: its latest is 3");
  const auto unknown = balance_at_answer(by_time, persistence::past_state{0, absent});
  EXPECT_EQ(json::parse(unknown.body)["error"], "account acc does not exist");
}

TEST(history_answer, given_page_then_entries_with_decimal_balances_and_next) {
  actors::history_query q{{"acc", now - 10, std::nullopt, 0, 2}};
  persistence::history_page page;
  page.latest_version = 9;
  page.currency = "JPY";
  page.entries = {{1, 500, now - 5, "AccountCreated"}, {2, 800, now - 4, "MoneyDeposited"}};
  page.next_after = 2;
  const auto a = history_answer(q, page);
  ASSERT_EQ(a.status, 200);
  const auto body = json::parse(a.body);
  EXPECT_EQ(body["from"], domain::format_instant(now - 10));
  EXPECT_EQ(body["to"], nullptr);
  ASSERT_EQ(body["history"].size(), 2u);
  EXPECT_EQ(body["history"][1], json({{"version", 2},
                                      {"balance", "800"},
                                      {"occurred_at", domain::format_instant(now - 4)},
                                      {"type", "MoneyDeposited"}}));
  EXPECT_EQ(body["next"], 2);
  page.next_after = 0;
  EXPECT_EQ(json::parse(history_answer(q, page).body)["next"], nullptr);
  EXPECT_EQ(history_answer(q, persistence::history_page{}).status, 404);
}

}  // namespace
}  // namespace chronicle::http
