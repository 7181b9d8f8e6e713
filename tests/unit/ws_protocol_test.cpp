// The live timeline's wire protocol, pure: where the key is taken from, which queries are
// refused, and what each role sees of an event.

#include "http/ws_protocol.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace chronicle::http {
namespace {

using nlohmann::json;

TEST(ws_credentials, given_offered_subprotocols_then_the_bearer_one_as_an_authorization) {
  EXPECT_EQ(ws_credentials("chronicle.v1, bearer.ops.abc"), "Bearer ops.abc");
  EXPECT_EQ(ws_credentials("bearer.ops.abc,chronicle.v1"), "Bearer ops.abc");
  EXPECT_EQ(ws_credentials("chronicle.v1"), "");
  EXPECT_EQ(ws_credentials(""), "");
  EXPECT_EQ(ws_credentials("chronicle.v1, bearer."), "Bearer ");
}

TEST(parse_ws_subscription, given_sequence_and_account_then_both_else_the_bad_one_named) {
  const auto both = parse_ws_subscription(std::string{"42"}, std::string{"alice"});
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->after_sequence, std::optional<std::uint64_t>{42});
  EXPECT_EQ(both->account_id, "alice");
  const auto none = parse_ws_subscription(std::nullopt, std::nullopt);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->after_sequence.has_value());
  EXPECT_EQ(none->account_id, "");
  for (const char* bad : {"-1", "x", "", "1.0"}) {
    const auto refused = parse_ws_subscription(std::string{bad}, std::nullopt);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.error().error, api_error::invalid_field);
  }
  EXPECT_FALSE(parse_ws_subscription(std::nullopt, std::string{"a.b"}).ok());
}

projections::live_event transfer_leg() {
  projections::live_event e;
  e.sequence = 7;
  e.event.account_id = "alice";
  e.event.version = 3;
  e.event.issued_by = "ops-1";
  e.event.hash = std::string(64, 'a');
  e.event.body = domain::transfer_debited{"t-1", "bob", "EUR", 1250, "rent"};
  e.balance_after = 8750;
  e.currency = "EUR";
  return e;
}

TEST(ws_event_frame, given_a_transfer_leg_then_amounts_as_decimals_and_the_counterparty) {
  const auto frame = json::parse(ws_event_frame(transfer_leg(), api_role::auditor));
  EXPECT_EQ(frame["type"], "event");
  EXPECT_EQ(frame["sequence"], 7);
  EXPECT_EQ(frame["event_type"], "TransferDebited");
  EXPECT_EQ(frame["amount"], "12.50");
  EXPECT_EQ(frame["balance_after"], "87.50");
  EXPECT_EQ(frame["counterparty"], "bob");
  EXPECT_EQ(frame["transfer_id"], "t-1");
  EXPECT_EQ(frame["description"], "rent");
}

TEST(ws_event_frame, given_the_role_then_issued_by_for_auditors_and_admins_only) {
  EXPECT_EQ(json::parse(ws_event_frame(transfer_leg(), api_role::auditor))["issued_by"], "ops-1");
  EXPECT_EQ(json::parse(ws_event_frame(transfer_leg(), api_role::admin))["issued_by"], "ops-1");
  EXPECT_FALSE(
      json::parse(ws_event_frame(transfer_leg(), api_role::operator_)).contains("issued_by"));
}

}  // namespace
}  // namespace chronicle::http
