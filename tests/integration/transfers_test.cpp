// Transfers and closing accounts through the real HTTP API and PostgreSQL,
// including the seed's demo scenario.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "tests/support/http_client.hpp"
#include "tests/support/node_suite.hpp"

namespace chronicle::testing {
namespace {

using nlohmann::json;

class transfers : public node_suite {
 protected:
  static std::string open(const std::string& tag, const std::string& initial,
                          const std::string& currency = "USD") {
    const std::string id = tag + "-" + unique_suffix();
    const auto r = post_json(port(), "/commands/create-account",
                             {{"account_id", id},
                              {"owner_name", tag},
                              {"currency", currency},
                              {"initial_balance", initial}});
    EXPECT_EQ(r.status, 201) << r.body;
    return id;
  }

  static json strong(const std::string& id) {
    return http_request(port(), "GET", "/accounts/" + id + "?consistency=strong").json();
  }

  static http_response transfer(const std::string& from, const std::string& to,
                                const std::string& amount, json extra = json::object()) {
    json body{{"from_account_id", from}, {"to_account_id", to}, {"amount", amount}};
    body.update(extra);
    return post_json(port(), "/commands/transfer", body);
  }
};

TEST_F(transfers, given_seed_scenario_then_balances_700_and_250_and_history_shows_it) {
  const auto a = open("seed-a", "0");
  const auto b = open("seed-b", "0");
  ASSERT_EQ(post_json(port(), "/commands/deposit", {{"account_id", a}, {"amount", "1000"}}).status,
            201);
  const auto t = transfer(a, b, "300", {{"description", "rent share"}});
  ASSERT_EQ(t.status, 201) << t.body;
  const auto body = t.json();
  EXPECT_EQ(body["from_balance"], "700.00");
  EXPECT_EQ(body["to_balance"], "300.00");
  ASSERT_EQ(body["events"].size(), 2u);
  EXPECT_EQ(body["events"][0]["type"], "TransferDebited");
  EXPECT_EQ(body["events"][1]["type"], "TransferCredited");
  ASSERT_EQ(post_json(port(), "/commands/withdraw", {{"account_id", b}, {"amount", "50"}}).status,
            201);
  EXPECT_EQ(strong(a)["balance"], "700.00");
  EXPECT_EQ(strong(b)["balance"], "250.00");
  // Both legs carry the transfer id; each names the other account.
  const auto events =
      http_request(port(), "GET", "/accounts/" + b + "/events?from_version=2&limit=1").json();
  ASSERT_EQ(events["events"].size(), 1u);
  EXPECT_EQ(events["events"][0]["data"]["transfer_id"], body["transfer_id"]);
  EXPECT_EQ(events["events"][0]["data"]["counterparty"], a);
}

TEST_F(transfers, given_transfer_id_when_retried_then_same_answer_and_money_moves_once) {
  const auto a = open("idem-a", "10");
  const auto b = open("idem-b", "0");
  const json id{{"transfer_id", "tr-" + unique_suffix()}};
  const auto first = transfer(a, b, "4", id);
  ASSERT_EQ(first.status, 201) << first.body;
  const auto again = transfer(a, b, "4", id);
  ASSERT_EQ(again.status, 201);
  EXPECT_TRUE(again.json()["replayed"].get<bool>());
  EXPECT_EQ(again.json()["events"], first.json()["events"]);
  EXPECT_EQ(strong(a)["balance"], "6.00");
  const auto changed = transfer(a, b, "5", id);
  EXPECT_EQ(changed.status, 422);
  EXPECT_EQ(changed.json()["code"], "IDEMPOTENCY_KEY_REUSED");
}

TEST_F(transfers, given_broken_rules_then_documented_errors_and_nothing_moves) {
  const auto a = open("rule-a", "10");
  const auto b = open("rule-b", "0");
  const auto eur = open("rule-e", "0", "EUR");
  auto expect = [](const http_response& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.json().value("code", ""), code) << r.body;
  };
  expect(transfer(a, a, "1"), 422, "SAME_ACCOUNT");
  expect(transfer(a, eur, "1"), 422, "CURRENCY_MISMATCH");
  expect(transfer(a, b, "10.01"), 422, "INSUFFICIENT_FUNDS");
  expect(transfer(a, "nobody-" + unique_suffix(), "1"), 404, "ACCOUNT_NOT_FOUND");
  expect(transfer(a, b, "0"), 400, "INVALID_AMOUNT");
  expect(post_json(port(), "/commands/transfer", {{"from_account_id", a}, {"amount", "1"}}), 400,
         "MISSING_FIELD");
  EXPECT_EQ(strong(a)["balance"], "10.00");
  EXPECT_EQ(strong(b)["version"], 1);
}

TEST_F(transfers, given_closed_account_then_commands_and_transfers_refused) {
  const auto a = open("close-a", "5");
  const auto b = open("close-b", "0");
  const auto not_empty = post_json(port(), "/commands/close-account", {{"account_id", a}});
  EXPECT_EQ(not_empty.status, 422);
  EXPECT_EQ(not_empty.json()["code"], "BALANCE_NOT_ZERO");
  ASSERT_EQ(post_json(port(), "/commands/close-account", {{"account_id", b}}).status, 201);
  EXPECT_EQ(strong(b)["status"], "closed");
  const auto to_closed = transfer(a, b, "1");
  EXPECT_EQ(to_closed.status, 422);
  EXPECT_EQ(to_closed.json()["code"], "ACCOUNT_CLOSED");
  EXPECT_EQ(
      post_json(port(), "/commands/deposit", {{"account_id", b}, {"amount", "1"}}).json()["code"],
      "ACCOUNT_CLOSED");
}

TEST_F(transfers, given_concurrent_transfers_both_ways_then_all_answered_and_money_conserved) {
  const auto a = open("race-a", "100");
  const auto b = open("race-b", "100");
  constexpr int clients = 20;
  constexpr int transfers_each = 5;
  std::atomic<int> accepted{0}, other{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (int i = 0; i < transfers_each; ++i) {
        const auto r = c % 2 == 0 ? transfer(a, b, "3") : transfer(b, a, "2");
        (r.status == 201 ? accepted : other)++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), clients * transfers_each);
  EXPECT_EQ(other.load(), 0);
  const auto sa = strong(a);
  const auto sb = strong(b);
  const auto total =
      std::stod(sa["balance"].get<std::string>()) + std::stod(sb["balance"].get<std::string>());
  EXPECT_EQ(total, 200.0);  // whole cents only: exact in a double
  EXPECT_EQ(sa["version"], 1 + clients * transfers_each);
  EXPECT_EQ(sb["version"], 1 + clients * transfers_each);
}


TEST_F(transfers, given_idempotency_key_spelled_like_its_transfer_id_then_201_and_retry_replays) {
  // Keys and transfer ids have namespaces of their own: this key is not the transfer's
  // record, and the two records of one request do not collide.
  const auto a = open("spell-a", "10");
  const auto b = open("spell-b", "0");
  const auto transfer_id = "spelled-" + unique_suffix();
  const json body{{"from_account_id", a},
                  {"to_account_id", b},
                  {"amount", "4"},
                  {"transfer_id", transfer_id}};
  const std::map<std::string, std::string> key{{"Idempotency-Key", "transfer:" + transfer_id}};
  const auto first = post_json(port(), "/commands/transfer", body, key);
  ASSERT_EQ(first.status, 201) << first.body;
  const auto again = post_json(port(), "/commands/transfer", body, key);
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_TRUE(again.json()["replayed"].get<bool>());
  EXPECT_EQ(again.json()["events"], first.json()["events"]);
  EXPECT_EQ(strong(a)["balance"], "6.00");
  EXPECT_EQ(strong(b)["version"], 2);
}

}  // namespace
}  // namespace chronicle::testing
