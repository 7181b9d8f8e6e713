// The read routes' query parameters, pure: which queries become which messages, and which
// are refused with which problem and message.

#include "http/query_params.hpp"

#include <gtest/gtest.h>

#include "http/limits.hpp"

namespace chronicle::http {
namespace {

TEST(integer_param, given_absent_digits_or_garbage_then_fallback_value_or_reason) {
  EXPECT_EQ(*integer_param(std::nullopt, "limit", 7, 1, 10), 7);
  EXPECT_EQ(*integer_param(std::string{"10"}, "limit", 7, 1, 10), 10);
  for (const char* bad : {"", "-1", "1.5", "1e3", " 1", "0x10", "1234567890123456789"}) {
    const auto parsed = integer_param(std::string{bad}, "limit", 7, 1, 10);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error(), "limit must be an integer") << bad;
  }
  EXPECT_EQ(integer_param(std::string{"0"}, "limit", 7, 1, 10).error(),
            "limit must be between 1 and 10");
  EXPECT_EQ(integer_param(std::string{"11"}, "limit", 7, 1, 10).error(),
            "limit must be between 1 and 10");
}

TEST(parse_account_list, given_no_parameters_then_first_page_of_the_default_size) {
  const auto filter = parse_account_list(std::nullopt, std::nullopt, std::nullopt, std::nullopt);
  ASSERT_TRUE(filter.ok());
  EXPECT_EQ(filter->limit, static_cast<std::size_t>(page_default));
  EXPECT_EQ(filter->owner_name, "");
  EXPECT_EQ(filter->status, "");
  EXPECT_EQ(filter->after_account_id, "");
}

TEST(parse_account_list, given_bad_status_owner_cursor_or_limit_then_invalid_field_naming_it) {
  const std::optional<std::string> none;
  const auto expect_invalid = [](const auto& parsed, const std::string& message) {
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().error, api_error::invalid_field);
    EXPECT_EQ(parsed.error().message.rfind(message, 0), 0u) << parsed.error().message;
  };
  expect_invalid(parse_account_list(none, std::string{"frozen"}, none, none),
                 "status must be open or closed");
  expect_invalid(parse_account_list(std::string{"a\x01"}, none, none, none), "owner must be");
  expect_invalid(parse_account_list(none, none, std::string{"no.such id"}, none), "after must be");
  expect_invalid(parse_account_list(none, none, none, std::to_string(page_max + 1)),
                 "limit must be between 1 and 1000");
  const auto ok = parse_account_list(std::string{"Alice"}, std::string{"open"},
                                     std::string{"acc-1"}, std::string{"5"});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->owner_name, "Alice");
  EXPECT_EQ(ok->status, "open");
  EXPECT_EQ(ok->after_account_id, "acc-1");
  EXPECT_EQ(ok->limit, 5u);
}

TEST(parse_snapshot_ids, given_ids_with_repeats_then_each_once_in_the_order_asked) {
  const auto q = parse_snapshot_ids(std::string{"b,a,b,c"});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->account_ids, (std::vector<std::string>{"b", "a", "c"}));
}

TEST(parse_snapshot_ids, given_none_a_bad_id_or_too_many_then_refused) {
  EXPECT_EQ(parse_snapshot_ids(std::nullopt).error().error, api_error::missing_field);
  EXPECT_EQ(parse_snapshot_ids(std::string{}).error().error, api_error::missing_field);
  EXPECT_EQ(parse_snapshot_ids(std::string{"a,,b"}).error().message, "ids: '' is no account id");
  std::string many;
  for (std::size_t i = 0; i <= persistence::snapshot_accounts_max; ++i) {
    many += (i ? ",a" : "a") + std::to_string(i);
  }
  EXPECT_EQ(parse_snapshot_ids(many).error().message, "ids: at most 100 accounts");
}

TEST(parse_transactions_and_events, given_positions_and_limits_then_the_query_or_the_first_bad) {
  const auto t = parse_transactions("acc", std::string{"9"}, std::string{"3"});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->before_version, 9);
  EXPECT_EQ(t->limit, 3u);
  EXPECT_EQ(parse_transactions("acc", std::string{"x"}, std::string{"0"}).error().message,
            "limit must be between 1 and 1000");
  const auto e = parse_events("acc", std::nullopt, std::nullopt);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->from_version, 1);
  EXPECT_EQ(e->limit, static_cast<std::size_t>(page_default));
  EXPECT_EQ(parse_events("acc", std::string{"0"}, std::string{"x"})
                .error()
                .message.rfind("from_version must be between 1 and", 0),
            0u);
}

TEST(parse_timeline, given_order_and_cursor_then_query_or_invalid_field) {
  const auto newest = parse_timeline(std::nullopt, std::nullopt, std::nullopt);
  ASSERT_TRUE(newest.ok());
  EXPECT_TRUE(newest->newest_first);
  EXPECT_FALSE(newest->after.has_value());
  const auto oldest = parse_timeline(std::string{"asc"}, std::nullopt, std::string{"2"});
  ASSERT_TRUE(oldest.ok());
  EXPECT_FALSE(oldest->newest_first);
  EXPECT_EQ(oldest->limit, 2u);
  EXPECT_EQ(parse_timeline(std::string{"up"}, std::nullopt, std::nullopt).error().message,
            "order must be desc or asc");
  EXPECT_EQ(parse_timeline(std::nullopt, std::string{"nonsense"}, std::nullopt).error().message,
            "after must be a cursor returned as 'next'");
}

}  // namespace
}  // namespace chronicle::http
