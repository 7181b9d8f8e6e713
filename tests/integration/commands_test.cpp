// Commands through the real HTTP API of a real node on the local PostgreSQL.

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "tests/support/http_client.hpp"
#include "tests/support/node_suite.hpp"
#include "tests/support/test_keys.hpp"

namespace chronicle::testing {
namespace {

using nlohmann::json;

class commands : public node_suite {
 protected:
  // Up to 100 clients at once, all from 127.0.0.1: above the default per-client limit of 64
  // connections (docs/SECURITY.md, "Connections per client").
  static void SetUpTestSuite() { start_node({"--connections-per-client", "128"}); }

  static std::string new_account(const std::string& initial, const std::string& currency = "USD") {
    const std::string id = "acct-" + unique_suffix();
    const auto r = post_json(port(), "/commands/create-account",
                             {{"account_id", id},
                              {"owner_name", "Test Owner"},
                              {"initial_balance", initial},
                              {"currency", currency}});
    EXPECT_EQ(r.status, 201) << r.body;
    return id;
  }

  // Every event of an account, following next_from_version page by page.
  static std::vector<json> all_events(const std::string& id) {
    std::vector<json> out;
    std::int64_t from = 1;
    for (int page = 0; page < 100; ++page) {
      const auto r = http_request(
          port(), "GET",
          "/accounts/" + id + "/events?limit=1000&from_version=" + std::to_string(from));
      EXPECT_EQ(r.status, 200) << r.body;
      const auto body = r.json();
      if (!body.contains("events") || body["events"].empty()) break;
      for (const auto& e : body["events"]) out.push_back(e);
      from = body["next_from_version"].get<std::int64_t>();
    }
    return out;
  }

  // Versions 1..n with no gap, each linked to its predecessor's hash.
  static void expect_contiguous_chain(const std::vector<json>& events) {
    std::string prev(64, '0');
    for (std::size_t i = 0; i < events.size(); ++i) {
      ASSERT_EQ(events[i]["version"].get<std::int64_t>(), static_cast<std::int64_t>(i + 1));
      ASSERT_EQ(events[i]["prev_hash"].get<std::string>(), prev);
      prev = events[i]["hash"].get<std::string>();
    }
  }

  static json account(const std::string& id) {
    const auto r = http_request(port(), "GET", "/accounts/" + id + "?consistency=strong");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  }
};

TEST_F(commands, given_balance_100_when_100_concurrent_withdrawals_of_10_then_exactly_10_succeed) {
  const auto id = new_account("100");
  constexpr int clients = 100;
  std::atomic<int> accepted{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      const auto r = post_json(port(), "/commands/withdraw",
                               {{"account_id", id},
                                {"amount", "10"},
                                {"description", "withdrawal " + std::to_string(i)}});
      if (r.status == 201) {
        ++accepted;
      } else if (r.status == 422 && r.json().value("code", "") == "INSUFFICIENT_FUNDS") {
        ++refused;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 10);
  EXPECT_EQ(refused.load(), 90);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(account(id)["balance"], "0.00");
  const auto events = all_events(id);
  EXPECT_EQ(events.size(), 11u);
  expect_contiguous_chain(events);
}

TEST_F(commands, given_50_clients_when_each_deposits_20_times_then_versions_1_to_1001_and_sum) {
  const auto id = new_account("0");
  constexpr int clients = 50;
  constexpr int deposits_each = 20;
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      for (int d = 0; d < deposits_each; ++d) {
        const auto r =
            post_json(port(), "/commands/deposit", {{"account_id", id}, {"amount", "1.25"}});
        if (r.status == 201) ++accepted;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), clients * deposits_each);
  const auto state = account(id);
  EXPECT_EQ(state["balance"], "1250.00");
  EXPECT_EQ(state["version"], 1001);
  const auto events = all_events(id);
  EXPECT_EQ(events.size(), 1001u);
  expect_contiguous_chain(events);
}

TEST_F(commands, given_idempotency_key_when_retried_then_first_response_and_nothing_appended) {
  const auto id = new_account("50");
  const std::map<std::string, std::string> key{{"Idempotency-Key", "retry-" + unique_suffix()}};
  const json body{{"account_id", id}, {"amount", "20"}, {"description", "rent"}};
  const auto first = post_json(port(), "/commands/withdraw", body, key);
  ASSERT_EQ(first.status, 201) << first.body;
  const auto again = post_json(port(), "/commands/withdraw", body, key);
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(again.json()["event_id"], first.json()["event_id"]);
  EXPECT_EQ(again.json()["version"], first.json()["version"]);
  EXPECT_EQ(again.json()["balance"], "30.00");
  EXPECT_TRUE(again.json()["replayed"].get<bool>());
  EXPECT_EQ(account(id)["balance"], "30.00");
  EXPECT_EQ(all_events(id).size(), 2u);

  const auto changed =
      post_json(port(), "/commands/withdraw",
                {{"account_id", id}, {"amount", "21"}, {"description", "rent"}}, key);
  EXPECT_EQ(changed.status, 422);
  EXPECT_EQ(changed.json()["code"], "IDEMPOTENCY_KEY_REUSED");
  EXPECT_EQ(all_events(id).size(), 2u);
}

TEST_F(commands, given_one_idempotency_key_from_two_api_keys_then_two_separate_outcomes) {
  // A key belongs to the API key that sent it: another client's identical key is its own.
  const auto id = new_account("50");
  const auto key = "shared-" + unique_suffix();
  const std::map<std::string, std::string> as_operator{{"Idempotency-Key", key}};
  const std::map<std::string, std::string> as_admin{
      {"Idempotency-Key", key}, {"Authorization", bearer(keys().admin_token)}};
  const auto first =
      post_json(port(), "/commands/deposit", {{"account_id", id}, {"amount", "1"}}, as_operator);
  ASSERT_EQ(first.status, 201) << first.body;
  const auto other =
      post_json(port(), "/commands/deposit", {{"account_id", id}, {"amount", "2"}}, as_admin);
  ASSERT_EQ(other.status, 201) << other.body;
  EXPECT_FALSE(other.json()["replayed"].get<bool>());
  EXPECT_NE(other.json()["event_id"], first.json()["event_id"]);
  const auto retry =
      post_json(port(), "/commands/deposit", {{"account_id", id}, {"amount", "1"}}, as_operator);
  ASSERT_EQ(retry.status, 201) << retry.body;
  EXPECT_TRUE(retry.json()["replayed"].get<bool>());
  EXPECT_EQ(retry.json()["event_id"], first.json()["event_id"]);
  EXPECT_EQ(account(id)["balance"], "53.00");
  EXPECT_EQ(all_events(id).size(), 3u);
}

TEST_F(commands, given_rejected_command_with_key_when_retried_after_deposit_then_same_rejection) {
  const auto id = new_account("5");
  const std::map<std::string, std::string> key{{"Idempotency-Key", "reject-" + unique_suffix()}};
  const json body{{"account_id", id}, {"amount", "10"}};
  const auto first = post_json(port(), "/commands/withdraw", body, key);
  ASSERT_EQ(first.status, 422);
  ASSERT_EQ(post_json(port(), "/commands/deposit", {{"account_id", id}, {"amount", "100"}}).status,
            201);
  // The stored outcome is the answer, even though the withdrawal would now pass.
  const auto again = post_json(port(), "/commands/withdraw", body, key);
  EXPECT_EQ(again.status, 422);
  EXPECT_EQ(again.json()["code"], "INSUFFICIENT_FUNDS");
  EXPECT_EQ(account(id)["balance"], "105.00");
}

TEST_F(commands, given_existing_account_when_created_again_then_409) {
  const auto id = new_account("1");
  const auto r = post_json(port(), "/commands/create-account",
                           {{"account_id", id}, {"owner_name", "X"}, {"currency", "EUR"}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.json()["code"], "ACCOUNT_EXISTS");
  EXPECT_EQ(account(id)["currency"], "USD");
}

TEST_F(commands, given_account_when_read_then_owner_currency_decimal_balance_and_version) {
  const auto id = new_account("12.5", "GBP");
  const auto a = account(id);
  EXPECT_EQ(a["account_id"], id);
  EXPECT_EQ(a["owner_name"], "Test Owner");
  EXPECT_EQ(a["currency"], "GBP");
  EXPECT_EQ(a["balance"], "12.50");
  EXPECT_EQ(a["version"], 1);
  EXPECT_EQ(a["status"], "open");
}

TEST_F(commands, given_bad_requests_then_precise_errors) {
  const auto id = new_account("10");
  const std::map<std::string, std::string> json_type{{"Content-Type", "application/json"}};
  auto expect = [](const http_response& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.json().value("code", ""), code) << r.body;
    EXPECT_FALSE(r.json().value("error", "").empty()) << r.body;
  };
  expect(http_request(port(), "POST", "/commands/deposit", "{not json", json_type), 400,
         "MALFORMED_JSON");
  expect(post_json(port(), "/commands/deposit", {{"account_id", id}}), 400, "MISSING_FIELD");
  expect(post_json(port(), "/commands/deposit", {{"account_id", id}, {"amount", "-5"}}), 400,
         "INVALID_AMOUNT");
  expect(post_json(port(), "/commands/deposit", {{"account_id", id}, {"amount", "1.001"}}), 400,
         "INVALID_AMOUNT");
  expect(post_json(port(), "/commands/deposit", {{"account_id", id}, {"amount", "1e3"}}), 400,
         "INVALID_AMOUNT");
  expect(http_request(port(), "POST", "/commands/deposit", R"({"account_id":"a","amount":"1"})",
                      {{"Content-Type", "text/plain"}}),
         415, "UNSUPPORTED_MEDIA_TYPE");
  const std::string huge = R"({"account_id":")" + id + R"(","amount":"1","description":")" +
                           std::string(70 * 1024, 'x') + R"("})";
  expect(http_request(port(), "POST", "/commands/deposit", huge, json_type), 413, "BODY_TOO_LARGE");
  expect(post_json(port(), "/commands/deposit",
                   {{"account_id", "nobody-" + unique_suffix()}, {"amount", "1"}}),
         404, "ACCOUNT_NOT_FOUND");
  expect(http_request(port(), "GET", "/accounts/nobody-" + unique_suffix() + "?consistency=strong"),
         404, "ACCOUNT_NOT_FOUND");
  expect(http_request(port(), "DELETE", "/accounts/" + id), 405, "METHOD_NOT_ALLOWED");
  expect(http_request(port(), "GET", "/no/such/route"), 404, "ROUTE_NOT_FOUND");
  expect(http_request(port(), "GET", "/accounts/" + id + "/events?limit=5000"), 400,
         "INVALID_FIELD");
  EXPECT_EQ(account(id)["balance"], "10.00");
}

TEST_F(commands, given_health_when_store_up_then_ok) {
  const auto r = http_request(port(), "GET", "/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["event_store"], "up");
}

}  // namespace
}  // namespace chronicle::testing
