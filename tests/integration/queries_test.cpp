// The read side through the real HTTP API: commands reach the read models via
// the outbox, NATS JetStream and the projection, and the query routes serve
// them, paged.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "http/routes.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_suite.hpp"

namespace chronicle::testing {
namespace {

using nlohmann::json;

constexpr int converge_polls_max = 150;
constexpr auto converge_poll = std::chrono::milliseconds{100};

class queries : public node_suite {
 protected:
  static void command(const std::string& route, const json& body) {
    const auto r = post_json(port(), "/commands/" + route, body);
    ASSERT_EQ(r.status, 201) << r.body;
  }

  // The read model's view of an account once it reached `version` (bounded wait).
  static json eventual(const std::string& id, std::int64_t version) {
    json last;
    for (int i = 0; i < converge_polls_max; ++i) {
      const auto r = http_request(port(), "GET", "/accounts/" + id);
      last = r.json();
      if (r.status == 200 && last.value("version", 0) >= version) return last;
      std::this_thread::sleep_for(converge_poll);
    }
    ADD_FAILURE() << "read model of " << id << " did not reach version " << version << ": "
                  << last.dump();
    return last;
  }
};

TEST_F(queries, given_commands_when_read_model_converges_then_equals_strong_read) {
  const std::string id = "q-" + unique_suffix();
  command("create-account", {{"account_id", id},
                             {"owner_name", "Quinn"},
                             {"currency", "EUR"},
                             {"initial_balance", "10"}});
  command("deposit", {{"account_id", id}, {"amount", "2.50"}, {"description", "coffee refund"}});
  command("withdraw", {{"account_id", id}, {"amount", "1"}});
  const auto view = eventual(id, 3);
  const auto strong = http_request(port(), "GET", "/accounts/" + id + "?consistency=strong").json();
  EXPECT_EQ(view["consistency"], "eventual");
  EXPECT_EQ(strong["consistency"], "strong");
  for (const char* field : {"balance", "version", "owner_name", "currency", "last_hash"}) {
    EXPECT_EQ(view[field], strong[field]) << field;
  }
  EXPECT_EQ(view["balance"], "11.50");
}

TEST_F(queries, given_transactions_when_paged_then_newest_first_with_running_balance) {
  const std::string id = "tx-" + unique_suffix();
  command("create-account", {{"account_id", id}, {"owner_name", "T"}, {"currency", "USD"}});
  for (int i = 1; i <= 4; ++i) {
    command("deposit", {{"account_id", id}, {"amount", std::to_string(i)}});
  }
  eventual(id, 5);
  const auto first =
      http_request(port(), "GET", "/accounts/" + id + "/transactions?limit=3").json();
  ASSERT_EQ(first["transactions"].size(), 3u);
  EXPECT_EQ(first["transactions"][0]["version"], 5);
  EXPECT_EQ(first["transactions"][0]["balance_after"], "10.00");
  EXPECT_EQ(first["transactions"][0]["amount"], "4.00");
  EXPECT_EQ(first["transactions"][2]["balance_after"], "3.00");
  const auto before = first["next_before"].get<std::int64_t>();
  const auto second =
      http_request(port(), "GET",
                   "/accounts/" + id + "/transactions?limit=3&before=" + std::to_string(before))
          .json();
  ASSERT_EQ(second["transactions"].size(), 2u);
  EXPECT_EQ(second["transactions"][1]["type"], "opening");
  EXPECT_EQ(
      http_request(port(), "GET", "/accounts/nobody-" + unique_suffix() + "/transactions").status,
      404);
}

TEST_F(queries, given_owner_filter_when_listing_accounts_then_only_theirs_in_id_order) {
  const std::string owner = "Owner " + unique_suffix();
  const std::string prefix = "own-" + unique_suffix();
  for (const char* suffix : {"-b", "-a", "-c"}) {
    command("create-account",
            {{"account_id", prefix + suffix}, {"owner_name", owner}, {"currency", "GBP"}});
  }
  for (const char* suffix : {"-a", "-b", "-c"}) eventual(prefix + suffix, 1);
  const std::string query = "/accounts?owner=" + owner.substr(0, 5) + "%20" + owner.substr(6);
  const auto page = http_request(port(), "GET", query + "&limit=2").json();
  ASSERT_EQ(page["accounts"].size(), 2u);
  EXPECT_EQ(page["accounts"][0]["account_id"], prefix + "-a");
  EXPECT_EQ(page["accounts"][1]["account_id"], prefix + "-b");
  const auto rest =
      http_request(port(), "GET", query + "&limit=2&after=" + page["next_after"].get<std::string>())
          .json();
  ASSERT_EQ(rest["accounts"].size(), 1u);
  EXPECT_EQ(rest["accounts"][0]["account_id"], prefix + "-c");
}

TEST_F(queries, given_timeline_when_paged_by_cursor_then_every_event_once_newest_first) {
  const std::string id = "tl-" + unique_suffix();
  command("create-account", {{"account_id", id}, {"owner_name", "L"}, {"currency", "USD"}});
  command("deposit", {{"account_id", id}, {"amount", "1"}});
  command("deposit", {{"account_id", id}, {"amount", "2"}});
  eventual(id, 3);
  const auto page = http_request(port(), "GET", "/events?limit=2").json();
  ASSERT_EQ(page["events"].size(), 2u);
  const auto t0 = page["events"][0]["occurred_at"].get<std::string>();
  const auto t1 = page["events"][1]["occurred_at"].get<std::string>();
  EXPECT_GE(t0, t1);
  const auto next =
      http_request(port(), "GET", "/events?limit=2&after=" + page["next"].get<std::string>())
          .json();
  ASSERT_FALSE(next["events"].empty());
  EXPECT_NE(next["events"][0]["event_id"], page["events"][1]["event_id"]);
  EXPECT_LE(next["events"][0]["occurred_at"].get<std::string>(), t1);
  // Oldest first, the same events come the other way round.
  const auto asc = http_request(port(), "GET", "/events?order=asc&limit=1").json();
  ASSERT_EQ(asc["events"].size(), 1u);
  EXPECT_LE(asc["events"][0]["occurred_at"].get<std::string>(), t1);
  EXPECT_EQ(http_request(port(), "GET", "/events?after=garbage").status, 400);
}

TEST_F(queries, given_running_node_then_health_reports_projection_lag_and_metrics_export_it) {
  const std::string id = "h-" + unique_suffix();
  command("create-account", {{"account_id", id}, {"owner_name", "H"}, {"currency", "USD"}});
  eventual(id, 1);
  const auto health = http_request(port(), "GET", "/health");
  ASSERT_EQ(health.status, 200);
  const auto body = health.json();
  EXPECT_EQ(body["read_models"], "up");
  ASSERT_EQ(body["projections"].size(), 4u);
  for (const auto& p : body["projections"]) {
    EXPECT_TRUE(p.contains("lag_ms")) << p.dump();
    EXPECT_GT(p["events_applied"].get<std::int64_t>(), 0);
  }
  const auto metrics = http_request(port(), "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("chronicle_projection_lag_seconds{projection=\"balances\"}"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("chronicle_event_store_up 1"), std::string::npos);
}

TEST_F(queries, given_running_node_then_it_serves_the_openapi_document_it_was_built_with) {
  const auto served = http_request(port(), "GET", "/openapi.json");
  ASSERT_EQ(served.status, 200);
  EXPECT_EQ(served.headers.at("content-type"), "application/json");
  EXPECT_EQ(served.json(), json::parse(http::openapi_document()));
}

}  // namespace
}  // namespace chronicle::testing
